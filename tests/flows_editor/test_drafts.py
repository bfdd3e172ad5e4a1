"""The draft services: finding steps, one-step updates, structural changes, revisions and undo."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.flows import drafts, structure
from app.flows.models import FlowVersion
from tests import factories

ROUTED = {
    "trigger": {"type": "manual", "config": {}},
    "steps": [
        {"id": "s1", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": "[]"}},
        {"id": "r1", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "pa", "name": "A", "config": {}, "steps": [
                {"id": "m1", "type": "map", "version": 1, "config": {"rules": []}}]},
            {"id": "pb", "name": "B", "config": {}, "steps": []},
        ]},
        {"id": "s2", "type": "map", "version": 1, "config": {"rules": []}},
    ],
}


@pytest.fixture
def flow(ctx):
    company = factories.company()
    return factories.flow(company, definition=ROUTED)


def ids(steps):
    return [s["id"] for s in steps]


def test_get_draft_creates_the_next_version_from_the_deployed_one(ctx):
    company = factories.company()
    flow = factories.flow(company, definition=ROUTED)
    draft = flow.draft
    db.session.delete(draft)
    db.session.commit()
    db.session.refresh(flow)
    created = drafts.get_draft(flow)
    assert created.status == "draft" and created.number == 2
    assert ids(created.steps) == ["s1", "r1", "s2"]
    assert drafts.get_draft(flow) is created


def test_find_step_searches_nested_paths(flow):
    draft = drafts.get_draft(flow)
    step, parent, index = drafts.find_step(draft.definition, "m1")
    assert step["type"] == "map" and index == 0 and parent is draft.definition["steps"][1]["paths"][0]["steps"]
    with pytest.raises(drafts.StepNotFound):
        drafts.find_step(draft.definition, "nope")


def test_update_step_changes_one_step_and_bumps_the_revision(flow):
    draft = drafts.get_draft(flow)
    before = draft.revision
    drafts.update_step(flow, "m1", config={"rules": [{"source": "a", "target": "b"}]}, name="Tidy",
                       note="check later", expected_revision=before, actor=None)
    step, _, _ = drafts.find_step(draft.definition, "m1")
    assert step["config"]["rules"][0]["target"] == "b" and step["name"] == "Tidy" and step["note"] == "check later"
    assert draft.revision == before + 1
    assert flow.deployed.definition["steps"][1]["paths"][0]["steps"][0]["config"] == {"rules": []}


def test_a_stale_revision_is_refused_and_the_earlier_save_kept(flow):
    draft = drafts.get_draft(flow)
    seen = draft.revision
    drafts.update_step(flow, "s2", config={"rules": [{"source": "x", "target": "y"}]}, expected_revision=seen,
                       actor=None)
    with pytest.raises(drafts.StaleDraft) as caught:
        drafts.update_step(flow, "s2", config={"rules": []}, expected_revision=seen, actor=None)
    assert caught.value.revision == seen + 1
    assert drafts.find_step(draft.definition, "s2")[0]["config"]["rules"][0]["source"] == "x"


def test_racing_saves_on_one_row_cannot_both_commit(flow):
    """Both requests passed the revision check; the row's version check refuses the one that commits last."""
    draft = drafts.get_draft(flow)
    revision = draft.revision
    # the other request commits first, behind this session's loaded copy
    with db.engine.begin() as other:
        other.execute(FlowVersion.__table__.update().where(FlowVersion.id == draft.id)
                      .values(revision=revision + 1, definition={"steps": []}))
    with pytest.raises(drafts.StaleDraft) as caught:
        drafts.save(draft, {"steps": [{"id": "late", "type": "map", "config": {}}]}, undo_label="x", actor=None)
    assert caught.value.revision == revision + 1
    assert db.session.get(FlowVersion, draft.id).definition == {"steps": []}


