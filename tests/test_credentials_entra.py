"""A Microsoft Entra ID sign-in in the credential store: no password is kept; its ACR refresh token
goes to the keyring (username ENTRA_USERNAME) only once the user chose Remember, is renewed there
as new ones arrive, stops being saved after a sign-out, and reads back as a sign-in seeded with
it. Keyrings: in memory, none (fail), and a real Secret Service."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from keyring.backends import fail

from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.entra import ENTRA_USERNAME, EntraLogin
from tests.secret_service import MemoryKeyring, secret_service

REGISTRY = "contoso.azurecr.io"
ENTRY = (service_name(REGISTRY), ENTRA_USERNAME)
TOKEN_1 = "entra-refresh-ONE-SECRET"
TOKEN_2 = "entra-refresh-TWO-SECRET"


def entra_creds(store: CredentialStore) -> Credentials:
    return Credentials.of_entra(store.entra_login(sources=[]))


def test_remembered_sign_in_saves_its_refresh_token_when_it_arrives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    creds = entra_creds(store)
    assert creds.kind == "entra"
    assert creds.secret == ""
    assert store.save(REGISTRY, creds)  # Remember: the keyring will have it
    assert memory.entries == {}  # nothing to save yet (never the empty secret)
    assert creds.entra is not None
    store.refresh_arrived(creds.entra, TOKEN_1)
    assert memory.entries == {ENTRY: TOKEN_1}
    store.refresh_arrived(creds.entra, TOKEN_2)  # renewed: the keyring follows
    assert memory.entries == {ENTRY: TOKEN_2}
    resolved = store.resolve(REGISTRY, ENTRA_USERNAME)
    assert resolved is not None
    assert resolved.credentials == creds  # this session's: the very same sign-in
    for secret in (TOKEN_1, TOKEN_2):
        assert secret not in caplog.text
        assert secret not in repr(store) + repr(creds) + repr(creds.entra)


def test_a_token_that_came_before_ok_is_saved_by_ok() -> None:
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    creds = entra_creds(store)
    assert creds.entra is not None
    store.refresh_arrived(creds.entra, TOKEN_1)  # a test sign-in exchanged already
    assert memory.entries == {}  # not chosen to be remembered (yet)
    assert store.save(REGISTRY, creds)
    assert memory.entries == {ENTRY: TOKEN_1}


def test_not_remembered_and_other_sign_ins_are_never_saved() -> None:
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    kept, other = entra_creds(store), entra_creds(store)
    assert kept != other  # equal only with the same login
    store.session_only(REGISTRY, kept)
    assert kept.entra is not None and other.entra is not None
    store.refresh_arrived(kept.entra, TOKEN_1)
    store.save("other.azurecr.io", other)
    store.refresh_arrived(kept.entra, TOKEN_2)
    assert memory.entries == {}


def test_sign_out_stops_saving_and_forget_removes() -> None:
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    creds = entra_creds(store)
    assert creds.entra is not None
    store.save(REGISTRY, creds)
    store.refresh_arrived(creds.entra, TOKEN_1)
    store.forget_session(REGISTRY, ENTRA_USERNAME)  # signed out, the saved token kept
    store.refresh_arrived(creds.entra, TOKEN_2)  # a job in flight renewed it: not saved
    assert memory.entries == {ENTRY: TOKEN_1}
    store.forget(REGISTRY, ENTRA_USERNAME)  # "Remove the saved ACR refresh token"
    assert memory.entries == {}


def test_a_saved_token_reads_back_as_a_seeded_sign_in() -> None:
    memory = MemoryKeyring()
    memory.set_password(*ENTRY, TOKEN_1)
    store = CredentialStore(memory)
    loaded = store.load(REGISTRY, ENTRA_USERNAME)
    assert loaded is not None
    assert loaded.kind == "entra"
    assert loaded.username == ENTRA_USERNAME
    assert loaded.secret == ""
    login = loaded.entra
    assert isinstance(login, EntraLogin)
    assert login.source == "saved refresh token"
    assert TOKEN_1 in login.secrets()  # held for redaction and the exchange
    assert store.load(REGISTRY, ENTRA_USERNAME) == loaded  # read twice: one sign-in
    resolved = store.resolve(REGISTRY, ENTRA_USERNAME)
    assert resolved is not None
    assert resolved.origin == "keyring"
    store.refresh_arrived(login, TOKEN_2)  # renewed while the app runs
    assert memory.entries == {ENTRY: TOKEN_2}
    assert store.load(REGISTRY, ENTRA_USERNAME) == loaded  # its own renewal: the same sign-in
    memory.set_password(*ENTRY, "another-SECRET")  # changed behind our back: a new sign-in
    assert store.load(REGISTRY, ENTRA_USERNAME) != loaded


def test_without_a_keyring_nothing_is_saved() -> None:
    store = CredentialStore(fail.Keyring())
    creds = entra_creds(store)
    assert not store.save(REGISTRY, creds)
    assert creds.entra is not None
    store.refresh_arrived(creds.entra, TOKEN_1)
    assert store.load(REGISTRY, ENTRA_USERNAME) == creds  # for this session only


def test_new_tokens_go_through_the_relay_from_the_worker_thread() -> None:
    store = CredentialStore(MemoryKeyring())
    login = store.entra_login(sources=[])
    assert login.on_refresh is not None
    login.on_refresh(TOKEN_1)  # no relay yet (no window): dropped, never a keyring call
    relayed: list[tuple[EntraLogin, str, str]] = []
    store.relay_refresh = lambda lg, tok: relayed.append((lg, tok, threading.current_thread().name))
    worker = threading.Thread(target=login.on_refresh, args=(TOKEN_2,), name="job-x")
    worker.start()
    worker.join(5)
    assert relayed == [(login, TOKEN_2, "job-x")]  # the relay marshals; the store is not called


def test_real_secret_service(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from keyring.backends import SecretService

    caplog.set_level(logging.DEBUG)
    with secret_service(tmp_path):
        store = CredentialStore(SecretService.Keyring())
        creds = entra_creds(store)
        assert store.save(REGISTRY, creds)
        assert creds.entra is not None
        store.refresh_arrived(creds.entra, TOKEN_1)
        fresh = CredentialStore(SecretService.Keyring())
        loaded = fresh.load(REGISTRY, ENTRA_USERNAME)
        assert loaded is not None
        assert loaded.entra is not None
        assert TOKEN_1 in loaded.entra.secrets()
        fresh.forget(REGISTRY, ENTRA_USERNAME)
        assert CredentialStore(SecretService.Keyring()).load(REGISTRY, ENTRA_USERNAME) is None
    assert TOKEN_1 not in caplog.text
