"""References as users paste them (PROTOCOL §1), and errors that name the bad part."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.reference import Reference, parse_reference

D = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ubuntu", Reference("docker.io", "library/ubuntu", "latest")),
        ("ubuntu:22.04", Reference("docker.io", "library/ubuntu", "22.04")),
        ("bitnami/redis", Reference("docker.io", "bitnami/redis", "latest")),
        ("docker.io/ubuntu", Reference("docker.io", "library/ubuntu", "latest")),
        ("index.docker.io/library/ubuntu", Reference("docker.io", "library/ubuntu", "latest")),
        ("myreg.azurecr.io/team/app:1.4", Reference("myreg.azurecr.io", "team/app", "1.4")),
        ("MyReg.AzureCR.io/team/app:1.4", Reference("myreg.azurecr.io", "team/app", "1.4")),
        ("https://myreg.azurecr.io/team/app:1.4", Reference("myreg.azurecr.io", "team/app", "1.4")),
        (
            "  docker pull mcr.microsoft.com/dotnet/runtime:7.0  ",
            Reference("mcr.microsoft.com", "dotnet/runtime", "7.0"),
        ),
        ("docker pull --platform linux/arm64 ghcr.io/o/r:v1", Reference("ghcr.io", "o/r", "v1")),
        ("podman pull quay.io/x/y", Reference("quay.io", "x/y", "latest")),
        ("localhost/app", Reference("localhost", "app", "latest")),
        ("localhost:5000/app:dev", Reference("localhost:5000", "app", "dev")),
        ("127.0.0.1:5000/test/app@" + D, Reference("127.0.0.1:5000", "test/app", None, D)),
        ("reg.io/a/b:t@" + D, Reference("reg.io", "a/b", "t", D)),
        ("[::1]:5000/a/b", Reference("[::1]:5000", "a/b", "latest")),
        ("reg.io/a__b/c-d/e.f:Tag_1.0-x", Reference("reg.io", "a__b/c-d/e.f", "Tag_1.0-x")),
    ],
)
def test_parses_what_users_paste(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


def test_digest_wins_but_tag_is_kept() -> None:
    ref = parse_reference("reg.io/a/b:t@" + D)
    assert ref.target == D
    assert str(ref) == "reg.io/a/b:t@" + D
    assert ref.pinned() == "reg.io/a/b@" + D


def test_docker_hub_is_contacted_on_its_api_host() -> None:
    assert parse_reference("ubuntu").api_host == "registry-1.docker.io"
    assert parse_reference("reg.io/a").api_host == "reg.io"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("", "reference"),
        ("myreg.azurecr.io", "repository"),  # a registry, not a repository (rules_docker#1193)
        ("myreg.azurecr.io/", "repository"),
        ("localhost:5000", "repository"),
        ("Team/App", "repository"),
        ("reg.io/a//b", "repository"),
        ("reg.io/a/b:-bad", "tag"),
        ("reg.io/a/b:" + "t" * 129, "tag"),
        ("reg.io/a/b@sha256:abc", "digest"),
        ("reg.io/a/b@sha256:" + "AB" * 32, "digest"),
        ("reg.io/a/b@md5:" + "a" * 32, "digest"),
        ("reg.io/a/b@", "digest"),
        ("reg.io:99999/a", "port"),
        ("bad_host.io/a", "registry"),
        ("a b", "reference"),
        ("reg.io/" + "a" * 300, "repository"),
    ],
)
def test_errors_name_the_bad_part(text: str, part: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert info.value.part == part
    assert str(info.value)  # a sentence for a person


_component = st.from_regex(r"[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}", fullmatch=True)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,20}", fullmatch=True)
_host = st.sampled_from(
    ["reg.io", "myreg.azurecr.io", "localhost:5000", "127.0.0.1:80", "docker.io"]
)


@given(
    host=_host,
    path=st.lists(_component, min_size=2, max_size=4),
    tag=st.none() | _tag,
    digest=st.none() | st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True),
)
def test_round_trip(host: str, path: list[str], tag: str | None, digest: str | None) -> None:
    text = (
        f"{host}/{'/'.join(path)}" + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    )
    ref = parse_reference(text)
    assert ref.registry == host
    assert ref.repository == "/".join(path)
    assert ref.digest == digest
    assert parse_reference(str(ref)) == ref


@given(st.text(max_size=80))
def test_never_crashes(text: str) -> None:
    try:
        ref = parse_reference(text)
    except InvalidReference as exc:
        assert exc.part
    else:
        assert parse_reference(str(ref)) == ref


D = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://myreg.azurecr.io/v2/team/app/manifests/1.4",
            Reference("myreg.azurecr.io", "team/app", "1.4", None),
        ),
        (
            f"http://localhost:5000/v2/test/app/manifests/{D}",
            Reference("localhost:5000", "test/app", None, D),
        ),
        (
            "localhost:5000/v2/test/app/manifests/v1/",
            Reference("localhost:5000", "test/app", "v1", None),
        ),
        ("https://ghcr.io/v2/o/r/tags/list?n=100", Reference("ghcr.io", "o/r", "latest", None)),
        (
            "https://registry-1.docker.io/v2/library/nginx/manifests/latest",
            Reference("docker.io", "library/nginx", "latest", None),
        ),
        (f"myreg.io/v2/a/referrers/{D}", Reference("myreg.io", "a", None, D)),
        # Not an API path: a repository that starts with `v2` stays one.
        ("myreg.io/v2/app:1", Reference("myreg.io", "v2/app", "1", None)),
    ],
)
def test_registry_api_urls_name_their_reference(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected
