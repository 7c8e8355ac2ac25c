"""The on-disk layer-listing cache: exact round trips, only verified listings kept, hostile
digests and corrupt files are misses, least recently used out, two jobs at once."""

from __future__ import annotations

import os
import threading
import time
import zlib
from pathlib import Path

import pytest

from acr_desktop.registry import listing_cache
from acr_desktop.registry.layer_entries import (
    ABSOLUTE,
    BAD_FIELD,
    NOT_UTF8,
    EntryKind,
    Integrity,
    LayerListing,
    TarEntry,
)
from acr_desktop.registry.listing_cache import (
    DEFAULT_LIMIT,
    MAGIC,
    ListingCache,
    decode,
    default_cache_dir,
    encode,
    file_name,
)


def digest_of(n: int) -> str:
    return f"sha256:{n:064x}"


def integrity(verified: bool = True) -> Integrity:
    return Integrity(
        verified, "sha256:" + "d" * 64, "mismatch", "sha256:" + "e" * 64, 12345, "zstd"
    )


def entries(count: int) -> tuple[TarEntry, ...]:
    return tuple(
        TarEntry(
            f"usr/share/doc/pkg{i // 20}/file{i}.txt",
            EntryKind.FILE,
            i * 7,
            0o644,
            0,
            0,
            "root",
            "root",
            1_700_000_000.0 + i,
        )
        for i in range(count)
    )


def listing(n: int = 1, count: int = 3, **kw: object) -> LayerListing:
    kept = entries(count)
    fields: dict[str, object] = {
        "digest": digest_of(n),
        "entries": kept,
        "total_entries": len(kept),
        "integrity": integrity(),
    }
    fields.update(kw)
    return LayerListing(**fields)  # type: ignore[arg-type]


HOSTILE = (
    TarEntry("", EntryKind.DIR, 0, 0o755, 0, 0, "", "", 0),
    TarEntry(
        "etc/\udcff\udcfe",
        EntryKind.FILE,
        2**80,
        0o4755,
        2**40,
        7,
        "r\u202eoot",
        "",
        -5.25,
        flags=NOT_UTF8,
    ),
    TarEntry("a\nb\x1b[31m", EntryKind.SYMLINK, 0, 0o777, 1, 1, "ü", "ü", 1.5, link="../\u00e9/x"),
    TarEntry("x/y", EntryKind.HARDLINK, 0, 0, 0, 0, "a", "b", 0.0, link="missing", flags=ABSOLUTE),
    TarEntry("dev/null", EntryKind.CHARDEV, 0, 0o666, 0, 0, "", "", 0.0, flags=BAD_FIELD),
    TarEntry("weird", EntryKind.OTHER, 0, 0, 0, 0, "", "", float("inf")),
    TarEntry("p", EntryKind.FIFO, 0, 0, 0, 0, "", "", 0.0),
    TarEntry("b", EntryKind.BLOCKDEV, 0, 0, 0, 0, "", "", 0.0),
    TarEntry("d", EntryKind.DIR, 0, 0o1777, 0, 0, "", "", 0.0),
)


def test_a_listing_comes_back_exactly(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path)
    kept = listing(entries=HOSTILE, total_entries=len(HOSTILE), notes=("a note", "\u202e"))
    cache.put(kept)
    back = cache.get(kept.digest)
    assert back == kept
    assert back is not None and back.complete
    assert [type(e.kind) for e in back.entries] == [EntryKind] * len(HOSTILE)
    assert back.entries[1].path.encode("utf-8", "surrogateescape") == b"etc/\xff\xfe"
    assert (tmp_path / file_name(kept.digest)).read_bytes().startswith(MAGIC)  # type: ignore[operator]


def test_the_integrity_fields_come_back(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path)
    plain = Integrity(True, "sha256:" + "1" * 64, "unknown", None, 0, "none")
    cache.put(listing(integrity=plain))
    back = cache.get(digest_of(1))
    assert back is not None and back.integrity == plain


