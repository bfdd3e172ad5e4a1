"""The tier's "Weft API requests per minute" allowance: every webhook and callback call a company receives
counts in one per-company window in Redis (real Redis); past it the API answers 429 in JSON with
Retry-After and says why, before any run starts."""
from __future__ import annotations

import time
from types import SimpleNamespace

from app.api import ratelimit
from app.api import services as api_services
from app.companies.tiers import tier_of
from app.extensions import db, get_redis
from app.runs.models import Run
from tests import factories


def company_api(app, **fields) -> SimpleNamespace:
    """A company with a deployed, enabled flow that has a webhook and a callback."""
    with app.app_context():
        company = factories.company(**fields)
        flow = factories.flow(company)
        hook = api_services.create_webhook(flow, "Orders in")
        callback = api_services.create_callback(flow, "Stock check", timeout_seconds=1)
        return SimpleNamespace(
            id=company.id, api_limit=tier_of(company).api_requests_per_minute,
            webhook=f"/api/v1/webhooks/{company.id}/{hook.id}?signature={hook.signature}",
            callback=f"/api/v1/callbacks/{company.id}/{callback.id}?signature={callback.signature}")


def runs_of(app, company_id: int) -> int:
    with app.app_context():
        return db.session.query(Run).filter_by(company_id=company_id).count()


def fresh_minute():
    # The window is the clock minute: do not straddle two of them.
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_calls_past_the_api_allowance_are_429_json_with_retry_after(app, client):
    small = company_api(app, tier="custom", allowance_overrides={"api_requests_per_minute": 3})
    neighbour = company_api(app, tier="custom")
    assert small.api_limit == 3 and neighbour.api_limit == 240
    fresh_minute()
    assert [client.post(small.webhook, json={"n": i}).status_code for i in range(3)] == [200, 200, 200]

    refused = client.post(small.webhook, json={"n": 4})
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json["error"]
    assert "Too many Weft API requests" in error and "allows 3 API requests per minute" in error
    assert error.endswith(f"Try again in {refused.headers['Retry-After']} seconds.")

    # Webhooks and callbacks share the allowance: the callback is refused at once, without starting a run.
    started = time.monotonic()
    callback = client.post(small.callback, json={})
    assert callback.status_code == 429 and "Weft API requests" in callback.json["error"]
    assert time.monotonic() - started < 1, "no waiting for a run that never starts"
    assert runs_of(app, small.id) == 3

    # Counted per company.
    assert client.post(neighbour.webhook, json={}).status_code == 200


def test_the_api_rate_bolt_on_raises_the_allowance(app, client):
    target = company_api(app, tier="standard", bolt_ons={"api_rate": 1})
    assert target.api_limit == 480
    fresh_minute()
    with app.app_context():
        # 479 calls already made this minute (the real counter, filled directly to keep the test quick).
        get_redis().set(ratelimit.key("api", target.id, int(time.time() // 60)), 479)
    assert client.post(target.webhook, json={}).status_code == 200, "the 480th call is within the bolt-on"
    refused = client.post(target.webhook, json={})
    assert refused.status_code == 429 and "allows 480 API requests per minute" in refused.json["error"]


def test_the_window_is_per_minute_and_per_company(app):
    with app.app_context():
        start = (time.time() // 60) * 60 + 5
        first = ratelimit.hit_many(1, {"api": 2, "webhooks": 1}, now=start)
        assert first["api"].allowed and first["webhooks"].allowed and first["api"].retry_after == 55
        second = ratelimit.hit_many(1, {"api": 2, "webhooks": 1}, now=start + 10)
        assert second["api"].allowed and not second["webhooks"].allowed
        third = ratelimit.hit_many(1, {"api": 2}, now=start + 20)
        assert not third["api"].allowed and third["api"].count == 3 and third["api"].retry_after == 35
        assert ratelimit.hit_many(2, {"api": 2}, now=start + 20)["api"].allowed, "another company's window"
        assert ratelimit.hit_many(1, {"api": 2}, now=start + 60)["api"].allowed, "the next minute starts afresh"
