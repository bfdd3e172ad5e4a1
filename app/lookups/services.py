"""Cross-reference lookups: tables and rows (create, change, delete), their use in flows, and the reader a
run's map transforms call. Every change commits once; the Core API will call the same functions.

Errors a user can act on are LookupError_ (one sentence); deleting a table a deployed flow uses raises
LookupInUse with the flows.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app import audit
from app.extensions import db
from app.flows.variables import MISSING
from app.lookups.models import DIRECTIONS, VALUE_MAX, LookupRow, LookupTable
from app.scripts.usage import deployed_steps, map_transforms
from app.tenancy import scoped

NAME_MAX = 120
LABEL_MAX = 60
ROWS_PER_PAGE = 100


class LookupError_(ValueError):  # noqa: N801 - LookupError is a builtin
    """A change that was refused; the message is for the user. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FlowUse:
    flow_id: int
    flow_name: str


class LookupInUse(LookupError_):
    def __init__(self, table: LookupTable, uses: list[FlowUse]):
        self.uses = uses
        names = ", ".join(sorted({u.flow_name for u in uses}))
        super().__init__(f"“{table.name}” is used by the deployed flows {names}. Change or undeploy them first.")


# -- tables -------------------------------------------------------------------------------------------
def all_tables() -> list[tuple[LookupTable, int]]:
    """(table, row count) for the acting company, by name."""
    counts = (select(LookupRow.table_id, func.count().label("n")).group_by(LookupRow.table_id).subquery())
    query = (scoped(LookupTable).outerjoin(counts, counts.c.table_id == LookupTable.id)
             .add_columns(func.coalesce(counts.c.n, 0)).order_by(func.lower(LookupTable.name)))
    return [(row[0], row[1]) for row in db.session.execute(query).all()]


def _text(value: str | None, label: str, limit: int, *, required: bool = False, field: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise LookupError_(f"Enter the {label}.", field)
    if len(value) > limit:
        raise LookupError_(f"The {label} can be at most {limit} characters.", field)
    return value


def _check_name(company_id: int, name: str, except_id: int | None = None) -> str:
    name = _text(name, "name", NAME_MAX, required=True, field="name")
    query = select(LookupTable.id).where(LookupTable.company_id == company_id,
                                         func.lower(LookupTable.name) == name.lower())
    if except_id is not None:
        query = query.where(LookupTable.id != except_id)
    if db.session.execute(query).first() is not None:
        raise LookupError_(f"There is already a lookup called “{name}”.", "name")
    return name


def _settings(values: dict) -> dict:
    directions = values.get("directions") or "both"
    if directions not in DIRECTIONS:
        raise LookupError_("Choose which way the lookup can be read.", "directions")
    default = (values.get("default_value") or "").strip()
    if len(default) > VALUE_MAX:
        raise LookupError_(f"The default can be at most {VALUE_MAX} characters.", "default_value")
    return {"description": (values.get("description") or "").strip() or None,
            "left_label": _text(values.get("left_label"), "left column's label", LABEL_MAX) or "Left value",
            "right_label": _text(values.get("right_label"), "right column's label", LABEL_MAX) or "Right value",
            "directions": directions, "default_value": default or None}


def create_table(company, name: str, actor=None, **values) -> LookupTable:
    """A new, empty table. values: description, left_label, right_label, directions, default_value."""
    table = LookupTable(company_id=company.id, name=_check_name(company.id, name), **_settings(values))
    db.session.add(table)
    db.session.flush()
    audit.record(actor, company.id, "lookup.created", table.name)
    db.session.commit()
    return table


def update_table(table: LookupTable, name: str, actor=None, **values) -> LookupTable:
    settings = _settings(values)
    if settings["directions"] != table.directions:
        _check_unique_for(table, settings["directions"])
    table.name = _check_name(table.company_id, name, except_id=table.id)
    for key, value in settings.items():
        setattr(table, key, value)
    audit.record(actor, table.company_id, "lookup.updated", table.name)
    db.session.commit()
    return table


def _check_unique_for(table: LookupTable, directions: str) -> None:
    sides = {"both": ("left", "right"), "left_to_right": ("left",), "right_to_left": ("right",)}[directions]
    for side in sides:
        column = LookupRow.left_value if side == "left" else LookupRow.right_value
        repeated = db.session.execute(select(column).where(LookupRow.table_id == table.id).group_by(column)
                                      .having(func.count() > 1).limit(3)).scalars().all()
        if repeated:
            raise LookupError_(f"The {side} value{'s' if len(repeated) > 1 else ''} {', '.join(map(repr, repeated))} "
                               f"appear{'' if len(repeated) > 1 else 's'} more than once, so the table cannot be read "
                               f"from the {side}. Remove the repeats first.", "directions")


def delete_table(table: LookupTable, actor=None) -> None:
    uses = flows_using(table)
    if uses:
        raise LookupInUse(table, uses)
    audit.record(actor, table.company_id, "lookup.deleted", table.name)
    db.session.delete(table)
    db.session.commit()


def flows_using(table: LookupTable) -> list[FlowUse]:
    """Deployed flows whose map rules read this table (by id or name) in a cross-reference transform."""
    names = {str(table.id), table.name}
    found = [FlowUse(flow_id, flow_name) for flow_id, flow_name, step in deployed_steps(table.company_id)
             for transform in map_transforms(step)
             if transform.get("fn") == "cross_reference"
             and str((transform.get("params") or {}).get("table", "")).strip() in names]
    return list(dict.fromkeys(found))


# -- rows ---------------------------------------------------------------------------------------------
def rows_page(table: LookupTable, search: str | None = None, page: int = 1) -> tuple[list[LookupRow], int]:
    """One page of rows (oldest first), optionally those containing `search` on either side; and the total."""
    query = select(LookupRow).where(LookupRow.table_id == table.id)
    if search and search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(LookupRow.left_value).like(pattern),
                                func.lower(LookupRow.right_value).like(pattern)))
    total = db.session.execute(query.with_only_columns(func.count())).scalar_one()
    rows = db.session.execute(query.order_by(LookupRow.id).limit(ROWS_PER_PAGE)
                              .offset((max(1, page) - 1) * ROWS_PER_PAGE)).scalars().all()
    return list(rows), total


