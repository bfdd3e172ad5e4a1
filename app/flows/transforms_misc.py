"""Number, boolean/null, date and lookup transform functions (registered into transforms.TRANSFORMS on import)."""
from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from app.flows import transforms_dates as dates
from app.flows.paths import compile_path
from app.flows.transforms import (
    MISSING,
    Param,
    TransformError,
    as_number,
    describe,
    parse_bool,
    parse_number,
    register,
)
from app.flows.variables import VariableError, compile_template, to_text
from app.markers import N_, gettext

# ---------------------------------------------------------------- number


@register("cast_to_string", N_("Cast to string"), "number", each=False, example=N_("12.5 → \"12.5\""),
    description=N_("The value as text: numbers as written, true/false, objects and lists as compact JSON."))
def cast_to_string(v, p, tctx):
    return to_text(v)


@register("custom_number", N_("Custom number"), "number", (Param("number", N_("Number"), "number", required=True),),
          needs_source=False, nulls="any", each=False, example=N_("42 → 42"),
    description=N_("A constant number."))
def custom_number(v, p, tctx):
    return p["number"]


MAX_POWER = 10_000  # 2**10000 is fine; 10**10**8 would hang the worker


def _math(op: str, a, b):
    if op == "add":
        return a + b
    if op == "subtract":
        return a - b
    if op == "multiply":
        return a * b
    if op == "divide":
        if b == 0:
            raise ZeroDivisionError
        if type(a) is int and type(b) is int and a % b == 0:
            return a // b
        return a / b
    if op == "modulo":
        if b == 0:
            raise ZeroDivisionError
        return a % b
    if abs(b) > MAX_POWER and abs(a) not in (0, 1):
        raise OverflowError
    return a ** b


_OP_WORDS = {"add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
             "modulo": "take the remainder of", "power": "raise"}


@register("math", N_("Math"), "number", (
    Param("operation", N_("Operation"), "choice", required=True, default="add",
          choices=("add", "subtract", "multiply", "divide", "modulo", "power")),
    Param("operand", N_("Number"), "number", required=True, help=N_("value <operation> number, e.g. value ÷ 100.")),
), example=N_("12, multiply, 1.2 → 14.4"),
    description=N_("Arithmetic on the value. Numeric text is accepted; whole-number division stays whole."))
def math_fn(v, p, tctx):
    a = as_number(v, "Math")
    op, b = p["operation"], p["operand"]
    try:
        r = _math(op, a, b)
    except ZeroDivisionError:
        raise TransformError(f"Math: cannot {'divide' if op == 'divide' else 'take the remainder of'} "
                             f"{to_text(a)} by zero") from None
    except OverflowError:
        raise TransformError(f"Math: the result of {to_text(a)} {op} {to_text(b)} is too large") from None
    if type(r) is complex:
        raise TransformError(f"Math: {to_text(a)} to the power {to_text(b)} is not a real number")
    if type(r) is float and not math.isfinite(r):
        raise TransformError(f"Math: the result of {to_text(a)} {op} {to_text(b)} is too large")
    return r


_ROUND_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "up": ROUND_UP, "down": ROUND_DOWN,
                "ceiling": ROUND_CEILING, "floor": ROUND_FLOOR}


def _setup_round(p: dict) -> None:
    places = p["places"]
    if places != int(places) or not -15 <= places <= 15:
        raise TransformError(gettext("decimal places must be a whole number from -15 to 15, not %(places)s",
                                     places=places))
    p["places"] = int(places)
    p["_quant"] = Decimal(1).scaleb(-p["places"])
    p["_mode"] = _ROUND_MODES[p["mode"]]


@register("round_number", N_("Round number"), "number", (
    Param("places", N_("Decimal places"), "number", default=0, help=N_("Negative rounds to tens, hundreds…")),
    Param("mode", N_("Mode"), "choice", default="half_up", choices=tuple(_ROUND_MODES),
          help=N_("half_up: 2.5→3; half_even: 2.5→2; up: away from zero; down: towards zero; ceiling/floor.")),
), setup=_setup_round, example=N_("2.675, 2 places → 2.68"),
    description=N_("Round in decimal (so 2.675 → 2.68, unlike binary floats). 0 or fewer places gives a whole "
                   "number."))
