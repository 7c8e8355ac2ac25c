"""Image references (`[registry/]repository[:tag][@digest]`), parsed the way users paste them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.json_doc import clean_text

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
DEFAULT_TAG = "latest"

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_ALGORITHM = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*")
_HEX = re.compile(r"[a-f0-9]+")
_HOSTNAME = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits only: `"²".isdigit()` is true but int() fails
_DIGEST_LENGTHS = {"sha256": 64, "sha512": 128}
_MAX_NAME = 255
_PULL_PREFIX = re.compile(
    r"^(?:sudo\s+)?(?:docker|podman|nerdctl|crane|oras)\s+(?:image\s+)?pull\s+"
)


@dataclass(frozen=True)
class Reference:
    """A parsed reference. `tag` is kept even when `digest` is set; the digest wins."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        """The host actually contacted (Docker Hub's API lives on another name)."""
        return registry_api_host(self.registry)

    @property
    def target(self) -> str:
        """What goes after `/manifests/`: the digest if there is one, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def name(self) -> str:
        """`registry/repository` without tag or digest."""
        return f"{self.registry}/{self.repository}"

    def pinned(self) -> str:
        """`registry/repository@digest` (requires a digest)."""
        if not self.digest:
            raise ValueError("reference has no digest")
        return f"{self.name}@{self.digest}"

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, self.tag, digest)

    def with_tag(self, tag: str | None) -> Reference:
        return Reference(self.registry, self.repository, tag, None)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def strip_scheme(text: str) -> tuple[str, bool]:
    """`https://host/…` → (`host/…`, True); text without an http(s) scheme comes back as is."""
    for scheme in ("https://", "http://"):
        if text.lower().startswith(scheme):
            return text[len(scheme) :], True
    return text, False


def registry_api_host(registry: str) -> str:
    return DOCKER_HUB_API if registry == DOCKER_HUB else registry


def normalize_registry(host: str) -> str:
    """Lower-case a registry host and map Docker Hub's aliases to `docker.io`."""
    host = clean_text(host)
    text = strip_scheme(host.strip())[0].rstrip("/")
    if "/" in text:
        text = text.split("/", 1)[0]
    text = text.lower()
    if not text:
        raise InvalidReference("The registry name is empty.", part="registry", text=host)
    _check_host(text, host)
    return DOCKER_HUB if text in HUB_ALIASES else text


def _check_host(host: str, original: str) -> None:
    name, port = host, ""
    if host.startswith("["):
        end = host.find("]")
        name, port = host[: end + 1], host[end + 1 :].lstrip(":")
        ok = end > 0 and bool(_IPV6.fullmatch(name))
    else:
        if ":" in host:
            name, port = host.rsplit(":", 1)
        ok = bool(_HOSTNAME.fullmatch(name))
    if not ok:
        raise InvalidReference(
            f"“{host}” is not a valid registry host name.", part="registry", text=original
        )
    if port and not (_PORT.fullmatch(port) and 0 < int(port) < 65536):
        raise InvalidReference(
            f"“{port}” is not a valid port in registry “{host}”.", part="port", text=original
        )


def is_registry_component(component: str) -> bool:
    """Docker's rule: the first component is a host if it has `.` or `:` or is `localhost`."""
    return "." in component or ":" in component or component == "localhost"


def clean_pasted(text: str) -> str:
    """Strip what people paste around a reference: `docker pull`, options, a URL scheme, spaces."""
    text = text.strip().strip("`'\"").strip()
    if _PULL_PREFIX.match(text):
        words = [w for w in _PULL_PREFIX.sub("", text).split() if w]
        # `docker pull --platform linux/arm64 ref`: the reference is the last word.
        text = words[-1] if words else ""
    return api_path_reference(strip_scheme(text)[0].rstrip("/"))


# `host/v2/<repo>/manifests/<tag or digest>`, `host/v2/<repo>/tags/list`,
# `host/v2/<repo>/referrers/<digest>`: a registry API URL pasted from a log or a browser.
_API_PATH = re.compile(
    r"(?P<host>[^/]+)/v2/(?P<repo>.+?)/"
    r"(?:manifests/(?P<ref>[^/?#]+)|tags/list|referrers/(?P<subject>[^/?#]+))/?(?:[?#].*)?"
)


def api_path_reference(text: str) -> str:
    """A registry API URL (scheme already removed) as the reference it names: the manifest's
    tag or digest, the repository of a tag list, the subject of a referrers list. Anything else
    comes back unchanged."""
    match = _API_PATH.fullmatch(text)
    if match is None or not is_registry_component(match["host"]):
        return text
    name = f"{match['host']}/{match['repo']}"
    target = match["ref"] or match["subject"]
    if target is None:
        return name
    return f"{name}@{target}" if ":" in target else f"{name}:{target}"


def parse_digest(digest: str, original: str | None = None) -> str:
    """Validate `algorithm:hex`; return it unchanged."""
    digest = clean_text(digest)
    text = original if original is not None else digest
    algorithm, sep, hexpart = digest.partition(":")
    if not sep or not _ALGORITHM.fullmatch(algorithm):
        raise InvalidReference(
            f"“{digest}” is not a digest: expected algorithm:hex, e.g. sha256:…",
            part="digest",
            text=text,
        )
    want = _DIGEST_LENGTHS.get(algorithm)
    if want is None:
        raise InvalidReference(
            f"Digest algorithm “{algorithm}” is not supported (use sha256 or sha512).",
            part="digest",
            text=text,
        )
    if not _HEX.fullmatch(hexpart) or len(hexpart) != want:
        raise InvalidReference(
            f"The {algorithm} digest must be {want} lower-case hex characters "
            f"(got {len(hexpart)}).",
            part="digest",
            text=text,
        )
    return digest


def parse_reference(text: str) -> Reference:
    """Parse what a user typed or pasted. Raises InvalidReference naming the bad part."""
    text = clean_text(text)  # errors quote the text: it must be printable
    original = text
    text = clean_pasted(text)
    if not text:
        raise InvalidReference("The reference is empty.", part="reference", text=original)
    if any(c.isspace() for c in text):
        raise InvalidReference(
            "A reference cannot contain spaces.", part="reference", text=original
        )

    name, _, digest = text.partition("@")
    digest_value = parse_digest(digest, original) if digest else None
    if "@" in text and not digest:
        raise InvalidReference("The digest after “@” is empty.", part="digest", text=original)

    tag: str | None = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise InvalidReference(
                f"“{tag}” is not a valid tag: up to 128 letters, digits, “_”, “.” or “-”, "
                "not starting with “.” or “-”.",
                part="tag",
                text=original,
            )

    first, sep, rest = name.partition("/")
    if sep and is_registry_component(first):
        registry, path = normalize_registry(first), rest
    elif not sep and is_registry_component(first):
        host = f"{first}:{tag}" if tag and _PORT.fullmatch(tag) else first
        raise InvalidReference(
            f"“{host}” is a registry, not a repository: add the repository, "
            f"e.g. {host}/team/app:tag.",
            part="repository",
            text=original,
        )
    else:
        registry, path = DOCKER_HUB, name
    if registry == DOCKER_HUB and path and "/" not in path:
        path = f"library/{path}"

    _check_path(path, original)
    if len(registry) + 1 + len(path) > _MAX_NAME:
        raise InvalidReference(
            f"The repository name is longer than {_MAX_NAME} characters.",
            part="repository",
            text=original,
        )
    if tag is None and digest_value is None:
        tag = DEFAULT_TAG
    return Reference(registry, path, tag, digest_value)


def _check_path(path: str, original: str) -> None:
    if not path:
        raise InvalidReference("The repository name is empty.", part="repository", text=original)
    for component in path.split("/"):
        if _COMPONENT.fullmatch(component):
            continue
        if component.lower() != component and _COMPONENT.fullmatch(component.lower()):
            why = "repository names must be lower case"
        elif not component:
            why = "it has an empty path component (“//” or a trailing “/”)"
        else:
            why = "use lower-case letters, digits and single “.”, “_”, “__” or “-” between them"
        raise InvalidReference(
            f"“{component}” is not a valid repository path component: {why}.",
            part="repository",
            text=original,
        )
