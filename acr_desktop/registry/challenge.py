"""`WWW-Authenticate` parsing (RFC 7235): several challenges, quoted strings with escapes,
any case."""

from __future__ import annotations

from dataclasses import dataclass, field

_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_TOKEN68_CHARS = _TOKEN_CHARS | frozenset("/=")


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
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def skip_separators(self) -> None:
        while self.peek() in (" ", "\t", ","):
            self.pos += 1

    def token(self, chars: frozenset[str] = _TOKEN_CHARS) -> str:
        start = self.pos
        while self.peek() and self.peek() in chars:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_value(self) -> str:
        """An unquoted value, read leniently up to `,` or space (some send `realm=https://…`)."""
        start = self.pos
        while self.peek() and self.peek() not in (",", " ", "\t"):
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str:
        """Read a quoted-string starting at `"`; a backslash escapes the next character."""
        self.pos += 1
        out: list[str] = []
        while not self.at_end():
            ch = self.text[self.pos]
            self.pos += 1
            if ch == "\\" and not self.at_end():
                out.append(self.text[self.pos])
                self.pos += 1
            elif ch == '"':
                return "".join(out)
            else:
                out.append(ch)
        return "".join(out)  # unterminated: be lenient, keep what we have

    def looks_like_param(self) -> bool:
        """At a token: is it `name=value` (a parameter) rather than the next scheme?"""
        save = self.pos
        name = self.token()
        self.skip_spaces()
        is_param = bool(name) and self.peek() == "="
        if is_param:
            # `abc==` or a trailing `abc=` is token68 padding, not a parameter.
            self.pos += 1
            self.skip_spaces()
            is_param = self.peek() not in ("=", ",", "")
        self.pos = save
        return is_param


def parse_www_authenticate(header: str) -> list[Challenge]:
    """Parse a header value into challenges. Never raises; garbage yields fewer challenges."""
    scanner = _Scanner(header or "")
    challenges: list[Challenge] = []
    while True:
        scanner.skip_separators()
        if scanner.at_end():
            break
        scheme = scanner.token()
        if not scheme:
            scanner.pos += 1  # skip a character no challenge can start with
            continue
        params: dict[str, str] = {}
        token68: str | None = None
        scanner.skip_spaces()
        if not scanner.looks_like_param():
            candidate = scanner.token(_TOKEN68_CHARS)
            token68 = candidate or None
        while True:
            scanner.skip_separators()
            if scanner.at_end() or not scanner.looks_like_param():
                break
            name = scanner.token().lower()
            scanner.skip_spaces()
            scanner.pos += 1  # "="
            scanner.skip_spaces()
            value = scanner.quoted() if scanner.peek() == '"' else scanner.bare_value()
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
