"""Credentials the user already has: Docker's config.json and Podman's auth.json, read and never
written, with Docker's precedence per file: credHelpers[host], then credsStore, then auths.

A credential helper is `docker-credential-<name> get`, the server URL on stdin, JSON out. A helper
that is missing, fails, hangs or prints garbage becomes a problem in the answer, never an
exception: anonymous access must go on. No message here ever holds a secret or helper output.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acr_desktop.registry.acr import login_server
from acr_desktop.registry.auth import IDENTITY_TOKEN_USERNAME, Credentials
from acr_desktop.registry.credential_helpers import HelperFailed, run_helper
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.json_doc import load_json_object
from acr_desktop.registry.reference import DOCKER_HUB, HUB_ALIASES, strip_scheme

log = logging.getLogger(__name__)

DOCKER_HUB_KEY = "https://index.docker.io/v1/"  # Docker Hub's key in auths and for helpers
DEFAULT_TIMEOUT = 5.0  # seconds a credential helper may take
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_FILE = 4 * 1024 * 1024  # a config.json is a few kB; more is not one


@dataclass(frozen=True)
class AuthFile:
    """One file to read: `kind` is "Docker config" or "Podman auth file"."""

    path: Path
    kind: str
    shown: str  # the path as people write it (~ for the home directory)

    def describe(self) -> str:
        return f"{self.kind} ({self.shown})"


@dataclass(frozen=True)
class FoundCredentials:
    """Credentials found for a registry; `source` says where, for people."""

    credentials: Credentials
    source: str  # e.g. "Docker config (~/.docker/config.json), via docker-credential-pass"
    warnings: tuple[str, ...] = ()  # problems met on the way (e.g. a helper that failed)


@dataclass(frozen=True)
class CredentialLookup:
    """What a lookup found (or None) and every problem it met."""

    found: FoundCredentials | None
    problems: tuple[str, ...] = ()


def find_credentials(
    registry: str, env: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> FoundCredentials | None:
    """The first credentials for `registry` in the Docker / Podman files, or None."""
    return lookup(registry, env, timeout).found


def lookup(
    registry: str, env: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> CredentialLookup:
    """Look `registry` up in every auth file in turn (Docker's first, then Podman's). An ACR
    regional or data endpoint (`NAME.REGION.geo.azurecr.io`) without an entry of its own uses
    its login server's (`NAME.azurecr.io`, what `az acr login` writes)."""
    env = os.environ if env is None else env
    host = key_host(registry) or registry
    problems: list[str] = []
    configs = [(f, c) for f in auth_files(env) if (c := _read(f, problems)) is not None]
    server = login_server(host)
    for wanted in dict.fromkeys([host, *([server] if server else [])]):
        for auth_file, config in configs:
            found = _from_file(auth_file, config, wanted, env, timeout, problems)
            if found is None:
                continue
            source = found.source if wanted == host else f"{found.source}, entry for {wanted}"
            log.debug("Credentials for %s found in %s", host, source)
            return CredentialLookup(
                FoundCredentials(found.credentials, source, tuple(problems)), tuple(problems)
            )
    return CredentialLookup(None, tuple(problems))


