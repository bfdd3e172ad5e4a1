"""Settings of the cache and de-dupe shapes: cache name, level and key; data pool, key field and behaviour."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.flows.panels import choices
from app.flows.panels.base import Panel, StepForm, options, text
from app.flows.shapes import cache_add, dedupe
from app.markers import N_

LEVEL_LABELS = {"run": N_("Flow run: this run only"), "flow": N_("Flow: this flow, across runs"),
                "company": N_("Company: every flow of the company")}
UNIT_LABELS = {"minutes": N_("minutes"), "hours": N_("hours"), "days": N_("days")}


class CacheAddForm(StepForm):
    cache = StringField(_l("Cache"), [DataRequired(_l("Name the cache, or choose one.")), Length(max=120)],
                        description=_l("A cache is created the first time something is stored in it."))
    level = SelectField(_l("Cache level"), choices=options((k, LEVEL_LABELS[k]) for k in cache_add.LEVELS),
                        default="flow")
    key = StringField(_l("Cache key"),
                      [DataRequired(_l("Enter a cache key, such as customers or customer-[[payload.id]].")),
                                    Length(max=512)],
                      description=_l("Static (customers) or built for each payload with [[payload.x]], [[meta.x]] or "
                                  "[[flow.variables.x]]."))
    append = BooleanField(_l("Append"), description=_l("Add to what the key holds instead of replacing it (JSON only; "
                                                "avoid two flows appending at once)."))
    save_all_pages = BooleanField(_l("Save all pages"),
                                  description=_l("Keep every payload that shares a key as a page of "
                                                                "the entry; load them with “load all pages”."))
    expiry_number = StringField(_l("Expires after"), [Optional(), Length(max=20)],
                                description=_l("Empty: kept until replaced or cleared (flow-run caches: one day)."))
    expiry_unit = SelectField(_l("Unit"), choices=options(UNIT_LABELS.items()), default="hours")
    choice_labels = {"level": [(k, LEVEL_LABELS[k]) for k in cache_add.LEVELS], "expiry_unit": UNIT_LABELS.items()}

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"cache": text(config.get("cache")), "level": config.get("level", "flow"),
                "key": text(config.get("key")), "append": bool(config.get("append")),
                "save_all_pages": bool(config.get("save_all_pages")),
                "expiry_number": text(config.get("expiry_number")), "expiry_unit": config.get("expiry_unit") or "hours"}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.caches = choices.caches_for(panel.flow)

    def validate_expiry_number(self, field):
        if (field.data or "").strip():
            try:
                if float(field.data) <= 0:
                    raise ValueError
            except ValueError:
                raise ValidationError(gettext("A positive number, or empty for no expiry.")) from None

    def to_config(self, panel: Panel) -> dict:
        number = (self.expiry_number.data or "").strip()
        config = {"cache": self.cache.data.strip(), "level": self.level.data, "key": self.key.data.strip(),
                  "append": bool(self.append.data), "save_all_pages": bool(self.save_all_pages.data)}
        if number:
            value = float(number)
            config["expiry_number"] = int(value) if value.is_integer() else value
            config["expiry_unit"] = self.expiry_unit.data
        return config


class CacheLoadForm(StepForm):
    cache = StringField(_l("Cache"), [DataRequired(_l("Choose the cache to load from.")), Length(max=120)],
                        description=_l("This flow's caches first, then the company's caches of that name."))
    key = StringField(_l("Cache key"), [DataRequired(_l("Enter the cache key to load.")), Length(max=512)],
                      description=_l("Static (orders), one key per payload (order-[[payload.0.id]]), or one key per "
                                  "element (order-[[payload.*.id]]: their data comes out as one list)."))
    fail_on_miss = BooleanField(_l("Fail on cache miss"), default=True,
                                description=_l("Off: a key with nothing cached is skipped with a warning."))
    load_all_pages = BooleanField(_l("Load all pages"), description=_l("For entries saved with “save all pages”: one "
                                                                "payload per page instead of the first page only."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"cache": text(config.get("cache")), "key": text(config.get("key")),
                "fail_on_miss": config.get("fail_on_miss", True) is not False,
                "load_all_pages": bool(config.get("load_all_pages"))}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.caches = choices.caches_for(panel.flow)

    def to_config(self, panel: Panel) -> dict:
        return {"cache": self.cache.data.strip(), "key": self.key.data.strip(),
                "fail_on_miss": bool(self.fail_on_miss.data), "load_all_pages": bool(self.load_all_pages.data)}


class DedupeForm(StepForm):
    pool = StringField(_l("Data pool"), [DataRequired(_l("Choose a data pool, or type a new name to create one.")),
                                     Length(max=120)],
                       description=_l("Values seen before are kept here for 90 days. A new name creates the pool."))
    key_field = StringField(_l("Key field"), [DataRequired(_l("Enter the path of the value to match on, such as id.")),
                                          Length(max=500)])
    behaviour = SelectField(_l("Behaviour"), choices=options(dedupe.BEHAVIOURS.items()), default="filter_track",
                            description=_l("Filter: drop records seen before. Track: record new values, drop nothing. "
                                        "Filter & track: both."))
    choice_labels = {"behaviour": dedupe.BEHAVIOURS.items()}
    entity_type = StringField(_l("Entity type"), [Optional(), Length(max=120)],
                              description=_l("Optional label for the values on the tracked data page, such as Order."))

    @classmethod
    def initial(cls, panel: Panel) -> dict:
        config = panel.config
        return {"pool": text(config.get("pool")), "key_field": text(config.get("key_field")),
                "behaviour": config.get("behaviour", "filter_track"), "entity_type": text(config.get("entity_type"))}

    def setup(self, panel: Panel, formdata=None) -> None:
        self.pools = choices.data_pools()

    def to_config(self, panel: Panel) -> dict:
        config = {"pool": self.pool.data.strip(), "key_field": self.key_field.data.strip(),
                  "behaviour": self.behaviour.data}
        if (self.entity_type.data or "").strip():
            config["entity_type"] = self.entity_type.data.strip()
        return config
