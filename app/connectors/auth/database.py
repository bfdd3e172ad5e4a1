"""Credentials for protocol connectors (database user/password, SFTP key): handed to the protocol, never
applied to an HTTP request."""
from __future__ import annotations

from app.connectors.auth.base import AuthContext, AuthError, AuthType, OutgoingRequest


class DatabaseAuth(AuthType):
    type = "db_user_pass"
    label = "Database / server user and password"
    http = False
    default_variables = [
        {"key": "username", "label": "Username", "required": True, "secret": False},
        {"key": "password", "label": "Password", "required": True, "secret": True},
    ]

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        raise AuthError(f"'{self.label}' credentials belong to database and file-transfer connectors; "
                        "they cannot authenticate an HTTP request. Pick another authentication method.")


class SshKeyAuth(DatabaseAuth):
    type = "ssh_key"
    label = "SSH private key"
    default_variables = [
        {"key": "username", "label": "Username", "required": True, "secret": False},
        {"key": "private_key", "label": "Private key (PEM)", "required": True, "secret": True},
        {"key": "passphrase", "label": "Passphrase", "required": False, "secret": True},
    ]
