"""CSV import and export of a lookup table: headers `left_value,right_value`, single commas, at most 5 MB.

Import checks the whole file first and changes nothing when any row is bad: the report lists every
bad row by line number. A good row whose left or right value matches an existing row updates that
row (spec §5.1); other rows are added.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from app import audit, csv_files
from app.extensions import db
from app.lookups.models import VALUE_MAX, LookupRow, LookupTable

HEADERS = ("left_value", "right_value")
MAX_REPORTED = 200


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, problem)
    problem: str | None = None  # a problem with the whole file

    @property
    def ok(self) -> bool:
        return not self.errors and self.problem is None


def export_csv(table: LookupTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    for left, right in db.session.execute(select(LookupRow.left_value, LookupRow.right_value)
                                          .where(LookupRow.table_id == table.id).order_by(LookupRow.id)):
        writer.writerow((left, right))
    return out.getvalue()


def import_csv(table: LookupTable, raw: bytes, actor=None) -> ImportReport:
    report = ImportReport()
    try:
        text = csv_files.read_upload(raw)
    except csv_files.CsvFileError as exc:
        report.problem = str(exc)
        return report
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        report.problem = "The file is empty. Its first line must be the headers left_value,right_value."
        return report
    except csv.Error as exc:
        report.problem = f"The file is not readable as CSV: {exc}."
        return report
    names = [h.strip().lower() for h in header]
    if sorted(names) != sorted(HEADERS):
        found = ",".join(header)[:120]
        report.problem = (f"The first line must be the headers left_value,right_value (found: {found}). "
                          "Export the table to see the format.")
        return report
    left_at, right_at = names.index("left_value"), names.index("right_value")
    pairs = _read_rows(reader, left_at, right_at, report)
    if report.problem is None:
        _check_and_apply(table, pairs, report, actor)  # checks every row; writes only when all are good
    report.errors.sort(key=lambda e: e[0])
    return report


def _read_rows(reader, left_at: int, right_at: int, report: ImportReport) -> list[tuple[int, str, str]]:
    pairs = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2:
                report.errors.append((line, f"has {len(row)} values; every row needs exactly two (left and right)."))
                continue
            left, right = row[left_at].strip(), row[right_at].strip()
            if not left or not right:
                report.errors.append((line, "needs both a left and a right value."))
            elif len(left) > VALUE_MAX or len(right) > VALUE_MAX:
                report.errors.append((line, f"has a value longer than {VALUE_MAX} characters."))
            else:
                pairs.append((line, left, right))
    except csv.Error as exc:
        report.errors.append((reader.line_num, f"is not valid CSV: {exc}."))
    if not pairs and not report.errors:
        report.problem = "The file has headers but no rows."
    return pairs


def _check_and_apply(table: LookupTable, pairs: list[tuple[int, str, str]], report: ImportReport, actor) -> None:
    existing = list(db.session.execute(select(LookupRow).where(LookupRow.table_id == table.id)).scalars())
    by_left = {r.left_value: r for r in existing}
    by_right = {r.right_value: r for r in existing}
    unique = table.unique_sides()
    seen: dict[str, dict[str, int]] = {"left": {}, "right": {}}
    plan: list[tuple[LookupRow | None, str, str]] = []
    for line, left, right in pairs:
        clash = False
        for side, value in (("left", left), ("right", right)):
            if side in unique and value in seen[side]:
                report.errors.append((line, f"repeats the {side} value “{value}” of line {seen[side][value]}."))
                clash = True
            seen[side].setdefault(value, line)
        if clash:
            continue
        # Only a column whose values are unique identifies a row: in a one-way table many rows share a right value.
        match_left = by_left.get(left) if "left" in unique else None
        match_right = by_right.get(right) if "right" in unique else None
        if match_left is not None and match_right is not None and match_left is not match_right:
            report.errors.append((line, f"matches two different rows (“{left}” on the left of one, “{right}” on the "
                                        "right of another); change one of them first."))
            continue
        plan.append((match_left or match_right, left, right))
    if len(report.errors) > MAX_REPORTED:
        report.errors = report.errors[:MAX_REPORTED]
    if report.errors:
        return
    # Rows the file updates may take values other updated rows give up; checking the end state keeps
    # a swap of two pairs possible.
    final = {r.id: (r.left_value, r.right_value) for r in existing}
    new_rows = []
    for target, left, right in plan:
        if target is None:
            new_rows.append((left, right))
        else:
            final[target.id] = (left, right)
    for side_index, side in enumerate(("left", "right")):
        if side not in unique:
            continue
        values = [pair[side_index] for pair in list(final.values()) + new_rows]
        if len(values) != len(set(values)):
            report.errors.append((0, f"After the import, some {side} values would appear twice; nothing was imported."))
            return
    for target, left, right in plan:
        if target is None:
            db.session.add(LookupRow(company_id=table.company_id, table_id=table.id, left_value=left,
                                     right_value=right))
            report.added += 1
        elif (target.left_value, target.right_value) == (left, right):
            report.unchanged += 1
        else:
            target.left_value, target.right_value = left, right
            report.updated += 1
    audit.record(actor, table.company_id, "lookup.imported", table.name, added=report.added, updated=report.updated)
    db.session.commit()
