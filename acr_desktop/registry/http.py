"""Former home of sending and TLS, kept only for `acr_desktop/cli.py`'s `http.NOT_HTTPS` /
`http.CLIENT_CERT`: import `registry.tls` (TLS) and `registry.sending` (requests) instead.
Remove this module once cli.py does."""

from __future__ import annotations

from acr_desktop.registry.tls import CLIENT_CERT, NOT_HTTPS, TLS_FIXES

__all__ = ["CLIENT_CERT", "NOT_HTTPS", "TLS_FIXES"]
