"""Test rig: a real Distribution registry, an ACR-like token server, test content, a fake server."""

from .content import ACCEPT, Blob, Content, Manifest, push_all
from .fake_server import FakeRequest, FakeServer
from .registry import BASIC_PASSWORD, BASIC_USER, Registry
from .token_server import (
    ALICE_PASSWORD,
    ALICE_USER,
    ISSUER,
    PULLER_PASSWORD,
    PULLER_USER,
    REFRESH_TOKEN,
    REFRESH_USER,
    TokenRequest,
    TokenServer,
)

__all__ = [
    "ACCEPT",
    "ALICE_PASSWORD",
    "ALICE_USER",
    "BASIC_PASSWORD",
    "BASIC_USER",
    "ISSUER",
    "PULLER_PASSWORD",
    "PULLER_USER",
    "REFRESH_TOKEN",
    "REFRESH_USER",
    "Blob",
    "Content",
    "FakeRequest",
    "FakeServer",
    "Manifest",
    "Registry",
    "TokenRequest",
    "TokenServer",
    "push_all",
]
