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

# ---------------------------------------------------------------- number


@register("cast_to_string", "Cast to string", "number", each=False, example="12.5 → \"12.5\"")
def cast_to_string(v, p, tctx):
    """The value as text: numbers as written, true/false, objects and lists as compact JSON."""
    return to_text(v)


@register("custom_number", "Custom number", "number", (Param("number", "Number", "number", required=True),),
          needs_source=False, nulls="any", each=False, example="42 → 42")
def custom_number(v, p, tctx):
    """A constant number."""
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


@register("math", "Math", "number", (
    Param("operation", "Operation", "choice", required=True, default="add",
          choices=("add", "subtract", "multiply", "divide", "modulo", "power")),
    Param("operand", "Number", "number", required=True, help="value <operation> number, e.g. value ÷ 100."),
), example="12, multiply, 1.2 → 14.4")
def math_fn(v, p, tctx):
    """Arithmetic on the value. Numeric text is accepted; whole-number division stays whole."""
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
        raise TransformError(f"decimal places must be a whole number from -15 to 15, not {places}")
    p["places"] = int(places)
    p["_quant"] = Decimal(1).scaleb(-p["places"])
    p["_mode"] = _ROUND_MODES[p["mode"]]


@register("round_number", "Round number", "number", (
    Param("places", "Decimal places", "number", default=0, help="Negative rounds to tens, hundreds…"),
    Param("mode", "Mode", "choice", default="half_up", choices=tuple(_ROUND_MODES),
          help="half_up: 2.5→3; half_even: 2.5→2; up: away from zero; down: towards zero; ceiling/floor."),
), setup=_setup_round, example="2.675, 2 places → 2.68")
def round_number(v, p, tctx):
    """Round in decimal (so 2.675 → 2.68, unlike binary floats). 0 or fewer places gives a whole number."""
    n = as_number(v, "Round number")
    try:
        d = Decimal(str(n)).quantize(p["_quant"], rounding=p["_mode"])
    except ArithmeticError:
        raise TransformError(f"Round number: {describe(v)} is too large to round") from None
    if p["places"] <= 0:
        return int(d)
    return float(d)


# ---------------------------------------------------------------- boolean and null


@register("cast_boolean_to_string", "Cast boolean to string", "other", (
    Param("true_text", "Text for true", "text", default="true"),
    Param("false_text", "Text for false", "text", default="false"),
), example='true → "true"')
def cast_boolean_to_string(v, p, tctx):
    """true/false (or yes/no, 1/0 text) as text."""
    b = parse_bool(v)
    if b is None:
        raise TransformError(f"Cast boolean to string: {describe(v)} is not true or false")
    return p["true_text"] if b else p["false_text"]


@register("cast_to_boolean", "Cast to boolean", "other", nulls="any",
          example='"yes" → true, 0 → false, null → false')
def cast_to_boolean(v, p, tctx):
    """true for true/yes/y/on/1/t and non-zero numbers; false for their opposites, blank text and null."""
    if v is None or v is MISSING:
        return False
    b = parse_bool(v)
    if b is None:
        raise TransformError(f"Cast to boolean: {describe(v)} is not true or false")
    return b


@register("custom_boolean", "Custom boolean", "other", (Param("value", "Value", "bool", default=True),),
          needs_source=False, nulls="any", each=False, example="true")
def custom_boolean(v, p, tctx):
    """A constant true or false."""
    return p["value"]


@register("null_to_string", "Null to string", "other", nulls="any", example="null → \"\"")
def null_to_string(v, p, tctx):
    """null or missing becomes ''; anything else is unchanged."""
    return "" if v is None or v is MISSING else v


@register("null_to_zero", "Null to zero", "other", nulls="any", example="null → 0")
def null_to_zero(v, p, tctx):
    """null or missing becomes 0; anything else is unchanged."""
    return 0 if v is None or v is MISSING else v


@register("null_value", "Null value", "other", (
    Param("value", "Replacement", "text", default="", help="Used when the value is null or missing."),
    Param("empty_is_null", "Treat empty text as null", "bool", default=False),
), nulls="any", example='null, "N/A" → "N/A"')
def null_value(v, p, tctx):
    """null or missing (and optionally '') becomes the replacement text."""
    if v is None or v is MISSING or (p["empty_is_null"] and v == ""):
        return p["value"]
    return v


# ---------------------------------------------------------------- dates

