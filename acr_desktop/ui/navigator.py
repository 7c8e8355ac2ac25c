"""The navigator: remembered registries → repositories → tags, loaded page by page in the worker.
Opening a tag asks the window to inspect it, on the registry it was listed from.

Another registry in the box empties both lists at once; answers from the registry before are
dropped. Each listing has its own Stop, which cancels that listing and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry import errors
from acr_desktop.registry.reference import normalize_registry, parse_reference
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.messages import catalog_wall, describe
from acr_desktop.ui.nav_jobs import list_catalog
from acr_desktop.ui.nav_message import message_label
from acr_desktop.ui.nav_tags import TagPane
from acr_desktop.ui.nav_views import ListedNames, RepositoryList
from acr_desktop.ui.nav_words import STOPPED, repository_count
from acr_desktop.ui.plain import list_entry
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient

CATALOG = "catalog"  # the worker channel of the repository listing
CATALOG_HELP = "This sign-in cannot list the registry's repositories."  # messages.catalog_wall


class Navigator(QWidget):
    """Signals:
    reference_chosen(object): a tag was opened: a Reference on the registry and repository the
        tag list came from (never the registry box's text of the moment).
    copied(str): Ctrl+C in the repository or tag list put this text on the clipboard.
    listing_changed(bool): a repository or tag listing started (True), or none runs any more
        (False); `busy` says the same, `cancel_listing()` stops them.
    """

    reference_chosen = Signal(object)
    copied = Signal(str)
    listing_changed = Signal(bool)

    def __init__(
        self,
        runner: JobRunner,
        client: Callable[[], RegistryClient],
        prepare: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.client = client  # the window's client, created on first use
        self.prepare = prepare  # hands the registry's credentials and settings to the client
        self.registry = ""  # the registry whose repositories are listed
        self.opened_by_name: dict[str, list[str]] = {}
        self._repo_seen: set[str] = set()  # names in repo_model
        self._repo_loading = False
        self._repo_lines: list[str] | None = None  # below the count; None: nothing listed
        self._repo_refused = ""  # why the repository last opened could not be
        self._busy = False
        self.tag_pane = TagPane(runner, client, prepare)
        self.tag_pane.reference_chosen.connect(self.reference_chosen)
        self.tag_pane.copied.connect(self.copied)
        self.tag_pane.busy_changed.connect(self._update_busy)
        # The tag pane's parts, by the names the window and the tests know them.
        self.tags_model, self.tags = self.tag_pane.model, self.tag_pane.table
        self.tag_filter, self.order = self.tag_pane.filter, self.tag_pane.order
        self.tags_title, self.tag_status = self.tag_pane.title, self.tag_pane.status
        self.tags_stop = self.tag_pane.stop
        self._build()

    def _build(self) -> None:
        self.registry_box = QComboBox()
        self.registry_box.setEditable(True)
        # Only the window adds registries (those that answered), never Enter in the box.
        self.registry_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.registry_box.setObjectName("registryBox")
        self.registry_box.setMinimumWidth(64)  # gives way in a narrow navigator
        edit = self.registry_box.lineEdit()
        assert edit is not None
        edit.setPlaceholderText("Registry, e.g. myreg.azurecr.io")
        edit.returnPressed.connect(self.load_repositories)
        self.registry_box.activated.connect(lambda _i: self.load_repositories())
        self.browse_button = QPushButton("Browse")
        self.browse_button.clicked.connect(lambda _checked=False: self.load_repositories())
        top = QHBoxLayout()
        top.addWidget(self.registry_box, 1)
        top.addWidget(self.browse_button)

        self.repo_filter = QLineEdit(placeholderText="Filter repositories")
        self.repo_model = QStringListModel(self)
        self.repo_proxy = ListedNames(self)
        self.repo_proxy.setSourceModel(self.repo_model)
        self.repo_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.repo_filter.textChanged.connect(self.repo_proxy.setFilterFixedString)
        self.repo_filter.textChanged.connect(lambda _t: self._show_repo_status())
        self.repos = RepositoryList()
        self.repos.setObjectName("repositories")
        self.repos.setModel(self.repo_proxy)
        self.repos.clicked.connect(self._repository_opened)
        self.repos.opened.connect(self._repository_opened)
        self.repos.copy_requested.connect(self._copy_repository)
        self.repo_status = message_label()  # may hold a registry's error text
        self.repo_stop = QPushButton("Stop")
        self.repo_stop.setToolTip("Stop listing repositories (what is listed so far stays)")
        self.repo_stop.clicked.connect(self._stop_repositories)
        self.repo_stop.hide()
        self.open_by_name = QPushButton("Open repository…")
        self.open_by_name.setToolTip("Open a repository by its name (for when it is not listed)")
        self.open_by_name.clicked.connect(self.ask_repository)

        repo_box = QWidget()
        rl = QVBoxLayout(repo_box)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("<b>Repositories</b>"))
        rl.addWidget(self.repo_filter)
        rl.addWidget(self.repos, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.repo_status, 1)
        status_row.addWidget(self.repo_stop, 0, Qt.AlignmentFlag.AlignTop)
        rl.addLayout(status_row)
        rl.addWidget(self.open_by_name)
        self.repos.setMinimumHeight(3 * self.fontMetrics().height())  # room for the status
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(repo_box)
        split.addWidget(self.tag_pane)
        split.setChildrenCollapsible(False)  # a pane never hides its status
        split.setStretchFactor(1, 2)
        split.setSizes([200, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        chain = [self.registry_box, self.browse_button, self.repo_filter, self.repos]
        chain += [self.repo_stop, self.open_by_name, self.tag_filter]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- listings as a whole -------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A repository or tag listing runs."""
        return self.runner.is_busy(CATALOG) or self.tag_pane.busy

    @property
    def repository(self) -> str:
        """The repository whose tags are listed ("" for none)."""
        return self.tag_pane.source[1] if self.tag_pane.source else ""

    def cancel_listing(self) -> bool:
        """Stop the repository and tag listings (what they listed stays); False when neither
        ran. An inspect is left alone."""
        stopped = self._stop_repositories()
        stopped = self.tag_pane.cancel() or stopped
        return stopped

    def _update_busy(self) -> None:
        self.repo_stop.setVisible(self.runner.is_busy(CATALOG))
        busy = self.busy
        if busy != self._busy:
            self._busy = busy
            self.listing_changed.emit(busy)

    # -- registries and repositories -----------------------------------------------------------
    def set_registries(self, registries: list[str]) -> None:
        current = self.registry_box.currentText()
        self.registry_box.clear()
        self.registry_box.addItems(registries)
        self.registry_box.setEditText(current or (registries[0] if registries else ""))

    def load_repositories(self, registry: str | None = None) -> None:
        """List `registry`'s repositories (else the box's), emptying both lists first when it
        is another registry than the one listed."""
        try:
            host = normalize_registry(registry or self.registry_box.currentText())
        except errors.InvalidReference as exc:
            self._repo_loading, self._repo_lines = False, [str(exc)]  # the list stays as it is
            self._show_repo_status()
            return
        if registry is None and host == self.registry and self.runner.is_busy(CATALOG):
            return  # already listing (Enter in the box also picks the item it names)
        if host != self.registry:
            self._switch_to(host)
        self.registry_box.setEditText(host)
        self.prepare(host)
        client = self.client()
        self._repo_seen = set()
        self.repo_model.setStringList([])
        self._add_repositories(list(self.opened_by_name.get(host, [])))
        self._repo_loading, self._repo_lines = True, []
        self._show_repo_status()
        job = self.runner.start(
            CATALOG, lambda report: list_catalog(client, host, report), with_progress=True
        )
        job.progress.connect(lambda page: self._catalog_page(host, page))
        job.returned.connect(lambda count: self._catalog_done(host, count))
        job.errored.connect(lambda exc: self._catalog_failed(host, exc))
        job.settled.connect(self._update_busy)
        self._update_busy()

    def _switch_to(self, host: str) -> None:
        """Another registry: empty both lists and what they said, at once."""
        self.runner.cancel(CATALOG)
        self.registry = host
        self._repo_seen = set()
        self.repo_model.setStringList([])
        self.repo_filter.clear()
        self._repo_loading, self._repo_lines, self._repo_refused = False, None, ""
        self._show_repo_status()
        self.tag_pane.clear()

    def _catalog_page(self, host: str, page: Any) -> None:
        if host == self.registry:
            self._add_repositories([r for r in page if isinstance(r, str)])
            self._show_repo_status()

    def _catalog_done(self, host: str, count: Any) -> None:
        if host == self.registry:
            wall = [catalog_wall(None, self._is_acr(host))] if count == 0 else []
            self._repo_loading, self._repo_lines = False, wall
            self._show_repo_status()

    def _catalog_failed(self, host: str, exc: Any) -> None:
        if host != self.registry:
            return
        if isinstance(exc, errors.AccessDenied | errors.AuthenticationRequired | errors.NotFound):
            line = catalog_wall(exc, self._is_acr(host))
        else:
            line = describe(exc).text
        self._repo_loading, self._repo_lines = False, [line]
        self._show_repo_status()

    def _is_acr(self, host: str) -> bool:
        return self.client().answers_acr(host)

    def _stop_repositories(self) -> bool:
        if not self.runner.is_busy(CATALOG):
            return False
        self.runner.cancel(CATALOG)
        self._repo_loading, self._repo_lines = False, [STOPPED]
        self._show_repo_status()
        self._update_busy()
        return True

    def _show_repo_status(self) -> None:
        total = self.repo_model.rowCount()
        if self._repo_loading:
            self.repo_status.setText("Loading repositories…" + (f" {total:,}" if total else ""))
            return
        lines = [*(self._repo_lines or []), *([self._repo_refused] if self._repo_refused else [])]
        if self._repo_lines is not None and (total or not lines):
            lines.insert(0, repository_count(self.repo_proxy.rowCount(), total))
        self.repo_status.setText("\n".join(lines))

    def _add_repositories(self, names: list[str]) -> None:
        """Append the names not listed yet (a set, not the list, says which: a catalog of a
        million names stays linear)."""
        new = [n for n in dict.fromkeys(names) if n not in self._repo_seen]
        if not new:
            return
        self._repo_seen.update(new)
        model, first = self.repo_model, self.repo_model.rowCount()
        model.insertRows(first, len(new))
        for offset, name in enumerate(new):
            model.setData(model.index(first + offset), name)

    def _repository_opened(self, index: QModelIndex) -> None:
        """List the tags of the repository at `index` — when a registry could have one of that
        name: a catalog may list anything (markup, a line break, 100,000 characters)."""
        if not index.isValid():
            return
        name = str(index.data(Qt.ItemDataRole.EditRole))
        try:
            parse_reference(f"{self.registry or 'localhost'}/{name}")
        except errors.InvalidReference:
            shown = list_entry(name, 40)
            self._repo_refused = (
                f"“{shown}” is not a valid repository name, so it cannot be opened."
            )
        else:
            self._repo_refused = ""
            self.load_tags(name)
        self._show_repo_status()

    def _copy_repository(self, index: QModelIndex) -> None:
        if index.isValid() and self.registry:
            text = f"{self.registry}/{index.data(Qt.ItemDataRole.EditRole)}"
            copy_text(text)
            self.copied.emit(text)

    def ask_repository(self) -> None:
        name, ok = QInputDialog.getText(self, "Open repository", f"Repository on {self.registry}:")
        if ok and name.strip():
            self.open_repository(name.strip().strip("/").lower())

    def open_repository(self, name: str) -> None:
        remembered = self.opened_by_name.setdefault(self.registry, [])
        if name not in remembered:
            remembered.append(name)
        self._add_repositories([name])
        self._show_repo_status()
        self.load_tags(name)

    # -- tags ----------------------------------------------------------------------------------
    def load_tags(self, repository: str) -> None:
        """List `repository`'s tags on the registry whose repositories are listed."""
        self.tag_pane.load(self.registry, repository)
