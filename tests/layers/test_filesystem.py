"""The merged filesystem: OCI whiteout rules, what each layer does to a path, folder sizes,
wasted space, finding by glob; and that hostile shapes (a million entries, very deep paths) stay
linear."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry.filesystem import (
    IMPLIED,
    MAX_OFFENDERS,
    Found,
    MergedFs,
    Node,
    Waste,
    changes,
    find,
    glob_match,
)
from acr_desktop.registry.layer_entries import Change, EntryKind, TarEntry

A, M, D, OP, U = Change.ADDED, Change.MODIFIED, Change.DELETED, Change.OPAQUE, Change.UNKNOWN


def f(path: str, size: int = 0) -> TarEntry:
    return TarEntry(path, EntryKind.FILE, size, 0o644, 0, 0, "root", "root", 0.0)


def d(path: str) -> TarEntry:
    return TarEntry(path, EntryKind.DIR, 0, 0o755, 0, 0, "root", "root", 0.0)


def hardlink(path: str, target: str, size: int = 0) -> TarEntry:
    return TarEntry(path, EntryKind.HARDLINK, size, 0o644, 0, 0, "", "", 0.0, link=target)


def symlink(path: str, target: str) -> TarEntry:
    return TarEntry(path, EntryKind.SYMLINK, 0, 0o777, 0, 0, "", "", 0.0, link=target)


BASE = [
    d("etc"),
    f("etc/passwd", 100),
    d("usr"),
    d("usr/bin"),
    f("usr/bin/sh", 500),
    d("var"),
    d("var/cache"),
    f("var/cache/big", 1000),
    f("var/cache/small", 10),
]
SECOND = [
    d("etc"),
    f("etc/passwd", 120),
    f("usr/bin/.wh.sh"),
    d("var/cache"),
    f("var/cache/.wh..wh..opq"),
    f("var/cache/new", 5),
    f("home/user/notes", 7),
]
THIRD = [f("etc/.wh.passwd"), f("etc/hosts", 3)]


def at(fs: MergedFs, path: str) -> Node:
    node = fs.node(path)
    assert node is not None
    return node


def names(fs: MergedFs, path: str) -> list[str]:
    return sorted(at(fs, path).children or ())


def merged(*layers: list[TarEntry]) -> MergedFs:
    fs = MergedFs()
    for index, entries in enumerate(layers):
        fs.apply(index, entries)
    return fs


def test_changes_without_lower_layers_are_unknown_except_whiteouts_and_opaque_markers() -> None:
    assert changes(None, SECOND) == [U, U, D, U, OP, U, U]


def test_changes_against_a_set_of_lower_paths() -> None:
    lower = {"etc", "etc/passwd", "var/cache"}
    assert changes(lower, SECOND) == [M, M, D, M, OP, A, A]


def test_apply_returns_each_entrys_change_against_the_layers_below() -> None:
    fs = MergedFs()
    assert fs.apply(0, BASE) == [A] * len(BASE)
    assert fs.apply(1, SECOND) == [M, M, D, M, OP, A, A]
    assert fs.apply(2, THIRD) == [D, A]
    assert fs.applied == [0, 1, 2]


def test_changes_of_a_merged_fs_are_what_the_next_layer_does_without_applying_it() -> None:
    fs = merged(BASE)
    assert changes(fs, SECOND) == [M, M, D, M, OP, A, A]
    assert fs.node("home") is None
    assert fs.node("usr/bin/sh") is not None


def test_the_merged_tree_honours_whiteouts_and_opaque_folders() -> None:
    fs = merged(BASE, SECOND, THIRD)
    assert fs.node("usr/bin/sh") is None
    assert fs.node("usr/bin") is not None
    assert names(fs, "var/cache") == ["new"]
    assert fs.node("etc/passwd") is None
    assert at(fs, "etc/hosts").layer == 2
    assert at(fs, "etc").layer == 1
    assert "etc/hosts" in fs
    assert "etc/passwd" not in fs
    assert 42 not in fs


def test_last_writer_and_implied_folders() -> None:
    fs = merged(BASE, SECOND)
    home = fs.node("home")
    assert home is not None and home.entry is None and home.layer == IMPLIED
    assert at(fs, "home/user/notes").layer == 1
    assert at(fs, "var/cache/new").layer == 1
    assert at(fs, "etc/passwd").size == 120
    assert fs.root.layer == IMPLIED and fs.root.entry is None and fs.root.parent is None
    notes = at(fs, "home/user/notes")
    assert notes.parent is at(fs, "home/user") and notes.parent.parent is home
    assert home.parent is fs.root and at(fs, "etc").parent is fs.root
    assert notes.path == "home/user/notes" and fs.root.path == ""


def test_folder_sizes_are_the_files_below_and_follow_each_apply() -> None:
    fs = merged(BASE)
    assert fs.root.size == 100 + 500 + 1000 + 10
    assert at(fs, "var").size == 1010
    fs.apply(1, SECOND)
    assert at(fs, "var").size == 5
    assert fs.root.size == 120 + 5 + 7
    fs.apply(2, THIRD)
    assert at(fs, "etc").size == 3
    assert fs.root.size == 3 + 5 + 7


def test_wasted_bytes_are_credited_to_the_layer_that_wrote_them() -> None:
    fs = merged(BASE, SECOND, THIRD)
    assert fs.wasted_by_layer == {0: 100 + 500 + 1000 + 10, 1: 120}
    assert fs.wasted_total == 1730
    assert fs.offenders() == [
        Waste("var/cache/big", 1000, 0, 1, "deleted"),
        Waste("usr/bin/sh", 500, 0, 1, "deleted"),
        Waste("etc/passwd", 120, 1, 2, "deleted"),
        Waste("etc/passwd", 100, 0, 1, "overwritten"),
        Waste("var/cache/small", 10, 0, 1, "deleted"),
    ]
    assert fs.offenders(2) == fs.offenders()[:2]
    assert fs.offenders(0) == []


@pytest.mark.parametrize("whiteout_first", [True, False])
def test_a_whiteout_hides_only_lower_layers_wherever_it_sits_in_the_tar(
    whiteout_first: bool,
) -> None:
    layer = [f("a/.wh.b"), f("a/b", 9)] if whiteout_first else [f("a/b", 9), f("a/.wh.b")]
    fs = merged([f("a/b", 4)], layer)
    node = fs.node("a/b")
    assert node is not None and node.layer == 1 and node.size == 9
    assert fs.wasted_by_layer == {0: 4}
    assert fs.offenders() == [Waste("a/b", 4, 0, 1, "deleted")]


@pytest.mark.parametrize("marker_first", [True, False])
def test_an_opaque_marker_hides_only_lower_contents(marker_first: bool) -> None:
    mine = [d("a"), f("a/x", 1), f("a/sub/y", 2)]
    marker = f("a/.wh..wh..opq")
    layer = [marker, *mine] if marker_first else [*mine, marker]
    fs = merged([d("a"), f("a/old", 50), f("a/sub/z", 6)], layer)
    assert names(fs, "a") == ["sub", "x"]
    assert names(fs, "a/sub") == ["y"]
    assert fs.wasted_total == 56
    assert {w.path for w in fs.offenders()} == {"a/old", "a/sub/z"}


def test_an_opaque_root_hides_everything_below() -> None:
    fs = merged(BASE, [f(".wh..wh..opq"), f("only", 1)])
    assert sorted(fs.root.children) == ["only"]  # type: ignore[arg-type]
    assert fs.wasted_total == 1610


def test_a_file_replacing_a_folder_drops_its_subtree_written_by_several_layers() -> None:
    fs = merged([f("opt/a/x", 10)], [f("opt/a/y", 20), f("opt/b", 1)], [f("opt/a", 3)])
    node = fs.node("opt/a")
    assert node is not None and node.children is None and node.size == 3
    assert fs.node("opt/a/x") is None
    assert fs.wasted_by_layer == {0: 10, 1: 20}
    assert {(w.path, w.layer, w.by_layer, w.how) for w in fs.offenders()} == {
        ("opt/a/x", 0, 2, "overwritten"),
        ("opt/a/y", 1, 2, "overwritten"),
    }
    assert fs.root.size == 3 + 1


def test_a_file_replacing_a_folder_in_the_same_layer_then_a_path_inside_it() -> None:
    fs = merged([d("a"), f("a/x", 5), f("a", 2), f("a/y", 3)])
    assert names(fs, "a") == ["y"]
    assert fs.wasted_by_layer == {0: 5 + 2}


def test_a_folder_over_a_folder_keeps_its_contents() -> None:
    fs = merged([d("a"), f("a/x", 5)], [d("a")])
    assert fs.node("a/x") is not None
    assert at(fs, "a").layer == 1
    assert fs.wasted_total == 0


def test_a_path_under_a_lower_file_replaces_that_file_with_a_folder() -> None:
    fs = merged([f("a", 8)], [f("a/b", 1)])
    node = fs.node("a")
    assert node is not None and node.is_dir and node.layer == IMPLIED
    assert fs.offenders() == [Waste("a", 8, 0, 1, "overwritten")]


def test_hard_links_count_no_bytes_in_folders_or_waste() -> None:
    fs = merged([f("bin/x", 100), hardlink("bin/y", "bin/x", 100), symlink("bin/z", "x")])
    assert at(fs, "bin").size == 100
    fs.apply(1, [f("bin/.wh.y"), f("bin/.wh.z")])
    assert fs.wasted_total == 0


def test_a_negative_size_from_a_hostile_header_counts_as_nothing() -> None:
    fs = merged([f("a", -5), d("b"), f("b/c", 4)])
    assert at(fs, "a").size == 0 and not at(fs, "a").is_dir
    assert fs.root.size == 4


def test_the_same_path_twice_in_one_layer_wastes_the_first_copy() -> None:
    fs = merged([f("a", 3), f("a", 4)])
    assert at(fs, "a").size == 4
    assert fs.offenders() == [Waste("a", 3, 0, 0, "overwritten")]


def test_the_root_entry_and_hostile_names_are_plain_data() -> None:
    fs = MergedFs()
    assert "" not in fs
    root = d("")
    assert fs.apply(0, [root, f("../etc/x", 1), f(".wh.", 0), f("x/.wh.")]) == [A, A, D, D]
    assert "" in fs and fs.root.entry is root and fs.root.layer == 0
    assert fs.node("../etc/x") is not None  # ".." is a name here, never resolved
    assert fs.apply(1, [f(""), f(".wh.missing"), f("nowhere/.wh.x")]) == [M, D, D]
    assert fs.root.is_dir and fs.wasted_total == 0


def test_offenders_are_bounded_and_the_largest_are_kept() -> None:
    count = MAX_OFFENDERS * 3
    fs = merged([f(f"f{i}", i + 1) for i in range(count)], [f(".wh..wh..opq")])
    assert fs.wasted_total == count * (count + 1) // 2
    top = fs.offenders(MAX_OFFENDERS + 50)
    assert len(top) == MAX_OFFENDERS
    assert [w.size for w in top] == list(range(count, count - MAX_OFFENDERS, -1))
    assert top[0].path == f"f{count - 1}"


def test_a_very_deep_path_applies_sizes_and_is_deleted_without_recursion() -> None:
    depth = 100_000
    deep = "/".join(["d"] * depth)
    fs = merged([f(f"{deep}/file", 11)])
    assert fs.root.size == 11
    assert at(fs, deep).size == 11
    fs.apply(1, [f(".wh.d")])
    assert fs.offenders() == [Waste(f"{deep}/file", 11, 0, 1, "deleted")]
    assert fs.root.size == 0


def test_a_thousand_nested_folders_each_listed() -> None:
    paths = ["/".join(["n"] * k) for k in range(1, 1001)]
    entries = [d(p) for p in paths] + [f(f"{p}/f", 1) for p in paths]
    fs = MergedFs()
    assert fs.apply(0, entries) == [A] * 2000
    assert fs.root.size == 1000
    assert at(fs, paths[499]).size == 501
    assert changes(fs, entries) == [M] * 2000
    assert fs.apply(1, [f("n/n/.wh..wh..opq")]) == [OP]
    assert fs.root.size == 1 and fs.wasted_total == 999


def test_a_million_entries_merge_in_one_pass() -> None:
    entries = [f(f"usr/share/p{i // 1000}/f{i}", 1) for i in range(1_000_000)]
    fs = MergedFs()
    started = time.perf_counter()
    fs.apply(0, entries)
    applied = time.perf_counter()
    assert fs.root.size == 1_000_000
    sized = time.perf_counter()
    fs.apply(1, [f("usr/.wh.share")])
    assert fs.wasted_total == 1_000_000 and fs.root.size == 0
    print(
        f"\n1,000,000 entries: apply {applied - started:.2f} s, folder sizes "
        f"{sized - applied:.2f} s, whiteout of all {time.perf_counter() - sized:.2f} s"
    )


LISTINGS = [BASE, SECOND, THIRD]


def test_find_says_which_layer_added_a_path_and_what_it_did() -> None:
    assert list(find("/etc/passwd", LISTINGS)) == [
        Found(0, BASE[1], A),
        Found(1, SECOND[1], M),
        Found(2, THIRD[0], D),
    ]
    assert [(x.layer, x.entry.path, x.change) for x in find("sh", LISTINGS)] == [
        (0, "usr/bin/sh", A),
        (1, "usr/bin/.wh.sh", D),
    ]
    assert [(x.layer, x.change) for x in find("var/cache", LISTINGS)] == [(0, A), (1, M), (1, OP)]
    assert [x.entry.path for x in find("**/n*", LISTINGS)] == ["var/cache/new", "home/user/notes"]
    assert list(find("", LISTINGS)) == []


GLOBS = [
    # no "/": a name anywhere
    ("libssl.so.*", "usr/lib/x86_64-linux-gnu/libssl.so.3", True),
    ("libssl.so.*", "libssl.so.3", True),
    ("libssl.so.*", "usr/lib/libssl.so.3/other", False),
    ("*.py", "a/b/c.py", True),
    ("*.py", "a/b.py/c", False),
    ("?.txt", "dir/a.txt", True),
    ("?.txt", "dir/ab.txt", False),
    ("[abc]*", "x/b1", True),
    ("[!abc]*", "x/b1", False),
    ("[!abc]*", "x/z1", True),
    ("[a-c]x", "cx", True),
    ("[z-a]x", "zx", False),
    ("[]]x", "]x", True),
    ("[x", "[x", True),
    ("*", "any/thing", True),
    ("*", "", True),
    # several parts: the last parts of the path
    ("lib/*.so", "usr/lib/a.so", True),
    ("lib/*.so", "lib/a.so", True),
    ("lib/*.so", "usr/lib/x/a.so", False),
    ("lib/*.so", "a.so", False),
    ("usr/lib/x86_64-linux-gnu/libssl.so.3", "usr/lib/x86_64-linux-gnu/libssl.so.3", True),
    # a leading "/": anchored at the root
    ("/etc/*", "etc/passwd", True),
    ("/etc/*", "x/etc/passwd", False),
    ("/etc", "etc", True),
    ("/*", "etc", True),
    ("/*", "etc/passwd", False),
    # ** across folders
    ("/usr/**/*.so", "usr/a.so", True),
    ("/usr/**/*.so", "usr/lib/x/y/a.so", True),
    ("/usr/**/*.so", "opt/usr/a.so", False),
    ("usr/**/*.so", "opt/usr/lib/a.so", True),
    ("/usr/**", "usr", True),
    ("/usr/**", "usr/a/b", True),
    ("/usr/**", "usrx/a", False),
    ("**", "a/b/c", True),
    ("/**/b/**/d", "a/b/c/d", True),
    ("/**/b/**/d", "b/d", True),
    ("/**/b/**/d", "a/c/d", False),
    ("a/**/**/b", "a/b", True),
    ("**/doc/*", "usr/share/doc/x", True),
    # names are plain text: no regex, no case folding, newlines are characters
    ("a.c", "abc", False),
    ("A*", "abc", False),
    ("*x", "line\nx", True),
    ("(a|b)+", "(a|b)+", True),
    # empty patterns match nothing
    ("", "a", False),
    ("/", "", False),
    ("//", "a", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), GLOBS)
def test_glob_match(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern)(path) is expected


def test_glob_on_a_hostile_path_ends() -> None:
    path = "/".join(["a" * 50] * 20_000) + "/" + "a" * 5000
    for pattern in ["**/*a*a*a*a*a*b/**/x", "/**/a*/**/a*/**/b", "*a*a*a*a*a*a*a*a*b"]:
        assert glob_match(pattern)(path) is False
    assert glob_match("**/a*a*/**/a*")(path) is True


# -- the merged filesystem against a plain model of the rules (a dict of paths, prefix scans)

NAMES = ["a", "b", "c"]


@st.composite
def layer_entries(draw: st.DrawFn) -> list[TarEntry]:
    found: list[TarEntry] = []
    for _ in range(draw(st.integers(0, 8))):
        parts = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3))
        path = "/".join(parts)
        parent = "/".join(parts[:-1])
        what = draw(st.sampled_from(["file", "dir", "hardlink", "whiteout", "opaque", "root"]))
        if what == "file":
            found.append(f(path, draw(st.integers(0, 50))))
        elif what == "dir":
            found.append(d(path))
        elif what == "hardlink":
            found.append(hardlink(path, "a", 9))
        elif what == "whiteout":
            found.append(f(f"{parent}/.wh.{parts[-1]}" if parent else f".wh.{parts[-1]}"))
        elif what == "opaque":
            found.append(f(f"{path}/.wh..wh..opq"))
        else:
            found.append(d(""))
    return found


class Model:
    """The rules spelled out the slow way: path -> (is folder, size, layer)."""

    def __init__(self) -> None:
        self.paths: dict[str, tuple[bool, int, int]] = {}
        self.wasted: dict[int, int] = {}
        self.root = False

    def drop(self, path: str, prefix: str) -> None:
        for p in [p for p in self.paths if p == path or p.startswith(prefix)]:
            _, size, layer = self.paths.pop(p)
            if size:
                self.wasted[layer] = self.wasted.get(layer, 0) + size

    def apply(self, index: int, entries: list[TarEntry]) -> list[Change]:
        found = self.changes(entries)
        self.hide(entries)
        for e in entries:
            if not (e.is_whiteout or e.is_opaque_marker):
                self.write(e, index)
        return found

    def changes(self, entries: list[TarEntry]) -> list[Change]:
        found = []
        for e in entries:
            if e.is_opaque_marker:
                found.append(OP)
            elif e.is_whiteout:
                found.append(D)
            elif e.path == "":
                found.append(M if self.paths or self.root else A)
            else:
                found.append(M if e.path in self.paths else A)
        return found

    def hide(self, entries: list[TarEntry]) -> None:
        for e in entries:
            if e.is_whiteout and e.target.rpartition("/")[2] and e.target in self.paths:
                self.drop(e.target, e.target + "/")
            elif e.is_opaque_marker and (e.target == "" or self.paths.get(e.target, (0,))[0]):
                self.drop("\0", e.target + "/" if e.target else "")

    def write(self, e: TarEntry, index: int) -> None:
        if e.path == "":
            self.root = self.root or e.kind is EntryKind.DIR
            return
        parts = e.path.split("/")
        for k in range(1, len(parts)):
            above = "/".join(parts[:k])
            if above in self.paths and not self.paths[above][0]:
                self.drop(above, above + "/")
            if above not in self.paths:
                self.paths[above] = (True, 0, IMPLIED)
        old = self.paths.get(e.path)
        is_dir = e.kind is EntryKind.DIR
        if is_dir and old is not None and old[0]:
            self.paths[e.path] = (True, 0, index)
            return
        if old is not None:
            self.drop(e.path, e.path + "/")
        self.paths[e.path] = (is_dir, e.size if e.kind is EntryKind.FILE else 0, index)


def tree(fs: MergedFs) -> dict[str, tuple[bool, int, int]]:
    found: dict[str, tuple[bool, int, int]] = {}
    stack = [("", fs.root)]
    while stack:
        path, node = stack.pop()
        for name, child in (node.children or {}).items():
            full = f"{path}/{name}" if path else name
            found[full] = (child.is_dir, 0 if child.is_dir else child.size, child.layer)
            stack.append((full, child))
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(layer_entries(), min_size=1, max_size=4))
def test_the_merged_filesystem_follows_the_rules(layers: list[list[TarEntry]]) -> None:
    fs, model = MergedFs(), Model()
    for index, entries in enumerate(layers):
        assert fs.apply(index, entries) == model.apply(index, entries)
        assert tree(fs) == model.paths
        assert {k: v for k, v in fs.wasted_by_layer.items() if v} == model.wasted
        for path, (is_dir, _, _) in model.paths.items():
            if is_dir:
                below = sum(s for p, (_, s, _) in model.paths.items() if p.startswith(path + "/"))
                assert at(fs, path).size == below
        assert fs.root.size == sum(s for _, s, _ in model.paths.values())
        assert sum(w.size for w in fs.offenders(10_000)) == fs.wasted_total
