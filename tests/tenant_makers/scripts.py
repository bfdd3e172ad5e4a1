"""Makers for the scripts room's tenant models."""
from __future__ import annotations

from app.scripts import services
from app.scripts.models import Script, ScriptVersion


def make_script(company):
    return services.create_script(company, "Split names", "python")


MAKERS = {Script: make_script, ScriptVersion: lambda c: make_script(c).versions[0]}
