"""Auto-mapping: a rule for every target field that has a source field of the same or a similar name.

Names are compared without case, `_`, `-` and spaces, so `customer_email`, `Customer-Email` and
`CustomerEmail` are one name. A target is matched, in this order, by:

1. its whole path (`customer.email` ↔ `CustomerEmail`, `lines.*.sku` ↔ `Lines.*.SKU`);
2. its field tag (an endpoint's `field_tags`, e.g. both tagged "customer email": `mail` ↔ `EmailAddress`),
   when exactly one source field carries the same tag;
3. its last name, when exactly one source field of that last name sits in as many lists
   (`buyer.email` ↔ `customer.email`); several equally good candidates are left for the user.

Only leaf fields are matched (not an object whose fields are listed too), and a target that a rule
already writes, or that sits inside or around one (`a` and `a.b`), is never touched: the user's rules win.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.flows.paths import STAR, PathError, parse_path

_IGNORED = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class Proposal:
    source: str
    target: str
    how: str  # "path": the whole path matched; "tag": the field tag matched; "name": the last name matched


@dataclass
class Outcome:
    proposals: list[Proposal] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # target -> the source fields that could fit
    taken: int = 0  # target fields left alone because a rule of the user already writes them


def normalise(name: str) -> str:
    return _IGNORED.sub("", name).casefold()


def _segments(path: str) -> tuple | None:
    try:
        segs = parse_path(path)
    except PathError:
        return None
    return tuple("*" if s is STAR else s for s in segs) or None


@dataclass(frozen=True)
class _Key:
    path: str
    segs: tuple
    whole: str  # normalised names joined, lists kept as `*`: customer.email and CustomerEmail meet here
    last: str
    stars: int


def _key(path: str) -> _Key | None:
    segs = _segments(path)
    if segs is None:
        return None
    names = [normalise(s) for s in segs if s != "*"]
    if not names or not all(names):
        return None
    whole = "".join("*" if s == "*" else normalise(s) for s in segs)
    return _Key(path, segs, whole, names[-1], segs.count("*"))


def _is_prefix(short: tuple, long: tuple) -> bool:
    return len(short) <= len(long) and long[:len(short)] == short


def leaves(paths: list[str]) -> list[_Key]:
    """The paths that are not a parent of another listed path (`customer` goes when `customer.email` is there)."""
    keys = [k for k in dict.fromkeys(_key(p) for p in paths if p) if k is not None]
    segs = [k.segs for k in keys]
    return [k for k in keys if not any(len(o) > len(k.segs) and _is_prefix(k.segs, o) for o in segs)]


def _trailing_match(a: tuple, b: tuple) -> int:
    """How many names match at the end of two paths (lists ignored): the closer relative wins a tie."""
    a_names = [normalise(s) for s in a if s != "*"]
    b_names = [normalise(s) for s in b if s != "*"]
    n = 0
    while n < min(len(a_names), len(b_names)) and a_names[-1 - n] == b_names[-1 - n]:
        n += 1
    return n


def _existing_targets(rules) -> list[tuple]:
    """Target paths of the user's rules: rule dicts (a saved config) or the form's rows."""
    out = []
    for rule in rules or []:
        target = rule.get("target") if isinstance(rule, dict) else getattr(rule, "target", "")
        segs = _segments(str(target or "").strip())
        if segs:
            out.append(segs)
    return out


def _tags(tags: dict | None) -> dict[tuple, str]:
    """Field path -> tag, keyed by the path's segments (so `lines[*].sku` and `lines.*.sku` are one field)."""
    out = {}
    for path, tag in (tags or {}).items():
        segs = _segments(str(path).strip())
        if segs and isinstance(tag, str) and tag.strip():
            out[segs] = " ".join(tag.split()).casefold()
    return out


def propose(source_paths: list[str], target_paths: list[str], rules=(), source_tags: dict | None = None,
            target_tags: dict | None = None) -> Outcome:
    """Rules to add for the target fields that no rule writes yet; `rules` are the user's, never changed.
    `source_tags` / `target_tags` are field path -> tag (the endpoints' `field_tags`)."""
    outcome = Outcome()
    tag_of_target = _tags(target_tags)
    tag_of_source = _tags(source_tags)
    taken = _existing_targets(rules)
    sources = leaves(source_paths)
    by_whole: dict[str, list[_Key]] = {}
    by_last: dict[tuple[str, int], list[_Key]] = {}
    by_tag: dict[str, list[_Key]] = {}
    for key in sources:
        by_whole.setdefault(key.whole, []).append(key)
        by_last.setdefault((key.last, key.stars), []).append(key)
        if key.segs in tag_of_source:
            by_tag.setdefault(tag_of_source[key.segs], []).append(key)
    for target in leaves(target_paths):
        if any(_is_prefix(t, target.segs) or _is_prefix(target.segs, t) for t in taken):
            outcome.taken += 1
            continue
        same = by_whole.get(target.whole, [])
        if same:
            # `customer_email` and `customer.email` both fit `CustomerEmail`: the same spelling first, else the first.
            exact = [k for k in same if k.path.casefold() == target.path.casefold()]
            chosen, how = (exact or same)[0], "path"
        elif len(by_tag.get(tag_of_target.get(target.segs, ""), [])) == 1:
            chosen, how = by_tag[tag_of_target[target.segs]][0], "tag"
        else:
            near = by_last.get((target.last, target.stars), [])
            if not near:
                continue
            best = max(_trailing_match(k.segs, target.segs) for k in near)
            closest = [k for k in near if _trailing_match(k.segs, target.segs) == best]
            if len(closest) > 1:
                outcome.ambiguous[target.path] = [k.path for k in closest]
                continue
            chosen, how = closest[0], "name"
        outcome.proposals.append(Proposal(chosen.path, target.path, how))
        taken.append(target.segs)
    return outcome
