"""`acr-desktop files REF` and `acr-desktop cat REF PATH`: the files inside an image's layers,
headless, through the same core as the window (layer listing, merged filesystem, listing cache).

Layers are numbered from 1, base first, as `acr-desktop inspect` lists them. Every text line goes
through `write_line` (names from a tar are data: control characters are shown escaped); JSON is
ASCII (control characters and the lone surrogates of non-UTF-8 names come out as \\u escapes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.errors import NotFound
from acr_desktop.registry.redaction import quotable
from acr_desktop.text import is_terminal, plural, terminal_safe, write_line

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.layer_entries import LayerListing, TarEntry
    from acr_desktop.registry.layer_stream import LayerSource
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.reference import Reference
    from acr_desktop.registry.transport import Transport

# Exit codes, as `acr-desktop inspect` gives them (cli.py).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_VERIFY, EXIT_CANCELLED = 0, 1, 2, 5, 130
CHUNK = 64 * 1024

# What the entry point (cli.py) lends, so that this module never imports it: the connection and
# credential flags made into a transport (None on a usage error), a failure said on stderr and
# made into an exit code, and where the credentials came from said on stderr.
TransportFor = Callable[[argparse.Namespace, str], "Transport | None"]
Failed = Callable[[Exception], int]
ReportFound = Callable[["Transport", str], None]


class NoSuchLayer(NotFound):
    def __init__(self, reference: Reference, wanted: str, count: int) -> None:
        super().__init__(
            f"no layer {wanted} in {reference} (it has {plural(count, 'layer')}: give a number "
            f"from 1 to {count}, or a layer digest or a unique start of one)",
            what="layer",
        )


def files_main(
    argv: list[str],
    transport_for: TransportFor,
    failed: Failed,
    report_found: ReportFound,
    out: TextIO | None = None,
) -> int:
    """`acr-desktop files …` or `acr-desktop cat …` (argv[0] says which); output on `out`."""
    opts = _parser(argv[0]).parse_args(argv[1:])
    lent = (transport_for, failed, report_found)
    return guarded(lambda: _run(argv[0], opts, out or sys.stdout, lent), EXIT_OK, EXIT_ERROR)


def guarded(run: Callable[[], int], piped: int, unexpected: int) -> int:
    """`run()` as a headless command ends: Ctrl+C is EXIT_CANCELLED; a closed pipe
    (`acr-desktop … | head`: the reader has what it wanted) is `piped`, with no error at exit; a
    bug, or data the core did not expect, is one sentence on stderr and `unexpected`."""
    try:
        return run()
    except KeyboardInterrupt:
        return EXIT_CANCELLED
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return piped
    except Exception as exc:
        from acr_desktop.logs import redact

        what = f"{type(exc).__name__}: {redact(str(exc))}"
        _say(f"acr-desktop: something unexpected went wrong ({what})")
        return unexpected


def _run(
    command: str,
    opts: argparse.Namespace,
    out: TextIO,
    lent: tuple[TransportFor, Failed, ReportFound],
) -> int:
    from acr_desktop.registry import errors
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.operation import operation

    transport_for, failed, report_found = lent
    try:
        ref, platform = _parsed(opts)
    except Usage as exc:
        _say(f"acr-desktop: {exc}")
        return EXIT_USAGE
    transport = transport_for(opts, ref.registry)
    if transport is None:
        return EXIT_USAGE
    client = RegistryClient(transport)
    try:
        with operation(timeout=opts.timeout):
            sources = _layer_sources(client, ref, platform, opts.allow_urls)
            if opts.layer:
                opts.layer_index = _chosen(sources, opts.layer, ref)
            if command == "cat":
                return _cat(client, sources, opts, out)
            return _files(client, sources, opts, out)
    except (errors.Cancelled, errors.RegistryError) as exc:
        code = failed(exc)
        if type(exc).__name__ == "ForeignLayer" and not opts.allow_urls:
            _say("hint: --allow-urls fetches it from the URLs its descriptor names")
        return code
    finally:
        report_found(transport, ref.registry)


class Usage(Exception):
    """A usage mistake: said on stderr, exit code 2."""


def check_flags(opts: argparse.Namespace) -> None:
    """The FLAGS that need each other, and a sane --timeout; `Usage` when not."""
    if (opts.password_stdin and not opts.username) or (opts.client_key and not opts.client_cert):
        raise Usage("--password-stdin needs --username, --client-key needs --client-cert")
    if not 0 < opts.timeout <= 24 * 3600.0:  # NaN too
        raise Usage("--timeout takes seconds, more than 0 and at most 86400")


def _parsed(opts: argparse.Namespace) -> tuple[Reference, Platform | None]:
    from acr_desktop.registry.errors import InvalidReference
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.reference import parse_reference

    try:
        ref = parse_reference(opts.reference)
        platform = Platform.parse(opts.platform) if opts.platform else None
    except (InvalidReference, ValueError) as exc:
        raise Usage(str(exc)) from exc
    check_flags(opts)
    return ref, platform


def _layer_sources(
    client: RegistryClient, ref: Reference, platform: Platform | None, allow_urls: bool
) -> list[LayerSource]:
    """The image's layers (from an index: the platform asked for, else this computer's)."""
    from acr_desktop.inspection import inspect
    from acr_desktop.registry.layer_stream import layer_sources

    ins = inspect(client, ref, platform, strict_platform=platform is not None)
    for note in ins.notes:
        _say(f"note: {note}")
    if ins.missing_child is not None:
        raise ins.missing_child
    if ins.missing_config is not None:  # the layers are there: listed, diff_ids not compared
        _say(f"note: {ins.missing_config.sentence}; diff_ids are not compared")
    manifest, fetched = ins.image_manifest, ins.image
    if manifest is None or fetched is None:
        raise NotFound(
            f"{ref} is not an image with layers (an index? give --platform)", what="image"
        )
    entry = ins.platform_entry
    if entry is not None and entry.platform is not None and platform is None:
        _say(f"note: {entry.platform.display()} chosen from the index (--platform for another)")
    sources = layer_sources(
        fetched.reference, manifest.layers, ins.config.config.diff_ids if ins.config else ()
    )
    return [replace(s, allow_urls=True) for s in sources] if allow_urls else sources


def _chosen(sources: list[LayerSource], wanted: str, ref: Reference) -> int:
    """The index of the layer `--layer` names: a number from 1, or a digest (or unique start)."""
    if wanted.isdigit():
        if 1 <= int(wanted) <= len(sources):
            return int(wanted) - 1
        raise NoSuchLayer(ref, wanted, len(sources))
    text = wanted.strip().lower()
    found = {s.index for s in sources if s.descriptor.digest == text}
    hex_part = text.split(":", 1)[-1]
    if not found and len(hex_part) >= 6:
        found = {s.index for s in sources if s.descriptor.digest[7:].startswith(hex_part)}
    if len(found) != 1:
        raise NoSuchLayer(ref, terminal_safe(wanted[:80]), len(sources))
    return found.pop()


def _list(client: RegistryClient, source: LayerSource) -> LayerListing:
    from acr_desktop.registry.layer_listing import list_layer
    from acr_desktop.registry.listing_cache import ListingCache

    listing = list_layer(client, source, cache=ListingCache())
    for note in listing.notes:
        _say(f"note: layer {source.index + 1}: {note}")
    return listing


def _files(
    client: RegistryClient, sources: list[LayerSource], opts: argparse.Namespace, out: TextIO
) -> int:
    """Each layer (or the one asked for) with what it changes, or the merged filesystem."""
    from acr_desktop.files_report import FilesWriter
    from acr_desktop.registry.filesystem import MergedFs, glob_match

    last = getattr(opts, "layer_index", len(sources) - 1)
    fs, mismatch = MergedFs(), []
    keep = glob_match(opts.find) if opts.find else lambda _path: True
    head = {"reference": opts.reference, "view": "merged" if opts.merged else "layers"}
    writer = FilesWriter(out, opts.json, head | ({"find": opts.find} if opts.find else {}))
    for source in sources[: last + 1]:
        listing = _list(client, source)
        changes = fs.apply(source.index, listing.entries)
        if listing.integrity is not None and listing.integrity.diff_id_status == "mismatch":
            mismatch.append(source.index + 1)
        if not opts.merged and (not opts.layer or source.index == last):
            pairs = zip(listing.entries, changes, strict=True)
            rows = [
                (e, c, None, e.path, e.size) for e, c in pairs if keep(e.path) or keep(e.target)
            ]
            if rows or not opts.find:  # found: only the layers that hold a match
                writer.layer(source, listing, rows)
    if opts.merged:
        writer.merged(fs, keep)
    writer.close()
    if mismatch:
        _say(f"acr-desktop: the uncompressed digest of layer {', '.join(map(str, mismatch))} "
             "differs from the diff_id the image's config gives")  # fmt: skip
        return EXIT_VERIFY
    return EXIT_OK


def _cat(
    client: RegistryClient, sources: list[LayerSource], opts: argparse.Namespace, out: TextIO
) -> int:
    """The file's bytes to stdout, streamed from `--layer`, else from the layer that last wrote
    it in the image's filesystem (all layers listed first: whiteouts may hide it)."""
    from acr_desktop.registry.file_read import NoSuchFile
    from acr_desktop.registry.filesystem import MergedFs
    from acr_desktop.registry.tar_fields import normalise

    path = normalise(opts.path)[0]
    layer = getattr(opts, "layer_index", None)
    if layer is None:
        fs = MergedFs()
        for source in sources:
            fs.apply(source.index, _list(client, source).entries)
        node = fs.node(path)
        if node is None or node.entry is None:
            raise NoSuchFile(f"There is no {quotable(path or '/')} in this image.", path=path)
        layer = node.layer
    return _stream_file(client, sources[layer], path, opts.force, out)


