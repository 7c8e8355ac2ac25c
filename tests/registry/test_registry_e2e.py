"""End to end against a real Distribution registry: token auth like ACR, Basic, anonymous.
Request counts are deterministic, so they are asserted."""

from __future__ import annotations

import time

import pytest
import requests

from acr_desktop.registry.auth import Credentials, Token, granted_access
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import AccessDenied, AuthenticationRequired, NotFound
from acr_desktop.registry.manifest import ImageIndex, ImageManifest, Platform
from acr_desktop.registry.problems import RequestContext
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import (
    ALICE_PASSWORD,
    ALICE_USER,
    PULLER_PASSWORD,
    PULLER_USER,
    REFRESH_TOKEN,
    REFRESH_USER,
    Registry,
    TokenServer,
)


class Counted:
    """A client whose every HTTP request (registry and token service alike) is counted."""

    def __init__(self, registry: Registry, creds: Credentials | None = None, **kw: object) -> None:
        self.calls: list[tuple[str, str, int]] = []
        session = requests.Session()
        session.hooks["response"].append(self._hook)
        self.transport = Transport(session=session, **kw)  # type: ignore[arg-type]
        self.client = RegistryClient(self.transport)
        self.registry = registry
        if creds:
            self.transport.set_credentials(registry.host, creds)

    def _hook(self, resp: requests.Response, *args: object, **kwargs: object) -> None:
        self.calls.append((resp.request.method or "", resp.request.path_url, resp.status_code))

    def ref(self, name: str):  # type: ignore[no-untyped-def]
        return parse_reference(f"{self.registry.host}/{name}")

    def take(self) -> list[tuple[str, str, int]]:
        calls, self.calls = self.calls, []
        return calls


ALICE = Credentials(ALICE_USER, ALICE_PASSWORD)
PULLER = Credentials(PULLER_USER, PULLER_PASSWORD)


def test_acr_recipe_then_fewest_round_trips(
    token_registry: Registry, token_server: TokenServer
) -> None:
    c = Counted(token_registry, ALICE)
    expected = token_registry.content["test/app:index"]
    fetched = c.client.get_manifest(c.ref("test/app:index"))
    assert fetched.raw == expected.data
    assert fetched.digest == expected.digest
    assert fetched.verified_by == "Docker-Content-Digest"
    first = c.take()
    assert [(m, s) for m, _, s in first] == [("GET", 401), ("GET", 200), ("GET", 200)]
    assert first[1][1].startswith("/oauth2/token?service=")
    [token_request] = token_server.requests
    assert token_request.method == "GET" and token_request.has_authorization  # the recipe

    c.client.get_manifest(c.ref("test/other:1.0"))  # new repository, registry already seen
    assert len(c.take()) == 2
    c.client.get_manifest(c.ref("test/app:oci"))  # same repository, token still valid
    assert len(c.take()) == 1
    c.client.get_manifest(c.ref("test/app:index"))
    assert len(c.take()) == 1


def test_index_platforms_attestations_and_child(token_registry: Registry) -> None:
    c = Counted(token_registry, ALICE)
    content = token_registry.content["test/app:index"]
    fetched = c.client.get_manifest(c.ref("test/app:index"))
    index = fetched.manifest
    assert isinstance(index, ImageIndex)
    assert [str(d.platform) for d in index.platforms] == ["linux/amd64", "linux/arm64/v8"]
    amd64 = index.find_platform(Platform.parse("linux/amd64"))
    assert amd64 is not None
    assert [a.attests for a in index.attestations] == [amd64.digest]
    arm = index.find_platform(Platform.parse("linux/aarch64"))
    assert arm is not None
    child = c.client.get_child(fetched.reference, arm)
    expected_child = next(m for m in content.children if m.digest == arm.digest)
    assert child.raw == expected_child.data
    assert child.verified_by == "requested digest"
    assert isinstance(child.manifest, ImageManifest)
    assert [layer.size for layer in child.manifest.layers] == [
        b.size for b in expected_child.layers
    ]


