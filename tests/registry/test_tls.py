"""HTTPS against real registries with a certificate from a test CA: the OS trust store, an extra CA
bundle, skipping verification for one registry only, client certificates, plain-HTTP mismatches,
proxies, and the command line's flags for all of it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from acr_desktop.cli import EXIT_ERROR, EXIT_NOT_FOUND, EXIT_OK, inspect_main
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import TLSFailure
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import ConnectionSettings, Transport
from tests.registry.conftest import ClientPair, DockerEnv
from tests.rig import FakeServer, Registry
from tests.rig.tls import TestCA, TLSRegistry

pytestmark = pytest.mark.registry

SKIP_HINT = "or — only if you trust this network — skip certificate verification"


def fetch(transport: Transport, registry: Registry, ref: str = "test/app:oci") -> str:
    fetched = RegistryClient(transport).get_manifest(parse_reference(f"{registry.host}/{ref}"))
    return fetched.digest


def with_settings(registry: str, settings: ConnectionSettings) -> Transport:
    transport = Transport(timeout=(2.0, 10.0))
    transport.set_connection_settings(registry, settings)
    return transport


def test_refused_by_default_with_what_would_fix_it(tls_registry: TLSRegistry) -> None:
    transport = Transport(timeout=(2.0, 10.0))
    assert transport.base_url(tls_registry.host).startswith("http://")  # localhost: plain HTTP
    with pytest.raises(TLSFailure) as caught:
        fetch(transport, tls_registry)
    # It answered plain HTTP with "use HTTPS": HTTPS it is, and its certificate is unknown.
    assert transport.base_url(tls_registry.host) == tls_registry.url
    assert str(caught.value) == (
        f"Could not make a secure connection to {tls_registry.host}: its certificate is not "
        f"trusted. To fix it, add the registry's CA bundle in its settings, {SKIP_HINT}."
    )
    assert caught.value.host == tls_registry.host


def test_accepted_with_the_ca_bundle(tls_registry: TLSRegistry, test_ca: TestCA) -> None:
    transport = with_settings(
        tls_registry.host, ConnectionSettings(ca_bundle=str(test_ca.cert_path))
    )
    assert fetch(transport, tls_registry) == tls_registry.content["test/app:oci"].digest


def test_a_ca_file_fixed_in_place_is_read_again(
    tls_registry: TLSRegistry, test_ca: TestCA, client_ca: TestCA, tmp_path: Path
) -> None:
    bundle = tmp_path / "corp.pem"
    bundle.write_bytes(client_ca.cert_path.read_bytes())  # the wrong CA at first
    transport = with_settings(tls_registry.host, ConnectionSettings(ca_bundle=str(bundle)))
    with pytest.raises(TLSFailure, match="not trusted"):
        fetch(transport, tls_registry)
    bundle.write_bytes(test_ca.cert_path.read_bytes())
    os.utime(bundle, ns=(bundle.stat().st_atime_ns, bundle.stat().st_mtime_ns + 10**9))
    assert fetch(transport, tls_registry)


def test_os_trust_store_is_used_and_a_bundle_adds_to_it(
    tls_registry: TLSRegistry,
    test_ca: TestCA,
    client_ca: TestCA,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # OpenSSL's system store, as the OS configures it: SSL_CERT_FILE (requests alone ignores it).
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.cert_path))
    system_only = with_settings(tls_registry.host, ConnectionSettings(plain_http=False))
    assert fetch(system_only, tls_registry)
    unrelated_bundle = ConnectionSettings(plain_http=False, ca_bundle=str(client_ca.cert_path))
    assert fetch(with_settings(tls_registry.host, unrelated_bundle), tls_registry)


def test_skip_verification_is_for_that_registry_only(tls_registry: TLSRegistry) -> None:
    transport = with_settings(tls_registry.host, ConnectionSettings(verify_tls=False))
    assert fetch(transport, tls_registry)  # and no InsecureRequestWarning (warnings are errors)
    # The same server under another name is another registry: still checked.
    other = tls_registry.host.replace("127.0.0.1", "localhost")
    transport.set_connection_settings(other, ConnectionSettings(plain_http=False))
    with pytest.raises(TLSFailure, match="its certificate is not trusted"):
        RegistryClient(transport).sign_in(other)


def test_client_certificate_required_and_presented(
    mtls_registry: TLSRegistry, test_ca: TestCA, client_pair: ClientPair
) -> None:
    trusted = ConnectionSettings(ca_bundle=str(test_ca.cert_path))
    with pytest.raises(TLSFailure) as caught:
        RegistryClient(with_settings(mtls_registry.host, trusted)).sign_in(mtls_registry.host)
    assert str(caught.value) == (
        f"Could not make a secure connection to {mtls_registry.host}: it asks for a client "
        "certificate it trusts. To fix it, set a client certificate and key that it accepts "
        "in the registry's settings."
    )
    presented = ConnectionSettings(
        ca_bundle=str(test_ca.cert_path),
        client_cert=str(client_pair.cert),
        client_key=str(client_pair.key),
    )
    result = RegistryClient(with_settings(mtls_registry.host, presented)).sign_in(
        mtls_registry.host
    )
    assert result.describe() == f"{mtls_registry.host} needs no sign-in."


def test_unusable_files_name_the_file(
    tls_registry: TLSRegistry, test_ca: TestCA, client_pair: ClientPair, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(TLSFailure) as caught:
        fetch(
            with_settings(tls_registry.host, ConnectionSettings(ca_bundle=str(missing))),
            tls_registry,
        )
    assert f"the CA bundle {missing} cannot be used (no such file)" in str(caught.value)
    mismatched = ConnectionSettings(
        ca_bundle=str(test_ca.cert_path),
        client_cert=str(client_pair.cert),
        client_key=str(tls_registry.key_path),  # another certificate's key
    )
    with pytest.raises(TLSFailure, match="the key does not match the certificate"):
        fetch(with_settings(tls_registry.host, mismatched), tls_registry)


def test_https_to_a_plain_http_registry_says_allow_plain_http(anon_registry: Registry) -> None:
    transport = with_settings(anon_registry.host, ConnectionSettings(plain_http=False))
    with pytest.raises(TLSFailure) as caught:
        fetch(transport, anon_registry)
    assert "it does not speak HTTPS on this port" in str(caught.value)
    assert "turn on “Allow plain HTTP” in the registry's settings" in str(caught.value)


# -- proxies ------------------------------------------------------------------------------------
def proxy_answers(proxy: FakeServer) -> None:
    proxy.reply_json("GET", r"/v2/", 200, {}, {"Docker-Distribution-Api-Version": "2.0"})


def test_proxy_from_the_settings(fake_server: FakeServer) -> None:
    proxy_answers(fake_server)
    settings = ConnectionSettings(plain_http=True, proxy=fake_server.url)
    result = RegistryClient(with_settings("registry.invalid:5000", settings)).sign_in(
        "registry.invalid:5000"
    )
    assert result.scheme == "none"
    assert fake_server.requests[0].path == "http://registry.invalid:5000/v2/"  # proxy form


def test_proxy_from_the_environment(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_answers(fake_server)
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", fake_server.url)
    monkeypatch.setenv("http_proxy", fake_server.url)
    transport = with_settings("registry.invalid:5000", ConnectionSettings(plain_http=True))
    RegistryClient(transport).sign_in("registry.invalid:5000")
    assert fake_server.requests[0].path == "http://registry.invalid:5000/v2/"


# -- the command line ---------------------------------------------------------------------------
def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = inspect_main([*args, "--timeout", "10"], out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_cli_tls_flags(
    docker_env: DockerEnv,
    tls_registry: TLSRegistry,
    mtls_registry: TLSRegistry,
    test_ca: TestCA,
    client_pair: ClientPair,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = f"{tls_registry.host}/test/app:oci"
    code, _out, err = cli(ref, capsys=capsys)
    assert code == EXIT_ERROR
    assert "its certificate is not trusted" in err
    assert "hint: --ca-bundle FILE trusts the registry's CA" in err
    code, out, err = cli(ref, "--ca-bundle", str(test_ca.cert_path), "--json", capsys=capsys)
    assert code == EXIT_OK, err
    assert tls_registry.content["test/app:oci"].digest in out
    assert cli(ref, "--insecure-skip-tls-verify", capsys=capsys)[0] == EXIT_OK

    mref = f"{mtls_registry.host}/test/app:oci"
    code, _out, err = cli(mref, "--ca-bundle", str(test_ca.cert_path), capsys=capsys)
    assert code == EXIT_ERROR
    assert "hint: --client-cert FILE --client-key FILE" in err
    with_cert = ("--client-cert", str(client_pair.cert), "--client-key", str(client_pair.key))
    code, _out, err = cli(mref, "--ca-bundle", str(test_ca.cert_path), *with_cert, capsys=capsys)
    assert code == EXIT_NOT_FOUND, err  # through TLS to the (empty) registry
    assert cli(mref, "--client-key", str(client_pair.key), capsys=capsys)[0] == 2
