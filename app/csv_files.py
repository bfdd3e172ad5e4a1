"""CSV files on the pages that import and export them (cross-reference lookups, de-dupe data pools): reading
an upload (size, encoding), the import view's steps and the download response, kept in one place so both
pages behave alike."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app import htmx

MAX_BYTES = 5 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "cp1252")  # UTF-8 (a BOM is fine); Excel's "CSV" on Windows as a fallback


class CsvImportForm(FlaskForm):
    file = FileField("CSV file", [FileRequired("Choose a CSV file to import.")])


class CsvFileError(ValueError):
    """The file as a whole cannot be imported; the message is for the user."""


def read_upload(raw: bytes, limit: int = MAX_BYTES) -> str:
    if len(raw) > limit:
        raise CsvFileError(f"The file is {len(raw) / 1024 / 1024:.1f} MB; the limit is {limit // 1024 // 1024} MB. "
                           "Split it into smaller files.")
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFileError("The file is not text in UTF-8: save it as “CSV UTF-8” and try again.")


def download(text: str, name: str, fallback: str) -> Response:
    """A CSV attachment named after `name` (letters, digits, - and _ kept)."""
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or fallback
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def import_view(form, run_import: Callable[[bytes], Any], *, success: Callable[[Any], str], redirect_to: str,
                show: Callable[..., Any]):
    """An import form's POST: an invalid form or a report with problems re-renders the import panel (422) through
    `show(import_form=…, report=…)`; a clean import flashes `success(report)` and redirects."""
    if not form.validate():
        return show(import_form=form, report=None)
    report = run_import(form.file.data.read())
    if report.ok:
        flash(success(report), "success")
        return htmx.redirect(redirect_to)
    return show(import_form=form, report=report)
