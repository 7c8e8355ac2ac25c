"""What a referrer or an attestation IS, in words: signatures (cosign, Sigstore bundles,
Notation), SBOMs (SPDX, CycloneDX), provenance (SLSA), vulnerability reports, ACR artifact
streaming, Microsoft lifecycle (end-of-life) annotations, Helm charts and any other artifact type;
the base image an image names; ACR's `signed` flag. Pure functions over descriptors and
manifests: nothing here fetches (acr_desktop/supply_chain.py walks the referrers)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.reference import parse_digest

ArtifactKind = Literal[
    "signature", "sbom", "provenance", "vulnerability_report", "streaming", "lifecycle", "helm",
    "attestation", "other",
]  # fmt: skip

# Annotations that name an in-toto predicate: BuildKit's layers, cosign's `.att` layers, and
# cosign's Sigstore-bundle referrers (manifest and referrers-index descriptor).
PREDICATE_KEYS = (
    "in-toto.io/predicate-type",
    "predicateType",
    "dev.sigstore.bundle.predicateType",
)
EOL_KEY = "vnd.microsoft.artifact.lifecycle.end-of-life.date"
NEAR_EOL_DAYS = 90  # "near end of life": this many days or fewer left
BASE_NAME_KEY = "org.opencontainers.image.base.name"
BASE_DIGEST_KEY = "org.opencontainers.image.base.digest"
STREAMING_FORMAT_KEY = "streaming.format"  # "overlaybd" on ACR's streaming referrers
MAX_SHOWN = 120  # characters of a type, predicate or title quoted in a label
MAX_LAYERS_READ = 1000  # layers of one manifest looked at when naming it
MAX_LISTED = 4  # predicates listed by name in one label ("…, and 3 more")

_BUNDLE = re.compile(
    r"application/vnd\.dev\.sigstore\.bundle(?:\.v(\d+(?:\.\d+)*))?\+json"
    r"(?:\s*;\s*version\s*=\s*\"?(\d+(?:\.\d+)*)\"?)?\s*$",
    re.I,
)
_CARRIERS = frozenset({mt.IN_TOTO, mt.DSSE_ENVELOPE, mt.COSIGN_ATTESTATION})
# BuildKit's attestation manifest as an OCI artifact (`--output type=image,oci-artifact=true`):
# `subject` = the platform image, so it is found as a REFERRER; its layers are in-toto
# statements (SBOM, provenance) named by `in-toto.io/predicate-type`.
BUILDKIT_ATTESTATION = "application/vnd.docker.attestation.manifest.v1+json"
_STATEMENT_HOLDERS = _CARRIERS | {BUILDKIT_ATTESTATION}
_SIGN_PREDICATE = "sigstore.dev/cosign/sign/v1"


@dataclass(frozen=True)
class ArtifactName:
    kind: ArtifactKind
    label: str  # "cosign signature", "SPDX SBOM", "SLSA provenance v1", "artifact: <type>"
    format: str | None  # "cosign" | "sigstore-bundle" | "notation" | "spdx" | "slsa-v1" | …


def _name(kind: ArtifactKind, label: str, fmt: str | None = None) -> ArtifactName:
    return ArtifactName(kind, label, fmt)


_TYPES: dict[str, ArtifactName] = {
    mt.COSIGN_SIMPLESIGNING: _name("signature", "cosign signature", "cosign"),
    mt.COSIGN_SIGNATURE: _name("signature", "cosign signature", "cosign"),
    mt.NOTATION_SIGNATURE: _name("signature", "Notation signature", "notation"),
    mt.COSIGN_ATTESTATION: _name("attestation", "cosign attestation", "in-toto"),
    mt.DSSE_ENVELOPE: _name("attestation", "in-toto attestation (DSSE)", "in-toto"),
    mt.IN_TOTO: _name("attestation", "in-toto attestation", "in-toto"),
    BUILDKIT_ATTESTATION: _name("attestation", "attestation manifest (BuildKit)", "in-toto"),
    mt.SPDX_JSON: _name("sbom", "SPDX SBOM", "spdx"),
    "text/spdx": _name("sbom", "SPDX SBOM (tag-value)", "spdx-tag-value"),
    "text/spdx+json": _name("sbom", "SPDX SBOM", "spdx"),
    "application/spdx": _name("sbom", "SPDX SBOM", "spdx"),
    mt.CYCLONEDX_JSON: _name("sbom", "CycloneDX SBOM", "cyclonedx"),
    "application/vnd.cyclonedx+xml": _name("sbom", "CycloneDX SBOM (XML)", "cyclonedx-xml"),
    "application/vnd.cyclonedx": _name("sbom", "CycloneDX SBOM", "cyclonedx"),
    "application/vnd.syft+json": _name("sbom", "Syft SBOM", "syft"),
    mt.COSIGN_SBOM: _name("sbom", "SBOM (cosign)"),
    mt.SARIF: _name("vulnerability_report", "vulnerability report (SARIF)", "sarif"),
    mt.TRIVY_REPORT: _name("vulnerability_report", "vulnerability report (Trivy)", "trivy"),
    mt.OPENVEX: _name("vulnerability_report", "vulnerability report (OpenVEX)", "openvex"),
    "application/vnd.openvex.vex+json": _name(
        "vulnerability_report", "vulnerability report (OpenVEX)", "openvex"
    ),
    mt.ACR_STREAMING: _name("streaming", "ACR artifact streaming"),
    mt.MS_LIFECYCLE: _name("lifecycle", "end-of-life annotation"),
    mt.HELM_CONFIG: _name("helm", "Helm chart", "helm"),
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip": _name("helm", "Helm chart", "helm"),
}

# Predicate types by the start of the URI (scheme and case dropped): most specific first.
_PREDICATES: tuple[tuple[str, ArtifactName], ...] = (
    ("spdx.dev/document", _name("sbom", "SPDX SBOM", "spdx")),
    ("cyclonedx.org/bom", _name("sbom", "CycloneDX SBOM", "cyclonedx")),
    ("slsa.dev/provenance/v0.1", _name("provenance", "SLSA provenance v0.1", "slsa-v0.1")),
    ("slsa.dev/provenance/v0.2", _name("provenance", "SLSA provenance v0.2", "slsa-v0.2")),
    ("slsa.dev/provenance/v1", _name("provenance", "SLSA provenance v1", "slsa-v1")),
    ("slsa.dev/provenance", _name("provenance", "SLSA provenance")),
    ("cosign.sigstore.dev/attestation/vuln/", _name(
        "vulnerability_report", "vulnerability report (cosign vuln)", "cosign-vuln")),
    ("in-toto.io/attestation/vulns", _name(
        "vulnerability_report", "vulnerability report (in-toto vulns)", "in-toto-vulns")),
    ("openvex.dev/ns", _name("vulnerability_report", "vulnerability report (OpenVEX)", "openvex")),
    (_SIGN_PREDICATE, _name("signature", "Sigstore signature", "sigstore-bundle")),
    ("cosign.sigstore.dev/attestation/v1", _name(
        "attestation", "cosign custom attestation", "cosign-custom")),
)  # fmt: skip


def name_predicate(predicate_type: str) -> ArtifactName:
    """An in-toto predicate type in words: SPDX / CycloneDX (SBOM), SLSA (provenance), cosign
    vuln / in-toto vulns / OpenVEX (vulnerability report); others "attestation (<type>)"."""
    key = predicate_type.strip().lower()
    for scheme in ("https://", "http://"):
        key = key.removeprefix(scheme)
    for prefix, name in _PREDICATES:
        if key.startswith(prefix):
            return name
    return _name("attestation", f"attestation ({quotable(predicate_type, limit=MAX_SHOWN)})")


def predicate_of(annotations: Mapping[str, str]) -> str | None:
    """The in-toto predicate type an annotation names (BuildKit, cosign), if any."""
    return next((annotations[k] for k in PREDICATE_KEYS if annotations.get(k)), None)


def _bundle(media_type: str, annotations: Mapping[str, str]) -> ArtifactName | None:
    """A Sigstore bundle (`…bundle.v0.3+json`, `…bundle+json;version=0.2`): a signature, or an
    attestation named by its `dev.sigstore.bundle.predicateType`."""
    match = _BUNDLE.match(media_type.strip())
    if match is None:
        return None
    version = match[1] or match[2]
    label = f"Sigstore bundle (v{version})" if version else "Sigstore bundle"
    predicate = predicate_of(annotations)
    if predicate and _SIGN_PREDICATE not in predicate.lower():
        inner = name_predicate(predicate)
        return _name(inner.kind, f"{inner.label} ({label})", inner.format)
    return _name("signature", label, "sigstore-bundle")


def _type_name(media_type: str, annotations: Mapping[str, str]) -> ArtifactName | None:
    """What an artifact or layer type says on its own; None when it is not one we know."""
    bundle = _bundle(media_type, annotations)
    if bundle is not None:
        return bundle
    base = mt.base_type(media_type)
    known = _TYPES.get(base)
    if known is None:
        return None
    if known.kind == "streaming":
        fmt = annotations.get(STREAMING_FORMAT_KEY)
        return _name("streaming", known.label, quotable(fmt, limit=40) if fmt else None)
    if known.kind == "lifecycle":
        return _lifecycle(annotations)
    if known.kind == "helm":
        return _helm(annotations)
    return known


def _lifecycle(annotations: Mapping[str, str]) -> ArtifactName:
    when = _eol_date(annotations.get(EOL_KEY, ""))
    label = f"end-of-life annotation ({when.isoformat()})" if when else "end-of-life annotation"
    return _name("lifecycle", label)


def _helm(annotations: Mapping[str, str]) -> ArtifactName:
    """ "Helm chart nginx 15.0.2" from the manifest's title and version annotations."""
    words = [
        quotable(annotations[k], limit=60)
        for k in ("org.opencontainers.image.title", "org.opencontainers.image.version")
        if annotations.get(k)
    ]
    return _name("helm", " ".join(["Helm chart", *words]), "helm")


def _other(media_type: str) -> ArtifactName:
    base = mt.base_type(media_type)
    if base in mt.IMAGE_CONFIG_TYPES:  # the referrers API gives an image its config type
        return _name("other", "image (not an artifact)")
    plain = mt.plain_name(base)
    shown = plain if plain != base else quotable(media_type, limit=MAX_SHOWN)
    return _name("other", f"artifact: {shown}")


def name_descriptor(d: Descriptor) -> ArtifactName:
    """What a referrer (or attestation layer) is, from its descriptor alone: `artifactType`,
    the predicate-type annotations, the EOL annotation, else its media type."""
    annotations = d.annotations
    if d.is_attestation:
        return _name("attestation", "attestation manifest (BuildKit)", "in-toto")
    if d.artifact_type:
        return _from_type(d.artifact_type, annotations)
    if annotations.get(EOL_KEY):
        return _lifecycle(annotations)
    if d.media_type and d.media_type not in mt.IMAGE_TYPES | mt.INDEX_TYPES:
        return _from_type(d.media_type, annotations)
    untyped = "index" if d.media_type in mt.INDEX_TYPES else "artifact"
    return _name("other", f"{untyped} (type not given)")


def _from_type(media_type: str, annotations: Mapping[str, str]) -> ArtifactName:
    """An artifact or layer type, with the predicate its annotations name when it is an in-toto
    carrier (statement, DSSE envelope, cosign attestation)."""
    predicate = predicate_of(annotations)
    if predicate and mt.base_type(media_type) in _CARRIERS:
        return name_predicate(predicate)
    return _type_name(media_type, annotations) or _other(media_type)


