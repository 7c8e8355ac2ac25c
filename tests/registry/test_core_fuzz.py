"""Property tests of the registry core's parsers: token answers and JWT claims, error bodies,
Link, Retry-After, rate-limit and Content-Length headers. Each returns a value or raises one of
the project's errors with a printable sentence, for any input.

ACR_FUZZ_EXAMPLES sets the examples per property (default 200; the CI slow tier runs 10000).
"""

from __future__ import annotations

import base64
import json
import math
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

# Generated cheaply (flat values, prebuilt deep texts): CI runs 10,000 examples of each.
_wrong = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([[1], {"a": 1}, [], {}, ["pull", 5]]),
)
_numbers = st.one_of(
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**63, -5, 0]),
    st.floats(),
    st.sampled_from(["²", "60", "soon", "", "1e999"]),
)
_field = st.one_of(_numbers, _wrong)
_access = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.one_of(st.just("repository"), _wrong),
                "name": st.one_of(st.sampled_from(["a", "b"]), _wrong),
                "actions": st.one_of(
                    st.lists(st.one_of(st.sampled_from(["pull", "push", "*"]), _wrong)),
                    _wrong,
                ),
            }
        ),
        _wrong,
    ),
    max_size=8,
)
_claims = st.fixed_dictionaries({}, optional={"access": _access, "exp": _field, "iss": _field})
_DEEP = [fi.deep(n, kind) for n in (65, 1000, 100_000) for kind in ("list", "object")]
_BIG = ["9" * 5000, "1e999999", "-1e400", "1" * 25]


def _documents(shape: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bytes of one document: shaped JSON (some with a huge number), deep JSON, or noise."""
    shaped = st.builds(
        lambda doc, big: json.dumps(doc).replace('"__BIG__"', big).encode(),
        shape,
        st.sampled_from(_BIG),
    )
    return st.one_of(
        shaped,
        shaped,
        shaped,
        st.sampled_from(_DEEP).map(str.encode),
        st.binary(max_size=60),
        st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


_jwts = st.one_of(
    _documents(_claims).map(lambda raw: f"eyJhbGciOiJub25lIn0.{_b64(raw)}.c2ln"),
    st.builds(lambda t: f"a.{t}.c", st.text(max_size=60)),
    st.text(max_size=80),
)
_token_answers = _documents(
    st.fixed_dictionaries(
        {},
        optional={
            "access_token": st.one_of(_jwts, _wrong),
            "token": st.one_of(_jwts, _wrong),
            "expires_in": st.one_of(_field, st.just("__BIG__")),
        },
    )
)
_text = st.text(max_size=80)
_error_bodies = st.one_of(
    _documents(
        st.fixed_dictionaries(
            {},
            optional={
                "errors": st.one_of(
                    st.lists(
                        st.one_of(
                            st.fixed_dictionaries(
                                {},
                                optional={
                                    "code": _wrong,
                                    "message": st.one_of(_text, _wrong),
                                },
                            ),
                            _wrong,
                        ),
                        max_size=4,
                    ),
                    _wrong,
                ),
                "message": _wrong,
            },
        )
    ),
    st.builds(
        lambda t: f"<html><title>{t}</title></html>".encode("utf-8", "surrogatepass"), st.text()
    ),
)
_long = st.integers(1, 65_000)
_header_texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet='<>;,="relnxt: /[]?\\', max_size=300),
    st.sampled_from(["<http://[::1>; rel=next", "<http://h:99999999/>; rel=next", "<//>;rel=next"]),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["<", ">", "<>", ";rel=", '"']), st.integers(1, 65_000)
    ),
)
_digits = st.one_of(
    _header_texts,
    st.builds(lambda n: "9" * n, st.integers(1, 6000)),
    st.sampled_from(["²", "-5", "١٢", " 12 ", "12;w=1", "0"]),
)


def printable_error(exc: RegistryError) -> None:
    assert exc.sentence and exc.sentence.isprintable()
    exc.sentence.encode("utf-8")


@fuzz
@given(_token_answers, _jwts, st.floats(min_value=0, max_value=2e9))
def test_token_answers_and_jwt_claims(body: bytes, token: str, now: float) -> None:
    """A token answer (JSON, with a JWT or not), and a JWT on its own."""
    try:
        doc = load_json(body, what="token answer")
    except InvalidResponse as exc:
        printable_error(exc)
        doc = {"access_token": token}
    answer = token_from_response(doc, now)
    assert answer is None or isinstance(answer, Token)
    if answer is not None:
        assert math.isfinite(answer.expires_at)
        repr(answer)
    claims = jwt_claims(token)
    assert claims is None or isinstance(claims, dict)
    for access in granted_access(token) or ():
        assert isinstance(access.type, str) and isinstance(access.name, str)
        assert all(isinstance(a, str) for a in access.actions)
        str(access)


@fuzz
@given(
    _error_bodies,
    st.sampled_from([400, 401, 403, 404, 429, 500, 502, 599]),
    st.dictionaries(
        st.sampled_from(["Retry-After", "Content-Type", "Docker-Distribution-API-Version"]),
        _digits,
    ),
    st.sampled_from(["manifest", "blob", "tags", "ping", "token", "catalog"]),
)
def test_error_answers(body: bytes, status: int, headers: dict[str, str], kind: str) -> None:
    resp = Response(status, CaseInsensitiveDict(headers), body, "http://h/v2/")
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
