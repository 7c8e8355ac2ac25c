"""Microsoft Entra ID stand-ins: an RSA test key that mints Entra-shaped access tokens (in place of
login.microsoftonline.com), and fake ``az``/``azd`` executables that answer like the Azure CLI and
the Azure Developer CLI, so the real azure-identity credentials run end to end.

The Entra token's identity is its ``upn`` (also ``unique_name``); ``oid`` is a GUID derived from it.
The token server maps that identity to its grants (``ENTRA_USER``, ``ENTRA_PULLER`` in ``ALLOWED``).
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACR_AUDIENCE = "https://containerregistry.azure.net"
ACR_SCOPE = f"{ACR_AUDIENCE}/.default"
TENANT = "72f988bf-0000-4000-8000-00000000c0de"  # the rig's tenant id
OTHER_TENANT = "0ddba11c-0000-4000-8000-0000000ba5e0"  # a tenant the rig's registry does not trust
ENTRA_USER = "entra-user"  # pull, push, metadata_read on *, catalog
ENTRA_PULLER = "entra-puller"  # pull on test/* only: no metadata_read, no catalog (the "walls")
SUBSCRIPTION = "0b1f6471-0000-4000-8000-00000000abcd"
FAKE_AZ_MODES = ("ok", "not_logged_in", "hang", "garbage")
Mode = Literal["ok", "not_logged_in", "hang", "garbage"]


def issuer(tenant: str) -> str:
    """The v1 issuer Entra puts in tokens for the ACR resource."""
    return f"https://sts.windows.net/{tenant}/"


def object_id(subject: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra-rig:{subject}"))


class EntraAuthority:
    """An RSA test key standing in for login.microsoftonline.com (tenant ``TENANT``)."""

    def __init__(self, tenant: str = TENANT) -> None:
        self.tenant = tenant
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex

    def private_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def mint(  # noqa: PLR0913 - the shared API
        self,
        subject: str = ENTRA_USER,
        *,
        lifetime: int = 3600,
        audience: str = ACR_AUDIENCE,
        tenant: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """An RS256 Entra-shaped access token (negative ``lifetime``: already expired).
        ``claims`` adds or overrides claims (a value of None removes the claim)."""
        return mint_token(
            key or self.key,
            self.kid,
            subject,
            lifetime=lifetime,
            audience=audience,
            tenant=tenant or self.tenant,
            claims=claims,
        )

    def verify(self, token: str, tenant: str | None) -> str | None:
        """The token's identity (``upn``, else ``oid``), or None: bad signature, audience, issuer,
        tenant (the rig's, and ``tenant`` when given), expired or not yet valid."""
        try:
            claims = jwt.decode(
                token,
                self.key.public_key(),
                algorithms=["RS256"],
                audience=ACR_AUDIENCE,
                options={"require": ["exp", "iat", "nbf", "aud", "tid", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        tid = claims.get("tid")
        if tid != self.tenant or (tenant is not None and tenant != tid):
            return None
        if claims.get("iss") != issuer(self.tenant):
            return None
        identity = claims.get("upn") or claims.get("oid")
        return identity if isinstance(identity, str) and identity else None


def mint_token(  # noqa: PLR0913
    key: rsa.RSAPrivateKey,
    kid: str,
    subject: str,
    *,
    lifetime: int,
    audience: str,
    tenant: str,
    claims: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "aud": audience,
        "iss": issuer(tenant),
        "iat": now - 5 if lifetime > 0 else now + lifetime - 60,
        "nbf": now - 5 if lifetime > 0 else now + lifetime - 60,
        "exp": now + lifetime,
        "tid": tenant,
        "oid": object_id(subject),
        "upn": subject,
        "unique_name": subject,
        "name": subject,
        "ver": "1.0",
    }
    for name, value in (claims or {}).items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid, "x5t": kid})


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (for assertions)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


# --- fake az / azd ---------------------------------------------------------------------------

_SHIM = """#!{python}
# Fake Azure CLI / Azure Developer CLI written by tests/rig/entra.py (install_fake_az).
import importlib.util, sys
spec = importlib.util.spec_from_file_location("rig_fake_entra_cli", {module!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.exit(module.fake_cli_main({here!r}, sys.argv))
"""
_AZD_NOT_LOGGED_IN = "\nERROR: not logged in, run `azd auth login` to login\n"
_GARBAGE = (
    "\x1b[31mWARNING\x1b[0m <b>not json</b> \u202eevil\u202c " + "x" * 300 + '\n{"accessToken": \n'
)


def _option(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg[len(name) + 1 :]
    return None


def fake_cli_main(here: str, argv: list[str]) -> int:
    """The fake ``az``/``azd`` (run by the shim install_fake_az writes, in its own process)."""
    import datetime as dt

    prog, args = os.path.basename(argv[0]), argv[1:]
    fd = os.open(os.path.join(here, "calls.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, (shlex.join([prog, *args]) + "\n").encode())
    os.close(fd)
    with open(os.path.join(here, "fake_az.json"), encoding="utf-8") as f:
        conf = json.load(f)
    mode = conf["mode"]
    if args[:2] != (["account", "get-access-token"] if prog == "az" else ["auth", "token"]):
        sys.stderr.write(
            f"ERROR: '{' '.join(args[:2])}' is not a command the rig's {prog} knows.\n"
        )
        return 2
    if mode == "not_logged_in":
        if prog == "az":
            sys.stderr.write("ERROR: Please run 'az login' to setup account.\n")
        else:  # azd's JSON console message (what azd < 1.23.7 writes with --output json)
            now = dt.datetime.now().astimezone().isoformat()
            line = {
                "type": "consoleMessage",
                "timestamp": now,
                "data": {"message": _AZD_NOT_LOGGED_IN},
            }
            sys.stderr.write(json.dumps(line) + "\n")
        return 1
    if mode == "hang":
        time.sleep(float(conf["hang_seconds"]))
        return 1
    if mode == "garbage":
        sys.stdout.write(_GARBAGE)
        return 0
    default = (
        "https://management.core.windows.net/" if prog == "az" else "https://management.azure.com/"
    )
    resource = (_option(args, "--resource") if prog == "az" else None) or _option(args, "--scope")
    resource = (resource or default).removesuffix("/.default")
    tenant = _option(args, "--tenant", "--tenant-id") or conf["tenant"]
    with open(os.path.join(here, "entra_key.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    lifetime = int(conf["lifetime"])
    token = mint_token(
        key, conf["kid"], conf["subject"], lifetime=lifetime, audience=resource, tenant=tenant
    )
    exp = int(unverified_claims(token)["exp"])
    if prog == "az":
        answer: dict[str, Any] = {
            "accessToken": token,
            "expiresOn": dt.datetime.fromtimestamp(exp).strftime("%Y-%m-%d %H:%M:%S.%f"),
            "expires_on": exp,
            "subscription": SUBSCRIPTION,
            "tenant": tenant,
            "tokenType": "Bearer",
        }
        sys.stdout.write(json.dumps(answer, indent=2) + "\n")
    else:
        utc = dt.datetime.fromtimestamp(exp, dt.UTC)
        sys.stdout.write(
            json.dumps({"token": token, "expiresOn": f"{utc:%Y-%m-%dT%H:%M:%SZ}"}) + "\n"
        )
    return 0


def install_fake_az(  # noqa: PLR0913 - the shared API
    bin_dir: Path,
    authority: EntraAuthority,
    *,
    subject: str = ENTRA_USER,
    lifetime: int = 3600,
    mode: Mode = "ok",
    hang_seconds: float = 30.0,
) -> Path:
    """Write executable ``az`` and ``azd`` into ``bin_dir`` (again: switches mode/subject/lifetime).

    ``az account get-access-token --output json --resource R [--tenant T]`` and
    ``azd auth token --output json --scope S [--tenant-id T]`` answer as the real tools do, with a
    fresh token from ``authority``'s key per call (``aud`` = R, or S without ``/.default``;
    ``tid`` = T or the authority's tenant). Modes: "not_logged_in" (exit 1, the tools' own
    messages), "hang" (sleeps ``hang_seconds``, then exit 1), "garbage" (exit 0, not JSON, hostile
    text). Each call appends its argv (``shlex.join``) to ``bin_dir/"calls.log"``: never a token.
    Returns ``bin_dir``.
    """
    if mode not in FAKE_AZ_MODES:
        raise ValueError(f"unknown fake az mode: {mode!r}")
    bin_dir = Path(bin_dir).resolve()
    bin_dir.mkdir(parents=True, exist_ok=True)
    key_path = bin_dir / "entra_key.pem"
    key_path.write_bytes(authority.private_pem())
    key_path.chmod(0o600)
    conf = {
        "mode": mode,
        "subject": subject,
        "lifetime": lifetime,
        "tenant": authority.tenant,
        "kid": authority.kid,
        "hang_seconds": hang_seconds,
    }
    conf_path = bin_dir / "fake_az.json"
    tmp = conf_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(conf), encoding="utf-8")
    os.replace(tmp, conf_path)  # a concurrent call reads the old or the new, never half
    script = _SHIM.format(
        python=sys.executable, module=str(Path(__file__).resolve()), here=str(bin_dir)
    )
    for name in ("az", "azd"):
        path = bin_dir / name
        path.write_text(script, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def fake_az_calls(bin_dir: Path) -> list[list[str]]:
    """Each recorded call's argv (program name first), oldest first."""
    log = Path(bin_dir) / "calls.log"
    if not log.exists():
        return []
    return [shlex.split(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
