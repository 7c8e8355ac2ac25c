"""SBOMs read into packages: SPDX 2.x JSON, CycloneDX 1.x JSON, and in-toto statements (plain or
in a DSSE envelope) that carry either, as BuildKit and cosign attach them to images.

Bounded: a document over MAX_SBOM_BYTES is not read (TooLargeDocument says so), at most
MAX_PACKAGES packages are kept (`Sbom.notice` says when more were listed), every value is cleaned
(no control or bidi characters, at most MAX_FIELD characters) and the walk is linear in the size
of the document. Values are data, not redacted: `sbom_csv` makes them safe for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.attached import attached_documents
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.json_doc import clean_text, load_json
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.provenance import (
    TooLargeDocument,
    field_text,
    load_document,
    predicate_kind,
    read_statement,
)
from acr_desktop.registry.sending import MiB

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference

MAX_SBOM_BYTES = 64 * MiB
MAX_PACKAGES = 200_000
MAX_PURL = 2048
MAX_LICENCES = 16  # CycloneDX licence entries read per component

SPDX_JSON = "application/spdx+json"
CYCLONEDX_JSON = "application/vnd.cyclonedx+json"
CSV_HEADER = ("name", "version", "type", "purl", "licence")

_NO_LICENCE = frozenset({"", "NOASSERTION"})
_PURL_TYPE = re.compile(r"pkg:/*([A-Za-z][A-Za-z0-9.+-]{0,31})/")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class NotAnSbom(InvalidResponse):
    """The document or artifact holds no SBOM the app reads (another predicate, XML, tag-value…)."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    type: str  # purl type ("npm", "deb") or purpose / component type ("library")
    purl: str
    licence: str  # SPDX expression or names; "" when the SBOM makes no assertion


@dataclass(frozen=True)
class Sbom:
    format: str  # "SPDX 2.3", "CycloneDX 1.5"
    packages: tuple[Package, ...]
    tool: str | None
    created: str | None
    notice: str | None  # e.g. "Stopped after 200,000 packages; the SBOM lists more."


# -- SBOM documents ----------------------------------------------------------------------------
def parse_sbom(raw: bytes, media_type: str | None) -> Sbom:
    """Packages of an SPDX or CycloneDX JSON document, or of an in-toto statement (plain or DSSE)
    whose predicate is one. NotAnSbom / InvalidResponse with a sentence for anything else;
    TooLargeDocument (an InvalidResponse too) past MAX_SBOM_BYTES."""
    media = mt.base_type(clean_text(media_type)) if media_type else ""
    try:
        document = load_document(raw, what="SBOM", limit=MAX_SBOM_BYTES)
    except TooLargeDocument:
        raise
    except InvalidResponse:
        if media.endswith("xml") or media.startswith("text/"):
            raise NotAnSbom(
                f"The SBOM is “{field_text(media, 100)}”; only SPDX and CycloneDX JSON are read."
            ) from None
        raise
    statement = read_statement(document)
    if statement is not None:
        if predicate_kind(statement.predicate_type) == "provenance":
            raise NotAnSbom("This in-toto statement is SLSA provenance, not an SBOM.")
        document = _predicate_document(statement.predicate)
    return sbom_from_document(document)


def _predicate_document(predicate: Any) -> Any:
    """cosign's older predicates wrap the document: {"Data": <document or its JSON text>}."""
    if isinstance(predicate, dict) and "Data" in predicate and len(predicate) <= 2:
        predicate = predicate["Data"]
    if isinstance(predicate, str):
        return load_json(predicate, what="SBOM inside the in-toto statement")
    return predicate


def sbom_from_document(document: Any) -> Sbom:
    """An already decoded SPDX or CycloneDX JSON document as an Sbom."""
    if not isinstance(document, dict):
        raise NotAnSbom("The SBOM is not a JSON object.")
    if "spdxVersion" in document:
        return _spdx(document)
    if document.get("bomFormat") == "CycloneDX" or "specVersion" in document:
        return _cyclonedx(document)
    if "@context" in document or "@graph" in document:
        raise NotAnSbom("This looks like an SPDX 3 (JSON-LD) document, which is not read yet.")
    raise NotAnSbom("The document is neither an SPDX nor a CycloneDX JSON SBOM.")


def _spdx(doc: dict[str, Any]) -> Sbom:
    version = field_text(doc.get("spdxVersion"), 32)
    label = "SPDX " + version.removeprefix("SPDX-") if version else "SPDX"
    entries = _entries(doc.get("packages"), "SPDX document's packages")
    packages: list[Package] = []
    skipped = 0
    for item in islice(entries, MAX_PACKAGES):
        if isinstance(item, dict):
            packages.append(_spdx_package(item))
        else:
            skipped += 1
    creation = _obj(doc.get("creationInfo"))
    creators = creation.get("creators")
    tools = (
        (c for c in islice(creators, 64) if isinstance(c, str) and c.startswith("Tool:"))
        if isinstance(creators, list)
        else iter(())
    )
    tool = field_text(next(tools, "").removeprefix("Tool:"))
    return Sbom(
        label,
        tuple(packages),
        tool or None,
        field_text(creation.get("created"), 64) or None,
        _notice(len(entries) > MAX_PACKAGES, skipped),
    )


