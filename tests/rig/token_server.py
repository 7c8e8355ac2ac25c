"""An ACR-like OAuth2 token server for Distribution's token auth (stdlib http.server + PyJWT).

GET  /oauth2/token?service=S&scope=A&scope=B   (optional ``Authorization: Basic``)
POST /oauth2/token  grant_type=password|refresh_token, service, scope (space separated), client_id
POST /oauth2/exchange  grant_type=access_token, service, tenant (optional), access_token (Entra)
     -> {"refresh_token": JWT} (see ``entra.py``; refresh JWTs are accepted by /oauth2/token)

Answers ``{"access_token": JWT}`` only, like ACR. Grants are the intersection of what was asked and
what the identity may do (see ``ALLOWED``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .entra import ENTRA_PULLER, ENTRA_USER, EntraAuthority

ISSUER = "acr-desktop-test-token-issuer"

ALICE_USER = "alice"
ALICE_PASSWORD = "alice-Pa55w0rd-SECRET"
PULLER_USER = "puller"
PULLER_PASSWORD = "puller-Pa55w0rd-SECRET"
REFRESH_USER = "00000000-0000-0000-0000-000000000000"
REFRESH_TOKEN = "refresh-tok-SECRET-0123456789"
ANONYMOUS = "<anonymous>"

# identity -> list of (type, name glob, allowed actions)
ALLOWED: dict[str, list[tuple[str, str, frozenset[str]]]] = {
    ALICE_USER: [
        ("repository", "*", frozenset({"pull", "push", "metadata_read"})),
        ("registry", "catalog", frozenset({"*"})),
    ],
    PULLER_USER: [("repository", "test/*", frozenset({"pull"}))],
    ENTRA_USER: [
        ("repository", "*", frozenset({"pull", "push", "metadata_read"})),
        ("registry", "catalog", frozenset({"*"})),
    ],
    ENTRA_PULLER: [("repository", "test/*", frozenset({"pull"}))],
    ANONYMOUS: [("repository", "public/*", frozenset({"pull"}))],
}
PASSWORDS = {ALICE_USER: ALICE_PASSWORD, PULLER_USER: PULLER_PASSWORD}


def libtrust_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """The libtrust key id Distribution expects in the JWT ``kid`` header."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    b32 = base64.b32encode(digest.finalize()[:30]).decode().rstrip("=")
    return ":".join(b32[i : i + 4] for i in range(0, 48, 4))


def parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    """``repository:test/app:pull,push`` -> ("repository", "test/app", ["pull", "push"])."""
    kind, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not name:
        return None
    return kind, name, [a for a in actions.split(",") if a]


def grant(identity: str, scopes: list[str]) -> list[dict[str, Any]]:
    """Intersection of the asked scopes and what ``identity`` is allowed (empty actions kept)."""
    access: list[dict[str, Any]] = []
    for scope in scopes:
        parsed = parse_scope(scope)
        if parsed is None:
            continue
        kind, name, asked = parsed
        allowed: set[str] = set()
        for rule_kind, pattern, actions in ALLOWED.get(identity, []):
            if rule_kind == kind and fnmatch.fnmatchcase(name, pattern):
                allowed |= actions
        actions_granted = [a for a in asked if a in allowed]
        access.append({"type": kind, "name": name, "actions": actions_granted})
    return access


@dataclass(frozen=True)
class TokenRequest:
    """One request the token server received. Holds no secret values."""

    method: str
    path: str
    query: dict[str, list[str]]
    form_fields: list[str]
    has_authorization: bool
    grant_type: str | None
    scopes: list[str] = field(default_factory=list)
    service: str | None = None
    identity: str | None = None  # who it authenticated as (None if refused)
    status: int = 0
    tenant: str | None = None  # the ``tenant`` form field of /oauth2/exchange
    user_agent: str | None = None


