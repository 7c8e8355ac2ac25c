"""Property tests of the registry core's parsers: token answers and JWT claims, error bodies,
Link, Retry-After, rate-limit and Content-Length headers. Each returns a value or raises one of
the project's errors with a printable sentence, for any input.

ACR_FUZZ_EXAMPLES sets the examples per property (default 200; the CI slow tier runs 3000).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from acr_desktop.registry.auth import Token, granted_access, jwt_claims
from acr_desktop.registry.connection import RateLimitStatus
from acr_desktop.registry.errors import InvalidResponse, RegistryError
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.listing import next_link
from acr_desktop.registry.problems import (
    MAX_RETRY_AFTER,
    RequestContext,
    error_details,
    error_for,
    retry_after_seconds,
)
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.sending import Response, declared_length
from acr_desktop.registry.token_service import token_from_response
from tests.registry import fuzz_inputs as fi

fuzz = settings(
    max_examples=fi.EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

# Flat strategies and prebuilt texts, so that generating an example costs about as little as
# checking it: CI runs 3,000 examples of each property.
_wrong = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([[1], {"a": 1}, [], {}, ["pull", 5], "__BIG__"]),
)
_numbers = st.one_of(
    st.integers(),
    st.floats(),
    st.sampled_from([10**400, -(10**400), 2**63, -5, 0, "²", "60", "soon", "", "__BIG__"]),
)
_DEEP = [fi.deep(n, kind) for n in (65, 1000, 3000) for kind in ("list", "object")]
_BIG = ["9" * 5000, "1e999999", "-1e400", "1" * 25]
_ACTIONS = [["pull"], ["pull", "push"], ["*"], [], ["pull", 5], "pull", None, [["pull"]]]


def _dumped(doc: Any, big: str) -> bytes:
    """JSON bytes, with the placeholder "__BIG__" replaced by a number JSON cannot hold."""
    return json.dumps(doc).replace('"__BIG__"', big).encode("utf-8", "surrogatepass")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _entry(kind: Any, name: Any, actions: Any, layout: int) -> Any:
    """One `access` entry: well-formed, with a wrong field, or not an object at all."""
    entry = {"type": kind, "name": name, "actions": actions}
    return [entry, {"actions": actions}, kind, entry][layout]


def _jwt(entries: list[Any], exp: Any, big: str, layout: int) -> str:
    claims: Any = {"access": entries, "exp": exp}
    raw = [
        _dumped(claims, big),
        _dumped({"access": exp}, big),
        _DEEP[len(entries) % len(_DEEP)].encode(),
        _dumped(entries, big),
    ][layout]
    return f"eyJhbGciOiJub25lIn0.{_b64(raw)}.c2ln"


_entries = st.lists(
    st.builds(
        _entry,
        st.one_of(st.just("repository"), _wrong),
        st.one_of(st.sampled_from(["a", "b"]), _wrong),
        st.sampled_from(_ACTIONS),
        st.integers(0, 3),
    ),
    max_size=6,
)
_jwts = st.one_of(
    st.builds(_jwt, _entries, _numbers, st.sampled_from(_BIG), st.integers(0, 3)),
    st.text(max_size=60).map(lambda t: f"a.{t}.c"),
)


def _token_answer(token: Any, expires: Any, big: str, layout: int) -> bytes:
    makers: list[Callable[[], bytes]] = [
        lambda: _dumped({"access_token": token, "expires_in": expires}, big),
        lambda: _dumped({"token": token, "expires_in": expires}, big),
        lambda: _dumped({"access_token": expires, "token": token}, big),
        lambda: _dumped([token], big),
        _DEEP[len(str(token)) % len(_DEEP)].encode,
        lambda: str(token).encode("utf-8", "surrogatepass")[:80],
    ]
    return makers[layout]()


_token_answers = st.builds(
    _token_answer,
    st.one_of(_jwts, _wrong),
    _numbers,
    st.sampled_from(_BIG),
    st.integers(0, 5),
)


def _error_body(code: Any, message: Any, big: str, layout: int) -> bytes:
    one = {"code": code, "message": message}
    return [
        lambda: _dumped({"errors": [one]}, big),
        lambda: _dumped({"errors": [one, message, None, {"code": message}]}, big),
        lambda: _dumped({"errors": code}, big),
        lambda: _dumped({"message": message}, big),
        lambda: f"<html><title>{message}</title></html>".encode("utf-8", "surrogatepass"),
        lambda: str(message).encode("utf-8", "surrogatepass"),
        lambda: b'{"errors":' + _DEEP[len(str(message)) % len(_DEEP)].encode() + b"}",
    ][layout]()


_error_bodies = st.builds(
    _error_body,
    st.one_of(st.sampled_from(["DENIED", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"]), _wrong),
    st.one_of(st.text(max_size=80), _wrong),
    st.sampled_from(_BIG),
    st.integers(0, 6),
)
_header_texts = st.one_of(
    st.text(max_size=120),
    st.text(alphabet='<>;,="relnxt: /[]?\\', max_size=120),
    st.sampled_from(["<http://[::1>; rel=next", "<http://h:99999999/>; rel=next", "<//>;rel=next"]),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["<", ">", "<>", ";rel=", '"']),
        st.sampled_from([1, 2, 100, 65_000]),
    ),
)
_digits = st.one_of(
    _header_texts,
    st.sampled_from(["9" * 5000, "9" * 19, "9" * 20, "²", "-5", "١٢", " 12 ", "12;w=1", "0"]),
)


def printable_error(exc: RegistryError) -> None:
    assert exc.sentence and exc.sentence.isprintable()
    exc.sentence.encode("utf-8")


@fuzz
@given(_token_answers, st.floats(min_value=0, max_value=2e9))
def test_token_answers_and_jwt_claims(body: bytes, now: float) -> None:
    """A token answer (JSON, with a JWT or not), and the JWT in it on its own."""
    try:
        doc = load_json(body, what="token answer")
    except InvalidResponse as exc:
        printable_error(exc)
        return
    answer = token_from_response(doc, now)
    assert answer is None or isinstance(answer, Token)
    if answer is None:
        return
    assert math.isfinite(answer.expires_at)
    repr(answer)
    claims = jwt_claims(answer.value)
    assert claims is None or isinstance(claims, dict)
    for access in answer.granted or ():
        assert isinstance(access.type, str) and isinstance(access.name, str)
        assert all(isinstance(a, str) for a in access.actions)
        str(access)


@fuzz
@given(
    _error_bodies,
    st.sampled_from([400, 401, 403, 404, 429, 500, 502, 599]),
    st.sampled_from(["Retry-After", "Content-Type", "Docker-Distribution-API-Version"]),
    _digits,
    st.sampled_from(["manifest", "blob", "tags", "ping", "token", "catalog"]),
)
def test_error_answers(body: bytes, status: int, header: str, value: str, kind: str) -> None:
    resp = Response(status, CaseInsensitiveDict({header: value}), body, "http://h/v2/")
    _code, message = error_details(resp, ("SECRET-1",))
    assert message is None or (len(message) <= 300 and message.isprintable())
    ctx = RequestContext("reg.io", kind, "repo", "v1", service="auth.reg.io")
    error = error_for(resp, ctx, username="u", secrets=("SECRET-1",))
    printable_error(error)
    assert "SECRET-1" not in error.sentence and len(error.sentence) < 1000


@fuzz
@given(_header_texts, _digits)
def test_headers(link: str, value: str) -> None:
    """Link, Retry-After, ratelimit-* and Content-Length values."""
    try:
        url = next_link(link, "http://reg.io/v2/r/tags/list")
    except InvalidResponse as exc:
        printable_error(exc)
    else:
        assert url is None or url.startswith(("http://", "https://"))
    wait = retry_after_seconds(value, 0.0)
    assert wait is None or 0 <= wait <= MAX_RETRY_AFTER
    length = declared_length(value)
    assert length is None or 0 <= length < 10**19
    status = RateLimitStatus.from_headers({"ratelimit-remaining": value, "ratelimit-limit": value})
    assert status is None or status.remaining >= 0


@fuzz
@given(st.text(max_size=400), st.lists(st.text(min_size=1, max_size=20), max_size=3))
def test_quoted_server_text(text: str, secrets: list[str]) -> None:
    quoted = quotable(text, secrets)
    assert (len(quoted) <= 300 and quoted.isprintable()) or quoted == ""
    quoted.encode("utf-8")
    for secret in secrets:
        if len(secret) >= 4 and secret.strip() == secret and secret.isprintable():
            assert secret not in quoted or secret in "<redacted>…"


def test_seeds_that_raised_before() -> None:
    """The inputs issue 10 found, one by one."""
    assert retry_after_seconds("²") is None
    assert declared_length("²") is None and declared_length("9" * 5000) is None
    assert declared_length("-5") is None
    assert token_from_response({"access_token": "t", "expires_in": 10**400}, 0.0) is not None
    big = json.dumps({"exp": "soon", "access": [5, {"actions": "pull"}]}).encode()
    assert granted_access(f"a.{_b64(big)}.c") == ()
    try:
        next_link("<http://[::1>; rel=next", "http://reg.io/")
    except InvalidResponse as exc:
        printable_error(exc)
