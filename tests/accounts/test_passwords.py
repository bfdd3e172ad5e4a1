"""The password policy and the Pwned Passwords k-anonymity range check against a real local server."""
from __future__ import annotations

import hashlib
import logging

import pytest

from app.accounts import passwords, pwned
from tests.accounts.conftest import PADDED
from tests.conftest import free_port


@pytest.mark.parametrize("password,message", [
    ("Ab1!", "Use at least 8 characters."),
    ("ABCDEFG1!", "Add a lowercase letter."),
    ("abcdefg1!", "Add an uppercase letter."),
    ("Abcdefgh!", "Add a digit."),
    ("Abcdefgh1", "Add one of these characters: ! $ # %"),
    ("Abcdefgh1@", "Add one of these characters: ! $ # %"),
])
def test_policy_names_what_is_missing(ctx, password, message):
    assert message in passwords.policy_errors(password)


@pytest.mark.parametrize("password", ["Abcdefg1!", "Abcdefg1$", "Abcdefg1#", "Abcdefg1%", "Ünïcödé9#Aa"])
def test_policy_accepts_good_passwords(ctx, password):
    assert passwords.policy_errors(password) == []


def test_a_breached_password_is_refused_and_only_five_hex_characters_are_sent(ctx, range_server):
    assert passwords.check("Password1!") == [
        "This password has appeared in a data breach. Please choose a different one."]
    assert passwords.check("Tr1cky!unique#Words") == []
    full = hashlib.sha1(b"Password1!").hexdigest().upper()
    assert range_server.requests[0] == "/range/" + full[:5]
    for path in range_server.requests:
        sent = path.rsplit("/", 1)[-1]
        assert len(sent) == 5 and full[5:] not in path


def test_padding_lines_with_a_zero_count_are_not_matches(ctx):
    assert pwned.is_compromised(PADDED) is False
    assert pwned.is_compromised("Summer2024!") is True


def test_an_unreachable_service_skips_the_check_with_a_warning(ctx, caplog):
    ctx.config["PWNED_RANGE_URL"] = f"http://127.0.0.1:{free_port()}/range/"
    with caplog.at_level(logging.WARNING, logger="app.accounts.pwned"):
        assert pwned.is_compromised("Password1!") is None
        assert passwords.check("Password1!") == []
    assert "password breach check skipped" in caplog.text


def test_an_empty_url_turns_the_check_off(ctx, range_server):
    ctx.config["PWNED_RANGE_URL"] = ""
    assert pwned.is_compromised("Password1!") is None
    assert range_server.requests == []
