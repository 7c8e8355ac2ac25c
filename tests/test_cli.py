"""The headless `acr-desktop inspect`, run as users run it: a process against the token registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.rig import ALICE_PASSWORD, ALICE_USER, PULLER_PASSWORD, PULLER_USER, Registry

EXE = [sys.executable, "-m", "acr_desktop"]


def inspect(*args: str, secret: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        [*EXE, "inspect", *args],
        input=(secret + "\n").encode() if secret is not None else None,
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert b"SECRET" not in result.stdout + result.stderr  # no secret is ever printed
    return result


def alice(registry: Registry, ref: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return inspect(
        f"{registry.host}/{ref}",
        "--username",
        ALICE_USER,
        "--password-stdin",
        *args,
        secret=ALICE_PASSWORD,
    )


def test_version() -> None:
    out = subprocess.run([*EXE, "--version"], capture_output=True, check=True, timeout=60)
    assert out.stdout.decode().startswith("acr-desktop 0.")


def test_index_as_json(token_registry: Registry) -> None:
    result = alice(token_registry, "test/app:index", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    expected = token_registry.content["test/app:index"]
    assert summary["digest"] == expected.digest
    assert summary["verified"] is True
    assert summary["kind"] == "index"
    assert summary["media_type_name"] == "OCI image index"
    assert [p["platform"] for p in summary["platforms"]] == ["linux/amd64", "linux/arm64/v8"]
    assert summary["attestations"][0]["for"] == summary["platforms"][0]["digest"]
    assert summary["pinned"] == f"{token_registry.host}/test/app@{expected.digest}"


def test_platform_selection_shows_layers(token_registry: Registry) -> None:
    result = alice(token_registry, "test/app:index", "--platform", "linux/arm64", "--json")
    assert result.returncode == 0, result.stderr
    selected = json.loads(result.stdout)["selected"]
    child = next(
        m
        for m in token_registry.content["test/app:index"].children
        if m.digest == selected["digest"]
    )
    assert selected["kind"] == "image"
    assert [(layer["digest"], layer["size"]) for layer in selected["layers"]] == [
        (b.digest, b.size) for b in child.layers
    ]


def test_image_text_output_lists_layers_and_total(token_registry: Registry) -> None:
    result = alice(token_registry, "test/app:oci")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    content = token_registry.content["test/app:oci"]
    assert content.digest in text
    assert "verified (Docker-Content-Digest)" in text
    for layer in content.layers:
        assert layer.digest in text
    assert f"{sum(b.size for b in content.layers):,} bytes" in text
    count = len(content.layers)
    assert f"Total:      {count} {'layer' if count == 1 else 'layers'}, " in text


def test_raw_is_exactly_the_bytes(token_registry: Registry) -> None:
    result = alice(token_registry, "test/app:docker", "--raw")
    assert result.returncode == 0
    assert result.stdout == token_registry.content["test/app:docker"].data


def test_exit_codes(token_registry: Registry) -> None:
    assert alice(token_registry, "test/app:missing").returncode == 3
    denied = inspect(
        f"{token_registry.host}/public/hello",
        "--username",
        PULLER_USER,
        "--password-stdin",
        secret=PULLER_PASSWORD,
    )
    assert denied.returncode == 4
    assert b"needs pull on public/hello" in denied.stderr
    wrong = inspect(
        f"{token_registry.host}/test/app:oci", "-u", ALICE_USER, "--password-stdin", secret="x"
    )
    assert wrong.returncode == 4
    assert inspect("Not A Reference").returncode == 2
    assert inspect(f"{token_registry.host}/test/app:oci", "--username", "u").returncode == 2
    assert inspect("127.0.0.1:9/a/b:c", "--timeout", "1").returncode == 1


def test_inspect_does_not_import_qt(token_registry: Registry) -> None:
    code = (
        "import sys, io\n"
        "from acr_desktop.cli import inspect_main\n"
        f"rc = inspect_main(['{token_registry.host}/public/hello', '--json'], out=io.StringIO())\n"
        "assert rc == 0, rc\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_registry_core_never_imports_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, acr_desktop.registry as r\n"
        "for m in pkgutil.walk_packages(r.__path__, 'acr_desktop.registry.'):\n"
        "    importlib.import_module(m.name)\n"
        "import acr_desktop.cli, acr_desktop.report, acr_desktop.text\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_self_test(tmp_path: Path) -> None:
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "ACR_DESKTOP_LOG_DIR": str(tmp_path)}
    out = subprocess.run(
        [*EXE, "--self-test"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("self-test passed")
