"""The Files tab through its real widgets, against the real token registry: layers pushed with
tests/rig/layers.py (gzip, zstd and plain tar), listed as they stream, merged, searched,
previewed and saved; its models checked with qtmodeltester and with hand-made entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from acr_desktop.inspection import Inspection, inspect
from acr_desktop.registry import layer_entries as le
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.filesystem import MergedFs
from acr_desktop.registry.layer_entries import Change, EntryKind, TarEntry, mode_text
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.ui.files_models import EntriesModel
from acr_desktop.ui.files_panel import FilesPanel
from acr_desktop.ui.files_tree import TreeModel
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.ui.worker import JobRunner
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry, TokenServer
from tests.rig.layers import (
    DOCKER_FOREIGN_GZIP,
    WHITEOUT_CHANGES,
    WHITEOUT_FILES,
    WHITEOUT_WASTED_TOTAL,
    PushedImage,
    absolute_paths,
    debian_like,
    dotdot_paths,
    layer,
    missing_hardlink,
    non_utf8_names,
    pax_long_names,
    push_layers_image,
    simple_layer,
    sparse_files,
    urls_allowed_registry,
    whiteout_layers,
)

SHOTS = Path("/tmp/team/h4-shots")  # looked at by people; not part of the repository


def shot(widget: QWidget, name: str) -> None:
    """Save what `widget` shows as SHOTS/name (a PNG) to be looked at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


