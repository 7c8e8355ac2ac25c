"""A local HTTPS stand-in for login.microsoftonline.com, so azure-identity's MSAL-based credentials
(EnvironmentCredential / ClientSecretCredential, WorkloadIdentityCredential, DeviceCodeCredential)
and the App Service managed identity run end to end with no internet.

Point azure-identity at it with ``AZURE_AUTHORITY_HOST=server.url`` (or ``authority=server.url``),
``disable_instance_discovery=True`` (else MSAL asks login.microsoftonline.com whether the host is a
known authority) and trust ``server.ca_path`` through ``REQUESTS_CA_BUNDLE`` (azure-core's
requests transport; ``SSL_CERT_FILE`` alone is not read by requests). ``server.environment()``
gives those variables. Tokens are minted by the rig's ``EntraAuthority``, so the token server's
/oauth2/exchange accepts them.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .entra import ACR_AUDIENCE, ENTRA_USER, EntraAuthority, object_id
from .tls import TestCA

CLIENT_ID = "5e1f0000-0000-4000-8000-0000000c11e7"  # the service principal's application id
CLIENT_SECRET = "sp-client-SECRET-0123456789"
FEDERATED_TOKEN = "federated-SECRET-assertion"  # AZURE_FEDERATED_TOKEN_FILE's content
PUBLIC_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's public client id
IDENTITY_HEADER = "identity-header-SECRET"
USER_CODE = "RIGCODE12"


@dataclass(frozen=True)
class AuthorityRequest:
    """One request the authority received. Holds no secret values."""

    method: str
    path: str
    grant_type: str | None
    client_id: str | None
    form_fields: tuple[str, ...]
    status: int


def _error(code: str, aadsts: int, text: str) -> dict[str, Any]:
    return {
        "error": code,
        "error_description": f"AADSTS{aadsts}: {text}",
        "error_codes": [aadsts],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": "00000000-0000-4000-8000-000000000001",
        "correlation_id": "00000000-0000-4000-8000-000000000002",
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class AuthorityServer:
    """``AuthorityServer(workdir, authority)``; ``stop()`` at the end.

    ``clients``: client id -> (secret or None for public clients, identity in the token server).
    Service-principal tokens carry ``oid`` = that identity, ``appid``/``azp`` = the client id and
    no ``upn``; device-code tokens carry ``upn``. ``lifetime`` (seconds) of the tokens it issues.
    """

    def __init__(self, workdir: Path, authority: EntraAuthority) -> None:
        self.authority = authority
        self.tenant = authority.tenant
        self.lifetime = 3600
        self.clients: dict[str, tuple[str | None, str]] = {
            CLIENT_ID: (CLIENT_SECRET, ENTRA_USER),
            PUBLIC_CLIENT_ID: (None, ENTRA_USER),
        }
        self.device_pending_polls = 1  # "authorization_pending" answers before the token
        self._polls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._requests: list[AuthorityRequest] = []
        workdir = Path(workdir)
        self.ca = TestCA(workdir / "ca", "acr-desktop test Entra authority CA")
        cert, key = self.ca.issue("login.rig", server=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="entra-authority",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``AZURE_AUTHORITY_HOST``."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_path(self) -> Path:
        return self.ca.cert_path

    @property
    def requests(self) -> list[AuthorityRequest]:
        with self._lock:
            return list(self._requests)

    def environment(self, federated_token_file: Path | None = None) -> dict[str, str]:
        """EnvironmentCredential's variables for the service principal (client secret), or for
        workload identity when ``federated_token_file`` is given (its content: FEDERATED_TOKEN)."""
        env = {
            "AZURE_AUTHORITY_HOST": self.url,
            "AZURE_TENANT_ID": self.tenant,
            "AZURE_CLIENT_ID": CLIENT_ID,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "SSL_CERT_FILE": str(self.ca_path),
        }
        if federated_token_file is None:
            env["AZURE_CLIENT_SECRET"] = CLIENT_SECRET
        else:
            env["AZURE_FEDERATED_TOKEN_FILE"] = str(federated_token_file)
        return env

    def managed_identity_environment(self) -> dict[str, str]:
        """App Service managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER) served here."""
        return {
            "IDENTITY_ENDPOINT": f"{self.url}/msi/token",
            "IDENTITY_HEADER": IDENTITY_HEADER,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
        }

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._polls.clear()
        self.lifetime = 3600
        self.device_pending_polls = 1

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _log(self, record: AuthorityRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        base = f"{self.url}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{self.url}/{self.tenant}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "response_types_supported": ["code", "id_token", "code id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
        }

    def access_token(self, scope: str, subject: str, client_id: str, *, user: bool) -> str:
        audience = scope.split(maxsplit=1)[0].removesuffix("/.default") if scope else ACR_AUDIENCE
        extra: dict[str, Any] = {"appid": client_id, "azp": client_id}
        if not user:  # an application's token: no upn, oid names the service principal
            extra.update({"upn": None, "unique_name": None, "name": None, "oid": subject})
        return self.authority.mint(subject, lifetime=self.lifetime, audience=audience, claims=extra)

    def token_answer(self, form: dict[str, str], *, user: bool, client_id: str) -> dict[str, Any]:
        subject = self.clients[client_id][1]
        scope = " ".join(s for s in form.get("scope", "").split() if "/" in s)
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "ext_expires_in": self.lifetime,
            "access_token": self.access_token(scope, subject, client_id, user=user),
        }
        if user:
            now = int(time.time())
            oid = object_id(subject)
            id_claims = {
                "aud": client_id,
                "iss": f"{self.url}/{self.tenant}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "oid": oid,
                "sub": oid,
                "tid": self.tenant,
                "preferred_username": subject,
                "name": subject,
                "ver": "2.0",
            }
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            answer["id_token"] = f"{header}.{_b64(json.dumps(id_claims).encode())}."
            answer["client_info"] = _b64(json.dumps({"uid": oid, "utid": self.tenant}).encode())
            answer["refresh_token"] = "rt-" + secrets.token_urlsafe(24)
            answer["scope"] = scope
        return answer

    def decide_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant_type, client_id = form.get("grant_type"), form.get("client_id", "")
        if client_id not in self.clients:
            return 400, _error("unauthorized_client", 700016, "Application not found.")
        if grant_type == "client_credentials":
            if not self._client_authenticated(form, client_id):
                return 401, _error("invalid_client", 7000215, "Invalid client secret provided.")
            return 200, self.token_answer(form, user=False, client_id=client_id)
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device_code_grant(form, client_id)
        if grant_type == "refresh_token" and form.get("refresh_token", "").startswith("rt-"):
            return 200, self.token_answer(form, user=True, client_id=client_id)
        return 400, _error("unsupported_grant_type", 70003, "The grant type is not supported.")

    def _client_authenticated(self, form: dict[str, str], client_id: str) -> bool:
        assertion = form.get("client_assertion")
        if assertion is not None:
            kind = form.get("client_assertion_type", "")
            return assertion == FEDERATED_TOKEN and kind.endswith("jwt-bearer")
        secret = self.clients[client_id][0]
        return secret is not None and secrets.compare_digest(form.get("client_secret", ""), secret)

    def _device_code_grant(
        self, form: dict[str, str], client_id: str
    ) -> tuple[int, dict[str, Any]]:
        code = form.get("device_code", "")
        with self._lock:
            if code not in self._polls:
                return 400, _error("expired_token", 70020, "The device code expired.")
            self._polls[code] += 1
            pending = self._polls[code] <= self.device_pending_polls
        if pending:
            return 400, _error("authorization_pending", 70016, "Pending user authorization.")
        return 200, self.token_answer(form, user=True, client_id=client_id)

    def device_code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") not in self.clients:
            return 400, _error("unauthorized_client", 700016, "Application not found.")
        code = "dc-" + secrets.token_urlsafe(16)
        with self._lock:
            self._polls[code] = 0
        uri = "https://microsoft.com/devicelogin"
        return 200, {
            "user_code": USER_CODE,
            "device_code": code,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
            f"{USER_CODE} to authenticate.",
        }

    def managed_identity(self, query: dict[str, str], header: str | None) -> tuple[int, Any]:
        if header != IDENTITY_HEADER:
            return 400, {"statusCode": 400, "message": "No X-IDENTITY-HEADER"}
        resource = query.get("resource", ACR_AUDIENCE)
        token = self.access_token(resource, ENTRA_USER, CLIENT_ID, user=False)
        expires_on = int(time.time()) + self.lifetime
        return 200, {
            "access_token": token,
            "expires_on": str(expires_on),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": CLIENT_ID,
        }


def _make_handler(server: AuthorityServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
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
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            form: dict[str, str] = {}
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            parts = [p for p in url.path.split("/") if p]
            tenant = parts[0] if parts else ""
            rest = "/".join(parts[1:])
            status: int
            body: Any
            if url.path == "/msi/token" and method == "GET":
                status, body = server.managed_identity(query, self.headers.get("X-IDENTITY-HEADER"))
            elif tenant not in (server.tenant, "organizations", "common"):
                status, body = 400, _error("invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
            elif rest == "v2.0/.well-known/openid-configuration" and method == "GET":
                status, body = 200, server.openid_configuration(tenant)
            elif rest == "oauth2/v2.0/token" and method == "POST":
                status, body = server.decide_token(form)
            elif rest == "oauth2/v2.0/devicecode" and method == "POST":
                status, body = server.device_code(form)
            else:
                status, body = 404, _error("not_found", 90000, "No such endpoint.")
            server._log(
                AuthorityRequest(
                    method=method,
                    path=url.path,
                    grant_type=form.get("grant_type"),
                    client_id=form.get("client_id") or query.get("client_id"),
                    form_fields=tuple(sorted(form)),
                    status=status,
                )
            )
            self._send(status, body)

    return Handler