def _spdx_package(item: dict[str, Any]) -> Package:
    purl = ""
    refs = item.get("externalRefs")
    for ref in refs if isinstance(refs, list) else ():
        if (
            isinstance(ref, dict)
            and ref.get("referenceType") == "purl"
            and ref.get("referenceCategory") in ("PACKAGE-MANAGER", "PACKAGE_MANAGER")
            and isinstance(ref.get("referenceLocator"), str)
        ):
            purl = field_text(ref["referenceLocator"], MAX_PURL)
            break
    licence = field_text(item.get("licenseConcluded"))
    if licence in _NO_LICENCE:
        licence = field_text(item.get("licenseDeclared"))
    purpose = field_text(item.get("primaryPackagePurpose"), 64)
    return Package(
        name=field_text(item.get("name")),
        version=field_text(item.get("versionInfo")),
        type=purl_type(purl) or purpose.lower().replace("_", " "),
        purl=purl,
        licence="" if licence in _NO_LICENCE else licence,
    )


def _cyclonedx(doc: dict[str, Any]) -> Sbom:
    version = field_text(doc.get("specVersion"), 32)
    entries = _entries(doc.get("components"), "CycloneDX document's components")
    packages: list[Package] = []
    skipped = 0
    stack = list(reversed(entries))  # depth first, in document order; nested ones flattened
    while stack and len(packages) < MAX_PACKAGES:
        item = stack.pop()
        if not isinstance(item, dict):
            skipped += 1
            continue
        packages.append(_cyclonedx_package(item))
        nested = item.get("components")
        if isinstance(nested, list):
            stack.extend(reversed(nested))
    metadata = _obj(doc.get("metadata"))
    return Sbom(
        f"CycloneDX {version}" if version else "CycloneDX",
        tuple(packages),
        _cyclonedx_tool(metadata.get("tools")),
        field_text(metadata.get("timestamp"), 64) or None,
        _notice(bool(stack), skipped),
    )


def _cyclonedx_package(item: dict[str, Any]) -> Package:
    names: list[str] = []
    licences = item.get("licenses")
    for entry in islice(licences, MAX_LICENCES) if isinstance(licences, list) else ():
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("expression"), str):
            names.append(entry["expression"])
            continue
        licence = _obj(entry.get("license"))
        chosen = licence.get("id") if isinstance(licence.get("id"), str) else licence.get("name")
        if isinstance(chosen, str):
            names.append(chosen)
    return Package(
        name=field_text(item.get("name")),
        version=field_text(item.get("version")),
        type=field_text(item.get("type"), 64),
        purl=field_text(item.get("purl"), MAX_PURL),
        licence=field_text(", ".join(n for n in names if n)),
    )


def _cyclonedx_tool(tools: Any) -> str | None:
    """CycloneDX 1.4 lists tools; 1.5 and later hold them in {"components": […]}."""
    if isinstance(tools, dict):
        tools = tools.get("components")
    for tool in islice(tools, 16) if isinstance(tools, list) else ():
        if isinstance(tool, dict) and isinstance(tool.get("name"), str):
            name = f"{field_text(tool['name'])} {field_text(tool.get('version'), 64)}"
            return field_text(name) or None
    return None


def _entries(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidResponse(f"The {what} are not a list.")
    return value


def _notice(more: bool, skipped: int) -> str | None:
    sentences = []
    if more:
        sentences.append(f"Stopped after {MAX_PACKAGES:,} packages; the SBOM lists more.")
    if skipped:
        sentences.append(f"{skipped:,} entries were not package objects and were left out.")
    return " ".join(sentences) or None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def purl_type(purl: str) -> str:
    """The type of a package URL ("pkg:npm/…" → "npm"), "" when it is not one."""
    match = _PURL_TYPE.match(purl)
    return match[1].lower() if match else ""


# -- export ------------------------------------------------------------------------------------
def sbom_csv(sbom: Sbom) -> str:
    """The packages as CSV (header name,version,type,purl,licence; "\\n" line ends). A cell that
    a spreadsheet would run as a formula (=, +, -, @, tab, CR first) starts with a quote."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(
        [_cell(p.name), _cell(p.version), _cell(p.type), _cell(p.purl), _cell(p.licence)]
        for p in sbom.packages
    )
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


# -- from a registry ---------------------------------------------------------------------------
def read_sbom(client: RegistryClient, ref: Reference, descriptor: Descriptor) -> Sbom:
    """The SBOM `descriptor` stands for, in `ref`'s repository: an artifact or attestation
    manifest (its SBOM layer is read) or the SBOM blob itself. Read with MAX_SBOM_BYTES as cap
    (TooLargeDocument beyond); NotAnSbom when it holds none."""
    found: Sbom | None = None
    for raw, media, others in attached_documents(client, ref, descriptor, "sbom", MAX_SBOM_BYTES):
        try:
            found = parse_sbom(raw, media)
        except NotAnSbom:
            continue
        if others:
            more = f"This attestation holds {others + 1} SBOMs; the first is shown."
            found = replace(found, notice=" ".join(filter(None, (found.notice, more))))
        return found
    raise NotAnSbom(f"{field_text(descriptor.digest, 100)} holds no SPDX or CycloneDX SBOM.")