def client_for(registry: Registry) -> RegistryClient:
    client = RegistryClient(Transport(timeout=(5.0, 30.0)))
    client.transport.set_credentials(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


@pytest.fixture(scope="module")
def token_registry(layers_registry: Registry) -> Registry:
    """The layers tests' own token registry: what they push stays out of the shared catalog."""
    return layers_registry


@pytest.fixture(scope="module")
def three(token_registry: Registry) -> PushedImage:
    base, one, two = whiteout_layers()
    blobs = [layer(base, "gzip"), layer(one, "zstd"), layer(two, "none")]
    return push_layers_image(token_registry, "files/whiteout", "three", blobs)


@pytest.fixture(scope="module")
def foreign_registry(
    tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer
) -> Iterator[Registry]:
    """A real token registry that takes manifests naming layers it does not hold (`urls`)."""
    registry = urls_allowed_registry(tmp_path_factory.mktemp("foreign"), "token", token_server)
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture
def inspection(three: PushedImage, token_registry: Registry) -> Inspection:
    return inspect(client_for(token_registry), parse_reference(three.reference))


@pytest.fixture
def panel(qtbot: QtBot, token_registry: Registry) -> Iterator[FilesPanel]:
    widget = FilesPanel()
    client = client_for(token_registry)
    runner = JobRunner(widget)
    widget.bind(runner, lambda: client, lambda _registry: None)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    yield widget
    runner.shutdown(2000)


def shown_paths(model: EntriesModel) -> list[str]:
    return [model.index(r, 0).data(OBJECT_ROLE).path for r in range(model.rowCount())]


def changes_by_path(panel: FilesPanel) -> dict[str, str]:
    model = panel.entries_model
    column = EntriesModel.COL_CHANGE
    return {
        model.index(r, 0).data(OBJECT_ROLE).path: model.index(r, column).data()
        for r in range(model.rowCount())
    }


def listed_whole(qtbot: QtBot, panel: FilesPanel, ins: Inspection) -> None:
    with qtbot.waitSignal(panel.files.merged, timeout=20_000):
        panel.show_inspection(ins)
        panel.show()


def test_the_whole_image_is_a_tree_with_last_writers_folder_sizes_and_waste(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    listed_whole(qtbot, panel, inspection)
    fs = panel.files.fs
    assert fs is not None
    assert panel.views.currentWidget() is panel.tree
    model = panel.tree_model
    top = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    assert {"etc", "bin", "lib", "usr", "var", "app", "opt"} <= set(top)
    etc = model.index(top["etc"], 0)
    files = {model.index(r, 0, etc).data(): r for r in range(model.rowCount(etc))}
    release = model.index(files["os-release"], TreeModel.COL_LAYER, etc)
    assert release.data() == f"layer {WHITEOUT_FILES['etc/os-release'][0] + 1}"
    assert model.index(files["os-release"], TreeModel.COL_SIZE, etc).data() == "21 B"
    assert model.index(top["etc"], TreeModel.COL_SIZE).data() == "42 B"  # os-release + motd
    opt = model.index(top["opt"], 0)
    assert model.rowCount(opt) == 0  # opt/app was deleted by the last layer
    assert f"{WHITEOUT_WASTED_TOTAL:,} bytes" in panel.wasted.text()
    assert panel.waste_model.rowCount() > 0
    biggest = panel.waste_model.index(0, 1).data()
    assert biggest == "var/cache/apt/big.deb"
    integrity = panel.integrity.text()
    assert "3 of 3 layers listed" in integrity
    assert "3 of 3 digests verified" in integrity
    assert "3 of 3 diff_ids match the config" in integrity
    assert not panel.stop_button.isVisible()


def test_one_layer_shows_its_entries_then_what_it_does_to_each_path(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    panel.show_inspection(inspection)
    with qtbot.waitSignal(
        panel.files.changes_known, timeout=20_000, check_params_cb=lambda n: n == 1
    ):
        panel.show_layer(1)
        panel.show()
    assert panel.views.currentWidget() is panel.table
    qtbot.waitUntil(lambda: changes_by_path(panel).get("app/main.py") == "added", timeout=10_000)
    seen = changes_by_path(panel)
    for (number, path), change in WHITEOUT_CHANGES.items():
        if number == 1:
            assert seen[path] == change, path
    model, column = panel.entries_model, EntriesModel.COL_CHANGE
    deleted = next(r for r in range(model.rowCount()) if model.index(r, column).data() == "deleted")
    tip = model.index(deleted, column).data(Qt.ItemDataRole.ToolTipRole)
    assert "deletes var/cache/apt/big.deb from the layers below" in tip  # what, in the tooltip
    qtbot.waitUntil(lambda: panel.files.state(1).listing is not None, timeout=10_000)
    assert "zstd layer, digest verified" in panel.integrity.text()
    assert "matches the config's diff_id" in panel.integrity.text()


def test_find_says_which_layer_added_a_path_and_filters_the_layer_shown(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    listed_whole(qtbot, panel, inspection)
    panel.show_layer(2)
    panel.find_box.setText("main.py")
    with qtbot.waitSignal(panel.files.runner.busy_changed, timeout=10_000):
        qtbot.keyClick(panel.find_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.found_model.rowCount() == 2, timeout=10_000)
    rows = {
        (panel.found_model.index(r, 0).data(), panel.found_model.index(r, 1).data())
        for r in range(2)
    }
    assert rows == {("#2", "added"), ("#3", "modified")}
    assert "2 paths match “main.py”" in panel.found_label.text()
    assert shown_paths(panel.entries_model) == ["app/main.py"]
    panel.find_box.clear()
    panel.find_paths()
    assert panel.entries_model.rowCount() == 5
    assert not panel.found_box.isVisible()


def test_a_text_file_is_previewed_and_saved_alone(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection, tmp_path: Path
) -> None:
    listed_whole(qtbot, panel, inspection)
    panel.show_layer(2)
    row = shown_paths(panel.entries_model).index("etc/os-release")
    panel.table.setCurrentIndex(panel.table.model().index(row, 0))
    dialog = panel.preview_selected()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.shown is not None, timeout=10_000)
    assert dialog.text.toPlainText() == "NAME=final\nVERSION=2\n"
    assert dialog.info.text().startswith("Text (utf-8), 21 B")
    target = tmp_path / "os-release"
    entry = panel.entries_model.entries()[0]
    with qtbot.waitSignal(panel.files.runner.busy_changed, timeout=10_000):
        panel.save_as(2, entry, target)
    qtbot.waitUntil(lambda: "Saved" in panel.message.text(), timeout=10_000)
    assert target.read_bytes() == b"NAME=final\nVERSION=2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["os-release"]


def test_save_file_as_offers_a_safe_name_and_writes_only_the_file_chosen(
    qtbot: QtBot,
    panel: FilesPanel,
    inspection: Inspection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed_whole(qtbot, panel, inspection)
    panel.show_layer(2)
    row = shown_paths(panel.entries_model).index("app/main.py")
    panel.table.setCurrentIndex(panel.table.model().index(row, 0))
    offered: list[str] = []

    def ask(_parent: object, _title: str, start: str) -> tuple[str, str]:
        offered.append(start)
        return str(tmp_path / "chosen.py"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved 13 bytes" in panel.message.text(), timeout=10_000)
    assert Path(offered[0]).name == "main.py"
    assert (tmp_path / "chosen.py").read_bytes() == b"print('two')\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chosen.py"]


def test_links_and_whiteouts_are_explained_not_read(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection, tmp_path: Path
) -> None:
    listed_whole(qtbot, panel, inspection)
    panel.show_layer(2)
    entries = {e.path: e for e in panel.entries_model.entries()}
    dialog = panel.preview(2, entries["bin/sh"])
    assert "symbolic link to busybox" in dialog.info.text()
    panel.save_as(2, entries["opt/.wh.app"], tmp_path / "x")
    assert "deletes opt/app" in panel.message.text()
    assert list(tmp_path.iterdir()) == []


def test_a_binary_is_shown_as_hex_of_its_first_bytes(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    listed_whole(qtbot, panel, inspection)
    elf = next(e for e in panel.files.state(0).entries if e.path == "bin/sh")
    dialog = panel.preview(0, elf)
    qtbot.waitUntil(lambda: dialog.shown is not None, timeout=10_000)
    assert dialog.info.text() == "Binary, 1.0 kB (1,000 bytes): the first 1.0 kB as hex."
    assert dialog.text.toPlainText().startswith("00000000  7f 45 4c 46 00 00")
    dialog.resize(900, 400)
    shot(dialog, "files-preview-binary.png")


def test_stop_keeps_what_arrived_and_says_it_was_not_verified(
    qtbot: QtBot, panel: FilesPanel, token_registry: Registry
) -> None:
    big = push_layers_image(token_registry, "files/debian", "big", [debian_like()])
    ins = inspect(client_for(token_registry), parse_reference(big.reference))
    panel.show_inspection(ins)
    panel.show_layer(0)
    arrived: list[int] = []

    def stop_at_the_first_batch(layer: int, _batch: object) -> None:
        if not arrived:
            shot(panel, "files-streaming.png")
            panel.stop()  # on the UI thread, as the Stop button does
            arrived.append(panel.entries_model.rowCount())

    panel.files.entries_added.connect(stop_at_the_first_batch)
    with qtbot.waitSignal(panel.files.runner.busy_changed, timeout=20_000):
        panel.show()
    qtbot.waitUntil(lambda: not panel.files.runner.busy, timeout=10_000)
    assert arrived and 0 < arrived[0] < 30_000
    assert panel.entries_model.rowCount() == arrived[0]  # nothing after the stop
    assert panel.files.state(0).listing is None
    assert "stopped before its end: not verified" in panel.integrity.text()
    assert panel.progress.text() == "Stopped: 0 of 1 layers listed"
    assert panel.stop_button.isHidden()


def test_a_non_distributable_layer_is_explained_and_fetched_from_its_url_on_request(
    qtbot: QtBot, panel: FilesPanel, foreign_registry: Registry, fake_server: FakeServer
) -> None:
    foreign_raw = simple_layer({"Windows/": b"", "Windows/win.ini": b"[fonts]\n"})
    url = f"{fake_server.url}/layers/base.tar.gz"
    foreign = layer(foreign_raw, "gzip", media_type_override=DOCKER_FOREIGN_GZIP,
                    urls=[url])  # fmt: skip
    fake_server.reply("GET", "/layers/base.tar.gz", 200, body=foreign.data)
    top = layer(simple_layer({"app.exe": b"MZ"}), "gzip")
    image = push_layers_image(foreign_registry, "files/foreign", "win",
                              [replace(foreign, push=False), top], docker=True)  # fmt: skip
    client = client_for(foreign_registry)
    panel.files.client = lambda: client
    ins = inspect(client, parse_reference(image.reference))
    panel.show_inspection(ins)
    with qtbot.waitSignal(panel.files.failed, timeout=20_000):
        panel.show_layer(0)
        panel.show()
    assert "Layer 1" in panel.message.text()
    assert "non-distributable" in panel.notice.text()
    assert panel.fetch_button.text() == "Fetch from 127.0.0.1"
    assert not fake_server.requests  # nothing fetched from there unasked
    with qtbot.waitSignal(panel.files.listed, timeout=20_000):
        qtbot.mouseClick(panel.fetch_button, Qt.MouseButton.LeftButton)
    assert shown_paths(panel.entries_model) == ["Windows", "Windows/win.ini"]
    assert fake_server.requests[0].header("Authorization") is None
    assert "fetched from 127.0.0.1" in panel.notice.text()


def test_hostile_tars_are_listed_as_data(
    qtbot: QtBot, panel: FilesPanel, token_registry: Registry
) -> None:
    shapes = [absolute_paths(), dotdot_paths(), pax_long_names(), non_utf8_names(),
              missing_hardlink(), sparse_files()]  # fmt: skip
    image = push_layers_image(token_registry, "files/hostile", "all", shapes)
    ins = inspect(client_for(token_registry), parse_reference(image.reference))
    listed_whole(qtbot, panel, ins)
    assert "6 of 6 digests verified" in panel.integrity.text()
    for number in range(len(shapes)):
        panel.show_layer(number)
        model = panel.entries_model
        assert model.rowCount() > 0
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                text = model.index(row, column).data() or ""
                assert text.isprintable() or "\\x" in text, (number, row, column, text)
    panel.show_layer(3)
    assert any("\\x" in model.index(r, 0).data() for r in range(model.rowCount()))
    shot(panel, "files-hostile-non-utf8.png")


def test_a_new_inspection_drops_what_the_previous_one_still_sends(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    panel.show_inspection(inspection)
    panel.show()
    assert panel.files.busy
    panel.show_inspection(None)
    qtbot.waitUntil(lambda: not panel.files.runner.busy, timeout=10_000)
    assert panel.files.fs is None
    assert panel.tree_model.rowCount() == 0
    assert panel.scope.count() == 1


def test_screenshot_of_the_whole_image(
    qtbot: QtBot, panel: FilesPanel, inspection: Inspection
) -> None:
    listed_whole(qtbot, panel, inspection)
    panel.tree.expandToDepth(0)
    shot(panel, "files-whole-image.png")
    panel.show_layer(1)
    qtbot.waitUntil(lambda: panel.entries_model.rowCount() == 9, timeout=10_000)
    shot(panel, "files-one-layer.png")


# -- the models, with entries made by hand ----------------------------------------------------
def entry(path: str, kind: EntryKind = EntryKind.FILE, size: int = 0, **kw: object) -> TarEntry:
    fields: dict[str, object] = {"mode": 0o644, "uid": 0, "gid": 0, "uname": "root",
                                 "gname": "root", "mtime": 1704164645.0} | kw  # fmt: skip
    return TarEntry(path, kind, size, **fields)  # type: ignore[arg-type]


def test_the_entries_model_grows_in_batches_and_sorts_raw_values(
    qtmodeltester: ModelTester,
) -> None:
    model = EntriesModel()
    model.append([entry("b", size=2_000_000_000_000), entry("a", size=9)])
    model.append([entry("c/", EntryKind.DIR), entry("d", EntryKind.SYMLINK, link="a")])
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    model.sort(EntriesModel.COL_SIZE, Qt.SortOrder.DescendingOrder)
    assert shown_paths(model)[0] == "b"  # 2 TB: no 32-bit truncation
    model.append([entry("e", size=10**15)])  # while sorted: at the end until resorted
    assert shown_paths(model)[-1] == "e"
    model.resort()
    assert shown_paths(model)[0] == "e"
    model.set_filter([1, 3])
    assert shown_paths(model) == ["a", "d"]
    model.append([entry("f")])  # while filtered: kept, unseen until the next filter
    assert shown_paths(model) == ["a", "d"]
    assert len(model.entries()) == 6
    model.set_changes([Change.ADDED] * 6)
    assert model.index(0, EntriesModel.COL_CHANGE).data() == "added"
    qtmodeltester.check(model)


def test_entry_text_from_a_hostile_tar_is_shown_as_data() -> None:
    model = EntriesModel()
    bad = "evil\u202egnp.exe/\udcff\x1b[31m"
    model.append([entry(bad, flags=le.NOT_UTF8, uname="\udcfe", link="\u202e")])
    shown = model.index(0, EntriesModel.COL_PATH).data()
    assert "\u202e" not in shown and "\x1b" not in shown and "\\xff" in shown
    assert "\\xfe" in model.index(0, EntriesModel.COL_OWNER).data()
    assert "not UTF-8" in model.index(0, EntriesModel.COL_PATH).data(Qt.ItemDataRole.ToolTipRole)
    assert mode_text(EntryKind.DIR, 0o1777) == "drwxrwxrwt"
    assert mode_text(EntryKind.FILE, 0o4644) == "-rwSr--r--"
    assert model.index(0, EntriesModel.COL_TIME).data()  # any time, never an exception
    model.append([entry("x", mtime=1e300)])
    assert model.index(1, EntriesModel.COL_TIME).data() == "1e+300"


def test_the_tree_model_lists_a_folder_when_opened(qtmodeltester: ModelTester) -> None:
    fs = MergedFs()
    fs.apply(0, [entry("usr/", EntryKind.DIR), entry("usr/bin/", EntryKind.DIR),
                 entry("usr/bin/env", size=100), entry("etc/hosts", size=5)])  # fmt: skip
    fs.apply(1, [entry("usr/bin/env", size=200)])
    model = TreeModel()
    model.set_root(fs.root)
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(2)] == ["etc", "usr"]  # folders, by name
    usr = model.index(1, 0)
    assert model.index(1, TreeModel.COL_SIZE).data() == "200 B"
    env = model.index(0, 0, model.index(0, 0, usr))
    assert env.data() == "env"
    assert env.siblingAtColumn(TreeModel.COL_LAYER).data() == "layer 2"
    assert model.parent(env).data() == "bin"
    assert model.node_at(env) is not None and model.node_at(env)[0] == "usr/bin/env"  # type: ignore[index]
    assert model.index(0, TreeModel.COL_LAYER).data() == "—"  # etc: implied
    model.set_root(None)
    assert model.rowCount(QModelIndex()) == 0
