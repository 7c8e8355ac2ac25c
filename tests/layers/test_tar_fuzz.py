"""Property tests of the tar reader: any bytes (random, or a real tar with damaged headers whose
checksums are made right again) give entries or a LayerFormatError with a sentence, never another
exception; and tars that `tarfile` writes read the same as `tarfile` reads them.

ACR_FUZZ_EXAMPLES sets the examples per property (default 200); the CI slow tier asks for 3000,
of which these take at most TAR_EXAMPLES: each example builds whole tars (~10 ms), and 10000 of
them per property would cost the slow tier seven minutes.
"""

from __future__ import annotations

import io
import tarfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.layer_entries import EntryKind
from acr_desktop.registry.tar_fields import normalise
from acr_desktop.registry.tar_reader import LayerFormatError, TarReader
from tests.layers.test_tar_reader import END, gnu_long, header, member, pax
from tests.registry import fuzz_inputs as fi

TAR_EXAMPLES = 1000
fuzz = settings(
    max_examples=min(fi.EXAMPLES, TAR_EXAMPLES),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
BLOCK = 512


def read_all(raw: bytes, step: int, data_limit: int) -> int:
    """Every entry of `raw` (reading up to `data_limit` bytes of each), or a LayerFormatError;
    the count of entries read."""
    stream = io.BytesIO(raw)
    tar = TarReader(lambda n: stream.read(min(n, step)))
    count = 0
    try:
        for entry in tar:
            assert isinstance(entry.path, str)
            assert entry.size >= 0 and entry.uid >= 0 and entry.gid >= 0
            assert 0 <= entry.mode <= 0o7777
            assert not entry.path.startswith("/") and not entry.path.endswith("/")
            assert len(tar.read_data(data_limit)) <= data_limit
            count += 1
    except LayerFormatError as error:
        assert error.sentence and error.sentence.isprintable() and error.sentence.endswith(".")
        assert error.position is not None and 0 <= error.position <= len(raw)
    assert tar.position <= len(raw)
    return count


def _fixed(block: bytearray) -> None:
    """Make a damaged header's checksum right again, so the damage reaches the fields."""
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)


def _sample_tar() -> bytes:
    raw = pax({"path": "é/".encode() * 60 + b"long", "mtime": b"1.5", "size": b"700"})
    raw += member(header(b"x", size=700), b"p" * 700)
    raw += pax({"uname": b"g"}, kind=b"g")
    raw += gnu_long(b"n" * 150) + member(header(b"short", magic=b"ustar  \0"))
    raw += member(header(b"d/", kind=b"5")) + member(header(b"l", kind=b"2", link=b"../t"))
    raw += member(header(b"f", size=1000), b"f" * 1000)
    return raw + END


SAMPLE = _sample_tar()


@fuzz
@given(st.binary(max_size=4096), st.integers(1, 600), st.integers(0, 2000))
def test_random_bytes_give_entries_or_a_format_error(raw: bytes, step: int, limit: int) -> None:
    read_all(raw, step, limit)


@fuzz
@given(
    st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=12),
    st.booleans(),
    st.integers(1, 4096),
    st.integers(0, 900),
)
def test_damaged_headers_give_entries_or_a_format_error(
    changes: list[tuple[int, int]], fix_checksums: bool, step: int, limit: int
) -> None:
    raw = bytearray(SAMPLE)
    for offset, value in changes:
        raw[offset] = value
        if fix_checksums:
            start = offset - offset % BLOCK
            block = bytearray(raw[start : start + BLOCK])
            _fixed(block)
            raw[start : start + BLOCK] = block
    read_all(bytes(raw), step, limit)


@fuzz
@given(st.integers(0, len(SAMPLE)), st.integers(1, 4096))
def test_any_truncation_gives_entries_or_a_format_error(cut: int, step: int) -> None:
    assert read_all(SAMPLE[:cut], step, 100) <= 6


