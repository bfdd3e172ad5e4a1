"""An open live-log stream checks the viewer's access again on each ping: when a team member's grant is
revoked, their role lowered, the company starts requiring 2FA, or the account is deactivated while they
watch, the stream ends with an `ended` event the run page shows, instead of relaying the run's rows.

The streams are real: a threaded HTTP server on 127.0.0.1 and a socket reading the event stream."""
from __future__ import annotations

import http.client
import threading
import time

import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from app.accounts.models import User
from app.companies.models import Company, TeamAccess
from app.extensions import db
from app.runs import services as run_services
from tests import factories
from tests.conftest import free_port


@pytest.fixture
def server(app):
    """The test app (pings every 0.5 s) served over real HTTP; yields its port."""
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield port
    httpd.shutdown()


@pytest.fixture
def acme_run(app, partner):
    """A run in Acme that stays queued (no worker), so its stream stays open."""
    with app.app_context():
        flow = factories.flow(db.session.get(Company, partner.acme), name="Acme orders")
        return run_services.start_run(flow).id


class Stream:
    """One real SSE connection: reads event blocks as the server sends them."""

    def __init__(self, port: int, path: str, cookie: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", path, headers={"Cookie": f"session={cookie}", "Accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        self.blocks: list[str] = []

    def next_block(self) -> str | None:
        lines = []
        while True:
            line = self.response.readline().decode()
            if line == "":
                return None  # the server ended the stream
            if line == "\n":
                block = "".join(lines)
                self.blocks.append(block)
                return block
            lines.append(line)

    def read_until(self, predicate, seconds: float = 8) -> str | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            block = self.next_block()
            if block is None or predicate(block):
                return block
        raise AssertionError(f"nothing matched within {seconds} s: {self.blocks[-5:]}")

    def close(self):
        self.conn.close()


def watch(client, sign_in, port, email, run_id, switch_to=None) -> Stream:
    sign_in(email)
    if switch_to:
        assert client.post(f"/companies/{switch_to}/switch").status_code == 303
    stream = Stream(port, f"/runs/{run_id}/stream?after=0", client.get_cookie("session").value)
    assert stream.response.status == 200 and stream.response.getheader("Content-Type").startswith("text/event-stream")
    assert "queued" in stream.read_until(lambda b: b.startswith("event: status"))
    assert stream.read_until(lambda b: b.startswith(": ping")), "while access stands, the stream keeps pinging"
    assert stream.read_until(lambda b: b.startswith(": ping"))
    return stream


def assert_ended(stream: Stream, reason: str, message: str) -> None:
    ended = stream.read_until(lambda b: b.startswith("event: ended"))
    assert ended is not None, "the stream must say why it stops, not just stop"
    assert f'data-reason="{reason}"' in ended and message in ended
    assert 'id="run-live"' in ended, "it replaces the live part of the run page"
    assert stream.next_block() is None, "and the server closes the stream"
    stream.close()


def revoke(app, user_id, company_id):
    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == user_id, TeamAccess.company_id == company_id))
        db.session.commit()


def test_revoking_a_team_members_access_ends_their_open_stream(app, client, partner, sign_in, server, acme_run):
    stream = watch(client, sign_in, server, partner.emails["manager"], acme_run, switch_to=partner.acme)
    revoke(app, partner.ids["manager"], partner.acme)
    assert_ended(stream, "access_ended", "Your access to Acme Retail has ended, so this live log has stopped.")


def test_lowering_the_role_ends_the_stream(app, client, partner, sign_in, server, acme_run):
    stream = watch(client, sign_in, server, partner.emails["manager"], acme_run, switch_to=partner.acme)
    with app.app_context():
        db.session.get(User, partner.ids["manager"]).role = "user"
        db.session.commit()
    assert_ended(stream, "access_ended", "Your access to Acme Retail has ended")


def test_the_company_requiring_2fa_ends_the_stream_of_a_team_member_without_it(app, client, partner, sign_in,
                                                                               server, acme_run):
    stream = watch(client, sign_in, server, partner.emails["manager"], acme_run, switch_to=partner.acme)
    with app.app_context():
        db.session.get(Company, partner.acme).require_2fa = True
        db.session.commit()
    assert_ended(stream, "two_factor", "Acme Retail now requires two-factor authentication, so this live log has "
                                       "stopped.")


def test_deactivating_the_account_ends_the_stream(app, client, partner, sign_in, server, acme_run):
    stream = watch(client, sign_in, server, partner.emails["manager"], acme_run, switch_to=partner.acme)
    with app.app_context():
        db.session.get(User, partner.ids["manager"]).active = False
        db.session.commit()
    assert_ended(stream, "signed_out", "You have been signed out, so this live log has stopped.")


def test_a_native_user_removed_while_watching_is_signed_out_of_the_stream(app, client, partner, sign_in, server,
                                                                         acme_run):
    stream = watch(client, sign_in, server, partner.native_email, acme_run)
    with app.app_context():
        user = db.session.get(User, partner.native)
        user.session_epoch += 1  # what deleting the account or changing its password does
        db.session.commit()
    assert_ended(stream, "signed_out", "You have been signed out")


def test_an_unrelated_change_does_not_end_the_stream(app, client, partner, sign_in, server, acme_run):
    stream = watch(client, sign_in, server, partner.emails["manager"], acme_run, switch_to=partner.acme)
    revoke(app, partner.ids["manager"], partner.globex)  # another company's grant
    for _ in range(3):
        assert stream.read_until(lambda b: b.startswith(": ping")).startswith(": ping")
    stream.close()


def test_the_run_page_swaps_the_ended_event_over_its_live_part(app, client, partner, sign_in, acme_run):
    sign_in(partner.native_email)
    page = client.get(f"/runs/{acme_run}").get_data(as_text=True)
    live = page.split('id="run-live"')[1]
    assert 'sse-swap="ended" hx-target="#run-live" hx-swap="outerHTML"' in live
