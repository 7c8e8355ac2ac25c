"""What the window shows before the first inspect: how to start, and public examples to click."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from acr_desktop.ui.theme import on_scheme_change

EXAMPLES = (
    "mcr.microsoft.com/dotnet/runtime:8.0",
    "mcr.microsoft.com/azure-cli:latest",
    "docker.io/library/alpine:latest",
    "ghcr.io/oras-project/oras:v1.2.0",
)
EMPTY_TEXT = (
    "<h2>Look inside a container image</h2>"
    "<p>Paste a reference such as <code>myreg.azurecr.io/team/app:1.4</code> "
    "(or a whole <code>docker pull …</code> line) above and press Enter.</p>"
    "<p>Public examples that need no sign-in:</p><p>{links}</p>"
)


def empty_state() -> QLabel:
    """The label; its `linkActivated(str)` gives the example clicked. Its links take the
    palette's link colour, light or dark."""
    text = EMPTY_TEXT.format(links="<br>".join(f"<a href='{e}'>{e}</a>" for e in EXAMPLES))
    label = QLabel(text)
    label.setObjectName("emptyState")

    def redraw() -> None:  # links are coloured when the text is set
        label.clear()
        label.setText(text)

    on_scheme_change(label, redraw)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label
