"""The navigator: remembered registries → repositories → tags, loaded page by page in the worker.
Selecting a tag asks the window to inspect it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry import errors
from acr_desktop.registry.acr import TagInfo, is_acr_host
from acr_desktop.registry.reference import Reference, normalize_registry
from acr_desktop.ui.messages import describe
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.ui.plain import plain, plain_label
from acr_desktop.ui.tag_order import name_order
from acr_desktop.ui.tags_model import MAX_TAGS, TagsModel
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.listing import Pages

CATALOG_HELP = (
    "This registry does not list its repositories for this sign-in (ACR repository-scoped "
    "tokens cannot). Open a repository by name instead."
)


@dataclass(frozen=True)
class TagsResult:
    """What the tags job returns: the version order (ascending indices of versions, then of
    words), whether ACR's metadata listed them, a note on why not, and the cap notice."""

    versions: list[int]
    words: list[int]
    acr: bool
    note: str | None
    notice: str | None


def _collect(pages: Pages[Any], into: list[Any], report: Callable[[object], None]) -> str | None:
    """Every page into `into` and to `report`, up to MAX_TAGS; the sentence if the list was cut
    short (the core's, or ours)."""
    for whole in pages:
        page = whole[: MAX_TAGS - len(into)]
        into += page
        if page:
            report(page)
        if len(page) < len(whole):  # more than the window keeps
            return pages.notice or f"Stopped after {MAX_TAGS:,} tags."
    return pages.notice