def _stream_file(
    client: RegistryClient, source: LayerSource, path: str, force: bool, out: TextIO
) -> int:
    from acr_desktop.registry.file_read import NoSuchFile, NotARegularFile
    from acr_desktop.registry.layer_stream import open_layer
    from acr_desktop.registry.tar_reader import TarReader

    with open_layer(client, source) as stream:
        reader = TarReader(stream.read)
        for entry in reader:
            if entry.path != path:
                continue
            if entry.kind != le.EntryKind.FILE or entry.flags & le.SPARSE:
                what = "sparse file" if entry.kind == le.EntryKind.FILE else entry.kind.value
                link = f" to {quotable(entry.link)}" if entry.link else ""
                raise NotARegularFile(
                    f"{quotable(path)} in layer {source.index + 1} is a {what}{link}, not a "
                    "regular file (links are never followed)."
                )
            return _write_file(reader.read_data_chunks(CHUNK), entry, force, out)
    raise NoSuchFile(f"Layer {source.index + 1} has no {quotable(path)}.", path=path)


def _write_file(chunks: Iterator[bytes], entry: TarEntry, force: bool, out: TextIO) -> int:
    """The bytes exactly, to a pipe or a file. To a terminal (unless --force): text only, with
    anything a terminal would act on shown escaped; binary is refused."""
    import codecs
    import itertools

    out.flush()
    first = next(chunks, b"")
    everything = itertools.chain([first], chunks)
    terminal = is_terminal(out) and not force
    if terminal and (b"\0" in first or not _utf8_start(first)):
        _say(f"acr-desktop: {terminal_safe(entry.path)} is binary ({entry.size:,} bytes); "
             "redirect it to a file or a pipe, or give --force")  # fmt: skip
        return EXIT_USAGE
    sink = getattr(out, "buffer", None)
    if sink is not None and not terminal:
        for chunk in everything:
            sink.write(chunk)
        sink.flush()
        return EXIT_OK
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for chunk in everything:
        text = decoder.decode(chunk)
        out.write(terminal_safe(text, newlines=True) if terminal else text)
    out.write(decoder.decode(b"", final=True))
    out.flush()
    return EXIT_OK