def layer_predicates(m: ImageManifest) -> list[tuple[Descriptor, ArtifactName]]:
    """The in-toto statements among a manifest's layers (BuildKit attestation manifests,
    cosign `.att`), each named by its predicate annotation, in order (first MAX_LAYERS_READ)."""
    found = []
    for layer in m.layers[:MAX_LAYERS_READ]:
        if mt.base_type(layer.media_type) in _CARRIERS:
            predicate = predicate_of(layer.annotations)
            name = name_predicate(predicate) if predicate else _TYPES[mt.IN_TOTO]
            found.append((layer, name))
    return found


def name_manifest(m: ImageManifest) -> ArtifactName:
    """What an artifact manifest is: the predicates of its in-toto layers, `artifactType` (else
    a non-image config type), the EOL annotation, else its first known layer type."""
    annotations = m.annotations
    artifact_type = m.artifact_type if m.artifact_type != mt.OCI_EMPTY else None
    statements = layer_predicates(m)
    if statements and (not artifact_type or mt.base_type(artifact_type) in _STATEMENT_HOLDERS):
        return _statements_name([name for _, name in statements])
    if artifact_type:
        named = _from_type(artifact_type, annotations)
        if named.kind == "sbom" and named.format is None:  # cosign's SBOM: the layer says which
            named = next((n for n in _layer_names(m) if n.kind == "sbom"), named)
        return named
    if annotations.get(EOL_KEY):
        return _lifecycle(annotations)
    image = m.config.media_type in mt.IMAGE_CONFIG_TYPES
    untyped = _name("other", "image (not an artifact)" if image else "artifact (type not given)")
    return next(iter(_layer_names(m)), untyped)


def _layer_names(m: ImageManifest) -> list[ArtifactName]:
    names = (
        _type_name(layer.media_type, layer.annotations) for layer in m.layers[:MAX_LAYERS_READ]
    )
    return [n for n in names if n is not None]


