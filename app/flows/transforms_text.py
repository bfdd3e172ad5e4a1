"""String and array transform functions (registered into transforms.TRANSFORMS on import)."""
from __future__ import annotations

import re

from app.flows.paths import compile_path
from app.flows.transforms import (
    MISSING,
    Param,
    TransformError,
    as_text,
    describe,
    json_text,
    parse_number,
    register,
)
from app.flows.variables import VariableError, compile_template, to_text

MAX_PAD = 100_000  # a longer pad is a typo, and would let one rule allocate gigabytes

# ---------------------------------------------------------------- array


@register("array_join", "Array join", "array", (
    Param("separator", "Separator", "text", default=",", help="Put between elements; may be empty."),
    Param("skip_nulls", "Skip nulls", "bool", default=True, help="Leave out null elements."),
), each=False, example='["a", "b", null, 3] → "a,b,3"')
def array_join(v, p, tctx):
    """Join the elements of a list into one text. Objects are written as JSON; a non-list is written as text."""
    if type(v) is not list:
        return as_text(v, "Array join")
    sep = p["separator"]
    if p["skip_nulls"]:
        return sep.join(to_text(x) for x in v if x is not None)
    return sep.join(to_text(x) for x in v)


# ---------------------------------------------------------------- string


def _setup_custom_string(p: dict) -> None:
    try:
        p["_template"] = compile_template(p["text"])
    except VariableError as exc:
        raise TransformError(str(exc)) from None


@register("custom_string", "Custom string", "string", (
    Param("text", "Text", "text", default="",
          help="Fixed text; may hold {{flow.variables.name}}, [[meta.key]] or [[payload.field]]."),
), needs_source=False, nulls="any", each=False, setup=_setup_custom_string,
    example='"{{flow.variables.channel}}-web" → "shop-web"')
def custom_string(v, p, tctx):
    """Constant text. Variables are resolved per record; [[payload.x]] reads the record being mapped."""
    t = p["_template"]
    if t.is_constant:
        return t.text
    return t.render(tctx.scope(), tctx.record)


def _to_num_or_none(v, label: str):
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, (int, float)):
        return v
    s = as_text(v, label)
    if not s.strip():
        return None
    if len(s) > 4000:
        raise TransformError(f"{label}: {describe(v)} is too long to be a number")
    try:
        return parse_number(s)
    except ValueError:
        raise TransformError(f"{label}: {describe(v)} is not a number") from None


@register("cast_to_float", "Cast to float", "string", example='"12" → 12.0')
def cast_to_float(v, p, tctx):
    """A decimal number from text or a number. Blank text gives null; true/false give 1.0/0.0."""
    n = _to_num_or_none(v, "Cast to float")
    if n is None:
        return None
    try:
        return float(n)
    except OverflowError:
        raise TransformError(f"Cast to float: {describe(v)} is too large") from None


@register("cast_to_number", "Cast to number", "string", example='"12" → 12, "12.50" → 12.5')
def cast_to_number(v, p, tctx):
    """A whole number when the text is whole, otherwise a decimal. Blank text gives null."""
    return _to_num_or_none(v, "Cast to number")


def _setup_concatenate(p: dict) -> None:
    p["_getters"] = [compile_path(f) for f in p["fields"]]


@register("concatenate", "Concatenate", "string", (
    Param("separator", "Separator", "text", default=" "),
    Param("fields", "Extra fields", "fields", default=(),
          help="More source fields (paths in the record) joined after the rule's source value(s)."),
    Param("skip_empty", "Skip empty", "bool", default=True, help="Leave out null, missing and empty values."),
), nulls="any", each=False, setup=_setup_concatenate,
    example='sources ["first", "last"], separator " " → "Ada Lovelace"')
