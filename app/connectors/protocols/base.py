"""The interface every non-HTTP protocol (ftp, sftp, database, amqp, ...) implements.

A connector definition with a ``protocol`` key (for example ``"protocol": "sftp"``) is not spoken over
HTTP: the connector shape looks the protocol up in ``PROTOCOLS`` (app/connectors/protocols/__init__.py)
and calls ``receive`` or ``send`` on it.

Arguments every call receives:

- ``settings``: the instance's non-secret variables (host, port, database, path, queue ...) merged over
  the connector definition's variable defaults.
- ``credentials``: the decrypted values of the instance's authentication-method variables (``host``,
  ``username``, ``password``, ``private_key`` ...), secret or not, plus ``"auth_type"`` (``db_user_pass``,
  ``ssh_key``, ``none`` ...). Never log them and never put them in a payload or an error message.
- ``operation``: the endpoint of the connector definition being run (its ``key``, ``name``, ``direction``
  and protocol-specific keys such as ``"action": "list"``, ``"path": "/out"``, ``"query": "SELECT ..."``),
  with every ``{{variable}}`` in its string values already substituted from the instance settings and the
  endpoint variables (a token naming neither is left as written, for the protocol to resolve). A database
  ``query`` is never substituted: it binds ``:name`` parameters from ``variables``. Which keys mean what
  is up to each protocol and must be documented in its module docstring.
- ``variables``: the resolved endpoint variables (static values, or ``[[payload.x]]`` / ``[[meta.x]]`` /
  ``[[flow.variables.x]]`` already resolved for the current payload), for anything the protocol templates
  itself.

A protocol raises ``ProtocolError`` with a message a user can act on ("Could not connect to
sftp.example.com:22: connection refused"); anything else escaping is reported as an internal error.
A failure that may pass on a later attempt (a refused, dropped or timed-out connection, a deadlock) is
raised with ``retryable=True``: the connector shape then calls again after a pause, as many times as the
instance's retries allow. A wrong password, a missing file or bad SQL is never retryable: it would fail
the same way every time.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from app.flows.context import Payload
from app.flows.transforms import parse_bool


class ProtocolError(Exception):
    """A failure a user should read in the run log; the message is shown as it is (no secrets in it)."""

    def __init__(self, message: str = "", *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


def flag(value, default: bool = False) -> bool:
    """A yes/no setting that may arrive as text from an instance form ("false" is false); empty or
    unrecognisable text means the default."""
    parsed = parse_bool(value) if value not in (None, "") else None
    return default if parsed is None else parsed


class Protocol:
    """One protocol. Subclasses set ``name`` and implement ``receive`` and/or ``send``.

    Instances are stateless singletons held in ``PROTOCOLS``; open and close connections inside each call.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # The authentication types (app/connectors/auth) the protocol understands, e.g. ("database", "none").
    auth_types: ClassVar[tuple[str, ...]] = ("basic", "none")

    def receive(self, settings: dict, credentials: dict, operation: dict, variables: dict) -> Iterator[Payload]:
        """Yield one payload per item read (a file, a page of rows, a message); the shape counts one
        operation per payload yielded (at least one per receive)."""
        raise ProtocolError(f"The {self.label or self.name} connector cannot receive data.")

    def send(self, settings: dict, credentials: dict, operation: dict, payload: Payload,
             variables: dict) -> Payload | None:
        """Deliver one payload; return a payload describing the result (a response, a written row count)
        or None when there is nothing to report."""
        raise ProtocolError(f"The {self.label or self.name} connector cannot send data.")

    def test(self, settings: dict, credentials: dict) -> str:
        """Check that a connection can be made; return a short success message or raise ProtocolError.
        The default tries nothing and says so."""
        return f"The {self.label or self.name} connection settings were saved (no live test available)."
