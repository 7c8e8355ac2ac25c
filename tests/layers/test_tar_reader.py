"""The streaming tar reader: ustar, GNU and PAX tars written by `tarfile`, and the issue's hostile
shapes built by hand (absolute and `..` names, long names, non-UTF-8 names, hard links to missing
targets, sparse files, huge sizes, a million entries, truncated streams, damaged headers)."""

from __future__ import annotations

import io
import itertools
import tarfile
import tracemalloc
from collections.abc import Callable, Iterable, Iterator

import pytest

from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.errors import Cancelled, InvalidResponse
from acr_desktop.registry.layer_entries import EntryKind, TarEntry
from acr_desktop.registry.tar_fields import normalise
from acr_desktop.registry.tar_reader import (
    MAX_RECORD,
    LayerFormatError,
    TarReader,
    TruncatedLayer,
)

BLOCK = 512
END = bytes(2 * BLOCK)


# -- building tars ---------------------------------------------------------------------------


def octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


_FIELDS: dict[str, int | bytes] = {
    "kind": b"0",
    "size": 0,
    "mode": 0o644,
    "uid": 0,
    "gid": 0,
    "mtime": 1_600_000_000,
    "link": b"",
    "uname": b"root",
    "gname": b"root",
    "magic": b"ustar\x0000",
    "prefix": b"",
    "gnu_tail": b"",  # bytes from offset 345 on, for GNU headers (instead of a prefix)
}


def header(
    name: bytes = b"file", checksum: str | bytes = "unsigned", **given: int | bytes
) -> bytes:
    """One 512-byte header: numbers given as ints are written in octal, bytes as they are."""
    fields = {**_FIELDS, **given}

    def put(start: int, end: int, key: str) -> None:
        value = fields[key]
        raw = octal(value, end - start) if isinstance(value, int) else value
        block[start : start + len(raw)] = raw

    block = bytearray(BLOCK)
    block[0 : min(len(name), 100)] = name[:100]
    for start, end, key in [
        (100, 108, "mode"),
        (108, 116, "uid"),
        (116, 124, "gid"),
        (124, 136, "size"),
        (136, 148, "mtime"),
        (156, 157, "kind"),
        (157, 257, "link"),
        (257, 265, "magic"),
        (265, 297, "uname"),
        (297, 329, "gname"),
        (345, 500, "gnu_tail" if fields["gnu_tail"] else "prefix"),
    ]:
        put(start, end, key)
    block[148:156] = b" " * 8
    if isinstance(checksum, bytes):
        block[148:156] = checksum
    elif checksum == "signed":
        block[148:156] = b"%06o\0 " % (sum(b - 256 if b > 127 else b for b in block) & 0o777777)
    else:
        block[148:156] = b"%06o\0 " % sum(block)
    assert len(block) == BLOCK, "a field overflowed"
    return bytes(block)


def member(head: bytes, data: bytes = b"") -> bytes:
    return head + data + bytes(-len(data) % BLOCK)


def pax(records: dict[str, bytes], kind: bytes = b"x") -> bytes:
    body = b""
    for key, value in records.items():
        text = b" " + key.encode() + b"=" + value + b"\n"
        length = len(text) + len(str(len(text)))
        length = len(text) + len(str(length))  # the length counts its own digits
        body += str(length).encode() + text
    return member(header(b"PaxHeaders/x", kind=kind, size=len(body)), body)


def gnu_long(name: bytes, kind: bytes = b"L") -> bytes:
    data = name + b"\0"
    return member(header(b"././@LongLink", kind=kind, size=len(data), magic=b"ustar  \0"), data)


