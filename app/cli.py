"""Flask CLI commands: demo data, the scheduler and the embedded Redis."""
from __future__ import annotations

import click
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    from app import events_cli

    events_cli.init_app(app)
    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo companies, users and flow (safe to run again)."""
        from app import demo

        result = demo.seed()
        click.echo(f"Demo data ready: {result['partner']} and its linked companies.")
        click.echo("Sign in with any of: " + ", ".join(result["users"]))
        click.echo(f"Password for every demo user: {result['password']}")

    @app.cli.command("scheduler")
    def scheduler():
        """Run the scheduler loop (one per installation is active; others wait for the lock)."""
        from app.scheduler import run_forever

        run_forever(current_app.config["SCHEDULER_TICK_SECONDS"])

    @app.cli.command("redis")
    def redis_serve():
        """Serve the embedded Redis in the foreground (used by the Procfile when REDIS_URL is unset)."""
        from app import redis_local

        if current_app.config.get("REDIS_URL"):
            click.echo("REDIS_URL is set: no embedded Redis needed.")
            import time

            while True:  # honcho stops every process when one exits, so stay up quietly
                time.sleep(3600)
        redis_local.serve(current_app.config["INSTANCE_PATH"])
