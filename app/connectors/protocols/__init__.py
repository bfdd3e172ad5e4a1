"""The protocol registry: {name: Protocol instance}, filled by explicit imports.

A protocol module defines a ``Protocol`` subclass; register it by adding one line to ``_MODULES`` below
(``"module_name": "ClassName"``). A module that does not exist yet is skipped, so this file can list
protocols before they are written.
"""
from __future__ import annotations

import importlib
import logging

from app.connectors.protocols.base import Protocol, ProtocolError

__all__ = ["PROTOCOLS", "Protocol", "ProtocolError", "get"]

log = logging.getLogger(__name__)

# module under app.connectors.protocols -> class name. One line per protocol.
_MODULES: dict[str, str] = {
    "ftp": "FtpProtocol",
    "sftp": "SftpProtocol",
    "database": "DatabaseProtocol",
    "amqp": "AmqpProtocol",
}

PROTOCOLS: dict[str, Protocol] = {}


def _load() -> None:
    for module_name, class_name in _MODULES.items():
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":
                continue  # not written yet
            # An optional driver (paramiko, pika ...) is missing: the rest of Weft still works.
            log.warning("Protocol %s unavailable: %s", module_name, exc)
            continue
        cls = getattr(module, class_name)
        protocol = cls()
        PROTOCOLS[protocol.name or module_name] = protocol


def get(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ProtocolError(f"The '{name}' protocol is not available on this server.") from None


_load()
