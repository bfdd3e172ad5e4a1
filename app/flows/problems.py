"""A problem sentence that knows which row of a shape's settings it is about.

The settings panels show each problem next to the row it names (a condition, a map rule, a route).
Reading the row back out of the words broke as soon as the words were translated, so the row travels
with the sentence: a Problem is a str (deploy lists, joins and comparisons see plain text) that also
carries the 0-based `row` and, for a route's conditions, the 0-based `path`. `local` is the sentence
without the prefix naming the path, for showing inside that path's own box.
"""
from __future__ import annotations

from app.markers import gettext


def joined(where: str, detail: object) -> str:
    """`where: detail` as one translatable sentence, so each language spaces its colon its own way (French " : ")."""
    return gettext("%(where)s: %(detail)s", where=where, detail=detail)


class Problem(str):
    row: int | None
    path: int | None
    local: str

    def __new__(cls, text: str, *, row: int | None = None, path: int | None = None,
                local: str | None = None) -> Problem:
        self = super().__new__(cls, text)
        self.row, self.path, self.local = row, path, text if local is None else local
        return self

    def within(self, text: str, *, path: int) -> Problem:
        """This problem said with a prefix naming its path (`text`), keeping its row and its own words."""
        return Problem(text, row=self.row, path=path, local=self.local)

    def in_path(self) -> Problem:
        """The problem as shown inside its path's box: its own words, still naming its row."""
        return Problem(self.local, row=self.row)


def row_of(problem: str) -> int | None:
    return getattr(problem, "row", None)


def path_of(problem: str) -> int | None:
    return getattr(problem, "path", None)


def take_rows(problems: list[str], rows: list[list[str]]) -> list[str]:
    """Hand each problem that names a row to that row's list of messages; return the rest."""
    rest = []
    for problem in problems:
        row = row_of(problem)
        if row is not None and 0 <= row < len(rows):
            rows[row].append(problem)
        else:
            rest.append(problem)
    return rest
