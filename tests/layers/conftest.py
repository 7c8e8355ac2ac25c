"""The files-inside-layers tests push to their own token registry (see `layers_registry`)."""

from __future__ import annotations

import pytest

from tests.rig import Registry


@pytest.fixture(scope="session")
def token_registry(layers_registry: Registry) -> Registry:
    return layers_registry
