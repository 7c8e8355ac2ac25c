"""One inspect service for the window and the CLI: what each path asks the real token registry for,
counted in the registry's access log, and the typed errors of strict platform choice."""

from __future__ import annotations

import http.client
import io
import re
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

from acr_desktop import inspection
from acr_desktop.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, inspect_main
from acr_desktop.inspection import NoSuchPlatform, PlatformNotApplicable
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import NotFound
from acr_desktop.registry.manifest import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry

ACCESS_LINE = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) ')
Request = tuple[str, str, int]  # method, path, status


class AccessLog:
    """The requests the registry logged since the last `take()` (its combined-format access log),
    synchronised by a marker request that is not returned."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.offset = registry.stderr_path.stat().st_size
        self.seq = 0

    def take(self) -> list[Request]:
        self.seq += 1
        marker = f"/v2/?inspection-test-sync={self.seq}"
        conn = http.client.HTTPConnection("127.0.0.1", self.registry.port, timeout=5)
        try:
            conn.request("GET", marker)
            conn.getresponse().read()
        finally:
            conn.close()
        seen: list[Request] = []
        deadline = time.monotonic() + 5
        with self.registry.stderr_path.open("rb") as log:
            while time.monotonic() < deadline:
                log.seek(self.offset)
                for raw in log.read().splitlines(keepends=True):
                    if not raw.endswith(b"\n"):
                        break  # half-written: read it again
                    self.offset += len(raw)
                    match = ACCESS_LINE.match(raw.decode("utf-8", "replace"))
                    if match is None:
                        continue  # an application log line
                    if match[2] == marker:
                        return seen
                    seen.append((match[1], match[2], int(match[3])))
                time.sleep(0.005)
        raise AssertionError("the registry access log never showed the marker request")


@pytest.fixture
def access_log(token_registry: Registry) -> AccessLog:
    log = AccessLog(token_registry)
    log.take()  # whatever earlier tests left is nobody's
    return log


def client_for(registry: Registry) -> RegistryClient:
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    client.transport.set_credentials(
        registry.host, Credentials.for_user(ALICE_USER, ALICE_PASSWORD)
    )
    return client


def cli(registry: Registry, ref: str, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    sys.stdin = io.StringIO(ALICE_PASSWORD + "\n")
    try:
        code = inspect_main(
            [f"{registry.host}/{ref}", "-u", ALICE_USER, "--password-stdin", *args], out=out
        )
    finally:
        sys.stdin = sys.__stdin__
    return code, out.getvalue()


def answered(requests: list[Request]) -> list[str]:
    """Paths of the requests the registry answered (the 401 challenge left out)."""
    return [path for method, path, status in requests if status != 401 and method == "GET"]


@pytest.fixture
def service_calls() -> Iterator[list[dict[str, Any]]]:
    """The arguments of every call of `inspection.inspect` while the test runs (a profile hook:
    the code runs unchanged)."""
    calls: list[dict[str, Any]] = []
    code = inspection.inspect.__code__

    def profile(frame: FrameType, event: str, _arg: object) -> Callable[..., object] | None:
        if event == "call" and frame.f_code is code:
            calls.append(dict(frame.f_locals))
        return None

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


def test_cli_inspect_of_an_image_is_one_manifest_get_and_no_blob(
    token_registry: Registry, access_log: AccessLog, service_calls: list[dict[str, Any]]
) -> None:
    code, out = cli(token_registry, "test/app:oci", "--json")
    assert code == EXIT_OK
    assert token_registry.content["test/app:oci"].digest in out
    requests = access_log.take()
    assert answered(requests) == ["/v2/test/app/manifests/oci"]
    assert not [path for _method, path, _status in requests if "/blobs/" in path]
    assert len(service_calls) == 1  # through the service, asking for no config
    assert service_calls[0]["strict_platform"] is True
    assert service_calls[0]["with_config"] is False


def test_cli_platform_of_an_index_fetches_that_image_and_no_blob(
    token_registry: Registry, access_log: AccessLog
) -> None:
    code, _out = cli(token_registry, "test/app:index", "--platform", "linux/arm64", "--json")
    assert code == EXIT_OK
    paths = answered(access_log.take())
    assert len(paths) == 2
    assert paths[0] == "/v2/test/app/manifests/index"
    assert paths[1].startswith("/v2/test/app/manifests/sha256:")


def test_window_path_is_the_same_service_with_the_config(
    token_registry: Registry, access_log: AccessLog
) -> None:
    """What the window runs in its worker: `inspect(client, ref)`, config blob included."""
    ref = parse_reference(f"{token_registry.host}/test/app:oci")
    result = inspection.inspect(client_for(token_registry), ref)
    assert result.config is not None
    assert result.image is result.top and result.chosen is None
    paths = answered(access_log.take())
    config = token_registry.content["test/app:oci"].json["config"]["digest"]
    assert paths == ["/v2/test/app/manifests/oci", f"/v2/test/app/blobs/{config}"]


def test_window_path_chooses_a_platform_without_being_asked(token_registry: Registry) -> None:
    ref = parse_reference(f"{token_registry.host}/test/app:index")
    result = inspection.inspect(client_for(token_registry), ref, with_config=False)
    assert result.index is not None and result.platform_entry is not None
    assert result.chosen is result.image and result.config is None


def test_strict_platform_errors_are_typed(token_registry: Registry) -> None:
    client = client_for(token_registry)
    index = parse_reference(f"{token_registry.host}/test/app:index")
    with pytest.raises(NoSuchPlatform) as missing:
        inspection.inspect(client, index, Platform("linux", "s390x"), strict_platform=True)
    assert isinstance(missing.value, NotFound)
    assert [str(p) for p in missing.value.available] == ["linux/amd64", "linux/arm64/v8"]
    assert "it has: linux/amd64, linux/arm64/v8" in str(missing.value)
    image = parse_reference(f"{token_registry.host}/test/app:oci")
    with pytest.raises(PlatformNotApplicable, match="not a multi-arch index"):
        inspection.inspect(client, image, Platform("linux", "amd64"), strict_platform=True)
    unasked = inspection.inspect(client, index, strict_platform=True)
    assert unasked.image is None and unasked.chosen is None


def test_cli_exit_codes_for_platforms(
    token_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = cli(token_registry, "test/app:index", "--platform", "linux/s390x")
    assert code == EXIT_NOT_FOUND
    assert "no linux/s390x in" in capsys.readouterr().err
    code, _ = cli(token_registry, "test/app:oci", "--platform", "linux/amd64")
    assert code == EXIT_USAGE
    assert "--platform does not apply" in capsys.readouterr().err
