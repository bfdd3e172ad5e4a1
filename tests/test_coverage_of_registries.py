"""Registries stay complete: every registered shape has its settings partial and its section in docs/shapes.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.flows import shapes

ROOT = Path(__file__).resolve().parents[1]
SHAPE_TYPES = sorted(shapes.SHAPES)


def _doc_headings() -> list[str]:
    return [line for line in (ROOT / "docs" / "shapes.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]


@pytest.mark.parametrize("shape_type", SHAPE_TYPES)
def test_every_shape_has_its_settings_partial(shape_type):
    partial = ROOT / "templates" / "flows" / "shapes" / f"_{shape_type}.html"
    assert partial.is_file(), f"shape '{shape_type}' has no settings partial {partial.relative_to(ROOT)}"


@pytest.mark.parametrize("shape_type", SHAPE_TYPES)
def test_every_shape_has_a_section_in_the_shapes_docs(shape_type):
    # A heading naming the type in backticks, e.g. "## Map (`map`)" or "### Map (`map`): settings panel".
    pattern = re.compile(rf"`{re.escape(shape_type)}`")
    assert any(pattern.search(h) for h in _doc_headings()), f"docs/shapes.md has no heading for `{shape_type}`"


def test_every_partial_belongs_to_a_registered_shape():
    partials = {p.name[1:-5] for p in (ROOT / "templates" / "flows" / "shapes").glob("_*.html")}
    assert partials <= set(SHAPE_TYPES), f"settings partials without a shape: {sorted(partials - set(SHAPE_TYPES))}"
