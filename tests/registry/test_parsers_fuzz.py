"""Property tests: every parser returns a value or raises a RegistryError with a sentence, for any
input, and whatever it returns can be encoded (no lone surrogate reaches the output).

ACR_FUZZ_EXAMPLES sets the examples per property (default 200; the CI slow tier runs 3000).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry import digest
from acr_desktop.registry.challenge import parse_www_authenticate
from acr_desktop.registry.docker_credentials import lookup
from acr_desktop.registry.errors import RegistryError
from acr_desktop.registry.image_config import parse_config
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.manifest import Platform, parse_manifest
from acr_desktop.registry.reference import normalize_registry, parse_digest, parse_reference
from tests.registry import fuzz_inputs as fi

# pytest-timeout's 120 s is per test: at 10000 examples on a busy machine a property needs more.
pytestmark = pytest.mark.timeout(max(120, fi.EXAMPLES // 10))

fuzz = settings(
    max_examples=fi.EXAMPLES,
    deadline=None,  # a 65 kB header or a 3,000-deep document is slower than the default 200 ms
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def outcome(call: Callable[[], Any]) -> Any:
    """Run a parser: its value, checked to be encodable, or its RegistryError, checked to have
    an encodable sentence. Any other exception fails the property."""
    try:
        value = call()
    except RegistryError as exc:
        assert exc.sentence
        exc.sentence.encode("utf-8")
        return exc
    assert_encodable(value)
    return value


def assert_encodable(value: Any) -> None:
    """Every string inside `value` encodes as UTF-8 (as printing or sending it will need)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())


@fuzz
@given(fi.reference_texts)
def test_reference_parsing_never_raises_anything_else(text: str) -> None:
    outcome(lambda: parse_reference(text))
    outcome(lambda: normalize_registry(text))
    outcome(lambda: parse_digest(text))


@fuzz
@given(fi.any_text)
def test_platform_parsing_never_raises_anything_else(text: str) -> None:
    outcome(lambda: Platform.parse(text))


@fuzz
@given(fi.challenge_texts)
def test_www_authenticate_never_raises(header: str) -> None:
    result = outcome(lambda: parse_www_authenticate(header))
    assert isinstance(result, list)  # this parser never raises at all


@fuzz
@given(fi.manifest_bodies, fi.content_types)
def test_manifest_parsing_never_raises_anything_else(body: bytes, content_type: str | None) -> None:
    outcome(lambda: parse_manifest(body, content_type))


@fuzz
@given(fi.config_bodies)
def test_image_config_parsing_never_raises_anything_else(body: bytes) -> None:
    outcome(lambda: parse_config(body))


@fuzz
@given(
    st.binary(max_size=64),
    fi.digest_texts,
    st.one_of(st.sampled_from(["sha256", "sha512"]), fi.any_text),
    st.none() | st.integers(),
)
def test_digest_functions_never_raise_anything_else(
    data: bytes, text: str, algorithm: str, size: int | None
) -> None:
    assert isinstance(digest.matches(data, text), bool)
    outcome(lambda: digest.verify(data, text, size=size, what="blob"))
    outcome(lambda: digest.compute_digest(data, algorithm))
    outcome(lambda: digest.digest_algorithm(text))


@fuzz
@given(fi.documents(fi.json_values))
def test_json_loader_never_raises_anything_else(body: bytes) -> None:
    outcome(lambda: load_json(body, what="document"))


@fuzz
@given(fi.docker_config_bodies)
def test_docker_config_contents_are_problems_never_exceptions(
    tmp_path_factory: pytest.TempPathFactory, body: bytes
) -> None:
    home = tmp_path_factory.getbasetemp() / "fuzz-home"  # one home, rewritten per example
    (home / ".docker").mkdir(parents=True, exist_ok=True)
    (home / ".docker" / "config.json").write_bytes(body)
    env = {"HOME": str(home), "PATH": str(home / "no-bin")}  # no helper can be found and run
    result = lookup("myregistry.azurecr.io", env=env, timeout=1)
    assert_encodable(result.problems)
    for problem in result.problems:
        assert problem


def test_a_65_kb_hostile_header_is_parsed_fast() -> None:
    for chars in ("<", '"', ",", "=", '<",=', 'a="', "a=,", "x ", "\\", 'a=b c="'):
        header = (chars * 65536)[:65536]
        assert best_time(partial(parse_www_authenticate, header)) < 0.05, chars


def best_time(call: Callable[[], Any]) -> float:
    """The fastest of five runs: what the code costs, without a busy machine's pauses."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def test_a_long_host_name_is_checked_in_linear_time() -> None:
    for text in ("a" * 70000 + "!/x", "a-" * 35000 + "/x", "reg:" + "9" * 5000 + "/x"):
        assert isinstance(outcome(partial(parse_reference, text)), RegistryError)
        assert best_time(partial(outcome, partial(parse_reference, text))) < 0.2