def concatenate(v, p, tctx):
    """Join several values with a separator: the rule's sources (a list) then any extra fields.

    When every value is missing the result is missing, so the target is not written.
    """
    values = list(v) if type(v) is list else [v]
    if p["_getters"]:
        rec = tctx.record
        values.extend(g(rec) for g in p["_getters"])
    if all(x is MISSING for x in values):
        return MISSING
    parts = []
    for x in values:
        if x is MISSING or x is None:
            if p["skip_empty"]:
                continue
            x = ""
        s = to_text(x)
        if s or not p["skip_empty"]:
            parts.append(s)
    return p["separator"].join(parts)


def _setup_many(p: dict) -> None:
    items = [s.strip() for s in p["values"].split(",")]
    items = [s for s in items if s]
    if not items:
        raise TransformError("list at least one value (comma-separated)")
    if not p["case_sensitive"]:
        items = [s.casefold() for s in items]
    p["_items"] = tuple(items)
    p["_set"] = frozenset(items)


def _matches_any(v, p) -> bool:
    if v is None or v is MISSING:
        return False
    if type(v) is list:
        return any(_matches_any(x, p) for x in v)
    if type(v) is dict:
        return False
    s = to_text(v).strip()
    if not p["case_sensitive"]:
        s = s.casefold()
    if p["match"] == "equals":
        return s in p["_set"]
    return any(item in s for item in p["_items"])


_MANY_PARAMS = (
    Param("values", "Values", "text", required=True,
          help="Comma-separated, e.g. FR,BE,DE. Spaces around items are ignored."),
    Param("match", "Match", "choice", default="equals", choices=("equals", "contains"),
          help="equals: the whole value is one of the items (as in the filter shape); "
               "contains: it holds one as a substring."),
    Param("case_sensitive", "Case sensitive", "bool", default=False),
)


@register("contains_one_of_many", "Contains one of many", "string", _MANY_PARAMS, nulls="any", each=False,
          setup=_setup_many, example='"DE" with FR,BE,DE → true')
def contains_one_of_many(v, p, tctx):
    """true when the value matches any listed item (a list matches when any element does); null gives false."""
    return _matches_any(v, p)


@register("does_not_contain_one_of_many", "Does not contain one of many", "string", _MANY_PARAMS, nulls="any",
          each=False, setup=_setup_many, example='"US" with FR,BE,DE → true')
def does_not_contain_one_of_many(v, p, tctx):
    """The opposite of Contains one of many; null gives true."""
    return not _matches_any(v, p)


@register("first_word", "First word", "string", example='"  Ada  Lovelace " → "Ada"')
def first_word(v, p, tctx):
    """The first whitespace-separated word; '' for blank text."""
    parts = as_text(v, "First word").split(None, 1)
    return parts[0] if parts else ""


@register("last_word", "Last word", "string", example='"Ada King Lovelace" → "Lovelace"')
def last_word(v, p, tctx):
    """The last whitespace-separated word; '' for blank text."""
    parts = as_text(v, "Last word").rsplit(None, 1)
    return parts[-1] if parts else ""


@register("json_encode", "JSON encode", "string", (
    Param("pretty", "Pretty", "bool", default=False, help="Indent the JSON over several lines."),
), nulls="any", each=False, example='{"a": 1} → "{\\"a\\":1}"')
def json_encode(v, p, tctx):
    """The value as JSON text (null becomes "null"); a missing value stays missing."""
    if v is MISSING:
        return MISSING
    return json_text(v, p["pretty"])


def _setup_pad(p: dict) -> None:
    n = p["length"]
    if n != int(n) or n < 0:
        raise TransformError(f"length must be a whole number of 0 or more, not {n}")
    if n > MAX_PAD:
        raise TransformError(f"length can be at most {MAX_PAD:,}")
    p["length"] = int(n)
    if len(p["character"]) != 1:
        raise TransformError(f"pad character must be exactly one character, not '{p['character']}'")