def test_config_is_verified_and_history_aligned(token_registry: Registry) -> None:
    c = Counted(token_registry, ALICE)
    fetched = c.client.get_manifest(c.ref("test/app:oci"))
    manifest = fetched.manifest
    assert isinstance(manifest, ImageManifest)
    config = c.client.get_config(fetched.reference, manifest.config).config
    assert config.platform == "linux/amd64"
    assert config.user == "1000:1000"
    assert config.entrypoint == ("/bin/hello",)
    assert config.exposed_ports == ("8080/tcp",)
    assert [s.layer_index for s in config.history] == [0, None, 1, None]
    assert len(config.diff_ids) == len(manifest.layers)


def test_docker_manifest_list_and_artifact(token_registry: Registry) -> None:
    c = Counted(token_registry, ALICE)
    docker = c.client.get_manifest(c.ref("test/app:docker"))
    assert docker.media_type == "application/vnd.docker.distribution.manifest.v2+json"
    assert docker.digest == token_registry.content["test/app:docker"].digest
    lst = c.client.get_manifest(c.ref("test/app:list"))
    assert isinstance(lst.manifest, ImageIndex)
    assert "linux/arm/v7" in [str(d.platform) for d in lst.manifest.platforms]
    art = c.client.get_manifest(c.ref("test/app:artifact"))
    assert isinstance(art.manifest, ImageManifest)
    assert art.manifest.artifact_type == "application/vnd.example.sbom.v1+json"
    assert art.manifest.subject is not None
    assert art.manifest.subject.digest == token_registry.content["test/app:oci"].digest


def test_pull_only_user_denied_push_gets_a_clear_error(token_registry: Registry) -> None:
    c = Counted(token_registry, PULLER)
    c.client.get_manifest(c.ref("test/app:oci"))  # pull works
    ctx = RequestContext(token_registry.host, "upload", "test/app")
    with pytest.raises(AccessDenied) as info:
        c.transport.request(
            "POST", ctx, "/v2/test/app/blobs/uploads/", scopes=("repository:test/app:pull,push",)
        )
    message = str(info.value)
    assert "puller" in message
    assert "granted pull on test/app" in message
    assert "needs pull, push on test/app" in message
    assert info.value.granted == ("pull on test/app",)


def test_user_without_access_to_a_repository(token_registry: Registry) -> None:
    c = Counted(token_registry, PULLER)
    with pytest.raises(AccessDenied, match="needs pull on public/hello"):
        c.client.get_manifest(c.ref("public/hello:latest"))


def test_wrong_password_is_an_authentication_error(token_registry: Registry) -> None:
    c = Counted(token_registry, Credentials(ALICE_USER, "wrong-Pa55-SECRET"))
    with pytest.raises(AuthenticationRequired) as info:
        c.client.get_manifest(c.ref("test/app:oci"))
    assert info.value.had_credentials
    assert "“alice”" in str(info.value)


def test_expired_token_is_renewed(token_registry: Registry, token_server: TokenServer) -> None:
    now = [time.time()]
    c = Counted(token_registry, ALICE, clock=lambda: now[0])
    token_server.send_expires_in = True
    token_server.lifetime = 120
    c.client.get_manifest(c.ref("test/app:oci"))
    c.take()
    now[0] += 115  # inside the renewal margin before expiry
    c.client.get_manifest(c.ref("test/app:oci"))
    assert [(m, p.split("?")[0], s) for m, p, s in c.take()] == [
        ("GET", "/oauth2/token", 200),
        ("GET", "/v2/test/app/manifests/oci", 200),
    ]


def test_token_rejected_by_registry_is_renewed_once(
    token_registry: Registry, token_server: TokenServer
) -> None:
    c = Counted(token_registry, ALICE)
    c.client.get_manifest(c.ref("test/app:oci"))
    c.take()
    stale = token_server.mint(
        [{"type": "repository", "name": "test/app", "actions": ["pull"]}], lifetime=-600
    )
    scopes = frozenset({"repository:test/app:pull"})
    c.transport.tokens.put(
        token_registry.host, scopes, Token(stale, time.time(), time.time() + 3600, None)
    )
    c.client.get_manifest(c.ref("test/app:oci"))
    assert [s for _, _, s in c.take()] == [401, 200, 200]


def test_acr_refresh_token(token_registry: Registry, token_server: TokenServer) -> None:
    creds = Credentials.for_user(REFRESH_USER, REFRESH_TOKEN)
    assert creds.kind == "refresh_token"
    c = Counted(token_registry, creds)
    fetched = c.client.get_manifest(c.ref("test/app:oci"))
    assert fetched.digest == token_registry.content["test/app:oci"].digest
    [token_request] = token_server.requests
    assert token_request.method == "POST"
    assert token_request.grant_type == "refresh_token"