class TokenServer:
    """Run with ``TokenServer(cert_dir)``; ``stop()`` at the end."""

    def __init__(self, cert_dir: Path, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.service = ""  # default ``aud`` for mint(); set by the registry that trusts us
        self.post_enabled = True
        self.send_expires_in = False
        self.lifetime = 300
        self.entra: EntraAuthority | None = None  # trusted for /oauth2/exchange (entra_authority)
        self.refresh_lifetime = 10800
        # (status, raw body) /oauth2/exchange answers instead, whatever it was sent (hostile tests)
        self.exchange_reply: tuple[int, bytes] | None = None
        self._lock = threading.Lock()
        self._requests: list[TokenRequest] = []
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.kid = libtrust_key_id(self._key.public_key())
        self.cert_path = Path(cert_dir) / "cert.pem"
        self.cert_path.write_bytes(self._certificate())
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="token-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def realm(self) -> str:
        return f"{self.url}/oauth2/token"

    @property
    def requests(self) -> list[TokenRequest]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget logged requests and restore the default behaviour switches."""
        with self._lock:
            self._requests.clear()
        self.post_enabled = True
        self.send_expires_in = False
        self.lifetime = 300
        self.refresh_lifetime = 10800
        self.exchange_reply = None

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def mint(
        self,
        access: list[dict[str, Any]],
        lifetime: int = 300,
        subject: str = "rig",
        service: str | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": service if service is not None else self.service,
            "exp": now + lifetime,
            "nbf": now - 5,
            "iat": now,
            "jti": secrets.token_hex(12),
            "access": access,
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})

    def mint_refresh(self, subject: str, service: str, lifetime: int | None = None) -> str:
        """An ACR-style refresh token for ``subject`` (what /oauth2/exchange answers)."""
        now = int(time.time())
        life = self.refresh_lifetime if lifetime is None else lifetime
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": service,
            "exp": now + life,
            "nbf": now - 5 if life > 0 else now + life - 60,
            "iat": now - 5 if life > 0 else now + life - 60,
            "jti": secrets.token_hex(12),
            "grant_type": "refresh_token",
            "tenant": self.entra.tenant if self.entra else None,
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})

    def refresh_identity(self, token: str, service: str | None) -> str | None:
        """The subject of a refresh token minted here (signature, exp, aud = service if given)."""
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["ES256"],
                options={"verify_aud": False, "require": ["exp", "sub", "aud"]},
                issuer=self.issuer,
            )
        except jwt.PyJWTError:
            return None
        if claims.get("grant_type") != "refresh_token":
            return None
        if service and claims.get("aud") != service:
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) and subject else None

    def _log(self, record: TokenRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def _certificate(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acr-desktop test token CA")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)


def _check_password(
    server: TokenServer, username: str, password: str, service: str | None
) -> str | None:
    """The identity these credentials belong to, or None."""
    if username == REFRESH_USER:
        if hmac.compare_digest(password, REFRESH_TOKEN):
            return ALICE_USER
        return server.refresh_identity(password, service) if password.count(".") == 2 else None
    expected = PASSWORDS.get(username)
    if expected is not None and hmac.compare_digest(password, expected):
        return username
    return None


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


def _make_handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            form: dict[str, list[str]] = {}
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            params = form if method == "POST" else query
            grant_type = params.get("grant_type", [None])[0] if method == "POST" else None
            scopes = [s for value in params.get("scope", []) for s in value.split()]
            service = params.get("service", [None])[0]
            auth = self.headers.get("Authorization")
            if url.path == "/oauth2/exchange" and method == "POST":
                self._exchange(query, form)
                return
            status, identity, error = self._decide(method, url.path, params, grant_type, auth)
            server._log(  # before answering, so a client that got its answer sees the record
                TokenRequest(
                    method=method,
                    path=url.path,
                    query=query,
                    form_fields=sorted(form),
                    has_authorization=auth is not None,
                    grant_type=grant_type,
                    scopes=scopes,
                    service=service,
                    identity=identity,
                    status=status,
                    user_agent=self.headers.get("User-Agent"),
                )
            )
            if identity is None:
                self._send(status, error or {})
                return
            access = grant(identity, scopes)
            lifetime = server.lifetime
            token = server.mint(access, lifetime, subject=identity, service=service or None)
            body: dict[str, Any] = {"access_token": token}
            if server.send_expires_in:
                body["expires_in"] = lifetime
            self._send(200, body)

        def _decide(
            self,
            method: str,
            path: str,
            params: dict[str, list[str]],
            grant_type: str | None,
            auth: str | None,
        ) -> tuple[int, str | None, dict[str, Any] | None]:
            """(200, identity, None) to grant, or (status, None, error body) to refuse."""
            if path != "/oauth2/token":
                return 404, None, _error("NOT_FOUND", f"no such endpoint: {path}")
            if method == "POST" and not server.post_enabled:
                return 405, None, _error("UNSUPPORTED", "POST is not supported here")
            if method == "POST":
                first = {k: v[0] for k, v in params.items()}
                if grant_type == "password":
                    creds: tuple[str, str] | None = (
                        first.get("username", ""),
                        first.get("password", ""),
                    )
                elif grant_type == "refresh_token":
                    creds = (REFRESH_USER, first.get("refresh_token", ""))
                else:
                    return 400, None, {"error": "unsupported_grant_type"}
            else:
                creds = _basic(auth)
                if auth is not None and creds is None:
                    return 401, None, _error("UNAUTHORIZED", "malformed Authorization header")
            if creds is None:
                return 200, ANONYMOUS, None
            identity = _check_password(server, *creds, params.get("service", [None])[0])
            if identity is None:
                return 401, None, _error("UNAUTHORIZED", "authentication required")
            return 200, identity, None

        def _exchange(self, query: dict[str, list[str]], form: dict[str, list[str]]) -> None:
            first = {k: v[0] for k, v in form.items()}
            grant_type, service = first.get("grant_type"), first.get("service")
            tenant, entra_token = first.get("tenant") or None, first.get("access_token")
            identity: str | None = None
            if grant_type != "access_token":
                status, body = 400, _error("UNSUPPORTED", "grant_type must be access_token")
            elif not service or not entra_token:
                status, body = 400, _error("BAD_REQUEST", "service and access_token are required")
            elif (
                server.entra is None
                or (identity := server.entra.verify(entra_token, tenant)) is None
            ):
                status, body = 401, _error("UNAUTHORIZED", "invalid Azure Active Directory token")
            else:
                status, body = 200, {"refresh_token": server.mint_refresh(identity, service)}
            server._log(
                TokenRequest(
                    method="POST",
                    path="/oauth2/exchange",
                    query=query,
                    form_fields=sorted(form),
                    has_authorization=self.headers.get("Authorization") is not None,
                    grant_type=grant_type,
                    service=service,
                    identity=identity,
                    status=server.exchange_reply[0] if server.exchange_reply else status,
                    tenant=tenant,
                    user_agent=self.headers.get("User-Agent"),
                )
            )
            if server.exchange_reply is not None:
                reply_status, raw = server.exchange_reply
                self.send_response(reply_status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                return
            self._send(status, body)

    return Handler
