"""Keys made from names: slugs, and the first key a list does not use yet."""
from __future__ import annotations

import re


def slugify(text: str, sep: str = "-") -> str:
    value = re.sub(r"[^a-z0-9]+", sep, (text or "").lower()).strip(sep)
    return value[:60].strip(sep)


def unique_key(base: str, taken: set[str], sep: str = "-") -> str:
    """base, else base-2, base-3 …: the first key not in `taken`, which then holds it too."""
    base = base or "connector"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}{sep}{n}"
        n += 1
    taken.add(candidate)
    return candidate
