"""The ``flask events`` command: the event listener process (see app/events.py).

Wired by one line in ``app/cli.py``'s ``init_app``: ``events_cli.init_app(app)``.
"""
from __future__ import annotations

import click
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    @app.cli.command("events")
    @click.option("--reload-seconds", default=10.0, show_default=True, type=float,
                  help="How often to re-read which flows listen (deploys and disables take effect then).")
    def events(reload_seconds: float) -> None:
        """Run the event listener: start runs of event-triggered flows from their message queues."""
        from app.events import run_forever

        run_forever(current_app._get_current_object(), reload_seconds=reload_seconds)