_names = st.text(st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=30)
_paths = st.lists(_names, min_size=1, max_size=12).map("/".join)
_member = st.tuples(
    _paths,
    st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE]),
    st.binary(max_size=1500),
    st.integers(0, 0o7777),
    st.integers(0, 2**21 - 1),
    st.integers(0, 2**33 - 1),
    _names,
)
_KIND = {
    tarfile.REGTYPE: EntryKind.FILE,
    tarfile.DIRTYPE: EntryKind.DIR,
    tarfile.SYMTYPE: EntryKind.SYMLINK,
    tarfile.LNKTYPE: EntryKind.HARDLINK,
}


@fuzz
@given(st.lists(_member, max_size=6), st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
def test_tars_written_by_tarfile_read_as_tarfile_reads_them(
    members: list[tuple[str, bytes, bytes, int, int, int, str]], fmt: int
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt, encoding="utf-8") as tar:
        for path, kind, data, mode, uid, mtime, link in members:
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.uid, info.mtime = kind, mode, uid, mtime
            info.linkname = link if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    raw = buffer.getvalue()
    expected = []
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for info, member in zip(tar, members, strict=True):
            # The flags come from the name as written: tarfile reads a folder named "/" as ""
            # (it strips a folder's trailing "/"), which would hide that the name was absolute.
            path, flags = normalise(info.name)[0], normalise(member[0])[1]
            data = tar.extractfile(info).read() if info.isreg() else b""  # type: ignore[union-attr]
            fields = (info.size, info.mode, info.uid, info.mtime, info.linkname)
            expected.append((path, _KIND[info.type], *fields, flags & ~le.LONG_NAME, data))
    reader = TarReader(io.BytesIO(raw).read)
    got = [
        (e.path, e.kind, e.size, e.mode, e.uid, e.mtime, e.link, e.flags & ~le.LONG_NAME, data)
        for e in reader
        if (data := reader.read_data(2000)) is not None
    ]
    assert got == expected


class _GeneralOnly(TarReader):
    """A reader that never takes the quick path for usual headers."""

    def _usual(self, data: bytes, at: int) -> None:
        return None


def _outcome(tar: TarReader) -> tuple[object, ...]:
    """What reading gives: the entries with their data's first bytes, or the error."""
    found: list[object] = []
    try:
        for entry in tar:
            found.append((entry, tar.read_data(100)))
    except LayerFormatError as error:
        found.append((type(error), error.sentence, error.position))
    return (*found, tar.position, tar.count, tar.ended)


_usual_member = st.tuples(  # mostly short ASCII names, as layers have
    st.text("ab./-é", min_size=1, max_size=40),
    st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE]),
    st.binary(max_size=600),
    st.integers(0, 0o7777),
    st.integers(0, 2**21 - 1),
    st.integers(0, 2**33 - 1),
    st.text("ab./é", min_size=1, max_size=30),
)


@fuzz
@given(
    st.lists(st.one_of(_usual_member, _member), max_size=5),
    st.lists(st.tuples(st.integers(0, 511), st.sampled_from(b"0789 \0\x80/.a")), max_size=6),
    st.booleans(),
)
def test_the_quick_path_reads_every_header_as_the_general_path_does(
    members: list[tuple[str, bytes, bytes, int, int, int, str]],
    changes: list[tuple[int, int]],
    fix_checksums: bool,
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, kind, data, mode, uid, mtime, link in members:
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.uid, info.mtime = kind, mode, uid, mtime
            info.linkname = link if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    raw = bytearray(buffer.getvalue() + SAMPLE)
    headers = [at for at in range(0, len(raw), BLOCK) if raw[at + 257 : at + 262] == b"ustar"]
    for i, (offset, value) in enumerate(changes):
        start = headers[i % len(headers)]
        raw[start + offset] = value
        if fix_checksums:
            block = bytearray(raw[start : start + BLOCK])
            _fixed(block)
            raw[start : start + BLOCK] = block
    quick = TarReader(io.BytesIO(bytes(raw)).read)
    general = _GeneralOnly(io.BytesIO(bytes(raw)).read)
    assert _outcome(quick) == _outcome(general)