def test_paths_config_keeps_each_paths_steps(flow):
    draft = drafts.get_draft(flow)
    drafts.update_step(flow, "r1", paths_config=[
        {"id": "pb", "name": "Bees", "config": {"logic": "or", "conditions": []}},
        {"id": "pa", "name": "Aces", "config": {}},
        {"id": "pnew", "name": "", "config": {}}], expected_revision=draft.revision, actor=None)
    paths = drafts.find_step(draft.definition, "r1")[0]["paths"]
    assert [p["name"] for p in paths] == ["Bees", "Aces", "Path 3"]
    assert ids(paths[1]["steps"]) == ["m1"] and paths[2]["steps"] == []


def test_add_move_delete_and_undo(flow):
    draft = drafts.get_draft(flow)
    _, step = structure.add_step(flow, "filter", path_id="pb", index=0, expected_revision=draft.revision, actor=None)
    assert ids(draft.definition["steps"][1]["paths"][1]["steps"]) == [step["id"]]
    structure.move_step(flow, "s2", path_id="root", index=0, expected_revision=draft.revision, actor=None)
    assert ids(draft.steps) == ["s2", "s1", "r1"]
    drafts.update_step(flow, "s2", config={"rules": [{"source": "k", "target": "v"}]},
                       expected_revision=draft.revision, actor=None)
    structure.delete_step(flow, "r1", expected_revision=draft.revision, actor=None)
    assert ids(draft.steps) == ["s2", "s1"]
    structure.undo(flow, expected_revision=draft.revision, actor=None)
    assert ids(draft.steps) == ["s2", "s1", "r1"]
    structure.undo(flow, expected_revision=draft.revision, actor=None)
    assert ids(draft.steps) == ["s1", "r1", "s2"]
    # the settings edited after the move survive undoing the move
    assert drafts.find_step(draft.definition, "s2")[0]["config"]["rules"][0]["source"] == "k"
    structure.undo(flow, expected_revision=draft.revision, actor=None)
    assert draft.definition["steps"][1]["paths"][1]["steps"] == []
    with pytest.raises(drafts.DraftError, match="nothing to undo"):
        structure.undo(flow, expected_revision=draft.revision, actor=None)


def test_a_shape_cannot_move_into_its_own_path(flow):
    draft = drafts.get_draft(flow)
    with pytest.raises(drafts.DraftError, match="own paths"):
        structure.move_step(flow, "r1", path_id="pa", index=0, expected_revision=draft.revision, actor=None)


def test_new_shapes_get_default_paths(flow):
    draft = drafts.get_draft(flow)
    _, route = structure.add_step(flow, "route", path_id=None, index=9, expected_revision=draft.revision, actor=None)
    _, tc = structure.add_step(flow, "try_catch", path_id=None, index=0, expected_revision=draft.revision, actor=None)
    assert [p["name"] for p in route["paths"]] == ["Route 1", "Route 2"]
    assert [p["name"] for p in tc["paths"]] == ["Try", "Catch"] and tc["config"] == {"on_exception": "partial"}
    assert draft.steps[0]["id"] == tc["id"] and draft.steps[-1]["id"] == route["id"]
    with pytest.raises(drafts.DraftError, match="one try/catch"):
        structure.add_step(flow, "try_catch", path_id=None, index=0, expected_revision=draft.revision, actor=None)


def test_paths_can_be_added_renamed_and_removed(flow):
    draft = drafts.get_draft(flow)
    structure.add_path(flow, "r1", expected_revision=draft.revision, actor=None)
    paths = drafts.find_step(draft.definition, "r1")[0]["paths"]
    assert [p["name"] for p in paths] == ["A", "B", "Route 3"]
    structure.rename_path(flow, "r1", paths[2]["id"], "Wholesale", expected_revision=draft.revision, actor=None)
    structure.remove_path(flow, "r1", "pa", expected_revision=draft.revision, actor=None)
    assert [p["name"] for p in drafts.find_step(draft.definition, "r1")[0]["paths"]] == ["B", "Wholesale"]
