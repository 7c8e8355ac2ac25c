"""Does the window show real published content truthfully (issue 12's WINDOW column)?

Loads ../shared/corpus into a temporary registry exactly as scripts/compare_corpus.py does, then
inspects every reference through one real MainWindow (offscreen, temporary settings, no keyring)
and records, per reference: shown or the error sentence; the summary's digest against skopeo's
and the CLI's; the Type line; the entries the window lists against the index's entries (with
"List them" on); the layers against the manifest's own JSON; and any exception the window raised.
Every entry of an index is chosen in turn (platforms, attestations, builder records, nested
indexes drilled into and left with Up); a missing entry must show flagged, never as an error.
One screenshot per kind goes to /tmp/team/H-<kind>.png. Prints a per-kind table.

Run from the repository: `.venv/bin/python scripts/window_corpus.py [CORPUS_DIR]`.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import keyring.backends.fail  # noqa: E402
from compare_corpus import (  # noqa: E402
    corpus_argument,
    kind_of,
    ours,
    skopeo_digest,
    with_corpus,
)
from PySide6.QtCore import QEventLoop, QSettings, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from window_corpus_checks import (  # noqa: E402
    Outcome,
    answer,
    listed_rows,
    raw_counts,
    truth_problems,
    type_line_total,
    word_slips,
)

from acr_desktop.credentials import CredentialStore  # noqa: E402
from acr_desktop.inspection import Inspection  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.errors import RegistryError  # noqa: E402
from acr_desktop.registry.manifest import Descriptor  # noqa: E402
from acr_desktop.ui.main_window import MainWindow  # noqa: E402
from acr_desktop.ui.messages import describe  # noqa: E402
from acr_desktop.ui.preferences import Preferences  # noqa: E402

SHOTS = "/tmp/team/H-"  # noqa: S108 - where the team looks at them
MAX_DEPTH = 3
RAISED: list[str] = []  # exceptions the window raised (sys.excepthook), and Qt warnings


def _hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
    RAISED.append("".join(traceback.format_exception(kind, exc, tb)).strip())


def _qt_message(_mode: Any, _context: Any, message: str) -> None:
    if "propagateSizeHints" not in message:  # the offscreen platform's own chatter
        RAISED.append(f"Qt: {message}")


@dataclass
class Row:
    refs: int = 0
    shown: int = 0
    digests: int = 0
    digests_same: int = 0
    counts: int = 0
    counts_same: int = 0
    entries: int = 0
    entries_shown: int = 0
    notes: list[str] = field(default_factory=list)


class WindowCheck:
    def __init__(self, window: MainWindow, host: str) -> None:
        self.window = window
        self.host = host
        self.table: dict[str, Row] = defaultdict(Row)
        self.shot: set[str] = set()

    def check(self, ref: str) -> None:
        code, summary = ours(self.host, ref)
        theirs = skopeo_digest(self.host, ref)
        kind = kind_of(summary) if summary else "unreadable: --json refuses it (--raw prints it)"
        row = self.table[kind]
        row.refs += 1
        before = len(RAISED)
        self.window.inspector.platforms_box.show_references.setChecked(False)  # as it starts
        got = answer(self.window, lambda: self.window.inspect_text(f"{self.host}/{ref}"))
        if got.ins is None:
            said = describe(got.error).text if got.error else "no answer (timed out)"
            typed = isinstance(got.error, RegistryError)
            row.notes.append(
                f"{ref}: error{'' if typed else ' (untyped!)'}: {said} (skopeo's digest: {theirs})"
            )
            if summary is not None or not typed:
                row.notes.append(f"{ref}: the CLI showed it (exit {code}), the window did not")
            self._raised(row, ref, before)
            self._screenshot(kind)
            return
        row.shown += 1
        self._digest(row, ref, summary, theirs)
        self._counts(row, ref, got.ins, "")
        self._words(row, ref)
        self._truth(row, ref, got.ins)
        self._referrers(row, ref)
        self._screenshot(kind)
        if got.ins.index is not None and summary is not None:
            while self.window.inspecting.trail:  # a nested index opened at once: go up first
                if answer(self.window, self.window.go_up).ins is None:
                    row.notes.append(f"{ref}: Up did not go back")
                    break
            self._folded(row, ref, summary)
            self._entries(row, ref, 0)
        self._raised(row, ref, before)

    def _digest(
        self, row: Row, ref: str, summary: dict[str, Any] | None, theirs: str | None
    ) -> None:
        shown = self.window.inspector.summary.digest.digest.text()
        wanted = theirs or (summary or {}).get("digest")
        if wanted is None:
            return
        row.digests += 1
        cli = (summary or {}).get("digest")
        if shown == wanted and (cli is None or cli == shown):
            row.digests_same += 1
        else:
            row.notes.append(f"{ref}: window digest {shown}; skopeo {theirs}; CLI {cli}")

    def _counts(self, row: Row, ref: str, ins: Inspection, where: str) -> None:
        """Entries listed vs the index's JSON; layers vs the shown manifest's JSON."""
        inspector = self.window.inspector
        row.counts += 1
        problems: list[str] = []
        level = inspector.level
        if level is not None:
            opened = level.trail[-1].image if level.trail else None
            listed_raw = opened.raw if opened is not None else ins.top.raw
            entries, _ = raw_counts(listed_raw)
            rows = inspector.platforms_model.rowCount()
            listed = inspector.platforms_box.show_references.isChecked() or level.trail
            if listed and entries is not None and rows != entries:
                problems.append(f"{rows} rows listed, the index has {entries} entries")
            if not level.trail:
                total = type_line_total(inspector.summary.kind.text())
                if entries is not None and total != entries:
                    problems.append(
                        f"Type line {inspector.summary.kind.text()!r} counts {total}, "
                        f"the index has {entries}"
                    )
        shown = ins.image or (ins.top if ins.index is None else None)
        if shown is not None and shown.manifest is not None and ins.chosen_index is None:
            _, layers = raw_counts(shown.raw)
            table = inspector.layers_model.rowCount()
            if layers is not None and table != layers:
                problems.append(f"{table} layers shown, the manifest has {layers}")
        if problems:
            row.notes.append(f"{ref}{where}: " + "; ".join(problems))
        else:
            row.counts_same += 1

    def _entries(self, row: Row, ref: str, depth: int) -> None:
        """Choose every entry listed (with "List them" on); drill into nested indexes."""
        window = self.window
        box = window.inspector.platforms_box
        if not box.show_references.isChecked():
            box.show_references.setChecked(True)
        for entry_row in listed_rows(window):
            entry = entry_row.descriptor
            before = len(RAISED)
            row.entries += 1
            where = f" entry {entry.digest[:19]} ({entry_row.label or entry.kind})"
            got = self._choose(entry)
            if got.ins is None:
                said = describe(got.error).text if got.error else "no answer (timed out)"
                row.notes.append(f"{ref}{where}: {said}")
                self._raised(row, ref + where, before)
                continue
            ins = got.ins
            ok = self._entry_shown(row, ref + where, ins, entry)
            row.entries_shown += ok
            self._raised(row, ref + where, before)
            if ins.chosen_index is not None and depth < MAX_DEPTH:
                level = window.inspector.level
                if level is None or not level.trail or level.trail[-1] is not ins:
                    row.notes.append(f"{ref}{where}: a nested index, not opened")
                    continue
                self._counts(row, ref, ins, where + " (inside)")
                self._screenshot("inside a nested index")
                self._entries(row, ref, depth + 1)
                up = answer(window, window.go_up)
                if up.ins is None:
                    row.notes.append(f"{ref}{where}: Up did not go back")

    def _folded(self, row: Row, ref: str, summary: dict[str, Any]) -> None:
        """Before "List them": a row per entry in its own right (attestations and builder
        records folded into the note), the box named for what it lists."""
        inspector = self.window.inspector
        level = inspector.level
        if level is None or level.trail:
            return  # a nested index opened at once: its own rows
        kinds = [e["kind"] for e in summary["entries"]]
        own = [k for k in kinds if k not in ("attestation", "builder", "reference")] or kinds
        rows = inspector.platforms_model.rowCount()
        title = inspector.platforms_box.title()
        wanted_title = "Platforms" if own and set(own) <= {"platform"} else "Entries"
        folded = len(kinds) - len(own)
        note = inspector.attestation_note.text()
        if rows != len(own) or title != wanted_title or (folded > 0) != bool(note):
            row.notes.append(
                f"{ref}: folded view: {rows} rows, box {title!r}, note {note!r}; "
                f"wanted {len(own)} rows, box {wanted_title!r}, {folded} folded"
            )

    def _choose(self, entry: Descriptor) -> Outcome:
        window = self.window
        shown = window.inspection
        if shown is not None and shown.platform_entry == entry and shown.chosen_index is None:
            inside = window.inspector.level
            if inside is None or not inside.trail or inside.trail[-1] is not shown:
                return Outcome(ins=shown)  # already on show: choosing it again does nothing
        return answer(window, lambda: window.choose_platform(entry))

    def _entry_shown(self, row: Row, where: str, ins: Inspection, entry: Descriptor) -> bool:
        summary = self.window.inspector.summary
        if ins.platform_entry != entry:
            row.notes.append(f"{where}: another entry was shown")
            return False
        if summary.platform_digest.isHidden():
            row.notes.append(f"{where}: no entry digest line")
            return False
        shown = summary.platform_digest.digest.text()
        if shown != entry.digest:
            row.notes.append(f"{where}: entry digest line {shown}")
            return False
        if ins.missing_child is not None:
            flagged = [r for r in listed_rows(self.window) if r.missing]
            total = self.window.inspector.layers_total.text()
            if not flagged or "missing" not in total:
                row.notes.append(f"{where}: missing, not flagged ({total!r})")
                return False
            row.notes.append(f"{where}: missing, flagged: {total}")
            self._screenshot("missing entry")
            return True
        if ins.chosen_index is None:
            self._counts(row, where, ins, "")
        self._words(row, where)
        self._truth(row, where, ins)
        return True

    def _truth(self, row: Row, where: str, ins: Inspection) -> None:
        """What the window says against the documents' own JSON (not our parser)."""
        for problem in truth_problems(self.window, ins):
            row.notes.append(f"{where}: {problem}")

    def _words(self, row: Row, where: str) -> None:
        for slip in word_slips(self.window):
            row.notes.append(f"{where}: {slip}")

    def _referrers(self, row: Row, where: str) -> None:
        """Open the Referrers tab, wait for the supply-chain report, and go back to Layers."""
        inspector = self.window.inspector
        panel = inspector.referrers_panel
        inspector.tabs.setCurrentWidget(panel)
        for _ in range(400):
            QApplication.processEvents()
            if panel.report is not None or panel.warning.text():
                break
            QTimer.singleShot(25, lambda: None)
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 25)
        found = panel.model.rowCount()
        status = f"{panel.headline.text()} {panel.warning.text()}".strip()
        if found or "error" in status.lower() or "could not" in status.lower():
            row.notes.append(f"{where}: referrers: {found} rows; {status!r}")
        self._words(row, where + " (referrers)")
        inspector.tabs.setCurrentIndex(0)

    def _raised(self, row: Row, where: str, before: int) -> None:
        for text in RAISED[before:]:
            row.notes.append(f"{where}: RAISED {text}")

    def _screenshot(self, kind: str) -> None:
        if kind in self.shot:
            return
        self.shot.add(kind)
        name = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
        QApplication.processEvents()
        self.window.grab().save(f"{SHOTS}{name}.png")