def round_number(v, p, tctx):
    n = as_number(v, "Round number")
    try:
        d = Decimal(str(n)).quantize(p["_quant"], rounding=p["_mode"])
    except ArithmeticError:
        raise TransformError(f"Round number: {describe(v)} is too large to round") from None
    if p["places"] <= 0:
        return int(d)
    return float(d)


# ---------------------------------------------------------------- boolean and null


@register("cast_boolean_to_string", N_("Cast boolean to string"), "other", (
    Param("true_text", N_("Text for true"), "text", default="true"),
    Param("false_text", N_("Text for false"), "text", default="false"),
), example=N_('true → "true"'),
    description=N_("true/false (or yes/no, 1/0 text) as text."))
def cast_boolean_to_string(v, p, tctx):
    b = parse_bool(v)
    if b is None:
        raise TransformError(f"Cast boolean to string: {describe(v)} is not true or false")
    return p["true_text"] if b else p["false_text"]


@register("cast_to_boolean", N_("Cast to boolean"), "other", nulls="any",
          example=N_('"yes" → true, 0 → false, null → false'),
    description=N_("true for true/yes/y/on/1/t and non-zero numbers; false for their opposites, blank text and null."))
def cast_to_boolean(v, p, tctx):
    if v is None or v is MISSING:
        return False
    b = parse_bool(v)
    if b is None:
        raise TransformError(f"Cast to boolean: {describe(v)} is not true or false")
    return b


@register("custom_boolean", N_("Custom boolean"), "other", (Param("value", N_("Value"), "bool", default=True),),
          needs_source=False, nulls="any", each=False, example=N_("true"),
    description=N_("A constant true or false."))
def custom_boolean(v, p, tctx):
    return p["value"]


@register("null_to_string", N_("Null to string"), "other", nulls="any", example=N_("null → \"\""),
    description=N_("null or missing becomes ''; anything else is unchanged."))
def null_to_string(v, p, tctx):
    return "" if v is None or v is MISSING else v


@register("null_to_zero", N_("Null to zero"), "other", nulls="any", example=N_("null → 0"),
    description=N_("null or missing becomes 0; anything else is unchanged."))
def null_to_zero(v, p, tctx):
    return 0 if v is None or v is MISSING else v


@register("null_value", N_("Null value"), "other", (
    Param("value", N_("Replacement"), "text", default="", help=N_("Used when the value is null or missing.")),
    Param("empty_is_null", N_("Treat empty text as null"), "bool", default=False),
), nulls="any", example=N_('null, "N/A" → "N/A"'),
    description=N_("null or missing (and optionally '') becomes the replacement text."))
def null_value(v, p, tctx):
    if v is None or v is MISSING or (p["empty_is_null"] and v == ""):
        return p["value"]
    return v


# ---------------------------------------------------------------- dates

_FORMAT_CHOICES = (*dates.PREDEFINED_FORMATS, "custom")
_FORMAT_PARAMS = (
    Param("format", N_("Format"), "choice", default="iso8601", choices=_FORMAT_CHOICES),
    Param("custom_format", N_("Custom format"), "text", default="", help=N_("PHP date characters, e.g. d/m/Y H:i.")),
)


def _setup_output(p: dict) -> None:
    try:
        p["_render"] = dates.output_formatter(p["format"], p["custom_format"])
        p["_tz"] = dates.get_zone(p["timezone"]) if p.get("timezone") else None
        p["_in_tz"] = dates.get_zone(p.get("input_timezone"))
    except dates.DateError as exc:
        raise TransformError(str(exc)) from None


def _parse(v, p, label: str):
    try:
        return dates.parse_date(v, tz=p["_in_tz"], dayfirst=p.get("day_first", False))
    except dates.DateError as exc:
        raise TransformError(f"{label}: {exc}") from None


