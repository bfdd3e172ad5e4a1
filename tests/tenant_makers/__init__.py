"""One module per room, each with MAKERS = {Model: make(company) -> row of that company}.

tests/test_tenancy.py proves every tenant model is a 404 from another company, using these makers;
a new tenant model without a maker here fails that test.
"""
from __future__ import annotations

import importlib
import pkgutil

MAKERS: dict = {}
for _module in pkgutil.iter_modules(__path__):
    MAKERS.update(importlib.import_module(f"{__name__}.{_module.name}").MAKERS)