class Navigator(QWidget):
    """Signals:
    reference_chosen(object): a tag was picked (a Reference).
    """

    reference_chosen = Signal(object)

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
        self.registry = ""
        self.repository = ""
        self.opened_by_name: dict[str, list[str]] = {}
        self._acr_known: dict[str, bool] = {}
        self._repo_seen: set[str] = set()  # names in repo_model

        self.registry_box = QComboBox()
        self.registry_box.setEditable(True)
        self.registry_box.setObjectName("registryBox")
        edit = self.registry_box.lineEdit()
        assert edit is not None
        edit.setPlaceholderText("Registry, e.g. myreg.azurecr.io")
        edit.returnPressed.connect(self.load_repositories)
        self.registry_box.activated.connect(lambda _i: self.load_repositories())
        load = QPushButton("Browse")
        load.clicked.connect(self.load_repositories)
        top = QHBoxLayout()
        top.addWidget(self.registry_box, 1)
        top.addWidget(load)

        self.repo_filter = QLineEdit(placeholderText="Filter repositories")
        self.repo_model = QStringListModel(self)
        self.repo_proxy = QSortFilterProxyModel(self)
        self.repo_proxy.setSourceModel(self.repo_model)
        self.repo_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.repo_filter.textChanged.connect(self.repo_proxy.setFilterFixedString)
        self.repos = QListView()
        self.repos.setObjectName("repositories")
        self.repos.setModel(self.repo_proxy)
        self.repos.setUniformItemSizes(True)
        self.repos.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.repos.clicked.connect(lambda index: self.load_tags(str(index.data())))
        self.repo_status = plain_label(wrap=True)  # may hold a registry's error text
        open_by_name = QPushButton("Open repository by name…")
        open_by_name.clicked.connect(self.ask_repository)

        self.tag_filter = QLineEdit(placeholderText="Filter tags")
        self.tag_filter.setToolTip("Text, or a glob such as 1.* or v?.?")
        self.tags_model = TagsModel(self)
        self._filter_timer = QTimer(self, singleShot=True, interval=60)
        self._filter_timer.timeout.connect(
            lambda: self.tags_model.set_filter(self.tag_filter.text())
        )
        self.tag_filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.order = QComboBox()
        self.order.addItems(["Newest versions first", "Oldest versions first", "Recently updated"])
        self.order.currentIndexChanged.connect(self._order_changed)
        self.tags = QTableView()
        self.tags.setObjectName("tags")
        self.tags.setModel(self.tags_model)
        self.tags.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tags.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tags.verticalHeader().setVisible(False)
        self.tags.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.tags.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        # Fit the tag column to the rows on screen, not to a thousand of a million.
        self.tags.horizontalHeader().setResizeContentsPrecision(0)  # (rows, for a column)
        self.tags.horizontalHeader().setStretchLastSection(True)
        for column in range(TagsModel.COL_UPDATED, TagsModel.COL_LOCKS + 1):
            self.tags.setColumnHidden(column, True)  # shown when the registry has metadata
        self.tags.activated.connect(self._tag_activated)
        self.tags.clicked.connect(self._tag_activated)
        self.tag_status = plain_label(wrap=True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel_tags)
        self.cancel_button.hide()

        repo_box = QWidget()
        rl = QVBoxLayout(repo_box)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("<b>Repositories</b>"))
        rl.addWidget(self.repo_filter)
        rl.addWidget(self.repos, 1)
        rl.addWidget(self.repo_status)
        rl.addWidget(open_by_name)
        tag_box = QWidget()
        tl = QVBoxLayout(tag_box)
        tl.setContentsMargins(0, 0, 0, 0)
        self.tags_title = plain(QLabel("Tags"))  # names a repository: plain, bold by font
        bold = self.tags_title.font()
        bold.setBold(True)
        self.tags_title.setFont(bold)
        tl.addWidget(self.tags_title)
        row = QHBoxLayout()
        row.addWidget(self.tag_filter, 1)
        row.addWidget(self.order)
        tl.addLayout(row)
        tl.addWidget(self.tags, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.tag_status, 1)
        status_row.addWidget(self.cancel_button)
        tl.addLayout(status_row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(repo_box)
        split.addWidget(tag_box)
        split.setStretchFactor(1, 2)
        split.setSizes([200, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    # -- registries and repositories -----------------------------------------------------------
    def set_registries(self, registries: list[str]) -> None:
        current = self.registry_box.currentText()
        self.registry_box.clear()
        self.registry_box.addItems(registries)
        self.registry_box.setEditText(current or (registries[0] if registries else ""))

    def load_repositories(self, registry: str | None = None) -> None:
        try:
            self.registry = normalize_registry(registry or self.registry_box.currentText())
        except errors.InvalidReference as exc:
            self.repo_status.setText(str(exc))
            return
        self.registry_box.setEditText(self.registry)
        self.prepare(self.registry)
        client, host = self.client(), self.registry
        names: list[str] = list(self.opened_by_name.get(host, []))
        self.repo_model.setStringList(names)
        self._repo_seen = set(names)
        self.repo_status.setText("Loading repositories…")

        def work(report: Callable[[object], None]) -> int:
            count = 0
            for page in client.iter_catalog(host):
                count += len(page)
                report(page)
            return count

        job = self.runner.start("catalog", work, with_progress=True)
        job.progress.connect(self._catalog_page)
        job.returned.connect(self._catalog_done)
        job.errored.connect(self._catalog_failed)

    def _catalog_page(self, page: Any) -> None:
        self._add_repositories([r for r in page if isinstance(r, str)])
        self.repo_status.setText(f"Loading repositories… {self.repo_model.rowCount():,}")

    def _catalog_done(self, count: Any) -> None:
        if count == 0:
            self.repo_status.setText(CATALOG_HELP)
        else:
            self.repo_status.setText(f"{count:,} repositories")

    def _catalog_failed(self, exc: Any) -> None:
        if isinstance(exc, errors.AccessDenied | errors.AuthenticationRequired | errors.NotFound):
            self.repo_status.setText(f"{CATALOG_HELP} ({exc})")
        else:
            self.repo_status.setText(describe(exc).text)

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

    def ask_repository(self) -> None:
        name, ok = QInputDialog.getText(self, "Open repository", f"Repository on {self.registry}:")
        if ok and name.strip():
            self.open_repository(name.strip().strip("/").lower())

    def open_repository(self, name: str) -> None:
        remembered = self.opened_by_name.setdefault(self.registry, [])
        if name not in remembered:
            remembered.append(name)
        self._add_repositories([name])
        self.load_tags(name)

    # -- tags ----------------------------------------------------------------------------------
    def load_tags(self, repository: str) -> None:
        self.repository = repository
        self.tags_title.setText(f"Tags of {repository}")
        self.tags_model.clear()
        self.tag_status.setText("Loading tags…")
        self.cancel_button.show()
        self.prepare(self.registry)
        client, host = self.client(), self.registry
        try_acr = self._acr_known.get(host, True if is_acr_host(host) else None)

        def work(report: Callable[[object], None]) -> TagsResult:
            tags: list[Any] = []  # TagInfo from ACR, else names: the very objects shown
            note = notice = None
            acr = False
            if try_acr is not False:
                try:
                    notice = _collect(client.iter_acr_tags(host, repository), tags, report)
                    acr = True
                except (errors.AccessDenied, errors.AuthenticationRequired) as exc:
                    note = (
                        "Showing the plain tag list: times, digests, signing and locks need "
                        f"the metadata_read permission on {repository}. ({exc.sentence})"
                    )
                except (errors.NotFound, errors.ServerError, errors.InvalidResponse):
                    pass  # not an ACR: use the standard API
            if not acr:
                if tags:
                    report(None)  # an ACR listing broke off part-way: start the list again
                tags = []
                notice = _collect(client.iter_tags(host, repository), tags, report)
            versions, words = name_order([t.name for t in tags] if acr else tags)
            return TagsResult(versions, words, acr, note, notice)

        job = self.runner.start("tags", work, with_progress=True)
        job.progress.connect(self._tags_page)
        job.returned.connect(self._tags_done)
        job.errored.connect(self._tags_failed)

    def _tags_page(self, page: Any) -> None:
        if page is None:  # an ACR listing broke off part-way: the plain list follows
            self.tags_model.clear()
            return
        self.tags_model.add_page(page)
        self.tag_status.setText(f"Loading tags… {self.tags_model.total():,}")

    def _tags_done(self, result: Any) -> None:
        assert isinstance(result, TagsResult)
        self._acr_known[self.registry] = result.acr or bool(result.note)
        self.tags_model.set_name_order(result.versions, result.words)
        self.cancel_button.hide()
        total = self.tags_model.total()
        lines = [f"{total:,} tags" + (" · newest first from ACR" if result.acr else "")]
        lines += [text for text in (result.notice, result.note) if text]
        self.tag_status.setText("\n".join(lines))
        self.order.model().item(2).setEnabled(self.tags_model.has_metadata)  # type: ignore[attr-defined]
        for column in (TagsModel.COL_UPDATED, TagsModel.COL_DIGEST, TagsModel.COL_SIGNED):
            self.tags.setColumnHidden(column, not self.tags_model.has_metadata)
        self.tags.setColumnHidden(TagsModel.COL_LOCKS, not self.tags_model.has_metadata)
        self.tags.resizeColumnToContents(TagsModel.COL_TAG)

    def _tags_failed(self, exc: Any) -> None:
        self.cancel_button.hide()
        self.tag_status.setText(describe(exc).text)

    def _cancel_tags(self) -> None:
        self.runner.cancel("tags")
        self.cancel_button.hide()
        self.tag_status.setText(f"Stopped after {self.tags_model.total():,} tags.")

    def _order_changed(self, index: int) -> None:
        self.tags_model.set_order(by_time=index == 2, descending=index != 1)

    def _tag_activated(self) -> None:
        tag = self.tags.currentIndex().data(OBJECT_ROLE)
        if isinstance(tag, TagInfo) and self.registry and self.repository:
            self.reference_chosen.emit(Reference(self.registry, self.repository, tag.name))
