"""`acr-desktop --self-test` from a checkout: every check passes, and a failing one says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from acr_desktop import logs, resources, selftest


@pytest.fixture(autouse=True)
def _log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))


def test_every_check_passes_in_a_checkout(qapp: QApplication, tmp_path: Path) -> None:
    out = io.StringIO()
    assert selftest.run_self_test(out) == 0
    lines = out.getvalue().splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [
        ["ok", name] for name, _ in selftest.CHECKS
    ]
    assert lines[-1] == f"self-test passed ({len(selftest.CHECKS)} checks)"
    text = out.getvalue()
    assert f"checkout: {Path(resources.__file__).parent.parent / 'resources'}" in text
    assert "SecretService" in text and "platform offscreen" in text
    assert str(tmp_path / "logs") in text


def test_a_failing_check_fails_the_self_test(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "nowhere" / "acr_desktop")
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    text = out.getvalue()
    assert "FAIL resources FileNotFoundError: ACR Desktop's resources are missing" in text
    assert "FAIL qt" in text, "the icon cannot load either"
    assert "ok   registry" in text
    assert text.splitlines()[-1] == "self-test FAILED: resources, qt"


def test_the_azure_check_names_the_extra_or_says_how_to_add_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acr_desktop.registry import entra

    assert selftest.check_azure().startswith("azure-identity ")  # the test setup installs it
    monkeypatch.setattr(entra, "azure_identity_available", lambda: False)
    assert selftest.check_azure() == (
        "not installed: Microsoft Entra ID sign-in needs pip install 'acr-desktop[azure]'"
    )
