"""A blob's body read as it arrives, over the same hand-followed redirects as `sending.send`:
never all in memory, never decoded (blobs are hashed as sent), ended by the operation's cancel or
deadline under a blocked read, and cut off when a server drips it slower than a minimum rate."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests
import urllib3.exceptions

from acr_desktop.registry.errors import InvalidResponse, RegistryTimeout
from acr_desktop.registry.operation import check_cancelled, remaining
from acr_desktop.registry.sending import (
    Connection,
    Response,
    deadline_error,
    declared_length,
    follow,
    host_of,
    raise_if_over,
    read_failure,
)

log = logging.getLogger(__name__)

ERROR_BODY_BYTES = 64 * 1024  # of a failed answer to a streamed request: enough to say what failed
_READ_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class MinimumRate:
    """A streamed body must bring at least `size` bytes in every `seconds`: a server that drips
    (never silent for as long as the read timeout) is cut off within about `seconds` plus the
    read timeout."""

    size: int = 16 * 1024
    seconds: float = 30.0

    def describe(self) -> str:
        return f"at least {self.size:,} bytes every {self.seconds:g} s"


def open_body(
    conn: Connection,
    url: str,
    headers: dict[str, str],
    auth_origin: str | None,
    min_rate: MinimumRate,
) -> Response | BodyStream:
    """GET `url`, following redirects as `sending.send` does (Authorization only to
    `auth_origin`). A 2xx answer comes back with its body unread, as a `BodyStream`; any other
    answer as a `Response` holding the first ERROR_BODY_BYTES of its body."""
    headers = {**headers, "Accept-Encoding": "identity"}
    resp, url = follow(conn, "GET", url, headers, auth_origin, None)
    if 200 <= resp.status_code < 300:
        return BodyStream(resp, url, min_rate)
    try:
        body = resp.raw.read(ERROR_BODY_BYTES, decode_content=True) or b""
    except (*_READ_ERRORS, ValueError):  # the status says enough
        raise_if_over(host_of(url))
        body = b""
    finally:
        resp.close()
    log.debug("GET %s -> %s", host_of(url), resp.status_code)
    return Response(resp.status_code, resp.headers, body, url)


class BodyStream:
    """A 2xx answer's body, read as it arrives. The operation's cancel and deadline end a
    blocked read (the socket is watched: pools.py); a body slower than `min_rate` ends in
    RegistryTimeout; a body shorter than its Content-Length in InvalidResponse. Close it (or use
    `with`): closing drops the connection, so an unread rest is never downloaded."""

    def __init__(self, resp: requests.Response, url: str, min_rate: MinimumRate) -> None:
        self.status = resp.status_code
        self.headers = resp.headers
        self.url = url
        self.host = host_of(url)
        self.length = declared_length(resp.headers.get("Content-Length"))
        self.received = 0
        self._resp = resp
        self._rate = min_rate
        self._window_start = time.monotonic()
        self._window_bytes = 0
        encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            resp.close()
            raise InvalidResponse(
                f"{self.host} sent the content encoded ({encoding[:40]}) although it was asked "
                "for the plain bytes; they cannot be checked against their digest."
            )

    def read(self, n: int) -> bytes:
        """Up to `n` bytes as they arrive (at least one, unless the body has ended: b"")."""
        check_cancelled()
        if remaining() == 0:
            raise deadline_error(self.host)
        try:
            data: bytes = self._resp.raw.read1(n, decode_content=False) or b""
        except (*_READ_ERRORS, ValueError) as exc:
            raise read_failure(self.url, exc) from None
        if not data:
            raise_if_over(self.host)  # the watchdog shut the socket: this EOF is not the end
            if self.length is not None and self.received < self.length:
                raise InvalidResponse(
                    f"{self.host} sent {self.received:,} bytes of an answer it said was "
                    f"{self.length:,} bytes long."
                )
        self.received += len(data)
        self._check_rate(len(data))
        return data

    def _check_rate(self, size: int) -> None:
        self._window_bytes += size
        now = time.monotonic()
        elapsed = now - self._window_start
        if elapsed < self._rate.seconds:
            return
        if self._window_bytes < self._rate.size:
            raise RegistryTimeout(
                f"{self.host} sent too slowly: {self._window_bytes:,} bytes in {elapsed:.0f} s, "
                f"where {self._rate.describe()} are needed to keep going.",
                host=self.host,
                reason="too slow",
            )
        self._window_start, self._window_bytes = now, 0

    def close(self) -> None:
        self._resp.close()

    def __enter__(self) -> BodyStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
