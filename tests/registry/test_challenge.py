"""WWW-Authenticate parsing: several challenges, quoted escapes, any case (RFC 7235)."""

from hypothesis import given
from hypothesis import strategies as st

from acr_desktop.registry.challenge import (
    Challenge,
    bearer_or_basic,
    format_challenge,
    parse_www_authenticate,
)


def test_acr_bearer_challenge() -> None:
    [c] = parse_www_authenticate(
        'Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",'
        'scope="repository:team/app:pull repository:team/base:pull",error="insufficient_scope"'
    )
    assert c.scheme == "bearer"
    assert c.realm == "https://myreg.azurecr.io/oauth2/token"
    assert c.service == "myreg.azurecr.io"
    assert c.scopes == ("repository:team/app:pull", "repository:team/base:pull")
    assert c.error == "insufficient_scope"


def test_several_challenges_case_and_escapes() -> None:
    cs = parse_www_authenticate(
        'Basic realm="te\\"st\\\\x", BEARER Realm=https://a/t , Service = s'
    )
    assert [c.scheme for c in cs] == ["basic", "bearer"]
    assert cs[0].realm == 'te"st\\x'
    assert cs[1].realm == "https://a/t"
    assert cs[1].service == "s"
    assert bearer_or_basic(cs) is cs[1]


def test_token68_and_commas_inside_quotes() -> None:
    cs = parse_www_authenticate('Negotiate abc==, Bearer realm="a,b",scope="x:y:pull,push"')
    assert cs[0] == Challenge("negotiate", {}, "abc==")
    assert cs[1].realm == "a,b"
    assert cs[1].scopes == ("x:y:pull,push",)


def test_garbage_gives_no_usable_challenge() -> None:
    assert bearer_or_basic(parse_www_authenticate('=,,"unterminated')) is None
    assert parse_www_authenticate("") == []


_value = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
_name = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)


@given(
    scheme=st.sampled_from(["bearer", "basic", "x-custom"]),
    params=st.dictionaries(_name, _value, min_size=1, max_size=5),
)
def test_round_trip(scheme: str, params: dict[str, str]) -> None:
    c = Challenge(scheme, params)
    assert parse_www_authenticate(format_challenge(c)) == [c]


@given(st.text(max_size=200))
def test_never_crashes(text: str) -> None:
    for c in parse_www_authenticate(text):
        assert c.scheme == c.scheme.lower()