def _pair(table: LookupTable, left: str | None, right: str | None) -> tuple[str, str]:
    left = _text(left, f"{table.left_label.lower()}", VALUE_MAX, required=True, field="left_value")
    right = _text(right, f"{table.right_label.lower()}", VALUE_MAX, required=True, field="right_value")
    return left, right


def _clash(table: LookupTable, left: str, right: str, except_id: int | None = None) -> None:
    for side, value in (("left", left), ("right", right)):
        if side not in table.unique_sides():
            continue
        column = LookupRow.left_value if side == "left" else LookupRow.right_value
        query = select(LookupRow.id).where(LookupRow.table_id == table.id, column == value)
        if except_id is not None:
            query = query.where(LookupRow.id != except_id)
        if db.session.execute(query).first() is not None:
            label = table.left_label if side == "left" else table.right_label
            raise LookupError_(f"“{value}” is already in the {label} column; each value may appear once there.",
                               f"{side}_value")


def add_row(table: LookupTable, left: str, right: str) -> LookupRow:
    left, right = _pair(table, left, right)
    _clash(table, left, right)
    row = LookupRow(company_id=table.company_id, table_id=table.id, left_value=left, right_value=right)
    db.session.add(row)
    db.session.commit()
    return row


def update_row(row: LookupRow, left: str, right: str) -> LookupRow:
    table = row.table
    left, right = _pair(table, left, right)
    _clash(table, left, right, except_id=row.id)
    row.left_value, row.right_value = left, right
    db.session.commit()
    return row


def delete_row(row: LookupRow) -> None:
    db.session.delete(row)
    db.session.commit()


def row_of(table: LookupTable, row_id: int) -> LookupRow | None:
    return db.session.execute(select(LookupRow).where(LookupRow.table_id == table.id, LookupRow.id == row_id)
                              ).scalar_one_or_none()


# -- reading in runs ----------------------------------------------------------------------------------
ONE_WAY = {"left_to_right": "left → right", "right_to_left": "right → left"}


class LookupReader:
    """The map's lookup(table, key, direction, default[, match_type=]) hook for one run: each table is
    read once per run, then answered from memory."""

    def __init__(self, company_id: int, session=None):
        self.company_id = company_id
        self._session = session
        self._tables: dict[str, tuple[LookupTable, dict]] = {}

    @property
    def session(self):
        return self._session or db.session

    def _load(self, ref) -> tuple[LookupTable, dict]:
        from app.flows.transforms import TransformError

        key = str(ref if ref is not None else "").strip()
        if key in self._tables:
            return self._tables[key]
        query = select(LookupTable).where(LookupTable.company_id == self.company_id)
        query = query.where(LookupTable.id == int(key)) if key.isdigit() else query.where(LookupTable.name == key)
        table = self.session.execute(query).scalar_one_or_none()
        if table is None:
            raise TransformError(f"the cross-reference lookup '{key}' does not exist in this company")
        pairs = self.session.execute(select(LookupRow.left_value, LookupRow.right_value)
                                     .where(LookupRow.table_id == table.id).order_by(LookupRow.id)).all()
        maps: dict = {"left_to_right": {}, "right_to_left": {}, "left_to_right_ci": {}, "right_to_left_ci": {}}
        for left, right in pairs:  # the first row wins where a one-way table repeats a value
            maps["left_to_right"].setdefault(left, right)
            maps["right_to_left"].setdefault(right, left)
            maps["left_to_right_ci"].setdefault(left.casefold(), right)
            maps["right_to_left_ci"].setdefault(right.casefold(), left)
        self._tables[key] = (table, maps)
        return table, maps

    def lookup(self, table_ref, key, direction: str = "left_to_right", default=None, match_type: str = "exact"):
        from app.flows.transforms import TransformError

        table, maps = self._load(table_ref)
        if table.directions != "both" and direction != table.directions:
            way = ONE_WAY[table.directions]
            raise TransformError(f"the lookup '{table.name}' is one way and can only be read {way}: set this "
                                 f"transform's direction to {way}, or make the lookup work both ways")
        text = "" if key is None else str(key)
        if match_type == "case_insensitive":
            found = maps[f"{direction}_ci"].get(text.casefold(), MISSING)
        else:
            found = maps[direction].get(text, MISSING)
        if found is not MISSING:
            return found
        if default not in (None, ""):
            return default
        return table.default_value if table.default_value is not None else MISSING
