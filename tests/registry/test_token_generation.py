"""A sign-out while a token is on its way: the token, when it arrives, is not kept."""

from __future__ import annotations

import json
import threading

from acr_desktop.registry.auth import Credentials, Token, TokenCache
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import RegistryError
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.registry.test_browse import jwt
from tests.rig import FakeRequest, FakeServer

SCOPES = frozenset({"repository:team/app:pull"})


def test_a_token_fetched_before_the_cache_was_emptied_is_not_kept() -> None:
    cache = TokenCache(clock=lambda: 1000.0)
    generation = cache.generation("r")
    cache.invalidate("r")  # a sign-out
    cache.put("r", SCOPES, Token("old", 1000.0, 2000.0, None), generation)
    assert cache.get("r", SCOPES) is None
    cache.put("r", SCOPES, Token("new", 1000.0, 2000.0, None), cache.generation("r"))
    assert cache.get("r", SCOPES) is not None


def test_signing_out_during_a_token_request_leaves_no_token_behind(
    fake_server: FakeServer,
) -> None:
    token = jwt([{"type": "repository", "name": "team/app", "actions": ["pull"]}])
    arrived, release = threading.Event(), threading.Event()
    realm = f"{fake_server.url}/oauth2/token"
    challenge = f'Bearer realm="{realm}",service="fake",scope="repository:team/app:pull"'

    def token_endpoint(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if not req.header("Authorization"):
            return 401, {}, b'{"errors":[{"code":"UNAUTHORIZED"}]}'  # only alice gets a token
        arrived.set()
        release.wait(10)
        body = json.dumps({"access_token": token}).encode()
        return 200, {"Content-Type": "application/json"}, body

    fake_server.route("POST", r"/oauth2/token", lambda r: (405, {}, b""))
    fake_server.route("GET", r"/oauth2/token", token_endpoint)
    fake_server.reply(
        "GET", r"/v2/team/app/manifests/.+", 401, {"WWW-Authenticate": challenge}, b""
    )
    transport = Transport(timeout=(2.0, 10.0))
    transport.set_credentials(fake_server.host, Credentials("alice", "pw"))
    client = RegistryClient(transport)
    ref = parse_reference(f"{fake_server.host}/team/app:1")
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            client.get_manifest(ref)
        except RegistryError as exc:
            errors.append(exc)

    worker = threading.Thread(target=fetch)
    worker.start()
    assert arrived.wait(10)
    transport.set_credentials(fake_server.host, None)  # the user signs out now
    release.set()
    worker.join(15)
    assert errors  # the registry keeps answering 401
    assert transport.tokens.get(fake_server.host, SCOPES) is None
