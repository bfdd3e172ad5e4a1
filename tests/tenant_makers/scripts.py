"""Makers for the scripts room's tenant models."""
from __future__ import annotations

import itertools

from app.scripts import services
from app.scripts.models import Script, ScriptVersion

_seq = itertools.count(1)


def make_script(company):
    # A fresh name per call: the isolation tests make every model in one company.
    return services.create_script(company, f"Split names {next(_seq)}", "python")


MAKERS = {Script: make_script, ScriptVersion: lambda c: make_script(c).versions[0]}
