"""Cross-reference lookups: rows with unique columns, CSV import with a bad-row report (nothing half-imported),
export, the pages (inline rows), and the map's cross-reference transform in a real run."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.flows.transforms import TransformError
from app.flows.variables import MISSING
from app.lookups import csv_io, services
from app.lookups.models import LookupRow, LookupTable
from app.runs import logbook
from app.runs import services as run_services
from app.runs.models import Run, RunLog
from tests import factories

HX = {"HX-Request": "true"}


def _pairs(table):
    return [(r.left_value, r.right_value) for r in db.session.execute(
        select(LookupRow).where(LookupRow.table_id == table.id).order_by(LookupRow.id)).scalars()]


def test_rows_keep_each_value_unique_in_a_two_way_table(ctx):
    table = services.create_table(factories.company(), "Months", default_value="?")
    services.add_row(table, "January", "Jan")
    with pytest.raises(services.LookupError_, match="already in the Right value column"):
        services.add_row(table, "Janvier", "Jan")
    one_way = services.create_table(factories.company(), "Units", directions="left_to_right")
    services.add_row(one_way, "Kilogram", "Kg")
    services.add_row(one_way, "KGS", "Kg")  # one way: the right column may repeat
    with pytest.raises(services.LookupError_, match="repeat"):
        services.update_table(one_way, "Units", directions="both")


def test_the_reader_answers_both_ways_with_defaults(ctx):
    company = factories.company()
    table = services.create_table(company, "Months", default_value="Unknown")
    services.add_row(table, "January", "Jan")
    reader = services.LookupReader(company.id)
    assert reader.lookup("Months", "January", "left_to_right") == "Jan"
    assert reader.lookup(str(table.id), "Jan", "right_to_left") == "January"
    assert reader.lookup("Months", "january", "left_to_right", match_type="case_insensitive") == "Jan"
    assert reader.lookup("Months", "Febuary", "left_to_right") == "Unknown"
    assert reader.lookup("Months", "Febuary", "left_to_right", "n/a") == "n/a"
    table.default_value = None
    assert services.LookupReader(company.id).lookup("Months", "x", "left_to_right") is MISSING
    with pytest.raises(TransformError, match="does not exist"):
        services.LookupReader(factories.company().id).lookup("Months", "January", "left_to_right")


def test_csv_import_updates_adds_and_reports_every_bad_row_without_importing_any(ctx):
    table = services.create_table(factories.company(), "Months")
    services.add_row(table, "January", "Jan")
    bad = b"left_value,right_value\nFebruary,Feb\n,Mar\nApril,Apr,extra\nMay,May\nJune,May\n"
    report = csv_io.import_csv(table, bad)
    assert not report.ok
    assert [line for line, _ in report.errors] == [3, 4, 6]
    assert "needs both" in report.errors[0][1] and "exactly two" in report.errors[1][1]
    assert "repeats the right value" in report.errors[2][1]
    assert _pairs(table) == [("January", "Jan")]  # nothing half-imported
    good = b"left_value,right_value\nJanuary,JAN\nFebruary,Feb\n"
    report = csv_io.import_csv(table, good)
    assert report.ok and (report.added, report.updated) == (1, 1)
    assert _pairs(table) == [("January", "JAN"), ("February", "Feb")]
    assert csv_io.export_csv(table) == "left_value,right_value\nJanuary,JAN\nFebruary,Feb\n"
    assert "headers" in csv_io.import_csv(table, b"a,b\n1,2\n").problem
    assert "5 MB" in csv_io.import_csv(table, b"x" * (5 * 1024 * 1024 + 1)).problem


def test_pages_create_add_edit_delete_rows_and_import(app, client, login):
    login("manager")
    response = client.post("/lookups/new", data={"name": "Months", "directions": "both", "left_label": "Month",
                                                 "right_label": "Short"}, headers=HX)
    url = response.headers["HX-Redirect"]
    table_id = int(url.rstrip("/").rsplit("/", 1)[-1])
    added = client.post(f"{url}/rows", data={"left_value": "January", "right_value": "Jan"}, headers=HX)
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and 'hx-swap-oob="beforeend:#rows-body"' in body and "January" in body
    clash = client.post(f"{url}/rows", data={"left_value": "Janvier", "right_value": "Jan"}, headers=HX)
    assert clash.status_code == 422 and "already in the Short column" in clash.get_data(as_text=True)
    with app.app_context():
        row_id = db.session.execute(select(LookupRow.id).where(LookupRow.table_id == table_id)).scalar_one()
    editing = client.get(f"{url}/rows/{row_id}?edit=1", headers=HX).get_data(as_text=True)
    assert 'name="left_value"' in editing and "Save" in editing
    saved = client.post(f"{url}/rows/{row_id}", data={"left_value": "January", "right_value": "JAN"}, headers=HX)
    assert saved.status_code == 200 and "JAN" in saved.get_data(as_text=True)
    bad = client.post(f"{url}/import", headers=HX, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"left_value,right_value\nFebruary,\n"), "m.csv")})
    assert bad.status_code == 422 and "Nothing was imported" in bad.get_data(as_text=True)
    good = client.post(f"{url}/import", headers=HX, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"left_value,right_value\nFebruary,Feb\n"), "m.csv")})
    assert good.status_code == 204
    export = client.get(f"{url}/export.csv")
    assert export.mimetype == "text/csv" and "February,Feb" in export.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "2 rows" in page
    assert client.post(f"{url}/rows/{row_id}/delete", headers=HX).get_data(as_text=True) == ""
    with app.app_context():
        assert db.session.get(LookupTable, table_id) is not None
        assert len(db.session.get(LookupTable, table_id).rows) == 1


def test_read_only_users_cannot_change_rows_and_other_companies_get_404(app, client, login):
    ids = login("read-only")
    with app.app_context():
        from app.companies.models import Company

        mine = services.create_table(db.session.get(Company, ids["company_id"]), "Mine")
        row = services.add_row(mine, "a", "b")
        theirs = services.create_table(factories.company(), "Theirs")
        mine_id, row_id, theirs_id = mine.id, row.id, theirs.id
    assert client.post(f"/lookups/{mine_id}/rows", data={"left_value": "x", "right_value": "y"}).status_code == 403
    pair = {"left_value": "x", "right_value": "y"}
    assert client.post(f"/lookups/{mine_id}/rows/{row_id}", data=pair).status_code == 403
    assert client.get(f"/lookups/{theirs_id}").status_code == 404
    assert client.get(f"/lookups/{theirs_id}/export.csv").status_code == 404


def test_deleting_a_lookup_a_deployed_map_uses_is_refused(app, client, login):
    ids = login("manager")
    with app.app_context():
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        table = services.create_table(company, "Months")
        factories.flow(company, name="Orders out", definition={"trigger": {"type": "manual", "config": {}}, "steps": [
            {"id": "m", "type": "map", "version": 1, "config": {"rules": [{"source": "m", "target": "m", "transforms": [
                {"fn": "cross_reference", "params": {"table": "Months"}}]}]}}]})
        table_id = table.id
    response = client.post(f"/lookups/{table_id}/delete", headers=HX)
    assert response.status_code == 422 and "Orders out" in response.get_data(as_text=True)


def test_the_map_cross_reference_transform_uses_the_lookup_in_a_run(ctx, worker):
    company = factories.company()
    table = services.create_table(company, "Months", default_value="???")
    services.add_row(table, "January", "Jan")
    flow = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "m", "type": "map", "version": 1, "config": {"rules": [
            {"source": "month", "target": "short", "transforms": [
                {"fn": "cross_reference", "params": {"table": "Months", "direction": "left_to_right"}}]},
            {"source": "month", "target": "fallback", "transforms": [
                {"fn": "cross_reference", "params": {"table": "Months", "default": "n/a"}}]}]}}]})
    run_id = run_services.start_run(flow, payload='[{"month": "January"}, {"month": "Smarch"}]').id
    worker.work()
    run = db.session.get(Run, run_id)
    assert run.status == "success", run.error
    last = [r for r in db.session.execute(select(RunLog).where(RunLog.run_id == run_id)).scalars() if r.payload_ref][-1]
    body = logbook.store().get(company.id, last.payload_ref).replace(b" ", b"")
    assert b'{"short":"Jan","fallback":"Jan"}' in body and b'{"short":"???","fallback":"n/a"}' in body


def test_a_one_way_lookup_read_the_other_way_fails_the_map_step_clearly(ctx, worker):
    company = factories.company()
    table = services.create_table(company, "Units", directions="left_to_right")
    services.add_row(table, "Kilogram", "Kg")
    services.add_row(table, "KGS", "Kg")  # one way: "Kg" cannot say which of the two it came from

    def map_flow(direction):
        return factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
            {"id": "m", "type": "map", "version": 1, "name": "Units", "config": {"rules": [
                {"source": "unit", "target": "unit", "transforms": [
                    {"fn": "cross_reference", "params": {"table": "Units", "direction": direction}}]}]}}]})

    backwards = run_services.start_run(map_flow("right_to_left"), payload='{"unit": "Kg"}').id
    forwards = run_services.start_run(map_flow("left_to_right"), payload='{"unit": "KGS"}').id
    worker.work()
    run = db.session.get(Run, backwards)
    assert run.status == "failure"
    assert run.error == ("Units: Rule 1 (unit → unit): the lookup 'Units' is one way and can only be read left → "
                         "right: set this transform's direction to left → right, or make the lookup work both ways")
    failed = [r.message for r in db.session.execute(select(RunLog).where(RunLog.run_id == backwards)).scalars()
              if r.level == "error"]
    assert any("can only be read left → right" in m for m in failed), failed
    assert db.session.get(Run, forwards).status == "success", db.session.get(Run, forwards).error
