"""Jinja filters for numbers, sizes and times as people read them."""
from __future__ import annotations

from datetime import datetime

from flask import Flask


def filesize(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def clock(value: datetime | None) -> str:
    return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}" if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(filesize=filesize, duration=duration, when=when, clock=clock)
