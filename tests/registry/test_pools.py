"""What `registry/pools.py` and the operation watchdog rely on in urllib3, pinned: pools take their
connection class from `ConnectionCls`, pool managers their pool class from
`pool_classes_by_scheme`. Also: the watchdog ends what an operation registered, and only that."""

from __future__ import annotations

import inspect
import subprocess
import sys
import threading
import time

import pytest
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.poolmanager import PoolManager

from acr_desktop.registry import operation as op_module
from acr_desktop.registry.errors import Cancelled, RegistryTimeout
from acr_desktop.registry.operation import operation, register_process
from acr_desktop.registry.pools import (
    WatchedHTTPConnection,
    WatchedHTTPConnectionPool,
    WatchedHTTPSConnectionPool,
)
from acr_desktop.registry.problems import RequestContext
from acr_desktop.registry.transport import Transport
from tests.rig.fake_server import FakeServer


def test_urllib3_still_builds_pools_and_connections_from_the_attributes() -> None:
    assert "pool_classes_by_scheme" in inspect.getsource(PoolManager._new_pool)
    assert "self.ConnectionCls(" in inspect.getsource(HTTPConnectionPool._new_conn)


def test_the_transport_uses_watched_pools_for_both_schemes(fake_server: FakeServer) -> None:
    transport = Transport()
    fake_server.reply("GET", r"/v2/", 200, {}, b"{}")
    transport.request("GET", RequestContext(fake_server.host, "ping"), "/v2/")
    http = transport.session.get_adapter("http://x/")
    https = transport.session.get_adapter("https://x/")
    pool = http.poolmanager.connection_from_url(fake_server.url)  # type: ignore[attr-defined]
    assert isinstance(pool, WatchedHTTPConnectionPool)
    assert pool.ConnectionCls is WatchedHTTPConnection
    secure = https.poolmanager.connection_from_url("https://127.0.0.1:1/")  # type: ignore[attr-defined]
    assert isinstance(secure, WatchedHTTPSConnectionPool)


def test_a_hanging_server_is_cut_off_at_the_deadline(fake_server: FakeServer) -> None:
    fake_server.hang("GET", r"/v2/")
    transport = Transport(timeout=(5.0, 30.0))
    start = time.monotonic()
    with operation(timeout=0.5), pytest.raises(RegistryTimeout) as caught:
        transport.request("GET", RequestContext(fake_server.host, "ping"), "/v2/")
    assert time.monotonic() - start < 1.5
    assert "within 0.5 s" in caught.value.sentence


def test_a_cancel_cuts_off_a_hanging_server(fake_server: FakeServer) -> None:
    fake_server.hang("GET", r"/v2/")
    transport = Transport(timeout=(5.0, 30.0))
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    with operation(cancel), pytest.raises(Cancelled):
        transport.request("GET", RequestContext(fake_server.host, "ping"), "/v2/")
    assert time.monotonic() - start < 1.0


def test_a_registered_process_is_killed_with_its_operation() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with operation(timeout=0.3):
            register_process(child)
            assert child.wait(5) != 0
    finally:
        child.kill()
        child.wait()


def test_what_an_operation_registered_is_forgotten_when_it_ends() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    with operation(timeout=0.2):
        register_process(child)
    time.sleep(0.4)  # past the deadline of an operation that is over
    assert child.poll() is None  # not killed: the operation had ended
    assert not op_module._watchdog._entries
    child.wait()
