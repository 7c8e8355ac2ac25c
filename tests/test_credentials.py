"""CredentialStore: keyring when there is one, session-only when there is none, never a file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked

from acr_desktop.credentials import (
    NO_KEYRING_NAME,
    CredentialStore,
    ResolvedCredentials,
    service_name,
)
from acr_desktop.registry.auth import ACR_REFRESH_USERNAME, Credentials
from tests.secret_service import MemoryKeyring, installed_keyring, secret_service

REGISTRY = "myregistry.azurecr.io"
PASSWORD = "store-Pa55w0rd-SECRET"
REFRESH = "store-refresh-tok-SECRET"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with installed_keyring(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    with installed_keyring(fail.Keyring()) as backend:
        yield backend


def _assert_hidden(secret: str, *things: object, caplog: pytest.LogCaptureFixture) -> None:
    assert secret not in caplog.text
    for thing in things:
        assert secret not in repr(thing)


def test_round_trip_in_keyring(memory: MemoryKeyring, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = CredentialStore()
    assert store.persistent()
    assert store.backend_name() == "Test Keyring"
    assert store.save(REGISTRY, Credentials.for_user("alice", PASSWORD))
    assert memory.entries == {(f"acr-desktop:{REGISTRY}", "alice"): PASSWORD}

    fresh = CredentialStore()  # nothing in its session: read back from the keyring
    loaded = fresh.load(REGISTRY, "alice")
    assert loaded == Credentials("alice", PASSWORD, "password")
    assert fresh.load(REGISTRY, "bob") is None
    assert fresh.load("other.azurecr.io", "alice") is None

    fresh.forget(REGISTRY, "alice")
    assert memory.entries == {}
    assert fresh.load(REGISTRY, "alice") is None
    fresh.forget(REGISTRY, "alice")  # nothing stored: no error
    _assert_hidden(PASSWORD, store, fresh, loaded, caplog=caplog)


def test_refresh_token_kind_follows_the_username(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    assert store.save(REGISTRY, Credentials.for_user(ACR_REFRESH_USERNAME, REFRESH))
    loaded = CredentialStore().load(REGISTRY, ACR_REFRESH_USERNAME)
    assert loaded is not None
    assert loaded.kind == "refresh_token"
    assert loaded.secret == REFRESH
    # Docker credential helpers call identity tokens "<token>": the same entry.
    assert CredentialStore().load(REGISTRY, "<token>") == loaded


def test_session_copy_comes_first(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    memory.set_password(service_name(REGISTRY), "alice", "old-SECRET")
    store.session_only(REGISTRY, Credentials.for_user("alice", PASSWORD))
    assert memory.entries[(service_name(REGISTRY), "alice")] == "old-SECRET"  # left alone
    loaded = store.load(REGISTRY, "alice")
    assert loaded is not None
    assert loaded.secret == PASSWORD


def test_pinned_backend_wins_over_the_default(no_keyring: KeyringBackend) -> None:
    pinned = MemoryKeyring()
    store = CredentialStore(pinned)
    assert store.persistent()
    assert store.save(REGISTRY, Credentials.for_user("alice", PASSWORD))
    assert (service_name(REGISTRY), "alice") in pinned.entries
    store.set_backend(None)
    assert not store.persistent()


def test_no_keyring_is_session_only_and_writes_no_file(
    no_keyring: KeyringBackend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    store = CredentialStore()
    assert not store.persistent()
    assert store.backend_name() == NO_KEYRING_NAME

    assert store.save(REGISTRY, Credentials.for_user("alice", PASSWORD)) is False
    loaded = store.load(REGISTRY, "alice")
    assert loaded is not None
    assert loaded.secret == PASSWORD
    assert CredentialStore().load(REGISTRY, "alice") is None  # gone with the session
    store.forget(REGISTRY, "alice")
    assert store.load(REGISTRY, "alice") is None

    assert list(home.rglob("*")) == []
    assert caplog.records == []  # nothing to complain about: session-only is normal here
    _assert_hidden(PASSWORD, store, loaded, caplog=caplog)


def test_chainer_without_backends_is_not_persistent(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import chainer

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [fail.Keyring()])
    with installed_keyring(chainer.ChainerBackend()):
        assert not CredentialStore().persistent()


class _LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked(f"Failed to unlock the collection for {username}!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"D-Bus said no to {password}")  # a backend that echoes the secret


def test_backend_errors_are_logged_without_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = CredentialStore(_LockedKeyring())
    assert store.save(REGISTRY, Credentials.for_user("alice", PASSWORD)) is False
    assert store.load(REGISTRY, "alice") is not None  # still there for this session
    assert CredentialStore(_LockedKeyring()).load(REGISTRY, "alice") is None
    assert "Could not save the credentials of alice" in caplog.text
    assert "Could not read the credentials of alice" in caplog.text
    _assert_hidden(PASSWORD, store, caplog=caplog)


def test_real_secret_service(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from keyring.backends import SecretService

    caplog.set_level(logging.DEBUG)
    with secret_service(tmp_path):
        store = CredentialStore(SecretService.Keyring())
        assert store.persistent()
        assert store.backend_name() == "Secret Service"
        assert store.save(REGISTRY, Credentials.for_user("alice", PASSWORD))
        assert store.save(REGISTRY, Credentials.for_user(ACR_REFRESH_USERNAME, REFRESH))

        fresh = CredentialStore(SecretService.Keyring())
        alice = fresh.load(REGISTRY, "alice")
        assert alice == Credentials("alice", PASSWORD, "password")
        token = fresh.load(REGISTRY, ACR_REFRESH_USERNAME)
        assert token is not None
        assert token.kind == "refresh_token"
        assert token.secret == REFRESH

        fresh.forget(REGISTRY, "alice")
        assert CredentialStore(SecretService.Keyring()).load(REGISTRY, "alice") is None
        fresh.forget(REGISTRY, "alice")  # already gone: no error
        assert keyring.get_keyring() is not store.backend()  # pinned, not installed globally
    _assert_hidden(PASSWORD, store, fresh, alice, caplog=caplog)
    _assert_hidden(REFRESH, store, fresh, token, caplog=caplog)


def test_resolve_session_then_keyring(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    assert store.resolve(REGISTRY, "alice") is None
    assert store.resolve(REGISTRY, None) is None
    memory.set_password(service_name(REGISTRY), "alice", PASSWORD)
    from_keyring = store.resolve(REGISTRY, "alice")
    assert from_keyring == ResolvedCredentials(
        Credentials("alice", PASSWORD), "keyring (Test Keyring)", "keyring"
    )
    assert store.resolve(REGISTRY, None) is None  # a keyring is searched by username only

    store.session_only(REGISTRY, Credentials.for_user("alice", "session-SECRET"))
    session = store.resolve(REGISTRY, "alice")
    assert session is not None
    assert (session.credentials.secret, session.source, session.origin) == (
        "session-SECRET",
        "this session",
        "session",
    )
    found_in = "Docker config (~/.docker/config.json), via docker-credential-pass"
    store.session_only(REGISTRY, Credentials.for_user("<token>", REFRESH), found_in=found_in)
    latest = store.resolve(REGISTRY, None)  # the most recent of this session
    assert latest is not None
    assert latest.credentials.kind == "refresh_token"
    assert latest.source == f"this session (from {found_in})"
    assert store.resolve(REGISTRY, ACR_REFRESH_USERNAME) == latest
    store.forget(REGISTRY, ACR_REFRESH_USERNAME)
    assert store.resolve(REGISTRY, None) == session
    assert PASSWORD not in repr(from_keyring)
    assert REFRESH not in repr(latest)


def test_resolve_without_a_keyring(no_keyring: KeyringBackend) -> None:
    store = CredentialStore()
    assert store.resolve(REGISTRY, "alice") is None
    store.session_only(REGISTRY, Credentials.for_user("alice", PASSWORD))
    resolved = store.resolve(REGISTRY, "alice")
    assert resolved is not None
    assert resolved.origin == "session"
