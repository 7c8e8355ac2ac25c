"""`acr-desktop referrers REF [--json]`, `acr-desktop sbom REF [--platform P] [--csv|--json]`:
an image's supply chain headless, through the core the window uses (supply_chain.py, registry/
artifacts, sbom, provenance, signatures). Documents are read with the core's caps (an SBOM: 64
MiB; past it the error names the cap). Text and JSON are built from one document; text goes
through `write_line` (server text is data), JSON is ASCII."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from acr_desktop.cli_files import (
    FLAGS,
    Failed,
    ReportFound,
    TransportFor,
    Usage,
    check_flags,
    guarded,
)
from acr_desktop.text import is_terminal, plural, short_digest, terminal_safe, write_line

if TYPE_CHECKING:
    from collections.abc import Iterator

    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Descriptor, Platform
    from acr_desktop.registry.reference import Reference
    from acr_desktop.registry.sbom import Sbom
    from acr_desktop.supply_chain import ReferrerNode

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_CANCELLED = 0, 1, 2, 3, 130
SCHEMA_VERSION = 1
COLUMNS = (("name", 40), ("version", 24), ("type", 10), ("licence", 28), ("purl", 120))
EPILOG = (
    "Exit codes: 0 ok, 2 bad usage, 3 not found ({what}), 4 sign-in or permission failure, "
    "5 digest verification failed, 1 any other error ({other})."
)
Doc = dict[str, Any]
Lent = tuple[TransportFor, Failed, ReportFound]


def supply_main(argv: list[str], transport_for: TransportFor, failed: Failed,
                report_found: ReportFound, out: TextIO | None = None) -> int:  # fmt: skip
    """`acr-desktop referrers …` or `acr-desktop sbom …` (argv[0] says which); output on `out`."""
    opts = _parser(argv[0]).parse_args(argv[1:])
    lent = (transport_for, failed, report_found)
    return guarded(lambda: _run(argv[0], opts, out or sys.stdout, lent), EXIT_OK, EXIT_ERROR)


def _run(command: str, opts: argparse.Namespace, out: TextIO, lent: Lent) -> int:
    from acr_desktop.registry import errors
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.operation import operation
    from acr_desktop.registry.reference import parse_reference

    transport_for, failed, report_found = lent
    try:
        ref = parse_reference(opts.reference)
        platform = Platform.parse(opts.platform) if getattr(opts, "platform", None) else None
        check_flags(opts)
    except (errors.InvalidReference, ValueError, Usage) as exc:
        _say(f"acr-desktop: {exc}")
        return EXIT_USAGE
    transport = transport_for(opts, ref.registry)
    if transport is None:
        return EXIT_USAGE
    client = RegistryClient(transport)
    try:
        with operation(timeout=opts.timeout):
            if command == "sbom":
                return _sbom(client, ref, platform, opts, out)
            return _referrers(client, ref, opts, out)
    except (errors.Cancelled, errors.RegistryError) as exc:
        return failed(exc)
    finally:
        report_found(transport, ref.registry)


def _emit(out: TextIO, doc: Doc, as_json: bool, write_text: Any) -> None:
    if as_json:
        json.dump(doc, out, indent=2, ensure_ascii=True)  # control characters come out as \u
        out.write("\n")
    else:
        write_text(out, doc)
    out.flush()


def _referrers(client: RegistryClient, ref: Reference, opts: argparse.Namespace,
               out: TextIO) -> int:  # fmt: skip
    from acr_desktop.registry.artifacts import earliest, end_of_life
    from acr_desktop.supply_chain import supply_chain
    from acr_desktop.supply_report import base_of, check_base, details, own_annotations

    top = client.get_manifest(ref)
    subject = top.reference
    chain = supply_chain(client, subject)
    found_details = details(client, subject, chain)
    today = datetime.now(UTC).date()
    own = own_annotations(top.manifest)
    eol = earliest([end_of_life(own, today), chain.end_of_life(today)])
    notes: list[str] = []
    base = base_of(client, subject, top.manifest, own, notes)
    for note in notes:
        _say(f"note: {note}")
    if base is not None:
        base = check_base(client, base) if not opts.no_base_check else base
        for key in ("registry", "same_registry"):
            base.pop(key)
    doc: Doc = {"schema_version": SCHEMA_VERSION, "reference": opts.reference,
                "digest": top.digest, "summary": chain.summary(),
                "sbom_packages": chain.sbom_packages, "notices": list(chain.notices),
                "referrers": [_node(n, found_details) for n in chain.nodes],
                "end_of_life": eol and {"date": eol.date.isoformat(), "past": eol.past,
                                        "near": eol.near, "days_left": eol.days_left,
                                        "text": eol.describe()},
                "base_image": base}  # fmt: skip
    _emit(out, doc, opts.json, _write_tree)
    for problem in _problems(doc["referrers"]):
        _say(f"warning: {problem}")
    for notice in chain.notices:
        _say(f"note: {notice}")
    if eol and (eol.past or eol.near):
        _say(f"warning: {eol.describe()}")
    return EXIT_OK


def _problems(nodes: list[Doc]) -> Iterator[str]:
    for node in nodes:
        for problem in filter(None, (node["problem"], (node["details"] or {}).get("problem"))):
            yield f"{node['label']} {short_digest(node['digest'])}: {problem}"
        yield from _problems(node["children"])


def _node(node: ReferrerNode, details: dict[str, Doc]) -> Doc:
    d = node.descriptor
    return {"digest": d.digest, "media_type": d.media_type, "artifact_type": d.artifact_type,
            "size": d.size, "kind": node.name.kind, "label": node.name.label,
            "format": node.name.format, "via": node.via, "problem": node.problem,
            "details": details.get(d.digest),
            "children": [_node(c, details) for c in node.children]}  # fmt: skip


def _write_tree(out: TextIO, doc: Doc) -> None:
    from acr_desktop.supply_report import base_text

    write_line(out, f"{doc['reference']} ({doc['digest']})")
    write_line(out, f"Summary: {doc['summary']}")
    if doc["referrers"]:
        write_line(out, "Referrers and attestations:")

    def lines(node: Doc, pad: str) -> None:
        write_line(out, f"{pad}{node['label']}  {short_digest(node['digest'])}  ({node['via']})")
        detail = node["details"] or {}
        for text in [v["text"] for k, v in detail.items() if k != "problem"]:
            write_line(out, f"{pad}  {text}")
        for problem in filter(None, (node["problem"], detail.get("problem"))):
            write_line(out, f"{pad}  {problem}")
        for child in node["children"]:
            lines(child, pad + "  ")

    for node in doc["referrers"]:
        lines(node, "  ")
    if doc["end_of_life"]:
        write_line(out, f"End of life: {doc['end_of_life']['text']}")
    base = doc["base_image"]
    if base:
        write_line(out, f"Base image: {base['text']}")
        if base_text(base):
            write_line(out, f"  {base_text(base)}")


def _sbom(client: RegistryClient, ref: Reference, platform: Platform | None,
          opts: argparse.Namespace, out: TextIO) -> int:  # fmt: skip
    from acr_desktop.inspection import inspect
    from acr_desktop.registry.artifacts import BUILDKIT_ATTESTATION
    from acr_desktop.registry.errors import InvalidResponse, TooLarge
    from acr_desktop.registry.sbom import NotAnSbom, read_sbom, sbom_csv

    ins = inspect(client, ref, platform, strict_platform=platform is not None, with_config=False)
    for note in ins.notes:
        _say(f"note: {note}")
    if ins.missing_child is not None:
        raise ins.missing_child
    entry = ins.platform_entry
    chosen = entry.platform.display() if entry is not None and entry.platform else None
    if chosen and platform is None:
        _say(f"note: {chosen} chosen from the index (--platform for another)")
    first: InvalidResponse | TooLarge | None = None
    for source, where in _sbom_sources(client, ins):
        try:
            sbom = read_sbom(client, ins.top.reference, source)
        except (InvalidResponse, TooLarge) as exc:  # not an SBOM after all, over the cap, bad
            if isinstance(exc, NotAnSbom) and source.artifact_type == BUILDKIT_ATTESTATION:
                continue  # a BuildKit attestation referrer with provenance only
            first = first or exc
            continue
        if opts.csv:
            text = sbom_csv(sbom)
            out.write(terminal_safe(text, newlines=True) if is_terminal(out) else text)
            out.flush()
        else:
            _emit(out, _sbom_doc(opts, ins, chosen, sbom, (source, where)), opts.json, _write_sbom)
        if sbom.notice:
            _say(f"note: {sbom.notice}")
        return EXIT_OK
    if first is not None:
        raise first
    what = f" for {chosen}" if chosen else ""
    _say(f"acr-desktop: no SBOM found{what} in {terminal_safe(opts.reference)} (no SPDX or "
         "CycloneDX referrer, and no BuildKit SBOM attestation)")  # fmt: skip
    return EXIT_NOT_FOUND


def _sbom_sources(client: RegistryClient, ins: Inspection) -> Iterator[tuple[Descriptor, str]]:
    """(descriptor, where it was found) of each SBOM candidate, most specific first: REF itself
    when it is an SBOM or attestation artifact; the index's BuildKit attestation for the chosen
    platform; the SBOM referrers of the image; then those of the index as a whole."""
    from acr_desktop.registry.artifacts import BUILDKIT_ATTESTATION, name_descriptor, name_manifest
    from acr_desktop.registry.manifest import Descriptor

    shown = ins.image or ins.top
    manifest = ins.image_manifest
    if manifest is not None and name_manifest(manifest).kind in ("sbom", "attestation"):
        yield Descriptor(shown.media_type, shown.digest, len(shown.raw)), "the reference itself"
    chosen = ins.index is not None and ins.platform_entry is not None
    for d in ins.index.attestations if ins.index is not None and chosen else ():
        if d.annotations.get("vnd.docker.reference.digest") == shown.digest:
            yield d, "BuildKit attestation in the index"
    targets = ([shown] if ins.index is None or chosen else []) + ([ins.top] if ins.index else [])
    for target in targets:
        found = client.referrers(target.reference)
        whose = "index" if target is ins.top and ins.index is not None else "image"
        for d in found.descriptors:
            if name_descriptor(d).kind == "sbom" or d.artifact_type == BUILDKIT_ATTESTATION:
                yield d, f"referrer of the {whose}, found through the {found.via}"


def _sbom_doc(opts: argparse.Namespace, ins: Inspection, chosen: str | None, sbom: Sbom,
              source: tuple[Descriptor, str]) -> Doc:  # fmt: skip
    return {"schema_version": SCHEMA_VERSION, "reference": opts.reference,
            "digest": (ins.image or ins.top).digest, "platform": chosen,
            "sbom": {"format": sbom.format, "tool": sbom.tool, "created": sbom.created,
                     "notice": sbom.notice, "digest": source[0].digest, "found": source[1]},
            "packages": [asdict(p) for p in sbom.packages]}  # fmt: skip


def _write_sbom(out: TextIO, doc: Doc) -> None:
    """A heading, then the packages sorted by name and version, columns cut to width (…)."""
    sbom, of = doc["sbom"], f" ({doc['platform']})" if doc["platform"] else ""
    rows = sorted(doc["packages"], key=lambda p: (p["name"].casefold(), p["version"]))
    count = plural(len(rows), "package")
    write_line(out, f"{sbom['format']} SBOM of {doc['reference']}{of}: {count}")
    made = "".join(f"; {x}" for x in (sbom["tool"] and f"by {sbom['tool']}", sbom["created"]) if x)
    write_line(out, f"From {short_digest(sbom['digest'])}, {sbom['found']}{made}")
    widths = [min(cap, max([len(n)] + [len(p[n]) for p in rows])) if cap else 0
              for n, cap in COLUMNS]  # fmt: skip

    def line(cells: list[str]) -> str:
        pairs = zip(cells, widths, strict=True)
        cut = [(t if not w or len(t) <= w else t[: w - 1] + "…", w) for t, w in pairs]
        return "  ".join(t.ljust(w) for t, w in cut).rstrip()

    write_line(out, line([n.upper() for n, _ in COLUMNS]))
    for p in rows:
        write_line(out, line([p[n] or "-" for n, _ in COLUMNS]))


def _say(line: str) -> None:
    write_line(sys.stderr, line)


HELP = {
    "sbom": (
        "List the packages of an image's SBOM (SPDX or CycloneDX JSON, a referrer or a BuildKit "
        "attestation; for an index, the platform's), read with a 64 MiB cap.",
        "the reference or platform, or no SBOM for it",
        "an SBOM that cannot be read or is over the cap included",
    ),
    "referrers": (
        "Show what refers to an image (signatures, SBOMs, provenance, other artifacts) as a "
        "tree, what its signatures claim (present, not verified: nothing is verified), its "
        "provenance, end of life and base image (one HEAD of the base reference).",
        "the reference; nothing attached is exit 0",
        "an artifact that cannot be read is a warning, not an error",
    ),
}


def _parser(command: str) -> argparse.ArgumentParser:
    text, what, other = HELP[command]
    epilog = EPILOG.format(what=what, other=other)
    parser = argparse.ArgumentParser(prog=f"acr-desktop {command}", description=text, epilog=epilog)
    parser.add_argument("reference")
    form = parser.add_mutually_exclusive_group()
    if command == "sbom":
        form.add_argument("--csv", action="store_true", help="CSV: name,version,type,purl,licence")
    else:
        no_head = "do not HEAD the base image's reference (perhaps another registry)"
        parser.add_argument("--no-base-check", action="store_true", help=no_head)
    form.add_argument("--json", action="store_true", help="stable machine-readable output")
    for names, options in FLAGS:
        if names != "--allow-urls" and (names != "--platform" or command == "sbom"):
            parser.add_argument(*names.split(), **options)
    return parser