@pytest.mark.parametrize(
    "kept",
    [
        listing(integrity=None),
        listing(integrity=integrity(verified=False)),
        listing(total_entries=10),  # entries beyond what was kept
        listing(digest="sha256:../../escape"),
        listing(digest="sha256:" + "A" * 64),
        listing(digest="md5:" + "0" * 32),
    ],
    ids=["not-read-to-the-end", "digest-not-verified", "incomplete", "hostile", "upper", "md5"],
)
def test_only_complete_verified_listings_with_a_real_digest_are_kept(
    tmp_path: Path, kept: LayerListing
) -> None:
    cache = ListingCache(tmp_path / "cache")
    cache.put(kept)
    assert cache.get(kept.digest) is None
    assert cache.count() == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) in ([], ["cache"])


@pytest.mark.parametrize(
    "digest", ["", "sha256:", "../sha256:" + "0" * 64, "sha256:" + "0" * 64 + "/..", "/etc/passwd"]
)
def test_a_hostile_digest_names_no_file(tmp_path: Path, digest: str) -> None:
    assert file_name(digest) is None
    assert ListingCache(tmp_path).get(digest) is None


def test_file_names_come_from_the_digest_only() -> None:
    assert file_name(digest_of(5)) == f"sha256-{5:064x}.listing"
    assert file_name("sha512:" + "f" * 128) == "sha512-" + "f" * 128 + ".listing"


def corrupt_shapes() -> dict[str, bytes]:
    good = encode(listing())
    assert good is not None
    body = zlib.decompress(good[len(MAGIC) :])

    def swap(old: bytes, new: bytes) -> bytes:
        assert old in body
        return MAGIC + zlib.compress(body.replace(old, new, 1))

    return {
        "empty": b"",
        "garbage": b"\x00\xff" * 100,
        "old-version": b"acr-desktop layer listing 0\n" + good[len(MAGIC) :],
        "truncated": good[:-10],
        "not-zlib": MAGIC + b"{}",
        "not-json": MAGIC + zlib.compress(b"\xff{"),
        "not-an-object": MAGIC + zlib.compress(b"[1,2]"),
        "deep": MAGIC + zlib.compress(b"[" * 100_000 + b"]" * 100_000),
        "other-digest": swap(b"0001", b"0002"),
        "wrong-type": swap(b'"size":[0,', b'"size":["0",'),
        "bool-as-int": swap(b'"file",420', b'"file",true'),
        "bad-kind": swap(b'"file"', b'"socket"'),
        "bad-shape": swap(b',"root","",0]', b',"root",""]'),
        "no-shapes": MAGIC
        + zlib.compress(body.replace(b'"shapes":[[', b'"shapes":{"a":[')[:-2] + b"}"),
        "bad-index": swap(b'"shape":[0,0,0]', b'"shape":[0,0,9]'),
        "negative-index": swap(b'"shape":[0,0,0]', b'"shape":[0,0,-1]'),
        "short-column": swap(b'"size":[0,7,14]', b'"size":[0,7]'),
        "wrong-count": swap(b'"total_entries":3', b'"total_entries":4'),
        "bad-status": swap(b'"mismatch"', b'"maybe"'),
        "huge-number": MAGIC
        + zlib.compress(body.replace(b'"size":[0,', b'"size":[' + b"9" * 5000 + b",")),
        "trailing": good + b"more",
    }


@pytest.mark.parametrize("shape", sorted(corrupt_shapes()))
def test_a_corrupt_file_is_a_miss_and_is_removed(tmp_path: Path, shape: str) -> None:
    data = corrupt_shapes()[shape]
    assert data != encode(listing())
    path = tmp_path / file_name(digest_of(1))  # type: ignore[operator]
    path.write_bytes(data)
    cache = ListingCache(tmp_path)
    assert cache.get(digest_of(1)) is None
    assert not path.exists()


def test_a_compressed_bomb_is_refused_before_it_is_all_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing_cache, "MAX_JSON", 1024 * 1024)
    bomb = MAGIC + zlib.compress(b" " * (8 * 1024 * 1024), 9)
    assert len(bomb) < 64 * 1024
    with pytest.raises(listing_cache.CorruptListing, match="too large"):
        decode(bomb, digest_of(1))


