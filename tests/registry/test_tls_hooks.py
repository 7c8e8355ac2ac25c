"""What `registry/tls.py` relies on in requests and urllib3, pinned: the two adapter hooks requests
documents for subclasses, and the text of urllib3's InsecureRequestWarning (urllib3 has no public
per-connection switch for it). If an upgrade changes one of these, a test here fails first."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import warnings
from unittest import mock

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPSConnectionPool
from urllib3.exceptions import InsecureRequestWarning

from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.connection import ConnectionSettings
from acr_desktop.registry.tls import INSECURE_WARNING, SystemTrustAdapter
from acr_desktop.registry.transport import Transport
from tests.rig.tls import TLSRegistry

pytestmark = pytest.mark.registry


def test_requests_still_offers_the_hooks_the_adapter_overrides() -> None:
    build = inspect.signature(HTTPAdapter.build_connection_pool_key_attributes)
    assert list(build.parameters) == ["self", "request", "verify", "cert"]
    check = inspect.signature(HTTPAdapter.cert_verify)
    assert list(check.parameters) == ["self", "conn", "url", "verify", "cert"]


def test_requests_calls_both_hooks_for_an_https_request(tls_registry: TLSRegistry) -> None:
    adapter = SystemTrustAdapter()
    session = requests.Session()
    session.mount("https://", adapter)
    with (
        mock.patch.object(
            adapter,
            "build_connection_pool_key_attributes",
            wraps=adapter.build_connection_pool_key_attributes,
        ) as build,
        mock.patch.object(adapter, "cert_verify", wraps=adapter.cert_verify) as check,
    ):
        resp = session.get(f"{tls_registry.url}/v2/", verify=False, timeout=5)
    assert resp.status_code in (200, 401)
    assert build.call_count == 1 and check.call_count == 1
    # The pool connects with our context (the hook's answer), not requests' certifi one.
    pool = adapter.get_connection_with_tls_context(resp.request, False)
    assert isinstance(pool, HTTPSConnectionPool)
    assert pool.conn_kw["ssl_context"] is adapter.context_for(False, None)


def test_urllib3_warning_text_is_the_one_the_filter_matches(tls_registry: TLSRegistry) -> None:
    host = tls_registry.host.rsplit(":", 1)[0]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", InsecureRequestWarning)
        requests.get(f"{tls_registry.url}/v2/", verify=False, timeout=5)  # noqa: S501
    texts = [str(w.message) for w in seen if issubclass(w.category, InsecureRequestWarning)]
    assert texts, "urllib3 no longer warns about unverified HTTPS"
    assert all(re.match(re.escape(INSECURE_WARNING.format(host=host)), t) for t in texts)


def test_skipping_verification_is_silent_for_that_registry_only(tls_registry: TLSRegistry) -> None:
    transport = Transport(timeout=(2.0, 10.0))
    transport.set_connection_settings(tls_registry.host, ConnectionSettings(verify_tls=False))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", InsecureRequestWarning)
        RegistryClient(transport).sign_in(tls_registry.host)
        quiet = list(seen)
        # Another host name for the same server is not covered by that registry's switch.
        other = tls_registry.url.replace("127.0.0.1", "localhost")
        requests.get(f"{other}/v2/", verify=False, timeout=5)  # noqa: S501
    assert not [w for w in quiet if issubclass(w.category, InsecureRequestWarning)]
    assert [w for w in seen if issubclass(w.category, InsecureRequestWarning)]


def test_truststore_is_imported_only_when_https_is_first_used() -> None:
    code = (
        "import sys, acr_desktop.cli, acr_desktop.registry.client;"
        "assert 'truststore' not in sys.modules, 'imported at start-up';"
        "from acr_desktop.registry.tls import SystemTrustAdapter;"
        "SystemTrustAdapter().context_for(True, None);"
        "assert 'truststore' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