def _statements_name(names: list[ArtifactName]) -> ArtifactName:
    """One predicate: its name. Several: "in-toto attestations: SPDX SBOM, SLSA provenance v0.2"."""
    distinct = list({n.label: n for n in names}.values())
    if len(distinct) == 1:
        return distinct[0]
    shown = ", ".join(n.label for n in distinct[:MAX_LISTED])
    if len(distinct) > MAX_LISTED:
        shown += f", and {len(distinct) - MAX_LISTED:,} more"
    return _name("attestation", f"in-toto attestations: {shown}", "in-toto")


# --- end of life, base image, ACR's flag ------------------------------------------------------


@dataclass(frozen=True)
class EndOfLife:
    date: date
    past: bool  # the date has come (on the day itself too)
    days_left: int  # negative once past

    @property
    def near(self) -> bool:
        """Not yet past, and NEAR_EOL_DAYS days or fewer to go."""
        return not self.past and self.days_left <= NEAR_EOL_DAYS

    def describe(self) -> str:
        """ "Past end of life since 2024-06-30 (883 days ago)." / "Reaches end of life on
        2027-01-15, in 47 days." / "End of life on 2028-01-01 (in 398 days).\""""
        when = self.date.isoformat()
        if self.past:
            ago = -self.days_left
            return (
                f"Past end of life since {when} ({'today' if ago == 0 else _days(ago) + ' ago'})."
            )
        if self.near:
            return f"Reaches end of life on {when}, in {_days(self.days_left)}."
        return f"End of life on {when} (in {_days(self.days_left)})."


def _days(count: int) -> str:
    return f"{count:,} day" + ("" if count == 1 else "s")


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _eol_date(text: str) -> date | None:
    """An ISO date or date-time (`2024-03-21`, `2024-03-21T00:00:00Z`, with an offset) as the
    date it is in UTC; None for anything else. Reads at most 64 characters."""
    text = text.strip()[:64]
    if not _DATE.match(text):
        return None
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text)  # 3.11: "Z", offsets, fractions
        return (moment.astimezone(UTC) if moment.tzinfo is not None else moment).date()
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:59-23:59 in UTC
        return None


def earliest(found: Iterable[EndOfLife | None]) -> EndOfLife | None:
    """The soonest of the ends of life given (the Nones among them left out)."""
    dates = [e for e in found if e is not None]
    return min(dates, key=lambda e: e.date) if dates else None


def end_of_life(annotations: Mapping[str, str], today: date) -> EndOfLife | None:
    """`vnd.microsoft.artifact.lifecycle.end-of-life.date` as an EndOfLife against `today`;
    None when absent or not a date."""
    when = _eol_date(annotations.get(EOL_KEY, ""))
    if when is None:
        return None
    days_left = (when - today).days
    return EndOfLife(when, days_left <= 0, days_left)


@dataclass(frozen=True)
class BaseImage:
    name: str | None  # as written: "debian:trixie-slim", "myacr.azurecr.io/base:1"
    digest: str | None  # a valid digest, else None

    def describe(self) -> str:
        """ "debian:trixie-slim (sha256:c0519c2c1a61…)", or whichever part is known."""
        short = f"{self.digest[:19]}…" if self.digest else ""
        if self.name and short:
            return f"{self.name} ({short})"
        return self.name or short


def base_image(
    annotations: Mapping[str, str], labels: Mapping[str, str] | None = None
) -> BaseImage | None:
    """The base image an image names: `org.opencontainers.image.base.name` / `.digest`
    annotations, else the same keys as config labels. Name quoted (bounded, one line); a digest
    that is not a valid digest is left out. None when neither is given."""
    sources = [annotations, labels or {}]
    name = next((s[BASE_NAME_KEY] for s in sources if s.get(BASE_NAME_KEY, "").strip()), None)
    raw_digest = next((s[BASE_DIGEST_KEY] for s in sources if s.get(BASE_DIGEST_KEY)), None)
    digest: str | None = None
    if raw_digest:
        try:
            digest = parse_digest(raw_digest.strip()[:200])
        except InvalidReference:
            digest = None
    shown = quotable(name, limit=300) if name else None
    if not shown and not digest:
        return None
    return BaseImage(shown or None, digest)


def acr_signed_flag_text(signed: bool | None) -> str:
    """ACR's `signed` tag attribute in words: it reports Docker Content Trust (Notary v1, which
    ACR is retiring), not cosign or Notation signatures (those are referrers)."""
    if signed is None:
        return "Docker Content Trust: not reported"
    if signed:
        return "Docker Content Trust signed (deprecated)"
    return "not Docker Content Trust signed"
