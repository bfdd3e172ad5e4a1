"""Connectors: data-driven definitions (catalog JSON or custom), company installs and instances,
the HTTP client with one auth module and one pagination module, and non-HTTP protocols.

See docs/connectors.md for the definition schema and the public API.
"""
