"""Makers for the API room's tenant models: webhook and callback triggers."""
from __future__ import annotations

from app.api import services
from app.api.models import CallbackTrigger, WebhookTrigger
from tests import factories

MAKERS = {
    WebhookTrigger: lambda c: services.create_webhook(factories.flow(c), "Orders"),
    CallbackTrigger: lambda c: services.create_callback(factories.flow(c), "Stock check"),
}
