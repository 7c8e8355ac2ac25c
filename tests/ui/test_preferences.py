"""App preferences: what is saved reads back the same from a new QSettings on the same file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from acr_desktop.registry.connection import ConnectionSettings
from acr_desktop.ui.preferences import DEFAULT_TIMEOUT, MAX_RECENT, Preferences

REGISTRY = "myregistry.azurecr.io"


def on_file(path: Path) -> Preferences:
    return Preferences(QSettings(str(path), QSettings.Format.IniFormat))


def test_a_single_bookmark_and_recent_reference_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    saved = on_file(path)
    saved.set_bookmarks([f"{REGISTRY}/team/app:1.4"])
    saved.set_recent([f"{REGISTRY}/team/app:1.5"])
    saved.sync()
    again = on_file(path)  # a new QSettings: an INI file gives one-element lists as strings
    assert again.bookmarks() == [f"{REGISTRY}/team/app:1.4"]
    assert again.recent() == [f"{REGISTRY}/team/app:1.5"]


def test_empty_and_longer_lists_read_back_as_lists(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    saved = on_file(path)
    assert saved.bookmarks() == [] and saved.recent() == []
    saved.set_bookmarks([])
    saved.set_recent([f"r/{i}" for i in range(MAX_RECENT + 5)])
    saved.sync()
    again = on_file(path)
    assert again.bookmarks() == []
    assert again.recent() == [f"r/{i}" for i in range(MAX_RECENT)]


def test_registry_account_and_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    saved = on_file(path)
    saved.set_account(REGISTRY, "password", "alice")
    saved.set_connection_settings(REGISTRY, ConnectionSettings(verify_tls=False, proxy="p:3128"))
    saved.set_connection_settings("localhost:5000", ConnectionSettings(plain_http=True))
    again = on_file(path)
    assert again.username(REGISTRY) == "alice" and again.kind(REGISTRY) == "password"
    assert again.connection_settings(REGISTRY) == ConnectionSettings(
        verify_tls=False, proxy="p:3128"
    )
    # plain HTTP is the default on localhost: nothing stored for it
    assert again.connection_settings("localhost:5000") == ConnectionSettings()
    assert sorted(again.known_registries()) == [REGISTRY]
    again.forget_account(REGISTRY)
    assert again.username(REGISTRY) is None and again.kind(REGISTRY) == ""
    assert again.connection_settings(REGISTRY).proxy == "p:3128"  # stays


def test_layout_state_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    saved = on_file(path)
    saved.set_geometry(QByteArray(b"geometry"))
    saved.set_window_split(QByteArray(b"split"))
    saved.set_inspector_state("layers_table", QByteArray(b"header"))
    saved.sync()
    again = on_file(path)
    assert again.geometry() == QByteArray(b"geometry")
    assert again.window_split() == QByteArray(b"split")
    assert again.inspector_state("layers_table") == QByteArray(b"header")
    assert again.inspector_state("platforms_table") is None


def test_the_timeout_reads_back_and_ignores_nonsense(tmp_path: Path) -> None:
    prefs = on_file(tmp_path / "s.ini")
    assert prefs.timeout() == DEFAULT_TIMEOUT == 30.0  # as the CLI's --timeout
    prefs.set_timeout(12.5)
    prefs.sync()
    assert on_file(tmp_path / "s.ini").timeout() == 12.5
    for nonsense in ("nan", "-1", "0", "inf", "soon"):
        prefs.store.setValue("network/timeout", nonsense)
        assert prefs.timeout() == DEFAULT_TIMEOUT


def test_two_instances_keep_each_others_bookmarks_and_recents(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.ini")
    first = Preferences(QSettings(path, QSettings.Format.IniFormat))
    second = Preferences(QSettings(path, QSettings.Format.IniFormat))
    first.bookmarks(), second.bookmarks()  # both have read the (empty) store
    first.set_bookmarked("a.io/x:1", True)
    second.set_bookmarked("b.io/y:2", True)
    first.remember("a.io/x:1")
    second.remember("b.io/y:2")
    third = Preferences(QSettings(path, QSettings.Format.IniFormat))
    assert third.bookmarks() == ["a.io/x:1", "b.io/y:2"]
    assert third.recent() == ["b.io/y:2", "a.io/x:1"]
    first.set_bookmarked("b.io/y:2", False)
    assert Preferences(QSettings(path, QSettings.Format.IniFormat)).bookmarks() == ["a.io/x:1"]


def test_the_theme_reads_back_and_ignores_nonsense(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat)
    prefs = Preferences(settings)
    assert prefs.theme() == "system"
    prefs.set_theme("dark")
    assert Preferences(settings).theme() == "dark"
    settings.setValue("view/theme", "purple")
    assert prefs.theme() == "system"