def test_oauth_password_grant_and_get_fallback(
    token_registry: Registry, token_server: TokenServer
) -> None:
    c = Counted(token_registry, ALICE, password_grant="oauth")
    c.client.get_manifest(c.ref("test/app:oci"))
    assert [(r.method, r.grant_type) for r in token_server.requests] == [("POST", "password")]
    token_server.reset()
    token_server.post_enabled = False
    c2 = Counted(token_registry, ALICE, password_grant="oauth")
    c2.client.get_manifest(c2.ref("test/app:oci"))
    assert [r.method for r in token_server.requests] == ["POST", "GET"]


def test_anonymous_token_for_public_repository(token_registry: Registry) -> None:
    c = Counted(token_registry)
    fetched = c.client.get_manifest(c.ref("public/hello:latest"))
    assert fetched.digest == token_registry.content["public/hello:latest"].digest
    assert len(c.take()) == 3
    with pytest.raises(AccessDenied, match="Signed in anonymously"):
        c.client.get_manifest(c.ref("test/app:oci"))


def test_anonymous_registry_is_one_request(anon_registry: Registry) -> None:
    c = Counted(anon_registry)
    fetched = c.client.get_manifest(c.ref("test/app:index"))
    assert fetched.digest == anon_registry.content["test/app:index"].digest
    assert len(c.take()) == 1
    with pytest.raises(NotFound) as info:
        c.client.get_manifest(c.ref("test/app:no-such-tag"))
    assert info.value.what == "tag"
    with pytest.raises(NotFound) as repo:
        c.client.get_manifest(c.ref("no/such:thing"))
    assert repo.value.what == "repository"


def test_basic_registry(basic_registry: Registry) -> None:
    c = Counted(
        basic_registry, Credentials(str(basic_registry.username), str(basic_registry.password))
    )
    fetched = c.client.get_manifest(c.ref("test/app:oci"))
    assert fetched.digest == basic_registry.content["test/app:oci"].digest
    assert [s for _, _, s in c.take()] == [401, 200]
    c.client.get_manifest(c.ref("test/other:1.0"))
    assert len(c.take()) == 1  # Basic is sent up front once the challenge is known
    bad = Counted(basic_registry, Credentials(str(basic_registry.username), "nope-SECRET"))
    with pytest.raises(AuthenticationRequired, match="did not accept the credentials"):
        bad.client.get_manifest(bad.ref("test/app:oci"))
    anonymous = Counted(basic_registry)
    with pytest.raises(AuthenticationRequired, match="requires you to sign in"):
        anonymous.client.get_manifest(anonymous.ref("test/app:oci"))


def test_tags_and_catalog(token_registry: Registry) -> None:
    c = Counted(token_registry, ALICE)
    tags = [t for page in c.client.iter_tags(token_registry.host, "test/app") for t in page]
    pushed = [t for t in tags if not t.startswith("sha256-")]  # referrer tags other tests add
    assert sorted(pushed) == token_registry.content.tags("test/app")
    repos = [r for page in c.client.iter_catalog(token_registry.host) for r in page]
    assert {"test/app", "test/other", "public/hello"} <= set(repos)
    p = Counted(token_registry, PULLER)
    with pytest.raises(AccessDenied):
        list(p.client.iter_catalog(token_registry.host))


def test_sign_in_reports_what_was_granted(token_registry: Registry) -> None:
    c = Counted(token_registry, PULLER)
    result = c.client.sign_in(token_registry.host, "test/app")
    assert result.describe() == "Granted: pull on test/app."
    anon = Counted(token_registry)
    assert (
        anon.client.sign_in(token_registry.host, "test/app")
        .describe()
        .endswith("the token grants nothing here.")
    )


def test_granted_access_reads_the_access_claim(token_server: TokenServer) -> None:
    token = token_server.mint(
        [{"type": "repository", "name": "a/b", "actions": ["pull", "metadata_read"]}]
    )
    [access] = granted_access(token) or ()
    assert str(access) == "pull, metadata_read on a/b"
    assert access.allows("repository:a/b:pull")
    assert not access.allows("repository:a/b:push")
