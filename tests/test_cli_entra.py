"""`acr-desktop inspect REF --entra` (an Azure CLI login, headless), `--entra-interactive`, the
Azure extra missing (exit 4 and how to add it), Entra as the credential chain's last link, and
no azure import (nor any token in the output) when Entra is not wanted."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from acr_desktop import cli_entra
from acr_desktop.cli import EXIT_AUTH, EXIT_OK, EXIT_USAGE, inspect_main
from acr_desktop.registry import entra
from acr_desktop.registry.docker_credentials import CredentialLookup
from acr_desktop.registry.entra import EXTRA_HINT
from tests.registry.conftest import DockerEnv
from tests.rig import Registry, TokenServer
from tests.rig.entra import ENTRA_USER, EntraAuthority, fake_az_calls, install_fake_az


@pytest.fixture
def docker_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DockerEnv:
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return DockerEnv(tmp_path, monkeypatch)


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = inspect_main([*args, "--timeout", "30"], out=out)
    err = capsys.readouterr().err
    assert "eyJ" not in out.getvalue() + err  # no Entra, refresh or access token, ever
    return code, out.getvalue(), err


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}


def test_entra_flag_inspects_headless_with_an_azure_cli_login(
    docker_env: DockerEnv,
    token_registry: Registry,
    token_server: TokenServer,
    fake_az: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = f"{token_registry.host}/test/app:oci"
    code, out, err = run(ref, "--entra", capsys=capsys)
    assert code == EXIT_OK, err
    assert token_registry.content["test/app:oci"].digest in out
    assert f"note: signed in with Microsoft Entra ID (Azure CLI, {ENTRA_USER})" in err
    assert [c[:3] for c in fake_az_calls(fake_az)] == [["az", "account", "get-access-token"]]
    assert [r.path for r in token_server.requests][:1] == ["/oauth2/exchange"]


def test_entra_as_a_process_says_which_source_signed_in(
    docker_env: DockerEnv, token_registry: Registry, fake_az: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "acr_desktop",
            "inspect",
            f"{token_registry.host}/test/app:oci",
            "--entra",
            "--json",
        ],
        capture_output=True,
        timeout=60,
        env=_env(),
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert b"note: signed in with Microsoft Entra ID (Azure CLI, entra-user)" in result.stderr
    assert b"eyJ" not in result.stdout + result.stderr


def test_entra_not_signed_in_exits_4_saying_what_was_tried(
    docker_env: DockerEnv,
    token_registry: Registry,
    fake_az: Path,
    entra_authority: EntraAuthority,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    code, _out, err = run(f"{token_registry.host}/test/app:oci", "--entra", capsys=capsys)
    assert code == EXIT_AUTH
    assert "Azure CLI: not signed in (run az login)" in err


def test_entra_without_the_azure_extra_exits_4_with_the_hint(
    docker_env: DockerEnv,
    token_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name.startswith("azure") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert not entra.azure_identity_available()
    code, _out, err = run(f"{token_registry.host}/test/app:oci", "--entra", capsys=capsys)
    assert code == EXIT_AUTH
    assert EXTRA_HINT in err


@pytest.mark.parametrize(
    "flags", [["--entra", "--entra-interactive"], ["--entra", "--username", "alice"]]
)
def test_entra_flags_that_do_not_go_together_are_a_usage_error(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run("example.azurecr.io/app:1", *flags, capsys=capsys)
    assert code == EXIT_USAGE and "--entra" in err


def test_entra_interactive_shows_the_device_code_on_stderr(
    docker_env: DockerEnv,
    token_registry: Registry,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from azure.core.credentials import AccessToken

    class DeviceFlow:
        def __init__(self, show: Any) -> None:
            self.show = show

        def get_token(self, *scopes: str, **options: Any) -> AccessToken:
            self.show("To sign in, open https://microsoft.com/devicelogin and enter ABCD-1234.")
            return AccessToken(entra_authority.mint(ENTRA_USER), 2**31)

    def sources(device_code: Any, tenant: str | None = None) -> list[tuple[str, Any]]:
        return [("device code", DeviceFlow(device_code))]

    monkeypatch.setattr(entra, "interactive_sources", sources)
    code, _out, err = run(
        f"{token_registry.host}/test/app:oci", "--entra-interactive", capsys=capsys
    )
    assert code == EXIT_OK, err
    assert "acr-desktop: To sign in, open https://microsoft.com/devicelogin" in err
    assert f"note: signed in to Azure as Microsoft Entra ID (device code, {ENTRA_USER})" in err


def test_the_chain_tries_entra_after_the_docker_config_for_acr_only(
    docker_env: DockerEnv, fake_az: Path, entra_authority: EntraAuthority
) -> None:
    nothing = CredentialLookup(None, ("a warning",))
    chain = cli_entra.chain(lambda _registry: nothing)
    found = chain("myreg.azurecr.io")
    assert found.found is not None and found.problems == ("a warning",)
    assert found.found.credentials.kind == "entra"
    assert found.found.source == f"Microsoft Entra ID (Azure CLI, {ENTRA_USER})"
    assert len(fake_az_calls(fake_az)) == 1
    assert chain("127.0.0.1:5000") is nothing  # not ACR: az is not even run
    assert chain("docker.io") is nothing
    assert len(fake_az_calls(fake_az)) == 1
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    assert chain("myreg.azurecr.io") is nothing  # no source has a token: not in the chain


def test_inspect_without_entra_never_imports_azure(
    docker_env: DockerEnv, token_registry: Registry
) -> None:
    script = (
        "import sys\n"
        "from acr_desktop.cli import inspect_main\n"
        f"code = inspect_main(['{token_registry.host}/public/hello', '--json'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msal'))\n"
        "print('AZURE', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=60,
        env=_env(),
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert b"AZURE []" in result.stderr