def _utf8_start(data: bytes) -> bool:
    """The first bytes read as UTF-8 (a character cut by the end of the chunk is fine)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.start >= len(data) - 3
    return True


def _say(line: str) -> None:
    write_line(sys.stderr, line)


FLAGS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--platform", {"help": "os/arch[/variant] to pick from a multi-arch index"}),
    (
        "--allow-urls",
        {
            "action": "store_true",
            "help": "fetch non-distributable layers from the "
            "URLs they name (never with credentials)",
        },
    ),
    ("--timeout", {"type": float, "default": 600.0, "help": "seconds it may all take (600)"}),
    ("--username -u", {"help": "as for `acr-desktop inspect`"}),
    ("--password-stdin", {"action": "store_true", "help": "read the secret from stdin"}),
    ("--ca-bundle", {"metavar": "FILE", "help": "also trust the CAs in this PEM file"}),
    ("--insecure-skip-tls-verify", {"action": "store_true", "help": "do not check certificates"}),
    ("--plain-http", {"action": "store_true", "help": "plain HTTP (default only for localhost)"}),
    ("--client-cert", {"metavar": "FILE", "help": "client certificate (PEM) for mTLS"}),
    ("--client-key", {"metavar": "FILE", "help": "its private key (PEM, unencrypted)"}),
)
LAYER_HELP = (
    "one layer: its number (1 = the base, as `inspect` lists them) or its digest; `files` reads "
    "the layers below it too, to say what it changes"
)
EXIT_CODES = (
    "Exit codes: 0 ok, 2 bad usage, 3 not found, 4 sign-in or permission failure, 5 verification "
    "failed (digest or diff_id), 1 any other error."
)


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"acr-desktop {command}", epilog=EXIT_CODES)
    parser.add_argument("reference")
    if command == "cat":
        parser.description = "Write one file of an image to stdout, streamed from its layer."
        parser.add_argument("path", help="the file's path in the image, e.g. /etc/os-release")
        parser.add_argument("--force", action="store_true", help="write binary to a terminal too")
        parser.add_argument("--layer", metavar="N|DIGEST", help=LAYER_HELP)
    else:
        parser.description = (
            "List the files in an image's layers (each layer, base first, with what it changes), "
            "streamed from the registry; listings are cached per layer digest."
        )
        view = parser.add_mutually_exclusive_group()
        view.add_argument("--layer", metavar="N|DIGEST", help=LAYER_HELP)
        view.add_argument(
            "--merged",
            action="store_true",
            help="the image's filesystem: all "
            "layers applied, folder sizes, the layer that last wrote each path, "
            "and the bytes of files a later layer overwrote or deleted",
        )
        parser.add_argument(
            "--find",
            metavar="GLOB",
            help="only paths that match: * ? [..] in a "
            "name, ** across /; no / matches a name anywhere, a leading / anchors",
        )
        parser.add_argument("--json", action="store_true", help="stable machine-readable output")
    for names, options in FLAGS:
        parser.add_argument(*names.split(), **options)
    return parser
