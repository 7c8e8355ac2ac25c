"""Tag ordering and filtering as people expect."""

from hypothesis import given
from hypothesis import strategies as st

from acr_desktop.versions import matcher, natural_key


def test_versions_in_human_order() -> None:
    tags = ["1.10", "1.9", "1.2", "latest", "v2", "1.10.1", "1.10-rc1", "10", "9", "2.0.0"]
    assert sorted(tags, key=natural_key) == [
        "1.2",
        "1.9",
        "1.10",
        "1.10-rc1",
        "1.10.1",
        "2.0.0",
        "9",
        "10",
        "latest",
        "v2",
    ]


def test_glob_and_substring() -> None:
    assert matcher("1.*")("1.10") and not matcher("1.*")("v1.10")
    assert matcher("*RC*")("1.10-rc1")
    assert matcher("v?")("v2") and not matcher("v?")("v20")
    assert matcher("rc")("1.10-RC1")
    assert matcher("")("anything")
    assert matcher("[0-9]*")("7.0") and not matcher("[0-9]*")("latest")


@given(st.lists(st.from_regex(r"[a-z0-9._-]{1,12}", fullmatch=True), max_size=40))
def test_natural_sort_is_total_and_stable(tags: list[str]) -> None:
    once = sorted(tags, key=natural_key)
    assert sorted(once, key=natural_key) == once
