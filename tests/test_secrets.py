"""No password or token in any log record or error text produced by the whole suite's auth flows."""

from __future__ import annotations

import base64

import pytest

from tests import secret_guard
from tests.rig import (
    ALICE_PASSWORD,
    ALICE_USER,
    BASIC_PASSWORD,
    BASIC_USER,
    PULLER_PASSWORD,
    PULLER_USER,
    REFRESH_TOKEN,
    REFRESH_USER,
)

SECRETS = [ALICE_PASSWORD, PULLER_PASSWORD, REFRESH_TOKEN, BASIC_PASSWORD]
# Every test secret contains "SECRET"; minted tokens are JWTs ("eyJ…"); Basic headers are base64.
MARKERS = [
    "SECRET",
    "eyJ",
    *(
        base64.b64encode(f"{u}:{p}".encode()).decode()
        for u, p in [
            (ALICE_USER, ALICE_PASSWORD),
            (PULLER_USER, PULLER_PASSWORD),
            (BASIC_USER, BASIC_PASSWORD),
            (REFRESH_USER, REFRESH_TOKEN),
        ]
    ),
]


def test_no_secret_in_logs_or_errors(request: pytest.FixtureRequest) -> None:
    ran = [
        i for i in request.session.items if i.nodeid.startswith("tests/registry/test_registry_e2e")
    ]
    if not ran:
        pytest.skip("run with the auth-flow tests (tests/registry/test_registry_e2e.py)")
    texts = secret_guard.LOG_TEXTS + secret_guard.ERROR_TEXTS
    assert len(secret_guard.ERROR_TEXTS) >= 10, "the scan saw too few errors to mean anything"
    assert any("oauth2/token" in t for t in secret_guard.LOG_TEXTS), (
        "token requests were not logged"
    )
    assert all(s.endswith("SECRET") or "SECRET" in s for s in SECRETS)
    leaks = [t for t in texts for m in MARKERS if m in t]
    assert not leaks, "secrets leaked:\n" + "\n".join(t[:200] for t in leaks[:10])