def test_least_recently_used_goes_first(tmp_path: Path) -> None:
    data = encode(listing(count=200))
    assert data is not None
    cache = ListingCache(tmp_path, limit=len(data) * 2 + 10)
    for n in (1, 2):
        cache.put(listing(n, count=200))
        old = time.time() - 1000 + n  # as if written long ago, 2 after 1
        os.utime(tmp_path / file_name(digest_of(n)), (old, old))  # type: ignore[operator]
    assert cache.get(digest_of(1)) is not None  # now 2 is the least recently used
    cache.put(listing(3, count=200))
    assert cache.count() == 2
    assert cache.get(digest_of(2)) is None
    assert cache.get(digest_of(1)) is not None and cache.get(digest_of(3)) is not None
    assert cache.size() <= cache.limit


def test_size_count_clear_and_a_lower_limit(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path)
    assert (cache.size(), cache.count(), cache.limit) == (0, 0, DEFAULT_LIMIT)
    for n in range(4):
        cache.put(listing(n))
    assert cache.count() == 4
    assert cache.size() == sum(p.stat().st_size for p in tmp_path.iterdir())
    cache.limit = cache.size() - 1
    assert cache.count() == 3
    cache.clear()
    assert (cache.size(), cache.count()) == (0, 0)
    assert cache.get(digest_of(3)) is None


def test_a_listing_larger_than_the_limit_is_not_kept(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path, limit=100)
    cache.put(listing(count=1000))
    assert cache.count() == 0


def test_temp_files_left_by_a_crash_are_removed_when_old(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path)
    fresh, stale = tmp_path / ".tmp-fresh.listing", tmp_path / ".tmp-stale.listing"
    fresh.write_bytes(b"x" * 10)
    stale.write_bytes(b"x" * 10)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert (cache.count(), cache.size()) == (0, 0)
    assert fresh.exists() and not stale.exists()


def test_other_files_in_the_folder_are_never_counted_or_removed(tmp_path: Path) -> None:
    cache = ListingCache(tmp_path, limit=0)
    others = [tmp_path / "notes.listing", tmp_path / ".tmp-x", tmp_path / "sha256-00.listing"]
    for other in others:
        other.write_bytes(b"x" * 10)
        os.utime(other, (0, 0))
    cache.put(listing())
    cache.clear()
    assert (cache.size(), cache.count()) == (0, 0)
    assert all(other.exists() for other in others)


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    cache = ListingCache(blocker / "cache")
    cache.put(listing())
    assert cache.get(digest_of(1)) is None
    assert (cache.size(), cache.count()) == (0, 0)
    cache.clear()


def test_the_default_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_cache_dir() == Path(os.environ["ACR_DESKTOP_CACHE_DIR"])
    assert ListingCache().directory == default_cache_dir()
    monkeypatch.delenv("ACR_DESKTOP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "acr-desktop" / "layers"


def test_two_jobs_at_once(tmp_path: Path) -> None:
    cache, other = ListingCache(tmp_path, limit=10**9), ListingCache(tmp_path, limit=10**9)
    shared = listing(7, count=2000)
    problems: list[BaseException] = []
    start = threading.Barrier(4)

    def job(which: ListingCache, n: int) -> None:
        try:
            start.wait()
            for _ in range(10):
                which.put(shared)
                which.put(listing(n, count=50))
                got = which.get(shared.digest)
                assert got is None or got == shared
        except BaseException as problem:  # reported below
            problems.append(problem)

    threads = [threading.Thread(target=job, args=(c, n)) for n, c in enumerate([cache, other] * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert cache.get(shared.digest) == shared
    assert cache.count() == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_reading_a_debian_sized_listing() -> None:
    cache = ListingCache()
    kept = listing(9, count=30_000)
    started = time.perf_counter()
    cache.put(kept)
    put = time.perf_counter() - started
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        back = cache.get(kept.digest)
        timings.append(time.perf_counter() - started)
        assert back == kept
    timings.sort()
    print(
        f"\n30,000 entries: file {cache.size() / 1024:.0f} KiB, put {put * 1000:.0f} ms, "
        f"get best {timings[0] * 1000:.0f} ms, median {timings[5] * 1000:.0f} ms (10 runs)"
    )