def run(host: str, refs: list[str]) -> dict[str, Row]:
    app = QApplication.instance() or QApplication([])
    sys.excepthook = _hook
    qInstallMessageHandler(_qt_message)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        store = CredentialStore(backend=keyring.backends.fail.Keyring())
        window = MainWindow(preferences=Preferences(settings), store=store, client=RegistryClient())
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        checker = WindowCheck(window, host)
        try:
            for ref in refs:
                checker.check(ref)
        finally:
            window.runner.shutdown(2000)
            window.close()
            sys.excepthook = sys.__excepthook__
    return checker.table


def print_table(table: dict[str, Row]) -> None:
    print("| kind | refs | window shows it | digest agrees | counts agree | entries shown |")
    print("|---|---|---|---|---|---|")
    for kind, row in sorted(table.items()):
        digests = f"{row.digests_same}/{row.digests}" if row.digests else "—"
        entries = f"{row.entries_shown}/{row.entries}" if row.entries else "—"
        print(
            f"| {kind} | {row.refs} | {row.shown}/{row.refs} | {digests} | "
            f"{row.counts_same}/{row.counts} | {entries} |"
        )
    for kind, row in sorted(table.items()):
        for note in row.notes:
            print(f"- {kind}: {note}")


def main() -> int:
    corpus = corpus_argument()
    if corpus is None:
        return 0
    print_table(with_corpus(corpus, run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
