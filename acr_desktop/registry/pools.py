"""HTTP connections that the current operation can interrupt: each connection registers its
socket with `operation.register_socket_owner` when it connects or sends a request, so a cancel or
a deadline shuts the socket down and a read blocked on a slow server returns at once.

urllib3 picks the connection class from the pool's `ConnectionCls` and the pool class from the
pool manager's `pool_classes_by_scheme`. Both are documented attributes of urllib3 2.x but not a
promised extension point: tests/registry/test_pools.py fails if urllib3 stops using them.
"""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from acr_desktop.registry.operation import register_socket_owner


# The socket itself is registered, not the connection: http.client drops `conn.sock` as soon as
# an answer says the connection will close (Content-Length with `Connection: close`, or a body
# read to EOF), while the answer goes on reading from that socket.
class WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        register_socket_owner(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a pooled connection, now serving this operation
            register_socket_owner(self.sock)
        super().request(*args, **kwargs)


class WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        register_socket_owner(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:
            register_socket_owner(self.sock)
        super().request(*args, **kwargs)


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}


def watch_pools(manager: PoolManager) -> PoolManager:
    """Make `manager` build pools of watched connections (also a proxy manager's)."""
    manager.pool_classes_by_scheme = dict(POOL_CLASSES)
    return manager


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections the current operation can interrupt."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        return watch_pools(manager)
