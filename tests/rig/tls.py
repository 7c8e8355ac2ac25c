"""A test certificate authority (made with cryptography) and a Distribution registry serving HTTPS
with a certificate it issued, optionally demanding client certificates (``http.tls.clientcas``)."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import ssl
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .registry import BINARY, Registry, _q


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    """A self-signed CA in ``workdir``: ``cert_path`` is its PEM; ``issue()`` writes leaf pairs."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, workdir: Path, name: str = "acr-desktop test CA") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.cert_path = self.workdir / f"{_slug(name)}.pem"
        self.cert_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        common_name: str,
        *,
        server: bool,
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    ) -> tuple[Path, Path]:
        """A leaf certificate and its unencrypted key, as (cert.pem, key.pem)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            names: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    names.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(self._key, hashes.SHA256())
        cert_path = self.workdir / f"{_slug(common_name)}.pem"
        key_path = self.workdir / f"{_slug(common_name)}-key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


class TLSRegistry(Registry):
    """An anonymous registry on ``https://127.0.0.1:<port>`` with a certificate from ``ca``.

    With ``client_ca`` it demands a client certificate issued by that CA; ``probe_cert`` is then
    the (cert, key) pair the readiness probe presents.
    """

    def __init__(
        self,
        workdir: Path,
        ca: TestCA,
        *,
        client_ca: TestCA | None = None,
        probe_cert: tuple[Path, Path] | None = None,
    ) -> None:
        super().__init__(workdir, "anonymous")
        self.ca = ca
        self.client_ca = client_ca
        self.probe_cert = probe_cert
        self.cert_path, self.key_path = ca.issue(f"registry {Path(workdir).name}", server=True)

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def _config(self) -> str:
        lines = super()._config().splitlines()
        index = next(i for i, line in enumerate(lines) if line.startswith("http: "))
        tls = [
            "http:",
            f"  addr: {_q(self.host)}",
            "  secret: rig-secret",
            "  tls:",
            f"    certificate: {_q(str(self.cert_path))}",
            f"    key: {_q(str(self.key_path))}",
        ]
        if self.client_ca is not None:
            tls.append(f"    clientcas: [{_q(str(self.client_ca.cert_path))}]")
        lines[index : index + 1] = tls
        return "\n".join(lines) + "\n"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the test CA, and presents ``probe_cert`` if there is one."""
        context = ssl.create_default_context(cafile=str(self.ca.cert_path))
        if self.probe_cert is not None:
            context.load_cert_chain(*(str(p) for p in self.probe_cert))
        return context

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                log = self.stderr_path.read_text(errors="replace")
                raise RuntimeError(f"{BINARY} exited at start-up:\n{log}")
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=1, context=self.ssl_context()
            )
            try:
                conn.request("GET", "/v2/")
                resp = conn.getresponse()
                resp.read()
                if resp.getheader("Docker-Distribution-Api-Version"):
                    return
            except OSError:
                pass
            finally:
                conn.close()
            if time.monotonic() > deadline:
                log = self.stderr_path.read_text(errors="replace")
                raise RuntimeError(f"{BINARY} did not answer on {self.url} in {timeout}s:\n{log}")
            time.sleep(0.01)