def written(build: Callable[[tarfile.TarFile], None], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        build(tar)
    return buffer.getvalue()


def add(tar: tarfile.TarFile, name: str, data: bytes = b"", **fields: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def reader(raw: bytes, step: int | None = None) -> TarReader:
    """A reader of `raw`; with `step`, the source hands out at most `step` bytes per call."""
    stream = io.BytesIO(raw)
    if step is None:
        return TarReader(stream.read)
    return TarReader(lambda n: stream.read(min(n, step)))


def entries(raw: bytes, step: int | None = None) -> list[TarEntry]:
    return list(reader(raw, step))


def only(raw: bytes) -> TarEntry:
    (entry,) = entries(raw)
    return entry


def lazy_stream(parts: Iterable[bytes]) -> Callable[[int], bytes]:
    """read(n) over an iterator of byte strings, never holding more than one of them."""
    chunks: Iterator[bytes] = iter(parts)
    current = memoryview(b"")

    def read(n: int) -> bytes:
        nonlocal current
        while not current:
            nxt = next(chunks, None)
            if nxt is None:
                return b""
            current = memoryview(nxt)
        piece, current = bytes(current[:n]), current[n:]
        return piece

    return read


# -- normal tars, as tarfile writes them -----------------------------------------------------


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_each_kind_of_member_is_read_with_its_fields(fmt: int) -> None:
    def build(tar: tarfile.TarFile) -> None:
        add(tar, "etc/", type=tarfile.DIRTYPE, mode=0o755, mtime=1_700_000_000)
        add(tar, "etc/hosts", b"127.0.0.1 localhost\n", mode=0o4755, uid=7, gid=8)
        add(tar, "etc/link", type=tarfile.SYMTYPE, linkname="hosts")
        add(tar, "etc/hard", type=tarfile.LNKTYPE, linkname="etc/hosts")
        add(tar, "dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        add(tar, "dev/sda", type=tarfile.BLKTYPE)
        add(tar, "run/fifo", type=tarfile.FIFOTYPE)
        add(tar, "etc/contig", b"abc", type=tarfile.CONTTYPE)

    found = entries(written(build, fmt))
    kinds = [(e.path, e.kind) for e in found]
    assert kinds == [
        ("etc", EntryKind.DIR),
        ("etc/hosts", EntryKind.FILE),
        ("etc/link", EntryKind.SYMLINK),
        ("etc/hard", EntryKind.HARDLINK),
        ("dev/null", EntryKind.CHARDEV),
        ("dev/sda", EntryKind.BLOCKDEV),
        ("run/fifo", EntryKind.FIFO),
        ("etc/contig", EntryKind.FILE),
    ]
    hosts = found[1]
    assert (hosts.size, hosts.mode, hosts.uid, hosts.gid) == (20, 0o4755, 7, 8)
    assert (hosts.uname, hosts.gname, hosts.flags) == ("", "", 0)
    assert found[0].mtime == 1_700_000_000
    assert (found[2].link, found[3].link) == ("hosts", "etc/hosts")


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_data_is_read_skipped_or_read_in_part(fmt: int) -> None:
    data = bytes(range(256)) * 300  # 76,800 bytes: not a whole number of blocks

    def build(tar: tarfile.TarFile) -> None:
        for name in ("a", "b", "c", "d"):
            add(tar, name, data + name.encode())

    tar = reader(written(build, fmt))
    it = iter(tar)
    assert next(it).path == "a"
    assert tar.read_data(10**9) == data + b"a"
    assert next(it).path == "b"  # not read at all: skipped
    assert next(it).path == "c"
    assert tar.read_data(5) == data[:5]  # read in part: the rest is skipped
    assert tar.read_data(5) == data[5:10]
    assert next(it).path == "d"
    assert b"".join(tar.read_data_chunks(1000)) == data + b"d"
    assert tar.read_data(1) == b""
    assert list(it) == []
    assert tar.count == 4


def test_a_source_that_hands_out_one_byte_at_a_time_reads_the_same() -> None:
    def build(tar: tarfile.TarFile) -> None:
        add(tar, "x" * 300, b"long name")
        add(tar, "short", b"data")

    raw = written(build)
    assert entries(raw, step=1) == entries(raw)
    tar = reader(raw, step=7)
    names = []
    for entry in tar:
        names.append((entry.path, tar.read_data(100)))
    assert names == [("x" * 300, b"long name"), ("short", b"data")]


def test_what_follows_the_end_of_the_archive_is_left_for_the_caller() -> None:
    raw = written(lambda tar: add(tar, "a", b"1")) + b"TRAILING BYTES"
    stream = io.BytesIO(raw)
    tar = TarReader(stream.read)
    assert [e.path for e in tar] == ["a"]
    assert tar.ended
    assert tar.position == 4 * BLOCK  # header, data, two zero blocks
    rest = stream.read()  # tarfile's padding to a whole record, then ours: left untouched
    assert len(rest) == len(raw) - 4 * BLOCK
    assert rest.endswith(b"TRAILING BYTES")


@pytest.mark.parametrize("ending", [b"", bytes(BLOCK)], ids=["eof", "one-zero-block"])
def test_the_stream_may_end_at_a_header_boundary_or_after_one_zero_block(ending: bytes) -> None:
    raw = member(header(b"a", size=3), b"abc") + ending
    tar = reader(raw)
    assert [e.path for e in tar] == ["a"]
    assert tar.ended
    assert tar.position == len(raw)


def test_errors_of_the_source_pass_through_untouched() -> None:
    # A cancel or a digest mismatch while streaming must reach the caller as itself.
    def read(n: int) -> bytes:
        raise Cancelled

    with pytest.raises(Cancelled):
        list(TarReader(read))


def test_an_empty_stream_has_no_entries() -> None:
    assert entries(b"") == []
    assert entries(END) == []


def test_pax_records_give_path_link_size_ids_owners_and_fractional_times() -> None:
    records = {
        "path": "é/" + "n" * 200,
        "linkpath": "/t" * 100,
        "uid": "4294967296",
        "gid": "70000",
        "uname": "ünï",
        "gname": "grp",
        "mtime": "1700000000.123456789",
    }
    raw = pax({k: v.encode() for k, v in records.items()}) + member(header(b"short", kind=b"2"))
    entry = only(raw + END)
    assert entry.path == "é/" + "n" * 200
    assert entry.link == "/t" * 100
    assert (entry.uid, entry.gid, entry.uname, entry.gname) == (2**32, 70000, "ünï", "grp")
    assert entry.mtime == pytest.approx(1_700_000_000.123456789)
    assert entry.flags == le.LONG_NAME


def test_a_pax_size_decides_where_the_next_header_is() -> None:
    data = b"z" * 1000
    raw = pax({"size": b"1000"}) + member(header(b"big", size=0), data)
    raw += member(header(b"after", size=1), b"!") + END
    tar = reader(raw)
    found = []
    for entry in tar:
        found.append((entry.path, entry.size, tar.read_data(2000)))
    assert found == [("big", 1000, data), ("after", 1, b"!")]


def test_global_pax_records_apply_to_every_later_entry_and_local_ones_win() -> None:
    raw = pax({"uname": b"global", "mtime": b"5"}, kind=b"g")
    raw += member(header(b"a", uname=b"plain"))
    raw += pax({"uname": b"local"}) + member(header(b"b"))
    raw += pax({"mtime": b""}) + member(header(b"c", mtime=9))  # "" unsets for this entry
    raw += member(header(b"d")) + END
    a, b, c, d = entries(raw)
    assert (a.uname, a.mtime) == ("global", 5)
    assert (b.uname, b.mtime) == ("local", 5)
    assert (c.uname, c.mtime) == ("global", 9)
    assert (d.uname, d.mtime) == ("global", 5)


def test_global_records_never_rename_or_resize_entries() -> None:
    # Go's archive/tar (what runtimes unpack with) ignores global records: a global path would
    # show every entry under one name the runtime never writes.
    raw = pax({"path": b"evil", "linkpath": b"x", "size": b"512", "uid": b"42"}, kind=b"g")
    raw += member(header(b"a", kind=b"2", link=b"t")) + member(header(b"b")) + END
    a, b = entries(raw)
    assert (a.path, a.link, a.uid, b.path, b.size, b.uid) == ("a", "t", 42, "b", 0, 42)


def test_gnu_long_names_and_long_links() -> None:
    name = b"d/" * 200 + b"file"
    link = b"/target/" * 40
    raw = gnu_long(name) + gnu_long(link, b"K")
    raw += member(header(name[:100], kind=b"2", link=link[:100], magic=b"ustar  \0")) + END
    entry = only(raw)
    assert entry.path == name.decode()
    assert entry.link == link.decode()
    assert entry.kind == EntryKind.SYMLINK
    assert entry.flags == le.LONG_NAME


def test_ustar_prefix_joins_the_name_but_a_gnu_header_has_no_prefix() -> None:
    posix = member(header(b"name", prefix=b"some/prefix"))
    gnu = member(header(b"name", magic=b"ustar  \0", gnu_tail=b"00000000000\0"))
    assert [e.path for e in entries(posix + gnu + END)] == ["some/prefix/name", "name"]


# -- hostile names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path", "flags"),
    [
        (b"/etc/passwd", "etc/passwd", le.ABSOLUTE),
        (b"../../etc/shadow", "../../etc/shadow", le.DOTDOT),
        (b"/a/../b", "a/../b", le.ABSOLUTE | le.DOTDOT),
        (b"./usr//bin/./ls", "usr/bin/ls", 0),
        (b"./", "", 0),
        (b"/", "", le.ABSOLUTE),
        (b"dir/sub/", "dir/sub", 0),
        (b"caf\xe9", "caf\udce9", le.NOT_UTF8),
        (b"\xff\xfe/\x80", "\udcff\udcfe/\udc80", le.NOT_UTF8),
        (b"evil\xe2\x80\xaegnp.exe", "evil\u202egnp.exe", 0),  # bidi: data, shown escaped later
        (b"a\x1b[31mred", "a\x1b[31mred", 0),
    ],
)
def test_hostile_names_are_normalised_and_flagged_never_resolved(
    name: bytes, path: str, flags: int
) -> None:
    entry = only(member(header(name)) + END)
    assert (entry.path, entry.flags) == (path, flags)


def test_non_utf8_names_in_pax_and_gnu_records_are_flagged() -> None:
    raw = pax({"path": b"p\xe9x"}) + member(header(b"plain"))
    raw += gnu_long(b"g\xe9l" + b"o" * 120) + member(header(b"plain", magic=b"ustar  \0"))
    raw += pax({"linkpath": b"\xff"}) + member(header(b"l", kind=b"2")) + END
    a, b, c = entries(raw)
    assert (a.path, a.flags) == ("p\udce9x", le.LONG_NAME | le.NOT_UTF8)
    assert (b.path, b.flags) == ("g\udce9l" + "o" * 120, le.LONG_NAME | le.NOT_UTF8)
    assert (c.link, c.flags) == ("\udcff", le.NOT_UTF8)
    assert a.path.encode("utf-8", "surrogateescape") == b"p\xe9x"  # the bytes survive


def test_owner_names_that_are_not_utf8_are_shown_with_replacement_characters() -> None:
    entry = only(member(header(b"a", uname=b"r\xffot")) + END)
    assert entry.uname == "r\ufffdot"
    entry = only(pax({"gname": b"\xfe"}) + member(header(b"a")) + END)
    assert entry.gname == "\ufffd"


def test_a_hard_link_to_a_missing_target_is_listed_as_written() -> None:
    raw = member(header(b"link", kind=b"1", link=b"no/such/file")) + END
    entry = only(raw)
    assert (entry.kind, entry.link, entry.size) == (EntryKind.HARDLINK, "no/such/file", 0)


def test_types_that_carry_no_data_ignore_their_size_field() -> None:
    # As Go's archive/tar (what runtimes use): a directory or link header is never followed by
    # data, whatever its size says.
    raw = member(header(b"d/", kind=b"5", size=4096)) + member(header(b"f", size=1), b"x") + END
    d, f = entries(raw)
    assert (d.kind, d.size, f.path, f.size) == (EntryKind.DIR, 0, "f", 1)


def test_an_unknown_type_is_listed_as_other_and_its_data_skipped() -> None:
    raw = member(header(b"vol", kind=b"V", size=700), b"v" * 700) + member(header(b"next")) + END
    assert [(e.path, e.kind) for e in entries(raw)] == [
        ("vol", EntryKind.OTHER),
        ("next", EntryKind.FILE),
    ]


def test_an_old_v7_directory_is_marked_by_its_trailing_slash() -> None:
    entry = only(member(header(b"olddir/", kind=b"\0", magic=b"\0" * 8)) + END)
    assert (entry.path, entry.kind) == ("olddir", EntryKind.DIR)


# -- numbers and checksums -------------------------------------------------------------------


def test_base256_numbers_for_huge_sizes_ids_and_negative_times() -> None:
    size = b"\x80" + (10 * 2**30).to_bytes(11, "big")
    uid = b"\x80" + (2**40).to_bytes(7, "big")
    mtime = b"\xff" * 8 + (-1000).to_bytes(4, "big", signed=True)
    raw = header(b"huge", size=size, uid=uid, mtime=mtime)
    tar = TarReader(lazy_stream([raw]))
    entry = next(iter(tar))
    assert (entry.size, entry.uid, entry.mtime, entry.flags) == (10 * 2**30, 2**40, -1000, 0)


def test_a_checksum_written_with_signed_bytes_is_accepted() -> None:
    raw = member(header(b"sign\xe9d", checksum="signed")) + END
    assert only(raw).path == "sign\udce9d"


def test_an_unreadable_number_is_shown_as_zero_and_flagged() -> None:
    raw = member(header(b"a", mode=b"rwxr-xr", uid=b"-5", mtime=b"99999999999")) + END
    entry = only(raw)
    assert (entry.mode, entry.uid, entry.mtime) == (0, 0, 0)
    assert entry.flags == le.BAD_FIELD


def test_an_unreadable_size_is_a_typed_error_saying_where() -> None:
    raw = member(header(b"a")) + member(header(b"b", size=b"12x")) + END
    with pytest.raises(LayerFormatError, match="unreadable size in the header at byte 512"):
        entries(raw)


def test_a_header_with_a_wrong_checksum_is_a_damaged_tar() -> None:
    good = member(header(b"a"))
    bad = bytearray(member(header(b"b")))
    bad[0] = ord("c")
    with pytest.raises(LayerFormatError, match="damaged: the header at byte 512 fails") as err:
        entries(good + bytes(bad) + END)
    assert err.value.position == 512
    assert isinstance(err.value, InvalidResponse)


@pytest.mark.parametrize(
    "raw",
    [b"hello world\n" * 100, b"\x1f\x8b\x08" + bytes(1000), b"PK\x03\x04" + bytes(600)],
    ids=["text", "gzip", "zip"],
)
def test_something_else_than_a_tar_is_said_to_be_not_a_tar(raw: bytes) -> None:
    with pytest.raises(LayerFormatError, match="This layer is not a tar") as err:
        entries(raw)
    assert not isinstance(err.value, TruncatedLayer)
    assert err.value.sentence.endswith(".")


def test_a_zero_block_followed_by_more_headers_is_damaged() -> None:
    raw = bytes(BLOCK) + member(header(b"a")) + END
    with pytest.raises(LayerFormatError, match="empty block at byte 0 is followed"):
        entries(raw)


# -- sparse files ----------------------------------------------------------------------------


def test_an_old_gnu_sparse_file_shows_its_real_size_and_skips_its_map() -> None:
    tail = bytearray(155)
    tail[386 - 345 : 386 - 345 + 24] = octal(0, 12) + octal(512, 12)  # one part of the map
    tail[482 - 345] = 1  # an extension block follows
    tail[483 - 345 : 495 - 345] = octal(10 * 2**30, 12)
    head = header(b"sparse", kind=b"S", size=512, magic=b"ustar  \0", gnu_tail=bytes(tail))
    extension = bytearray(BLOCK)
    extension[504] = 1  # and another
    last = bytes(BLOCK)
    raw = head + bytes(extension) + last + b"D" * 512 + member(header(b"next")) + END
    tar = reader(raw)
    it = iter(tar)
    entry = next(it)
    assert (entry.kind, entry.size, entry.flags) == (EntryKind.FILE, 10 * 2**30, le.SPARSE)
    assert tar.read_data(600) == b"D" * 512
    assert next(it).path == "next"


@pytest.mark.parametrize(
    "records",
    [
        {"GNU.sparse.size": b"1073741824", "GNU.sparse.map": b"0,512"},  # 0.1
        {"GNU.sparse.major": b"1", "GNU.sparse.minor": b"0", "GNU.sparse.realsize": b"1073741824"},
    ],
    ids=["0.1", "1.0"],
)
def test_a_pax_sparse_file_shows_its_real_size_and_name(records: dict[str, bytes]) -> None:
    records = {**records, "GNU.sparse.name": b"var/sparse.img", "path": b"GNUSparseFile.0/x"}
    raw = pax(records) + member(header(b"GNUSparseFile.0/x", size=512), b"s" * 512) + END
    entry = only(raw)
    assert (entry.path, entry.size) == ("var/sparse.img", 2**30)
    assert entry.flags == le.SPARSE | le.LONG_NAME


# -- oversized records, huge data, many entries ----------------------------------------------


_SKIP_BOUND = 1024 * 1024 + 65536  # the reader skips in pieces of at most 1 MiB


def test_records_over_a_mebibyte_are_skipped_by_streaming_and_the_entry_flagged() -> None:
    size = 5 * MAX_RECORD
    long_name_head = header(b"././@LongLink", kind=b"L", size=size, magic=b"ustar  \0")
    pax_head = header(b"PaxHeaders/x", kind=b"x", size=size)
    parts = [
        long_name_head,
        *itertools.repeat(b"n" * 65536, size // 65536),
        member(header(b"plain-name")),
        pax_head,
        *itertools.repeat(b"9" * 65536, size // 65536),
        member(header(b"second")),
        END,
    ]
    tracemalloc.start()
    try:
        found = list(TarReader(lazy_stream(parts)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(e.path, e.flags) for e in found] == [
        ("plain-name", le.BAD_FIELD),
        ("second", le.BAD_FIELD),
    ]
    assert peak < 3 * _SKIP_BOUND


def test_ten_gibibytes_of_data_are_skipped_in_bounded_memory() -> None:
    size = 10 * 2**30
    zeros = bytes(1024 * 1024)

    def parts() -> Iterator[bytes]:
        yield header(b"zeros", size=b"\x80" + size.to_bytes(11, "big"))
        yield from itertools.repeat(zeros, size // len(zeros))
        yield member(header(b"after"))
        yield END

    tracemalloc.start()
    try:
        tar = TarReader(lazy_stream(parts()))
        found = [(e.path, e.size) for e in tar]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [("zeros", size), ("after", 0)]
    assert tar.position == BLOCK + size + BLOCK + 2 * BLOCK
    assert peak < 4 * _SKIP_BOUND


def many_entries(count: int) -> Iterator[bytes]:
    template = bytearray(header(b"usr/share/doc/pkg-0000000/copyright", size=0))
    template[148:156] = b" " * 8
    base_sum = sum(template)
    digits_at = template.index(b"0000000")
    for i in range(count):
        digits = b"%07d" % i
        block = bytearray(template)
        block[digits_at : digits_at + 7] = digits
        block[148:156] = b"%06o\0 " % (base_sum + sum(digits) - 7 * 0x30)
        yield bytes(block)
    yield END


def test_entries_come_lazily_from_a_million_entry_tar() -> None:
    tar = TarReader(lazy_stream(many_entries(1_000_000)))
    it = iter(tar)
    first = next(it)
    assert first.path == "usr/share/doc/pkg-0000000/copyright"
    assert tar.position == BLOCK  # one header read, not the archive
    tenth = next(itertools.islice(it, 8, None))
    assert tenth.path == "usr/share/doc/pkg-0000009/copyright"
    assert tar.count == 10


def test_memory_does_not_grow_with_the_number_of_entries() -> None:
    def peak_for(count: int) -> tuple[int, int]:
        tracemalloc.start()
        try:
            tar = TarReader(lazy_stream(many_entries(count)))
            seen = sum(1 for _ in tar)
            return seen, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small_count, small_peak = peak_for(500)
    big_count, big_peak = peak_for(10_000)
    assert (small_count, big_count) == (500, 10_000)
    assert big_peak < small_peak + 64 * 1024


# -- truncated streams -----------------------------------------------------------------------


def test_truncation_is_a_typed_sentence_saying_where() -> None:
    data_member = member(header(b"a", size=1000), b"x" * 1000)
    cases = {
        "an entry's header": data_member[:BLOCK] + b"x" * 1000 + bytes(24) + b"partial",
        "an entry's data": data_member[: BLOCK + 300],
        "an extended header": pax({"path": b"p" * 600})[: BLOCK + 100],
    }
    for what, raw in cases.items():
        with pytest.raises(TruncatedLayer, match=f"ends inside {what} \\(at byte") as err:
            entries(raw)
        assert err.value.position == len(raw)


def test_truncation_inside_data_being_read_is_a_typed_sentence() -> None:
    tar = reader(member(header(b"a", size=1000), b"x" * 1000)[: BLOCK + 300])
    next(iter(tar))
    with pytest.raises(TruncatedLayer, match="inside an entry's data"):
        tar.read_data(1000)


def test_a_stream_ending_after_an_extended_header_is_truncated() -> None:
    with pytest.raises(TruncatedLayer, match="before the entry it describes"):
        entries(gnu_long(b"n" * 200))
    with pytest.raises(LayerFormatError, match="before the entry it describes"):
        entries(pax({"path": b"n"}) + END)


def test_a_damaged_pax_record_flags_the_entry_and_reading_goes_on() -> None:
    body = b"12 path=abc\n" + b"999 nonsense"
    raw = member(header(b"P", kind=b"x", size=len(body)), body) + member(header(b"name")) + END
    entry = only(raw)
    assert (entry.path, entry.flags) == ("abc", le.LONG_NAME | le.BAD_FIELD)


# -- the quick path for usual headers reads as the general one --------------------------------


def test_numbers_written_in_other_usual_ways_read_the_same() -> None:
    plain = only(member(header(b"a", mode=0o755, uid=7, gid=8, size=3), b"abc") + END)
    others = header(
        b"a",
        mode=b"   755 \0",  # leading spaces, space and NUL after (old tars)
        uid=b"0000007 ",  # space-ended
        gid=b"00000010",  # all eight digits, no terminator
        size=b"000000000003",  # all twelve digits
    )
    other = only(member(others, b"abc") + END)
    assert other == plain
    assert (other.mode, other.uid, other.gid, other.size, other.flags) == (0o755, 7, 8, 3, 0)


def test_utf8_names_links_and_prefixes_in_plain_headers() -> None:
    raw = member(header("café/☃".encode(), prefix="préfixe".encode()))
    raw += member(header(b"l", kind=b"2", link="cible→".encode())) + END
    a, link = entries(raw)
    assert (a.path, a.flags) == ("préfixe/café/☃", 0)
    assert (link.link, link.flags) == ("cible→", 0)


@pytest.mark.parametrize(
    "name",
    [b"./usr/bin/", b".hidden/x", b"a/.b", b"a./b.", b"a/..", b"..", b".", b"a//b/", b"././x"],
)
def test_usual_names_are_normalised_as_any_name(name: bytes) -> None:
    entry = only(member(header(name, kind=b"5")) + END)
    assert (entry.path, entry.flags) == normalise(name.decode())


def test_owner_names_stay_right_past_the_names_remembered() -> None:
    raw = b"".join(member(header(b"f%d" % i, uname=b"user%d" % i)) for i in range(3000))
    found = entries(raw + END)
    assert [e.uname for e in found] == [f"user{i}" for i in range(3000)]
    assert {e.gname for e in found} == {"root"}
