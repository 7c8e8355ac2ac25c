"""A real X desktop for the window: Xvfb with the openbox window manager, and the app driven
by xdotool as a person would drive it (keys, window titles, the clipboard through xclip)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "openbox", "xdotool", "xclip")


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


@dataclass
class Desktop:
    """An X display of `width`×`height` with a window manager; `stop()` ends both."""

    workdir: Path
    width: int = 1400
    height: int = 900
    display: str = ""
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> Desktop:
        missing = [t for t in TOOLS if shutil.which(t) is None]
        if missing:
            raise RuntimeError(f"missing desktop tools: {', '.join(missing)} (scripts/setup.sh)")
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0",
             f"{self.width}x{self.height}x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(write)
        self._processes.append(xvfb)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        wm = subprocess.Popen(
            ["openbox", "--sm-disable"], env=self.env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._processes.append(wm)
        time.sleep(0.3)  # openbox takes over the root window
        return self

    def env(self, **extra: str) -> dict[str, str]:
        home = str(self.workdir / "home")
        Path(home).mkdir(exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
        return base | {"DISPLAY": self.display, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
                       "XDG_DATA_HOME": f"{home}/.local/share",
                       "XDG_RUNTIME_DIR": str(self.workdir)} | extra  # fmt: skip

    def run(self, *args: str) -> str:
        done = subprocess.run(
            list(args), env=self.env(), capture_output=True, text=True, timeout=20, check=False
        )
        return done.stdout.strip()

    def key(self, *keys: str) -> None:
        for key in keys:
            self.run("xdotool", "key", "--clearmodifiers", key)
            time.sleep(0.15)

    def keys(self, *keys: str) -> None:
        """Several keys in one go (Tab, arrows: keys that open nothing that must be waited for)."""
        self.run("xdotool", "key", "--clearmodifiers", "--delay", "40", *keys)
        time.sleep(0.15)

    def type(self, text: str) -> None:
        self.run("xdotool", "type", "--delay", "5", text)

    def clipboard(self) -> str:
        return self.run("xclip", "-o", "-selection", "clipboard")

    def wait_clipboard(self, expected: str, timeout: float = 10) -> None:
        _wait(f"{expected!r} on the clipboard", lambda: self.clipboard() == expected, timeout)

    def shown(self, title: str) -> bool:
        """A window whose title holds `title` is on show."""
        return bool(self.run("xdotool", "search", "--onlyvisible", "--name", title))

    def wait_shown(self, title: str, shown: bool = True, timeout: float = 10) -> None:
        what = f"a window {title!r} to be {'shown' if shown else 'gone'}"
        _wait(what, lambda: self.shown(title) == shown, timeout)

    def screenshot(self, path: Path) -> Path:
        """The whole screen as a PNG, grabbed by Qt in a process of its own on this display."""
        grab = (
            "import sys; from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]); "
            "sys.exit(not app.primaryScreen().grabWindow(0).save(sys.argv[1]))"
        )
        env = self.env(QT_QPA_PLATFORM="xcb")
        subprocess.run([sys.executable, "-c", grab, str(path)], env=env, timeout=30, check=True)
        return path

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()


@dataclass
class App:
    """The app in its own process on `desktop`, with an empty profile."""

    desktop: Desktop
    scale: float = 1.0
    process: subprocess.Popen[bytes] | None = None
    window: str = ""

    def start(self, *args: str) -> App:
        env = self.desktop.env(QT_QPA_PLATFORM="xcb", QT_SCALE_FACTOR=str(self.scale))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "acr_desktop", *args], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        pid = str(self.process.pid)
        _wait(
            "the window",
            lambda: bool(
                self.desktop.run("xdotool", "search", "--onlyvisible", "--pid", pid, "--name", ".")
            ),
            20,
        )
        self.window = self.desktop.run(
            "xdotool", "search", "--onlyvisible", "--pid", pid, "--name", "."
        ).split()[0]
        self.desktop.run("xdotool", "windowactivate", "--sync", self.window)
        return self

    def title(self) -> str:
        return self.desktop.run("xdotool", "getwindowname", self.window)

    def wait_title(self, part: str, timeout: float = 20) -> None:
        _wait(
            f"a title with {part!r} (now {self.title()!r})", lambda: part in self.title(), timeout
        )

    def geometry(self) -> tuple[int, int, int, int]:
        """x, y, width, height of the window's frame as the window manager placed it."""
        out = self.desktop.run("xwininfo", "-id", self.window, "-frame")
        values = {}
        for line in out.splitlines():
            name, _, value = line.strip().partition(":")
            values[name] = value.strip()
        return (int(values["Absolute upper-left X"]), int(values["Absolute upper-left Y"]),
                int(values["Width"]), int(values["Height"]))  # fmt: skip

    def ended(self, timeout: float) -> int | None:
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> str:
        """End the app if it still runs; what it wrote to stderr."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
        _out, err = self.process.communicate(timeout=10)
        return err.decode(errors="replace")