def auth_files(env: Mapping[str, str]) -> list[AuthFile]:
    """Docker's config, then Podman's auth files in Podman's order; each path once."""
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    docker_dir = Path(env["DOCKER_CONFIG"]) if env.get("DOCKER_CONFIG") else home / ".docker"
    candidates = [("Docker config", docker_dir / "config.json")]
    if env.get("REGISTRY_AUTH_FILE"):
        candidates.append(("Podman auth file", Path(env["REGISTRY_AUTH_FILE"])))
    if env.get("XDG_RUNTIME_DIR"):
        candidates.append(
            ("Podman auth file", Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
        )
    config_home = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    candidates.append(("Podman auth file", config_home / "containers" / "auth.json"))
    files: list[AuthFile] = []
    for kind, path in candidates:
        if all(f.path != path for f in files):
            files.append(AuthFile(path, kind, _shown(path, home)))
    return files


def key_host(key: str) -> str | None:
    """The registry a config key stands for (`https://index.docker.io/v1/` → `docker.io`);
    None for a Podman key scoped to a namespace (`quay.io/team`), which is not the registry's."""
    text, had_scheme = strip_scheme(key.strip())
    host, _, path = text.partition("/")
    host = host.lower()
    if not host or (path.strip("/") and not had_scheme and path.strip("/") not in ("v1", "v2")):
        return None
    return DOCKER_HUB if host in HUB_ALIASES else host


def _shown(path: Path, home: Path) -> str:
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


def _read(auth_file: AuthFile, problems: list[str]) -> dict[str, Any] | None:
    """The file's JSON object, or None (missing, or a problem noted). Only a regular file of at
    most _MAX_FILE bytes is read: a FIFO or a device there must not block or flood us."""
    try:
        data = _read_regular_file(auth_file.path, _MAX_FILE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(f"Could not read {auth_file.describe()}: {exc.strerror or exc}.")
        return None
    if data is None:
        problems.append(f"{auth_file.describe()} is not a regular file; it was skipped.")
        return None
    if len(data) > _MAX_FILE:
        problems.append(
            f"{auth_file.describe()} is larger than {_MAX_FILE // (1024 * 1024)} MiB; "
            "it was skipped."
        )
        return None
    try:
        return load_json_object(data, what="auth file")
    except InvalidResponse:
        problems.append(f"{auth_file.describe()} is not a valid auth file; it was skipped.")
        return None


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """Up to `limit` + 1 bytes of `path`, or None if it is not a regular file. Opened without
    blocking (a FIFO would wait for a writer) and checked on the open descriptor (no race)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > limit:
            return b"\0" * (limit + 1)  # too big: say so without reading it
        return stream.read(limit + 1)


def _from_file(
    auth_file: AuthFile,
    config: dict[str, Any],
    host: str,
    env: Mapping[str, str],
    timeout: float,
    problems: list[str],
) -> FoundCredentials | None:
    auths: dict[str, Any] = config["auths"] if isinstance(config.get("auths"), dict) else {}
    keys = [k for k in auths if isinstance(k, str) and key_host(k) == host]
    keys.sort(key=lambda k: (k != host, k != DOCKER_HUB_KEY))  # the exact key first
    primary = DOCKER_HUB_KEY if host == DOCKER_HUB else host
    server_urls = [primary, *(k for k in keys if k != primary)]

    helpers = config["credHelpers"] if isinstance(config.get("credHelpers"), dict) else {}
    names = [str(v) for k, v in helpers.items() if isinstance(k, str) and key_host(k) == host][:1]
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        names.append(store)
    for name in dict.fromkeys(names):  # each helper once
        creds = _ask_helper(name, server_urls, auth_file, env, timeout, problems)
        if creds is not None:
            return FoundCredentials(creds, f"{auth_file.describe()}, via docker-credential-{name}")
    for key in keys:
        creds = _from_entry(auths[key], key, auth_file, problems)
        if creds is not None:
            return FoundCredentials(creds, auth_file.describe())
    return None


def _ask_helper(
    name: str,
    server_urls: list[str],
    auth_file: AuthFile,
    env: Mapping[str, str],
    timeout: float,
    problems: list[str],
) -> Credentials | None:
    if not isinstance(name, str) or not _HELPER_NAME.fullmatch(name):
        problems.append(f"{auth_file.describe()} names a credential helper that is not valid.")
        return None
    for url in server_urls:
        try:
            answer = run_helper(name, url, env, timeout)
        except HelperFailed as exc:
            problems.append(f"{exc} (named in {auth_file.describe()}).")
            log.warning("Credential helper problem: %s", exc)
            return None
        if answer is not None:
            username, secret = answer
            if not username:
                problems.append(
                    f"The credential helper docker-credential-{name} answered without a "
                    f"username (named in {auth_file.describe()})."
                )
                return None
            return Credentials.for_user(username, secret)
    return None


def _from_entry(
    entry: object, key: str, auth_file: AuthFile, problems: list[str]
) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    identity = entry.get("identitytoken")
    if isinstance(identity, str) and identity:
        # `az acr login` / `docker login` with a token: an ACR refresh token (PROTOCOL §2)
        return Credentials.for_user(IDENTITY_TOKEN_USERNAME, identity)
    username, password = entry.get("username"), entry.get("password")
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            raw = base64.b64decode(auth + "=" * (-len(auth) % 4), validate=True).decode("utf-8")
        except ValueError:  # binascii.Error, UnicodeDecodeError, or non-ASCII text
            raw = ""
        username, sep, password = raw.partition(":")
        if not sep:
            problems.append(
                f"The entry for {key} in {auth_file.describe()} has an “auth” value that is "
                "not base64 of user:password; it was skipped."
            )
            return None
    if isinstance(username, str) and username and isinstance(password, str) and password:
        return Credentials.for_user(username, password)
    token = entry.get("registrytoken")
    if isinstance(token, str) and token:
        return Credentials.registry_token(token)
    return None
