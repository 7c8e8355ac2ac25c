"""Microsoft Entra ID sign-in as a person does it, on a real X desktop (Xvfb + openbox, the app in
its own process, driven by xdotool from the keyboard): only a fake Azure CLI login on PATH (no
keyring, no Docker config), a reference typed into the bar, Enter; the registry's 401 opens the
sign-in dialog; Microsoft Entra ID is chosen in the kind box; the panel finds the Azure CLI
sign-in; Enter; the image shows. Without an Azure CLI login the panel says what was tried, OK
stays disabled, Esc closes the dialog and the window still answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.rig import Registry, TokenServer
from tests.rig.desktop import App, Desktop
from tests.rig.entra import EntraAuthority, install_fake_az

pytestmark = pytest.mark.registry
SHOTS = Path("/tmp/team/shots")  # looked at by people; not part of the repository
IMAGE = "test/app:oci"  # already in the token registry (never pushed to here)
DIALOG = "Sign in to a registry"


@pytest.fixture
def only_azure_cli(fake_az: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app process inherits this environment (Desktop.env): the fake `az` first on PATH, an
    empty Docker config, no Azure service principal, its log in `tmp_path/logs`."""
    (tmp_path / "docker").mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("ACR_DESKTOP_LOG_DIR", str(tmp_path / "logs"))
    for name in ("REGISTRY_AUTH_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
                 "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT",
                 "MSI_ENDPOINT"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return fake_az


@pytest.fixture(params=[1.0, 1.5], ids=["100", "150"])
def scaled(app: App, request: pytest.FixtureRequest) -> App:
    """The app at 100 % and at 150 % (QT_SCALE_FACTOR)."""
    app.scale = request.param
    return app


def _shot(screen: Desktop, name: str, tmp_path: Path) -> Path:
    where = SHOTS if SHOTS.is_dir() else tmp_path
    shot = screen.screenshot(where / name)
    assert shot.stat().st_size > 10_000
    return shot


def _wait(what: str, check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def _open_refused(app: App, ref: str) -> Desktop:
    """Type `ref` into the reference bar, Enter: the registry refuses, the dialog opens."""
    screen = app.desktop
    app.start()
    screen.key("ctrl+l")
    screen.type(ref)
    screen.key("Return")
    screen.wait_shown(DIALOG)
    return screen


def _choose_entra(screen: Desktop) -> None:
    """127.0.0.1 is no ACR host: Entra ID is not the default. Alt+W, the kind box; Home, the
    first kind: Microsoft Entra ID."""
    screen.key("alt+w", "Home")


def _account(app: App) -> str:
    """The status bar's account text, whole: the one click of these tests (the label takes
    focus by click only), then Ctrl+C, its copy shortcut."""
    screen = app.desktop
    info = screen.run("xwininfo", "-id", app.window)  # xdotool's Y counts the title bar twice
    at = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in info.splitlines())}
    x = int(at["Absolute upper-left X"]) + int(at["Width"]) - 60  # the account's right end
    y = int(at["Absolute upper-left Y"]) + int(at["Height"]) - 10  # in the status bar
    screen.run("xdotool", "mousemove", str(x), str(y), "click", "1")
    screen.key("ctrl+c")
    _wait("the account on the clipboard", lambda: bool(screen.clipboard()))
    return screen.clipboard()


def _az_asked(bin_dir: Path) -> bool:
    log = bin_dir / "calls.log"
    return log.exists() and "account get-access-token" in log.read_text()


def test_an_azure_cli_login_opens_an_image_from_the_keyboard(
    scaled: App,
    token_registry: Registry,
    token_server: TokenServer,
    only_azure_cli: Path,
    tmp_path: Path,
) -> None:
    app, ref = scaled, f"{token_registry.host}/{IMAGE}"
    percent = int(app.scale * 100)
    screen = _open_refused(app, ref)
    _shot(screen, f"D-entra-{percent}-1-dialog.png", tmp_path)
    _choose_entra(screen)
    _wait("the Azure CLI to be asked", lambda: _az_asked(only_azure_cli))
    time.sleep(1.0)  # its answer shown in the panel
    _shot(screen, f"D-entra-{percent}-2-found.png", tmp_path)
    screen.key("Return")  # OK
    screen.wait_shown(DIALOG, shown=False)
    app.wait_title(ref)  # the image is on show
    time.sleep(0.5)  # painted
    _shot(screen, f"D-entra-{percent}-3-image.png", tmp_path)
    exchanged = [r for r in token_server.requests if r.path == "/oauth2/exchange"]
    assert len(exchanged) == 1
    log = (tmp_path / "logs" / "acr-desktop.log").read_text()
    assert "Microsoft Entra ID token from Azure CLI" in log
    assert "eyJ" not in log  # no token in the log
    x, y, width, height = app.geometry()  # the status bar on the screen, at 150 % too
    assert x >= 0 and y >= 0 and x + width <= screen.width and y + height <= screen.height, (
        x,
        y,
        width,
        height,
    )
    assert _account(app) == (
        f"Microsoft Entra ID (entra-user via Azure CLI) on {token_registry.host}, "
        "for this session only"
    )
    screen.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()


def test_without_an_azure_cli_login_ok_stays_disabled_and_escape_closes(
    scaled: App,
    token_registry: Registry,
    entra_authority: EntraAuthority,
    only_azure_cli: Path,
    tmp_path: Path,
) -> None:
    install_fake_az(only_azure_cli, entra_authority, mode="not_logged_in")
    app, ref = scaled, f"{token_registry.host}/{IMAGE}"
    percent = int(app.scale * 100)
    screen = _open_refused(app, ref)
    _choose_entra(screen)
    _wait("the Azure CLI to be asked", lambda: _az_asked(only_azure_cli))
    time.sleep(1.5)  # every source asked, the answer shown
    _shot(screen, f"D-entra-{percent}-4-not-signed-in.png", tmp_path)
    screen.key("Return")  # OK is disabled: nothing happens
    time.sleep(0.5)
    assert screen.shown(DIALOG)
    screen.key("Escape")
    screen.wait_shown(DIALOG, shown=False)
    _shot(screen, f"D-entra-{percent}-5-escaped.png", tmp_path)
    screen.key("F1")  # the window still answers the keyboard
    screen.wait_shown("Keyboard shortcuts")
    screen.key("Escape")
    screen.wait_shown("Keyboard shortcuts", shown=False)
    assert "ACR Desktop" in app.title()
    screen.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()
