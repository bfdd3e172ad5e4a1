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
from app.markers import N_

MAX_PAD = 100_000  # a longer pad is a typo, and would let one rule allocate gigabytes

# ---------------------------------------------------------------- array


@register("array_join", N_("Array join"), "array", (
    Param("separator", N_("Separator"), "text", default=",", help=N_("Put between elements; may be empty.")),
    Param("skip_nulls", N_("Skip nulls"), "bool", default=True, help=N_("Leave out null elements.")),
), each=False, example=N_('["a", "b", null, 3] → "a,b,3"'),
    description=N_("Join the elements of a list into one text. Objects are written as JSON; a non-list is written as"
                   " text."))
def array_join(v, p, tctx):
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


@register("custom_string", N_("Custom string"), "string", (
    Param("text", N_("Text"), "text", default="",
          help=N_("Fixed text; may hold {{flow.variables.name}}, [[meta.key]] or [[payload.field]].")),
), needs_source=False, nulls="any", each=False, setup=_setup_custom_string,
    example=N_('"{{flow.variables.channel}}-web" → "shop-web"'),
    description=N_("Constant text. Variables are resolved per record; [[payload.x]] reads the record being mapped."))
def custom_string(v, p, tctx):
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


@register("cast_to_float", N_("Cast to float"), "string", example=N_('"12" → 12.0'),
    description=N_("A decimal number from text or a number. Blank text gives null; true/false give 1.0/0.0."))
def cast_to_float(v, p, tctx):
    n = _to_num_or_none(v, "Cast to float")
    if n is None:
        return None
    try:
        return float(n)
    except OverflowError:
        raise TransformError(f"Cast to float: {describe(v)} is too large") from None


@register("cast_to_number", N_("Cast to number"), "string", example=N_('"12" → 12, "12.50" → 12.5'),
    description=N_("A whole number when the text is whole, otherwise a decimal. Blank text gives null."))
def cast_to_number(v, p, tctx):
    return _to_num_or_none(v, "Cast to number")


def _setup_concatenate(p: dict) -> None:
    p["_getters"] = [compile_path(f) for f in p["fields"]]


@register("concatenate", N_("Concatenate"), "string", (
    Param("separator", N_("Separator"), "text", default=" "),
    Param("fields", N_("Extra fields"), "fields", default=(),
          help=N_("More source fields (paths in the record) joined after the rule's source value(s).")),
    Param("skip_empty", N_("Skip empty"), "bool", default=True, help=N_("Leave out null, missing and empty values.")),
), nulls="any", each=False, setup=_setup_concatenate,
    example=N_('sources ["first", "last"], separator " " → "Ada Lovelace"'),
    description=N_("Join several values with a separator: the rule's sources (a list) then any extra fields. When "
                   "every value is missing the result is missing, so the target is not written."))
def concatenate(v, p, tctx):
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
    Param("values", N_("Values"), "text", required=True,
          help=N_("Comma-separated, e.g. FR,BE,DE. Spaces around items are ignored.")),
    Param("match", N_("Match"), "choice", default="equals", choices=("equals", "contains"),
          help=N_("equals: the whole value is one of the items (as in the filter shape); "
               "contains: it holds one as a substring.")),
    Param("case_sensitive", N_("Case sensitive"), "bool", default=False),
)


@register("contains_one_of_many", N_("Contains one of many"), "string", _MANY_PARAMS, nulls="any", each=False,
          setup=_setup_many, example=N_('"DE" with FR,BE,DE → true'),
    description=N_("true when the value matches any listed item (a list matches when any element does); null gives "
                   "false."))
def contains_one_of_many(v, p, tctx):
    return _matches_any(v, p)


@register("does_not_contain_one_of_many", N_("Does not contain one of many"), "string", _MANY_PARAMS, nulls="any",
          each=False, setup=_setup_many, example=N_('"US" with FR,BE,DE → true'),
    description=N_("The opposite of Contains one of many; null gives true."))
def does_not_contain_one_of_many(v, p, tctx):
    return not _matches_any(v, p)


@register("first_word", N_("First word"), "string", example=N_('"  Ada  Lovelace " → "Ada"'),
    description=N_("The first whitespace-separated word; '' for blank text."))
def first_word(v, p, tctx):
    parts = as_text(v, "First word").split(None, 1)
    return parts[0] if parts else ""


@register("last_word", N_("Last word"), "string", example=N_('"Ada King Lovelace" → "Lovelace"'),
    description=N_("The last whitespace-separated word; '' for blank text."))
def last_word(v, p, tctx):
    parts = as_text(v, "Last word").rsplit(None, 1)
    return parts[-1] if parts else ""


@register("json_encode", N_("JSON encode"), "string", (
    Param("pretty", N_("Pretty"), "bool", default=False, help=N_("Indent the JSON over several lines.")),
), nulls="any", each=False, example=N_('{"a": 1} → "{\\"a\\":1}"'),
    description=N_('The value as JSON text (null becomes "null"); a missing value stays missing.'))
def json_encode(v, p, tctx):
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


@register("pad", N_("Pad"), "string", (
    Param("direction", N_("Direction"), "choice", default="left", choices=("left", "right", "both")),
    Param("length", N_("Length"), "number", required=True,
          help=N_("The final length; longer values are left as they are.")),
    Param("character", N_("Pad character"), "text", default=" ", help=N_("One character; a space is allowed.")),
), setup=_setup_pad, example=N_('"12345678", 20, "*", both → "******12345678******"'),
    description=N_("Pad to a length. 'both' splits evenly; an odd extra character goes on the right."))
def pad(v, p, tctx):
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


@register("replace", N_("Replace"), "string", (
    Param("search", N_("Search for"), "text", required=True),
    Param("replace_with", N_("Replace with"), "text", default="",
          help=N_("In regex mode \\1 or \\g<name> insert captured groups.")),
    Param("mode", N_("Mode"), "choice", default="plain", choices=("plain", "regex")),
    Param("case_sensitive", N_("Case sensitive"), "bool", default=True),
    Param("count", N_("Max replacements"), "number", default=0, help=N_("0 replaces every occurrence.")),
), setup=_setup_replace, example=N_('"2024/01/02", "/" → "-" gives "2024-01-02"'),
    description=N_("Replace text (plain) or a Python regular expression (regex)."))
def replace(v, p, tctx):
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


@register("split_string", N_("Split string"), "string", (
    Param("delimiter", N_("Delimiter"), "text", default=","),
    Param("index", N_("Index"), "number",
          help=N_("0 is the first part, -1 the last. Blank returns every part as a list.")),
), setup=_setup_split, example=N_('"a,b,c", ",", -1 → "c"'),
    description=N_("Split text on a delimiter and keep one part; an index past the end gives null."))
def split_string(v, p, tctx):
    parts = as_text(v, "Split string").split(p["delimiter"])
    idx = p["index"]
    if idx is None:
        return parts
    if -len(parts) <= idx < len(parts):
        return parts[idx]
    return None


@register("prefix", N_("Prefix"), "string", (Param("text", N_("Text"), "text", default=""),),
          example=N_('"RED001", "AW25-" → "AW25-RED001"'),
    description=N_("Add text at the start."))
def prefix(v, p, tctx):
    return p["text"] + as_text(v, "Prefix")


@register("suffix", N_("Suffix"), "string", (Param("text", N_("Text"), "text", default=""),),
          example=N_('"RED001", "-XL" → "RED001-XL"'),
    description=N_("Add text at the end."))
def suffix(v, p, tctx):
    return as_text(v, "Suffix") + p["text"]

