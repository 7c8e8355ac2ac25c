"""A pytest plugin that records every log record (DEBUG and up, ours and urllib3's) and every
RegistryError raised during the whole run, for `test_secrets.py` to scan for the test secrets."""

from __future__ import annotations

import logging
import re

import pytest

from acr_desktop.registry.errors import RegistryError

LOG_TEXTS: list[str] = []
ERROR_TEXTS: list[str] = []
# Distribution's blob-upload cursor in the rig's push URLs (`?_state=<hmac><base64 JSON>`): the
# registry's own signed state, not a credential, whose base64 may contain the JWT marker "eyJ".
_UPLOAD_STATE = re.compile(r"_state=[^&\s\"]*")


class _Recorder(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        LOG_TEXTS.append(f"{record.name}: {_UPLOAD_STATE.sub('_state=<upload state>', text)}")


_original_init = RegistryError.__init__


def _recording_init(self: RegistryError, *args: object, **kwargs: object) -> None:
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]
    ERROR_TEXTS.append(f"{type(self).__name__}: {self!s} | {self!r} | {self.args!r}")


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(_Recorder(logging.DEBUG))
    for name in ("acr_desktop", "urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    RegistryError.__init__ = _recording_init  # type: ignore[method-assign]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scan runs last, after every auth flow of the session."""
    last = [i for i in items if i.nodeid.startswith("tests/test_secrets.py")]
    items[:] = [i for i in items if i not in last] + last