def _render(dt, p, label: str) -> str:
    if p["_tz"] is not None:
        dt = dt.astimezone(p["_tz"])
    try:
        return p["_render"](dt)
    except (ValueError, OverflowError) as exc:
        raise TransformError(f"{label}: cannot write this date: {exc}") from None


_TZ_OUT = Param("timezone", N_("Output time zone"), "text", default="",
                help=N_("IANA name (Europe/London) or offset (+02:00). Blank keeps the date's own offset."))
_TZ_IN = Param("input_timezone", N_("Input time zone"), "text", default="UTC",
               help=N_("Used for dates written without an offset."))


@register("format_date", N_("Format date"), "date", (
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
    Param("day_first", N_("Day first"), "bool", default=False, help=N_("Read 01/02/2024 as 1 February.")),
), setup=_setup_output, example=N_('"2023-10-26T07:51:07-04:00", unix → "1698321067"'),
    description=N_("Read a date (ISO 8601, common text, epoch seconds/ms) and write it in another format."))
def format_date(v, p, tctx):
    return _render(_parse(v, p, "Format date"), p, "Format date")


_ROUND_CHOICES = ("start", "end")


def _setup_round_date(p: dict) -> None:
    _setup_output(p)
    if p["unit"] not in ("minute", "hour", "day", "week", "month", "year"):
        raise TransformError(gettext("cannot round to a %(unit)s", unit=p["unit"]))


@register("round_date", N_("Round date"), "date", (
    Param("round", N_("Round to"), "choice", default="start", choices=_ROUND_CHOICES,
          help=N_("start: 00:00:00; end: 23:59:59 (for a day).")),
    Param("unit", N_("Unit"), "choice", default="day", choices=("minute", "hour", "day", "week", "month", "year")),
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
), setup=_setup_round_date, example=N_('"2024-05-06T14:30:00Z", end → "2024-05-06T23:59:59+00:00"'),
    description=N_("Start or end of the day (or other unit) the date falls in, in the output time zone."))
def round_date(v, p, tctx):
    dt = _parse(v, p, "Round date")
    if p["_tz"] is not None:
        dt = dt.astimezone(p["_tz"])
    return _render(dates.round_to(dt, p["round"], p["unit"]), p, "Round date")


def _setup_dynamic(p: dict) -> None:
    _setup_output(p)
    if p["units"] in ("month", "year") and p["adjustment"] != int(p["adjustment"]):
        raise TransformError(gettext("months and years must move by whole numbers; use a smaller unit "
                                     "(1.5 days = 36 hours)"))


@register("custom_dynamic_date", N_("Custom dynamic date"), "date", (
    Param("adjustment", N_("Adjustment"), "number", default=0, help=N_("Signed amount of units to move, e.g. -7.")),
    Param("units", N_("Units"), "choice", default="day", choices=dates.UNITS),
    Param("round", N_("Round"), "choice", default="none", choices=("none", "start_of_day", "end_of_day")),
    *_FORMAT_PARAMS, _TZ_OUT,
), needs_source=False, nulls="any", each=False, setup=_setup_dynamic,
    example=N_("-1 day, start_of_day → yesterday 00:00:00"),
    description=N_("The run's date/time, moved by the adjustment, then optionally rounded to the start/end of day."))
def custom_dynamic_date(v, p, tctx):
    dt = tctx.run_now()
    if p["_tz"] is not None:
        dt = dt.astimezone(p["_tz"])
    try:
        if p["adjustment"]:
            dt = dates.shift(dt, p["adjustment"], p["units"])
        if p["round"] != "none":
            dt = dates.round_to(dt, "start" if p["round"] == "start_of_day" else "end", "day")
    except dates.DateError as exc:
        raise TransformError(f"Custom dynamic date: {exc}") from None
    return _render(dt, p, "Custom dynamic date")


def _setup_static(p: dict) -> None:
    _setup_output(p)
    try:
        dt = dates.parse_date(p["date"], tz=p["_in_tz"])
    except dates.DateError as exc:
        raise TransformError(str(exc)) from None
    if p["_tz"] is not None:
        dt = dt.astimezone(p["_tz"])
    p["_value"] = p["_render"](dt)


