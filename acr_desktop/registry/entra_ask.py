"""Asking one Microsoft Entra ID source for a token (entra.py): in a sub-thread the operation
waits on, so a cancel or the deadline ends the wait at once; and its failure in one bounded,
redacted phrase (azure-identity's messages are long and may quote a CLI's output)."""

from __future__ import annotations

import contextvars
import subprocess
import threading
import time
from typing import Any

from acr_desktop.registry.errors import Cancelled, RegistryTimeout
from acr_desktop.registry.operation import check_cancelled, current_operation, remaining
from acr_desktop.registry.redaction import quotable

ENTRA_SCOPE = "https://containerregistry.azure.net/.default"
ENVIRONMENT = "environment (service principal)"
MANAGED = "managed identity"
POLL = 0.05  # seconds between looks at the cancel switch and the deadline


def ask(name: str, credential: Any, tenant: str | None) -> str:
    """`credential.get_token` in a sub-thread (with this thread's operation): the wait ends at a
    cancel or the deadline, the sub-thread is left to finish on its own."""
    options = {"tenant_id": tenant} if tenant and name not in (ENVIRONMENT, MANAGED) else {}
    done = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["token"] = credential.get_token(ENTRA_SCOPE, **options)
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), name="acr-desktop-entra", daemon=True).start()
    while not done.wait(POLL):
        check_cancelled()
        if remaining() == 0:
            raise RegistryTimeout(
                f"Microsoft Entra ID sign-in ({name}) did not finish within the time allowed "
                "for this operation.",
                host=name,
                reason="deadline",
            )
    if "error" in box:
        raise box["error"]
    value = getattr(box.get("token"), "token", None)
    if not isinstance(value, str) or not value:
        raise ValueError("answered without a token")
    return value


_KNOWN = (
    ("Azure CLI not found", "not installed (az was not found)"),
    ("'az login'", "not signed in (run az login)"),
    ("Azure Developer CLI could not be found", "not installed (azd was not found)"),
    ("'azd auth login'", "not signed in (run azd auth login)"),
    ("Failed to invoke the Azure", "did not answer in time"),
    ("Unexpected output from Azure", "answered with something that is not a token"),
    ("Failed to open a browser", "no browser could be opened"),
)


def why(exc: BaseException, secrets: tuple[str, ...]) -> str:
    """One bounded, redacted phrase for a source's failure (never its full text)."""
    text = str(exc)
    for marker, phrase in _KNOWN:
        if marker in text:
            return phrase
    first = text.strip().split("\n", 1)[0]
    for cut in (" To mitigate", " Visit https://", " For more information"):
        first = first.split(cut, 1)[0]
    said = quotable(first, secrets, limit=160)
    return said or f"failed ({type(exc).__name__})"


class _EndingSubprocess:
    """The `subprocess` module as azure-identity's CLI credentials see it (`use_in_cli_modules`):
    the same, but `check_output` ends the `az` / `azd` process as soon as the operation that asked
    is cancelled or over. Left to itself, the credential waits for its own timeout (20 s) after a
    cancel, and an app closed meanwhile leaves the process running on its own."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def check_output(args: Any, *, timeout: float | None = None, **kwargs: Any) -> Any:
        op = current_operation()  # the asking thread's (the sub-thread runs in its context)
        limit = None if timeout is None else time.monotonic() + timeout
        with subprocess.Popen(args, stdout=subprocess.PIPE, **kwargs) as proc:
            while True:
                try:
                    out, err = proc.communicate(timeout=POLL)
                    break
                except subprocess.TimeoutExpired:
                    over = op is not None and op.over
                    if over or (limit is not None and time.monotonic() > limit):
                        proc.kill()
                        proc.communicate()
                        if over:
                            raise Cancelled() from None
                        raise subprocess.TimeoutExpired(args, timeout or 0) from None
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, args, out, err)
        return out


def use_in_cli_modules() -> None:
    """azure-identity's Azure CLI / Azure Developer CLI credentials run their process through
    `_EndingSubprocess` (their modules' `subprocess`; left alone where a version has none)."""
    import importlib

    for name in ("azure_cli", "azd_cli"):
        try:
            module = importlib.import_module(f"azure.identity._credentials.{name}")
        except ImportError:
            continue
        if getattr(module, "subprocess", None) is subprocess:
            vars(module)["subprocess"] = _EndingSubprocess()
