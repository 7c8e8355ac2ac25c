"""`WWW-Authenticate` parsing (RFC 7235): several challenges, quoted strings with escapes,
any case."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from acr_desktop.registry.json_doc import clean_text

# Each scan is one regex match, so the parser is linear in the header's length with a small
# constant (a hostile 65 kB header takes milliseconds, not a Python loop per character).
_TOKEN_CLASS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_TOKEN = re.compile(_TOKEN_CLASS + "*")
_TOKEN68 = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z/=]*")
_NOT_TOKEN = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SPACES = re.compile(r"[ \t]*")
_SEPARATORS = re.compile(r"[ \t,]*")
_BARE_VALUE = re.compile(r"[^, \t]*")
_QUOTED_BODY = re.compile(r'(?:[^"\\]|\\[\s\S])*')
_ESCAPE = re.compile(r"\\([\s\S])")
# `name = value`, not `abc==` or a trailing `abc=` (token68 padding)
_MAX_ITEMS = 256  # challenges plus parameters read; real headers have fewer than 10
_PARAM_AHEAD = re.compile(_TOKEN_CLASS + r"+[ \t]*=[ \t]*(?![=,]|\Z)")


@dataclass(frozen=True)
class Challenge:
    """One challenge: a lower-cased scheme (`bearer`, `basic`) and its lower-cased parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")

    @property
    def service(self) -> str | None:
        return self.params.get("service")

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scope parameter may hold several space-separated scopes."""
        return tuple(self.params.get("scope", "").split())

    @property
    def error(self) -> str | None:
        return self.params.get("error")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def take(self, pattern: re.Pattern[str]) -> str:
        """Consume what `pattern` matches here (possibly nothing) and return it."""
        found = pattern.match(self.text, self.pos)
        if found is None:
            return ""
        self.pos = found.end()
        return found.group()

    def quoted(self) -> str:
        """Read a quoted-string starting at `"`; a backslash escapes the next character."""
        body = self.take_after_quote()
        if self.peek() == '"':
            self.pos += 1
        elif self.peek() == "\\":  # a lone backslash at the very end: kept, like any character
            self.pos += 1
            body += "\\"
        return body  # unterminated: be lenient, keep what we have

    def take_after_quote(self) -> str:
        self.pos += 1
        return _ESCAPE.sub(r"\1", self.take(_QUOTED_BODY))

    def looks_like_param(self) -> bool:
        """At a token: is it `name=value` (a parameter) rather than the next scheme?"""
        return _PARAM_AHEAD.match(self.text, self.pos) is not None


def parse_www_authenticate(header: str) -> list[Challenge]:
    """Parse a header value into challenges. Never raises; garbage yields fewer challenges."""
    scanner = _Scanner(clean_text(header or ""))  # values are sent on: they must encode
    challenges: list[Challenge] = []
    items = 0
    while items < _MAX_ITEMS:
        scanner.take(_SEPARATORS)
        if scanner.at_end():
            break
        scheme = scanner.take(_TOKEN)
        if not scheme:
            scanner.take(_NOT_TOKEN)  # skip what no challenge can start with
            continue
        params: dict[str, str] = {}
        token68: str | None = None
        scanner.take(_SPACES)
        if not scanner.looks_like_param():
            token68 = scanner.take(_TOKEN68) or None
        while items < _MAX_ITEMS:
            items += 1
            scanner.take(_SEPARATORS)
            if scanner.at_end() or not scanner.looks_like_param():
                break
            name = scanner.take(_TOKEN).lower()
            scanner.take(_SPACES)
            scanner.pos += 1  # "="
            scanner.take(_SPACES)
            value = scanner.quoted() if scanner.peek() == '"' else scanner.take(_BARE_VALUE)
            params.setdefault(name, value)
        challenges.append(Challenge(scheme.lower(), params, token68))
    return challenges


def bearer_or_basic(challenges: list[Challenge]) -> Challenge | None:
    """The challenge we answer: Bearer when offered, else Basic."""
    for scheme in ("bearer", "basic"):
        for challenge in challenges:
            if challenge.scheme == scheme:
                return challenge
    return None


def format_challenge(challenge: Challenge) -> str:
    """Serialise a challenge (used by the property tests to round-trip)."""
    parts = []
    for name, value in challenge.params.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'{name}="{escaped}"')
    head = challenge.scheme + (f" {challenge.token68}" if challenge.token68 else "")
    return head + (" " + ",".join(parts) if parts else "")
