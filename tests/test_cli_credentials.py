"""`acr-desktop inspect` credentials, first found wins: flags, then the keyring for `--username`
alone, then the Docker / Podman config, then anonymous."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from acr_desktop.cli import EXIT_AUTH, EXIT_OK, EXIT_USAGE, inspect_main
from acr_desktop.credentials import service_name
from tests.registry.conftest import DockerEnv
from tests.rig import ALICE_PASSWORD, ALICE_USER, REFRESH_TOKEN, REFRESH_USER, Registry
from tests.secret_service import MemoryKeyring, installed_keyring


@pytest.fixture
def docker_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DockerEnv:
    return DockerEnv(tmp_path, monkeypatch)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with installed_keyring(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


def auth(user: str, secret: str) -> str:
    return base64.b64encode(f"{user}:{secret}".encode()).decode()


def identity_token_config(registry: Registry) -> dict[str, object]:
    entry = {"auth": auth(REFRESH_USER, ""), "identitytoken": REFRESH_TOKEN}
    return {"auths": {registry.host: entry}}


def run(
    *args: str, capsys: pytest.CaptureFixture[str], stdin: str | None = None
) -> tuple[int, str, str]:
    out = io.StringIO()
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = inspect_main([*args, "--timeout", "10"], out=out)
    finally:
        sys.stdin = sys.__stdin__
    err = capsys.readouterr().err
    assert "SECRET" not in out.getvalue() + err
    return code, out.getvalue(), err


def test_identity_token_from_docker_config_as_a_process(
    docker_env: DockerEnv, token_registry: Registry
) -> None:
    """As after `az acr login`: no flags, the refresh token in ~/.docker/config.json."""
    docker_env.write_config(identity_token_config(token_registry))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        [sys.executable, "-m", "acr_desktop", "inspect", f"{token_registry.host}/test/app:oci"],
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert token_registry.content["test/app:oci"].digest.encode() in result.stdout
    assert f"note: signed in with credentials from Docker config ({docker_env.config_path})" in (
        result.stderr.decode()
    )
    assert b"SECRET" not in result.stdout + result.stderr


def test_flags_win_over_docker_config(
    docker_env: DockerEnv, token_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    docker_env.write_config({"auths": {token_registry.host: {"auth": auth("alice", "x-SECRET")}}})
    ref = f"{token_registry.host}/test/app:oci"
    code, _out, err = run(
        ref, "-u", ALICE_USER, "--password-stdin", stdin=ALICE_PASSWORD + "\n", capsys=capsys
    )
    assert code == EXIT_OK, err
    assert "note:" not in err
    code, _out, err = run(ref, capsys=capsys)  # the config's wrong password, said so
    assert code == EXIT_AUTH
    assert "(found in Docker config (" in err


def test_username_alone_uses_the_keyring(
    docker_env: DockerEnv,
    token_registry: Registry,
    memory: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    memory.set_password(service_name(token_registry.host), ALICE_USER, ALICE_PASSWORD)
    ref = f"{token_registry.host}/test/app:oci"
    code, _out, err = run(ref, "--username", ALICE_USER, capsys=capsys)
    assert code == EXIT_OK, err
    code, _out, err = run(ref, "--username", "nobody", capsys=capsys)
    assert code == EXIT_USAGE
    assert f"no saved secret for nobody at {token_registry.host} in Test Keyring" in err


def test_username_alone_without_a_keyring(
    docker_env: DockerEnv, token_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    with installed_keyring(fail.Keyring()):
        code, _out, err = run(f"{token_registry.host}/test/app:oci", "-u", "u", capsys=capsys)
    assert code == EXIT_USAGE
    assert "(no keyring here); give it with --password-stdin" in err


def test_broken_helper_is_a_warning_and_anonymous_goes_on(
    docker_env: DockerEnv, token_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    docker_env.helper("garbage", "echo 'not json SECRET'\n")
    docker_env.write_config({"credsStore": "garbage"})
    code, out, err = run(f"{token_registry.host}/public/hello", "--json", capsys=capsys)
    assert code == EXIT_OK, err
    assert '"digest"' in out
    assert (
        "warning: The credential helper docker-credential-garbage answered with something "
        "that is not a credential (named in Docker config (" in err
    )


def test_helper_identity_token(
    docker_env: DockerEnv, token_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    docker_env.answering_helper("acr-env", token_registry.host, "<token>", REFRESH_TOKEN)
    docker_env.write_config({"credHelpers": {token_registry.host: "acr-env"}})
    code, _out, err = run(f"{token_registry.host}/test/app:oci", capsys=capsys)
    assert code == EXIT_OK, err
    assert "via docker-credential-acr-env" in err
