"""Where a sign-in's secret goes: a registry with token auth sends the password (or refresh
token) to its token service, which may be another host. The sign-in dialog names that host, so
nobody types a password for one host and sends it to another without being told."""

from __future__ import annotations

from urllib.parse import urlsplit

from acr_desktop.registry.challenge import Challenge


def token_service_host(registry: str, challenge: Challenge | None) -> str | None:
    """`host[:port]` of the token service `challenge` names, when it is not `registry` itself."""
    if challenge is None or challenge.scheme != "bearer" or not challenge.realm:
        return None
    try:
        parts = urlsplit(challenge.realm)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is not None:
        shown = f"{shown}:{port}"
    return None if shown.lower() == registry.lower() else shown


def destination_note(registry: str, challenge: Challenge | None, refresh_token: bool) -> str:
    """The sentence for the dialog, or "" when the secret goes to the registry itself."""
    host = token_service_host(registry, challenge)
    if host is None:
        return ""
    what = "refresh token" if refresh_token else "password"
    return f"Your {what} is sent to the token service at {host}."