_FORMAT_CHOICES = (*dates.PREDEFINED_FORMATS, "custom")
_FORMAT_PARAMS = (
    Param("format", "Format", "choice", default="iso8601", choices=_FORMAT_CHOICES),
    Param("custom_format", "Custom format", "text", default="", help="PHP date characters, e.g. d/m/Y H:i."),
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


_TZ_OUT = Param("timezone", "Output time zone", "text", default="",
                help="IANA name (Europe/London) or offset (+02:00). Blank keeps the date's own offset.")
_TZ_IN = Param("input_timezone", "Input time zone", "text", default="UTC",
               help="Used for dates written without an offset.")


@register("format_date", "Format date", "date", (
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
    Param("day_first", "Day first", "bool", default=False, help="Read 01/02/2024 as 1 February."),
), setup=_setup_output, example='"2023-10-26T07:51:07-04:00", unix → "1698321067"')
def format_date(v, p, tctx):
    """Read a date (ISO 8601, common text, epoch seconds/ms) and write it in another format."""
    return _render(_parse(v, p, "Format date"), p, "Format date")


_ROUND_CHOICES = ("start", "end")


def _setup_round_date(p: dict) -> None:
    _setup_output(p)
    if p["unit"] not in ("minute", "hour", "day", "week", "month", "year"):
        raise TransformError(f"cannot round to a {p['unit']}")


@register("round_date", "Round date", "date", (
    Param("round", "Round to", "choice", default="start", choices=_ROUND_CHOICES,
          help="start: 00:00:00; end: 23:59:59 (for a day)."),
    Param("unit", "Unit", "choice", default="day", choices=("minute", "hour", "day", "week", "month", "year")),
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
), setup=_setup_round_date, example='"2024-05-06T14:30:00Z", end → "2024-05-06T23:59:59+00:00"')
def round_date(v, p, tctx):
    """Start or end of the day (or other unit) the date falls in, in the output time zone."""
    dt = _parse(v, p, "Round date")
    if p["_tz"] is not None:
        dt = dt.astimezone(p["_tz"])
    return _render(dates.round_to(dt, p["round"], p["unit"]), p, "Round date")


def _setup_dynamic(p: dict) -> None:
    _setup_output(p)
    if p["units"] in ("month", "year") and p["adjustment"] != int(p["adjustment"]):
        raise TransformError("months and years must move by whole numbers; use a smaller unit (1.5 days = 36 hours)")


@register("custom_dynamic_date", "Custom dynamic date", "date", (
    Param("adjustment", "Adjustment", "number", default=0, help="Signed amount of units to move, e.g. -7."),
    Param("units", "Units", "choice", default="day", choices=dates.UNITS),
    Param("round", "Round", "choice", default="none", choices=("none", "start_of_day", "end_of_day")),
    *_FORMAT_PARAMS, _TZ_OUT,
), needs_source=False, nulls="any", each=False, setup=_setup_dynamic,
    example="-1 day, start_of_day → yesterday 00:00:00")
def custom_dynamic_date(v, p, tctx):
    """The run's date/time, moved by the adjustment, then optionally rounded to the start/end of day."""
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


@register("custom_static_date", "Custom static date", "date", (
    Param("date", "Date", "text", required=True, help="Any date the Format date function can read."),
    *_FORMAT_PARAMS, _TZ_OUT, _TZ_IN,
), needs_source=False, nulls="any", each=False, setup=_setup_static,
    example='"2024-01-01" → "2024-01-01T00:00:00+00:00"')
def custom_static_date(v, p, tctx):
    """A fixed date, written in the chosen format."""
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


@register("cross_reference", "Map (cross-reference)", "other", (
    Param("table", "Lookup", "lookup", required=True, help="One of this company's cross-reference lookups."),
    Param("direction", "Direction", "choice", default="left_to_right", choices=("left_to_right", "right_to_left")),
    Param("match_type", "Match type", "choice", default="exact", choices=("exact", "case_insensitive")),
    Param("output_type", "Output type", "choice", default="as_is", choices=("as_is", "text", "number")),
    Param("default", "Default", "text", help="Used when nothing matches; blank uses the lookup's own default."),
), example='"Kilogram" via units → "Kg"')
def cross_reference(v, p, tctx):
    """Swap the value for its partner in a cross-reference lookup (left ↔ right)."""
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


@register("cache_lookup", "Cache lookup", "other", (
    Param("cache", "Cache", "cache", required=True,
          help="A company cache, or the name of a cache this flow fills with an add-to-cache shape."),
    Param("key", "Key", "text", default="",
          help="Blank uses the value as the key; may hold variables, e.g. customer-[[payload.id]]."),
    Param("path", "Path in cached data", "text", default="", help="Optional dotted path into the cached data."),
    Param("default", "Default", "text", help="Used when the cache has no entry (blank gives null)."),
), nulls="any", each=False, setup=_setup_cache, example='"C42", cache customers, path name → "Ada"')
def cache_lookup(v, p, tctx):
    """Read a value from a data cache; a miss gives the default. With no key setting a null value stays null."""
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


@register("script", "Script", "other", (
    Param("script", "Script", "script", required=True, help="One of this company's deployed scripts."),
), nulls="any", each=False, example="value → whatever the script returns")
def script(v, p, tctx):
    """Run a deployed script on the value (slower than one payload-level script shape)."""
    if tctx.run_script is None:
        raise TransformError("script transforms are not available yet")
    return tctx.run_script(p["script"], None if v is MISSING else v)

