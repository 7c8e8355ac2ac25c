"""Docker / Podman credentials: auths, identity tokens, credential helpers (good, missing, hanging,
garbage), precedence, and the Transport using them only when a registry asks."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from acr_desktop.registry.auth import ACR_REFRESH_USERNAME, Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.docker_credentials import (
    DOCKER_HUB_KEY,
    CredentialLookup,
    auth_files,
    find_credentials,
    key_host,
    lookup,
)
from acr_desktop.registry.errors import AuthenticationRequired, Cancelled
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.registry.conftest import DockerEnv
from tests.rig import REFRESH_TOKEN, REFRESH_USER, FakeRequest, FakeServer, Registry, TokenServer

REGISTRY = "myregistry.azurecr.io"
PASSWORD = "docker-Pa55w0rd-SECRET"
HELPER_SECRET = "helper-Pa55w0rd-SECRET"
HELPER_TOKEN = "helper-identity-tok-SECRET"


def auth(user: str, secret: str) -> str:
    return base64.b64encode(f"{user}:{secret}".encode()).decode()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert "SECRET" not in text


def test_key_hosts() -> None:
    assert key_host(DOCKER_HUB_KEY) == "docker.io"
    assert key_host("index.docker.io") == "docker.io"
    assert key_host("https://MyRegistry.azurecr.io") == REGISTRY
    assert key_host("https://myregistry.azurecr.io/v2/") == REGISTRY
    assert key_host("localhost:5000") == "localhost:5000"
    assert key_host("quay.io/team") is None  # Podman: for one namespace, not the registry


def test_plain_auths(docker_env: DockerEnv, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    docker_env.write_config(
        {
            "auths": {
                "https://MyRegistry.azurecr.io": {"auth": auth("alice", PASSWORD)},
                "other.azurecr.io": {"username": "bob", "password": PASSWORD},
                DOCKER_HUB_KEY: {"auth": auth("hubuser", PASSWORD)},
            }
        }
    )
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.credentials == Credentials("alice", PASSWORD)
    assert found.source == f"Docker config ({docker_env.config_path})"
    other = find_credentials("other.azurecr.io")
    assert other is not None
    assert other.credentials == Credentials("bob", PASSWORD)
    hub = find_credentials("docker.io")
    assert hub is not None
    assert hub.credentials.username == "hubuser"
    assert find_credentials("nothing.example.com") is None
    assert_no_secret(repr(found), repr(hub), caplog.text)


def test_home_is_shown_as_tilde(docker_env: DockerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_CONFIG")
    path = docker_env.home / ".docker" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"auths": {REGISTRY: {"auth": auth("alice", PASSWORD)}}}))
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.source == "Docker config (~/.docker/config.json)"


def test_identity_token_is_an_acr_refresh_token(docker_env: DockerEnv) -> None:
    docker_env.write_config(
        {
            "auths": {
                REGISTRY: {
                    "auth": auth(ACR_REFRESH_USERNAME, ""),
                    "identitytoken": REFRESH_TOKEN,
                }
            }
        }
    )
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.credentials == Credentials(ACR_REFRESH_USERNAME, REFRESH_TOKEN, "refresh_token")


def test_bad_entries_are_problems_not_errors(docker_env: DockerEnv) -> None:
    docker_env.write_config(
        {
            "auths": {
                REGISTRY: {"auth": "not base64 at all!"},
                "tok.example.com": {"registrytoken": "registry-tok-SECRET"},
            }
        }
    )
    result = lookup(REGISTRY)
    assert result.found is None
    assert "not base64 of user:password" in result.problems[0]
    token = lookup("tok.example.com")
    assert token.found is not None
    assert token.found.credentials == Credentials.registry_token("registry-tok-SECRET")
    docker_env.config_path.write_text("{ not json")
    broken = lookup(REGISTRY)
    assert broken.found is None
    assert "is not a valid auth file" in broken.problems[0]
    assert_no_secret(*result.problems, *token.problems, *broken.problems)


def test_podman_auth_file_and_order(docker_env: DockerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    docker_env.write_podman({"auths": {REGISTRY: {"auth": auth("podman-user", PASSWORD)}}})
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.credentials.username == "podman-user"
    assert found.source.startswith("Podman auth file (")

    docker_env.write_config({"auths": {REGISTRY: {"auth": auth("docker-user", PASSWORD)}}})
    first = find_credentials(REGISTRY)
    assert first is not None
    assert first.credentials.username == "docker-user"  # Docker's config is read first

    explicit = docker_env.home / "auth.json"
    explicit.write_text('{"auths": {}}')
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(explicit))
    kinds = [(f.kind, f.path) for f in auth_files(os.environ)]
    assert kinds == [
        ("Docker config", docker_env.config_path),
        ("Podman auth file", explicit),
        ("Podman auth file", docker_env.runtime_dir / "containers" / "auth.json"),
        ("Podman auth file", docker_env.home / ".config" / "containers" / "auth.json"),
    ]


def test_cred_helper_wins_over_store_and_auths(docker_env: DockerEnv) -> None:
    docker_env.answering_helper("acr", REGISTRY, "helper-user", HELPER_SECRET)
    docker_env.answering_helper("store", REGISTRY, "store-user", HELPER_SECRET)
    docker_env.write_config(
        {
            "auths": {REGISTRY: {"auth": auth("inline-user", PASSWORD)}},
            "credsStore": "store",
            "credHelpers": {REGISTRY: "acr"},
        }
    )
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.credentials == Credentials("helper-user", HELPER_SECRET)
    assert found.source.endswith(", via docker-credential-acr")
    assert docker_env.asked("acr") == [REGISTRY]
    assert docker_env.asked("store") == []

    docker_env.write_config(
        {"auths": {REGISTRY: {"auth": auth("inline-user", PASSWORD)}}, "credsStore": "store"}
    )
    stored = find_credentials(REGISTRY)
    assert stored is not None
    assert stored.credentials.username == "store-user"
    assert stored.source.endswith(", via docker-credential-store")


def test_helper_token_username_means_identity_token(docker_env: DockerEnv) -> None:
    docker_env.answering_helper("secretservice", DOCKER_HUB_KEY, "<token>", HELPER_TOKEN)
    docker_env.write_config({"credsStore": "secretservice"})
    found = find_credentials("docker.io")
    assert found is not None
    assert found.credentials.kind == "refresh_token"
    assert found.credentials.secret == HELPER_TOKEN
    assert docker_env.asked("secretservice") == [DOCKER_HUB_KEY]  # Hub's key on stdin


def test_helper_asked_with_the_keys_other_spelling(docker_env: DockerEnv) -> None:
    docker_env.answering_helper("desktop", f"https://{REGISTRY}", "alice", HELPER_SECRET)
    docker_env.write_config({"auths": {f"https://{REGISTRY}": {}}, "credsStore": "desktop"})
    found = find_credentials(REGISTRY)
    assert found is not None
    assert found.credentials.username == "alice"
    assert docker_env.asked("desktop") == [REGISTRY, f"https://{REGISTRY}"]


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        (None, "docker-credential-broken is not installed (not on PATH)"),
        ("echo 'this is not json SECRET'\n", "answered with something that is not a credential"),
        ("echo 'went wrong SECRET' >&2\nexit 3\n", "failed (exit status 3)"),
        ('echo \'{"Username": "", "Secret": "x-SECRET"}\'\n', "answered without a username"),
    ],
    ids=["missing", "garbage", "failing", "no-username"],
)
def test_broken_helpers_are_reported_and_fall_through(
    docker_env: DockerEnv,
    caplog: pytest.LogCaptureFixture,
    script: str | None,
    problem: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    if script is not None:
        docker_env.helper("broken", script)
    docker_env.write_config(
        {"credsStore": "broken", "auths": {REGISTRY: {"auth": auth("inline-user", PASSWORD)}}}
    )
    result = lookup(REGISTRY)
    assert result.found is not None  # the inline entry still works
    assert result.found.credentials.username == "inline-user"
    assert len(result.problems) == 1
    assert problem in result.problems[0]
    assert "Docker config" in result.problems[0]
    assert result.found.warnings == result.problems
    assert_no_secret(*result.problems, caplog.text)


def test_hanging_helper_times_out_and_is_stopped(docker_env: DockerEnv) -> None:
    pid_file = docker_env.bin / "hang.pid"
    docker_env.helper("hang", f'echo $$ > "{pid_file}"\nsleep 30 &\nwait\n')
    docker_env.write_config({"credHelpers": {REGISTRY: "hang"}})
    started = time.monotonic()
    result = lookup(REGISTRY, timeout=0.3)
    assert time.monotonic() - started < 2.5
    assert result.found is None
    assert result.problems == (
        "The credential helper docker-credential-hang did not answer within 0.3 s "
        f"(named in Docker config ({docker_env.config_path})).",
    )
    assert living_in_group(int(pid_file.read_text())) == []  # the helper and its `sleep`


def living_in_group(pgid: int) -> list[int]:
    """Processes of a process group that are not dead (zombies wait for init to reap them)."""
    living = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            living.append(int(stat.parent.name))
    return living


def test_no_config_at_all_is_quiet(docker_env: DockerEnv) -> None:
    assert lookup(REGISTRY).found is None
    assert lookup(REGISTRY).problems == ()


# -- the Transport asks only when a registry wants credentials ----------------------------------
def test_identity_token_signs_in_to_the_token_registry(
    docker_env: DockerEnv, token_registry: Registry, token_server: TokenServer
) -> None:
    docker_env.write_config(
        {
            "auths": {
                token_registry.host: {
                    "auth": auth(REFRESH_USER, ""),
                    "identitytoken": REFRESH_TOKEN,
                }
            }
        }
    )
    transport = Transport(credential_fallback=lookup)
    client = RegistryClient(transport)
    fetched = client.get_manifest(parse_reference(f"{token_registry.host}/test/app:oci"))
    assert fetched.digest == token_registry.content["test/app:oci"].digest
    assert [r.grant_type for r in token_server.requests] == ["refresh_token"]
    found = transport.credential_lookup(token_registry.host)
    assert found is not None
    assert found.found is not None
    assert found.found.source.startswith("Docker config (")
    assert transport.credentials(token_registry.host) is None  # given ones stay separate


def test_fallback_is_not_asked_for_anonymous_registries(
    docker_env: DockerEnv, anon_registry: Registry
) -> None:
    asked: list[str] = []

    def fallback(registry: str) -> CredentialLookup:
        asked.append(registry)
        return lookup(registry)

    client = RegistryClient(Transport(credential_fallback=fallback))
    client.get_manifest(parse_reference(f"{anon_registry.host}/test/app:oci"))
    assert asked == []


def test_refused_config_credentials_say_where_they_came_from(
    docker_env: DockerEnv, token_registry: Registry
) -> None:
    docker_env.write_config({"auths": {token_registry.host: {"auth": auth("alice", "no-SECRET")}}})
    transport = Transport(credential_fallback=lookup)
    with pytest.raises(AuthenticationRequired) as caught:
        RegistryClient(transport).get_manifest(
            parse_reference(f"{token_registry.host}/test/app:oci")
        )
    assert "“alice” (found in Docker config (" in str(caught.value)
    assert transport.credential_lookup(token_registry.host) is None  # asked again next time
    assert_no_secret(str(caught.value))


def test_missing_helper_never_blocks_anonymous_access(
    docker_env: DockerEnv, token_registry: Registry
) -> None:
    docker_env.write_config({"credsStore": "nowhere"})
    transport = Transport(credential_fallback=lookup)
    fetched = RegistryClient(transport).get_manifest(
        parse_reference(f"{token_registry.host}/public/hello")
    )
    assert fetched.digest
    found = transport.credential_lookup(token_registry.host)
    assert found is not None
    assert found.found is None
    assert "docker-credential-nowhere is not installed" in found.problems[0]


def test_basic_registry_with_config_credentials(
    docker_env: DockerEnv, basic_registry: Registry
) -> None:
    assert basic_registry.username is not None
    assert basic_registry.password is not None
    docker_env.write_config(
        {
            "auths": {
                basic_registry.host: {
                    "auth": auth(basic_registry.username, basic_registry.password)
                }
            }
        }
    )
    transport = Transport(credential_fallback=lookup)
    assert fetch_digest(transport, basic_registry) == basic_registry.content["test/app:oci"].digest

    docker_env.write_config({"auths": {basic_registry.host: {"auth": auth("bob", "bad-SECRET")}}})
    refused = Transport(credential_fallback=lookup)
    with pytest.raises(AuthenticationRequired):
        fetch_digest(refused, basic_registry)
    assert refused.credential_lookup(basic_registry.host) is None  # asked again next time


def test_a_failing_fallback_is_a_problem_not_a_crash(token_registry: Registry) -> None:
    def broken(registry: str) -> CredentialLookup:
        raise RuntimeError("bug-SECRET")

    transport = Transport(credential_fallback=broken)
    assert fetch_digest(transport, token_registry, "public/hello")
    found = transport.credential_lookup(token_registry.host)
    assert found is not None
    assert found.problems == ("Looking for saved credentials failed (RuntimeError).",)


def fetch_digest(transport: Transport, registry: Registry, ref: str = "test/app:oci") -> str:
    client = RegistryClient(transport)
    return client.get_manifest(parse_reference(f"{registry.host}/{ref}")).digest


def test_registry_token_is_sent_as_bearer_without_an_exchange(
    docker_env: DockerEnv, fake_server: FakeServer
) -> None:
    docker_env.write_config({"auths": {fake_server.host: {"registrytoken": "reg-tok-SECRET"}}})
    body = (
        b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'
    )

    def manifest(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") != "Bearer reg-tok-SECRET":
            realm = f"{fake_server.url}/token"
            return 401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="x"'}, b""
        return 200, {"Content-Type": "application/vnd.oci.image.index.v1+json"}, body

    fake_server.route("GET", r"/v2/r/manifests/t", manifest)
    client = RegistryClient(Transport(credential_fallback=lookup))
    client.get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert [r.path_only for r in fake_server.requests] == ["/v2/r/manifests/t"] * 2  # no /token
    client.get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert len(fake_server.requests) == 3  # sent up front from then on


def test_a_fifo_config_is_skipped_without_blocking(docker_env: DockerEnv) -> None:
    os.mkfifo(docker_env.config_path)  # nobody ever writes to it: opening it must not wait
    started = time.monotonic()
    result = lookup(REGISTRY)
    assert time.monotonic() - started < 2
    assert result.found is None
    assert result.problems == (
        f"Docker config ({docker_env.config_path}) is not a regular file; it was skipped.",
    )


def test_an_oversized_config_is_a_problem_not_read(docker_env: DockerEnv) -> None:
    with docker_env.config_path.open("wb") as stream:
        stream.truncate(5 * 1024 * 1024)  # sparse: 5 MiB of zeros
    result = lookup(REGISTRY)
    assert result.found is None
    assert result.problems == (
        f"Docker config ({docker_env.config_path}) is larger than 4 MiB; it was skipped.",
    )


def test_a_deeply_nested_config_is_a_problem(docker_env: DockerEnv) -> None:
    docker_env.config_path.write_text('{"auths":' + "[" * 100_000 + "]" * 100_000 + "}")
    result = lookup(REGISTRY)
    assert result.found is None
    assert result.problems == (
        f"Docker config ({docker_env.config_path}) is not a valid auth file; it was skipped.",
    )


def test_an_auth_value_that_is_not_ascii_is_a_problem(docker_env: DockerEnv) -> None:
    docker_env.write_config({"auths": {REGISTRY: {"auth": "ü" * 8}}})
    result = lookup(REGISTRY)
    assert result.found is None
    assert len(result.problems) == 1
    assert "not base64 of user:password" in result.problems[0]


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("head -c 3000000 /dev/zero\n", "printed more than 1 MiB; it was stopped"),
        ("head -c 3000000 /dev/zero >&2\nexit 1\n", "printed more than 1 MiB; it was stopped"),
        ('echo $$ > "$PID_FILE"\nyes SECRET\n', "printed more than 1 MiB; it was stopped"),
        (
            'echo $$ > "$PID_FILE"\nwhile :; do printf x; sleep 0.01; done\n',
            "did not answer within 0.5 s",
        ),
    ],
    ids=["big-stdout", "big-stderr", "forever", "drip"],
)
def test_a_flooding_helper_costs_bounded_memory_and_is_stopped(
    docker_env: DockerEnv, monkeypatch: pytest.MonkeyPatch, script: str, problem: str
) -> None:
    pid_file = docker_env.bin / "helper.pid"
    monkeypatch.setenv("PID_FILE", str(pid_file))
    docker_env.helper("flood", script)
    docker_env.write_config(
        {"credsStore": "flood", "auths": {REGISTRY: {"auth": auth("inline-user", PASSWORD)}}}
    )
    started = time.monotonic()
    result = lookup(REGISTRY, timeout=0.5)
    assert time.monotonic() - started < 3
    assert result.found is not None  # the inline entry still works
    assert result.found.credentials.username == "inline-user"
    assert len(result.problems) == 1
    assert f"docker-credential-flood {problem}" in result.problems[0]
    assert_no_secret(*result.problems)
    if pid_file.exists():
        assert living_in_group(int(pid_file.read_text())) == []


def test_a_cancel_stops_a_hanging_helper_at_once(docker_env: DockerEnv) -> None:
    pid_file = docker_env.bin / "hang.pid"
    docker_env.helper("hang", f'echo $$ > "{pid_file}"\nsleep 30 &\nwait\n')
    docker_env.write_config({"credHelpers": {REGISTRY: "hang"}})
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled), operation(cancel):
        lookup(REGISTRY, timeout=20)
    assert time.monotonic() - started < 2.0
    assert living_in_group(int(pid_file.read_text())) == []


def test_the_operation_deadline_bounds_a_helper(docker_env: DockerEnv) -> None:
    docker_env.helper("hang", "sleep 30 &\nwait\n")
    docker_env.write_config({"credHelpers": {REGISTRY: "hang"}})
    started = time.monotonic()
    with operation(timeout=0.4):
        result = lookup(REGISTRY, timeout=20)
    assert time.monotonic() - started < 2.0
    assert result.found is None
    assert "did not answer" in result.problems[0]