@register("pad", "Pad", "string", (
    Param("direction", "Direction", "choice", default="left", choices=("left", "right", "both")),
    Param("length", "Length", "number", required=True, help="The final length; longer values are left as they are."),
    Param("character", "Pad character", "text", default=" ", help="One character; a space is allowed."),
), setup=_setup_pad, example='"12345678", 20, "*", both → "******12345678******"')
def pad(v, p, tctx):
    """Pad to a length. 'both' splits evenly; an odd extra character goes on the right."""
    s = as_text(v, "Pad")
    missing = p["length"] - len(s)
    if missing <= 0:
        return s
    c = p["character"]
    d = p["direction"]
    if d == "left":
        return c * missing + s
    if d == "right":
        return s + c * missing
    left = missing // 2
    return c * left + s + c * (missing - left)


def _setup_replace(p: dict) -> None:
    if p["search"] == "":
        raise TransformError("search text is required")
    count = p["count"]
    if count != int(count) or count < 0:
        raise TransformError(f"count must be a whole number of 0 or more, not {count}")
    p["count"] = int(count)
    flags = 0 if p["case_sensitive"] else re.IGNORECASE
    if p["mode"] == "regex":
        try:
            p["_re"] = re.compile(p["search"], flags)
        except re.error as exc:
            raise TransformError(f"the regular expression is invalid: {exc}") from None
    elif not p["case_sensitive"]:
        p["_re"] = re.compile(re.escape(p["search"]), flags)
        p["_literal_repl"] = True


@register("replace", "Replace", "string", (
    Param("search", "Search for", "text", required=True),
    Param("replace_with", "Replace with", "text", default="",
          help="In regex mode \\1 or \\g<name> insert captured groups."),
    Param("mode", "Mode", "choice", default="plain", choices=("plain", "regex")),
    Param("case_sensitive", "Case sensitive", "bool", default=True),
    Param("count", "Max replacements", "number", default=0, help="0 replaces every occurrence."),
), setup=_setup_replace, example='"2024/01/02", "/" → "-" gives "2024-01-02"')
def replace(v, p, tctx):
    """Replace text (plain) or a Python regular expression (regex)."""
    s = as_text(v, "Replace")
    rx = p.get("_re")
    if rx is None:
        return s.replace(p["search"], p["replace_with"], p["count"] or -1)
    repl = p["replace_with"]
    if p.get("_literal_repl"):
        return rx.sub(lambda m: repl, s, p["count"])
    try:
        return rx.sub(repl, s, p["count"])
    except re.error as exc:
        raise TransformError(f"Replace: {exc}") from None


def _setup_split(p: dict) -> None:
    if p["delimiter"] == "":
        raise TransformError("delimiter cannot be empty")
    idx = p["index"]
    if idx is not None and idx != int(idx):
        raise TransformError(f"index must be a whole number, not {idx}")
    p["index"] = None if idx is None else int(idx)


@register("split_string", "Split string", "string", (
    Param("delimiter", "Delimiter", "text", default=","),
    Param("index", "Index", "number", help="0 is the first part, -1 the last. Blank returns every part as a list."),
), setup=_setup_split, example='"a,b,c", ",", -1 → "c"')
def split_string(v, p, tctx):
    """Split text on a delimiter and keep one part; an index past the end gives null."""
    parts = as_text(v, "Split string").split(p["delimiter"])
    idx = p["index"]
    if idx is None:
        return parts
    if -len(parts) <= idx < len(parts):
        return parts[idx]
    return None


@register("prefix", "Prefix", "string", (Param("text", "Text", "text", default=""),),
          example='"RED001", "AW25-" → "AW25-RED001"')
def prefix(v, p, tctx):
    """Add text at the start."""
    return p["text"] + as_text(v, "Prefix")


@register("suffix", "Suffix", "string", (Param("text", "Text", "text", default=""),),
          example='"RED001", "-XL" → "RED001-XL"')
def suffix(v, p, tctx):
    """Add text at the end."""
    return as_text(v, "Suffix") + p["text"]