@register("custom_static_date", N_("Custom static date"), "date", (
    Param("date", N_("Date"), "text", required=True, help=N_("Any date the Format date function can read.")),
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
), needs_source=False, nulls="any", each=False, setup=_setup_static,
    example=N_('"2024-01-01" → "2024-01-01T00:00:00+00:00"'),
    description=N_("A fixed date, written in the chosen format."))
def custom_static_date(v, p, tctx):
    return p["_value"]


# ---------------------------------------------------------------- other: lookups and scripts


def _output(v, kind: str, label: str):
    if kind == "text":
        return None if v is None else to_text(v)
    if kind == "number":
        if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
        try:
            return parse_number(to_text(v))
        except ValueError:
            raise TransformError(f"{label}: the looked-up value {describe(v)} is not a number") from None
    return v


@register("cross_reference", N_("Map (cross-reference)"), "other", (
    Param("table", N_("Lookup"), "lookup", required=True, help=N_("One of this company's cross-reference lookups.")),
    Param("direction", N_("Direction"), "choice", default="left_to_right", choices=("left_to_right", "right_to_left")),
    Param("match_type", N_("Match type"), "choice", default="exact", choices=("exact", "case_insensitive")),
    Param("output_type", N_("Output type"), "choice", default="as_is", choices=("as_is", "text", "number")),
    Param("default", N_("Default"), "text", help=N_("Used when nothing matches; blank uses the lookup's own default.")),
), example=N_('"Kilogram" via units → "Kg"'),
    description=N_("Swap the value for its partner in a cross-reference lookup (left ↔ right)."))
def cross_reference(v, p, tctx):
    if tctx.lookup is None:
        raise TransformError("cross-reference lookups are not available yet")
    key = to_text(v)
    if p["match_type"] == "exact":
        found = tctx.lookup(p["table"], key, p["direction"], p["default"])
    else:
        found = tctx.lookup(p["table"], key, p["direction"], p["default"], match_type=p["match_type"])
    return _output(None if found is MISSING else found, p["output_type"], "Map (cross-reference)")


def _setup_cache(p: dict) -> None:
    try:
        p["_key"] = compile_template(p["key"]) if p["key"] else None
    except VariableError as exc:
        raise TransformError(str(exc)) from None
    p["_path"] = compile_path(p["path"]) if p["path"] else None


@register("cache_lookup", N_("Cache lookup"), "other", (
    Param("cache", N_("Cache"), "cache", required=True,
          help=N_("A company cache, or the name of a cache this flow fills with an add-to-cache shape.")),
    Param("key", N_("Key"), "text", default="",
          help=N_("Blank uses the value as the key; may hold variables, e.g. customer-[[payload.id]].")),
    Param("path", N_("Path in cached data"), "text", default="", help=N_("Optional dotted path into the cached data.")),
    Param("default", N_("Default"), "text", help=N_("Used when the cache has no entry (blank gives null).")),
), nulls="any", each=False, setup=_setup_cache, example=N_('"C42", cache customers, path name → "Ada"'),
    description=N_("Read a value from a data cache; a miss gives the default. With no key setting a null value stays"
                   " null."))
def cache_lookup(v, p, tctx):
    t = p["_key"]
    if t is None and (v is None or v is MISSING):
        return v
    if tctx.cache_get is None:
        raise TransformError("cache lookups are not available yet")
    key = to_text(v) if t is None else to_text(t.render(tctx.scope(), tctx.record))
    data = tctx.cache_get(p["cache"], key)
    if data is not MISSING and data is not None and p["_path"] is not None:
        data = p["_path"](data)
    if data is MISSING or data is None:
        return p["default"]
    return data


@register("script", N_("Script"), "other", (
    Param("script", N_("Script"), "script", required=True, help=N_("One of this company's deployed scripts.")),
), nulls="any", each=False, example=N_("value → whatever the script returns"),
    description=N_("Run a deployed script on the value (slower than one payload-level script shape)."))
def script(v, p, tctx):
    if tctx.run_script is None:
        raise TransformError("script transforms are not available yet")
    return tctx.run_script(p["script"], None if v is MISSING else v)

