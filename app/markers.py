"""Translation markers with no Flask in sight, so the engine's pure modules can mark their labels."""
from __future__ import annotations


def N_(text: str) -> str:
    """Marks a constant for extraction (pybabel's default N_ keyword); it is translated where it is shown."""
    return text
