"""`acr-desktop compare A B`: two references compared headless, through the same core as the window
(compare.py): per platform the layers, the config's changes, the history and (with `--files`, or
from listings already cached) the files. Text, `--json` or `--markdown` on stdout; exit code 0
when both are the same manifest, 1 when they differ."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from acr_desktop.cli_files import (
    FLAGS,
    Failed,
    ReportFound,
    TransportFor,
    Usage,
    check_flags,
    guarded,
)
from acr_desktop.text import write_line

if TYPE_CHECKING:
    from acr_desktop.compare import Comparison
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.reference import Reference
    from acr_desktop.registry.transport import Transport

# Exit codes, as `acr-desktop inspect` gives them (cli.py), except 1: here it means "they differ",
# as for diff and cmp, so any other trouble (unreachable, a timeout, a bug) is 6, never 1 — a
# script must not read "the registry was down" as "the images differ".
EXIT_SAME, EXIT_DIFFER, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_TROUBLE = 0, 1, 2, 3, 6
EXIT_CANCELLED = 130
EPILOG = (
    "Exit codes: 0 the same manifest, 1 they differ, "
    "2 bad usage or a reference that is neither an image nor an index, 3 not found (also when "
    "a part of one side is missing; what was compared is printed), 4 sign-in or permission "
    "failure, 5 digest verification failed, 6 any other trouble (unreachable, a timeout; said "
    "on stderr). Credentials given with --username are sent only to "
    "A's registry."
)


def compare_main(
    argv: list[str],
    transport_for: TransportFor,
    failed: Failed,
    report_found: ReportFound,
    out: TextIO | None = None,
) -> int:
    """`acr-desktop compare ARGV` (argv after `compare`): the comparison on `out` (stdout)."""
    opts = _parser().parse_args(argv)
    lent = (transport_for, failed, report_found)
    return guarded(lambda: _run(opts, out or sys.stdout, lent), EXIT_DIFFER, EXIT_TROUBLE)


def _run(
    opts: argparse.Namespace, out: TextIO, lent: tuple[TransportFor, Failed, ReportFound]
) -> int:
    from acr_desktop.compare import NotComparable, compare
    from acr_desktop.registry import errors
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.operation import operation

    transport_for, failed, report_found = lent
    try:
        left, right, platform = _parsed(opts)
    except Usage as exc:
        _say(f"acr-desktop: {exc}")
        return EXIT_USAGE
    transport = transport_for(opts, left.registry)
    if transport is None:
        return EXIT_USAGE
    _same_connection(transport, left.registry, right.registry)
    client = RegistryClient(transport)
    try:
        with operation(timeout=opts.timeout):
            result = compare(client, left, right, platform=platform, files=opts.files)
    except NotComparable as exc:
        _say(f"acr-desktop: {exc.sentence}")
        return EXIT_USAGE
    except (errors.Cancelled, errors.RegistryError) as exc:
        code = failed(exc)
        return EXIT_TROUBLE if code == EXIT_DIFFER else code  # 1 means "they differ" here
    finally:
        for registry in dict.fromkeys((left.registry, right.registry)):
            report_found(transport, registry)
    return _report(result, opts, out)


def _report(result: Comparison, opts: argparse.Namespace, out: TextIO) -> int:
    from acr_desktop.compare_report import (
        comparison_dict,
        comparison_markdown,
        write_comparison_text,
    )

    if opts.json:
        # ASCII: control characters and lone surrogates come out as \u escapes
        json.dump(comparison_dict(result), out, indent=2, ensure_ascii=True)
        out.write("\n")
    elif opts.markdown:
        out.write(comparison_markdown(result))
    else:
        write_comparison_text(result, out)
    out.flush()
    for note in result.notes:
        _say(f"note: {note}")
    problems = [f"{p.label}: {x}" for p in result.platforms for x in p.problems]
    for problem in problems:
        _say(f"acr-desktop: part is missing: {problem}")
    if result.identical:
        return EXIT_SAME
    return EXIT_NOT_FOUND if problems else EXIT_DIFFER


def _parsed(opts: argparse.Namespace) -> tuple[Reference, Reference, Platform | None]:
    from acr_desktop.registry.errors import InvalidReference
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.reference import parse_reference

    try:
        left, right = parse_reference(opts.left), parse_reference(opts.right)
        platform = Platform.parse(opts.platform) if opts.platform else None
    except (InvalidReference, ValueError) as exc:
        raise Usage(str(exc)) from exc
    check_flags(opts)
    return left, right, platform


def _same_connection(transport: Transport, left: str, right: str) -> None:
    """The connection flags (TLS, plain HTTP) are for both registries; credentials are not
    copied: A's secret is never sent to B."""
    if right != left:
        transport.set_connection_settings(right, transport.connection_settings(left))


def _say(line: str) -> None:
    write_line(sys.stderr, line)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acr-desktop compare",
        description="Compare two references (tags or digests, of one repository or two): per "
        "platform, the layers side by side (shared, recompressed, added, removed), the config's "
        "changes (env, labels, entrypoint, cmd, user, ports, volumes, base image), the history, "
        "and the files when the layers' listings are known.",
        epilog=EPILOG,
    )
    parser.add_argument("left", metavar="A", help="the reference to compare from")
    parser.add_argument("right", metavar="B", help="the reference to compare with")
    parser.add_argument(
        "--platform", help="compare only this os/arch[/variant] (chosen as containerd does)"
    )
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="a stable machine-readable document")
    form.add_argument("--markdown", action="store_true", help="Markdown, for a ticket or a PR")
    parser.add_argument(
        "--files",
        action="store_true",
        help="list every layer's files (streamed, then cached) to compare the paths; without "
        "it, files are compared only when every layer's listing is already cached",
    )
    for names, options in FLAGS:
        if names not in ("--platform", "--allow-urls"):
            parser.add_argument(*names.split(), **options)
    return parser
