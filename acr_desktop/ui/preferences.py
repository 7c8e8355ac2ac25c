"""App preferences: the one owner of every QSettings key, its type and its default.

Nothing else in the package spells a key. Never a secret here: user names, file paths, a proxy
address, window layout. Lists are read back as lists (an INI file gives a one-element list back
as a plain string, and an empty one as nothing at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from acr_desktop.registry.connection import ConnectionSettings

MAX_RECENT = 30
DEFAULT_TIMEOUT = 30.0  # seconds a whole inspect may take, as the CLI's --timeout
MAX_TIMEOUT = 24 * 3600.0

# Top-level keys.
_GEOMETRY = "window/geometry"
_WINDOW_SPLIT = "window/split"
_RECENT = "recent"
_BOOKMARKS = "bookmarks"
_TIMEOUT = "network/timeout"
_THEME = "view/theme"
_TAG_COLUMNS = "view/tag_columns"  # the tag list's optional columns shown (TagsModel.KEYS)
THEMES = ("system", "light", "dark")
_SUPPLY_AUTO = "supply/look_on_inspect"
_LAYER_CACHE_LIMIT = "cache/layer_listings_limit"
DEFAULT_LAYER_CACHE_LIMIT = 256 * 1024 * 1024  # bytes; as registry/listing_cache.DEFAULT_LIMIT
_REGISTRIES = "registries"  # registries/<host>/<name>: what is known about one registry
# Layout of the inspector (splitter and table headers), by part. The tables' parts were renamed
# (from *_header) when issue 14 added columns: an older saved layout would misplace widths.
INSPECTOR_PARTS = ("split", "layers_table", "platforms_table", "platforms_split",
                   "files_split", "files_tree_header", "files_table_header",
                   "files_found_header", "files_waste_header")  # fmt: skip
# Per registry: who signs in, and how (never the secret).
_USERNAME = "username"
_KIND = "kind"
# Per registry: connection settings (text values, then the two switches).
_CONNECTION_TEXT = ("ca_bundle", "client_cert", "client_key", "proxy")
_PLAIN_HTTP = "plain_http"
_SKIP_TLS_VERIFY = "skip_tls_verify"


def _as_list(value: object) -> list[str]:
    """A stored list, whatever shape QSettings gives it back in."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _as_flag(value: object) -> bool | None:
    """QSettings gives booleans back as "true"/"false" from an INI file."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _as_bytes(value: object) -> QByteArray | None:
    return value if isinstance(value, QByteArray) else None


def default_plain_http(registry: str) -> bool:
    """Plain HTTP is allowed by default only for localhost / 127.0.0.1 / ::1."""
    from acr_desktop.registry.connection import ConnectionSettings
    from acr_desktop.registry.reference import registry_api_host

    return ConnectionSettings().scheme_for(registry_api_host(registry)) == "http"


class Preferences:
    """Typed access to the app's QSettings (the platform's default store unless given one)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    def sync(self) -> None:
        self.store.sync()

    def _registry_key(self, registry: str, name: str) -> str:
        return f"{_REGISTRIES}/{registry}/{name}"

    # -- the window ----------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        return _as_bytes(self.store.value(_GEOMETRY))

    def set_geometry(self, value: QByteArray) -> None:
        self.store.setValue(_GEOMETRY, value)

    def window_split(self) -> QByteArray | None:
        return _as_bytes(self.store.value(_WINDOW_SPLIT))

    def set_window_split(self, value: QByteArray) -> None:
        self.store.setValue(_WINDOW_SPLIT, value)

    def inspector_state(self, part: str) -> QByteArray | None:
        """The saved layout of one of INSPECTOR_PARTS."""
        return _as_bytes(self.store.value(f"inspector/{part}"))

    def set_inspector_state(self, part: str, value: QByteArray) -> None:
        assert part in INSPECTOR_PARTS, part
        self.store.setValue(f"inspector/{part}", value)

    # -- the network -------------------------------------------------------------------------
    def timeout(self) -> float:
        """Seconds one inspect may take in all (rate-limit waits included): DEFAULT_TIMEOUT
        unless a sane number is stored."""
        try:
            value = float(str(self.store.value(_TIMEOUT, DEFAULT_TIMEOUT)))
        except ValueError:
            return DEFAULT_TIMEOUT
        return value if 0 < value <= MAX_TIMEOUT else DEFAULT_TIMEOUT  # NaN fails both

    def set_timeout(self, seconds: float) -> None:
        self.store.setValue(_TIMEOUT, float(seconds))

    # -- references ----------------------------------------------------------------------------
    def recent(self) -> list[str]:
        """References inspected lately, the newest first."""
        return _as_list(self.store.value(_RECENT))

    def set_recent(self, references: list[str]) -> None:
        self.store.setValue(_RECENT, references[:MAX_RECENT])

    def remember(self, reference: str) -> list[str]:
        """Put `reference` first in the recent list, merged with what another instance of the
        app may have written meanwhile; the new list."""
        self.store.sync()
        recent = [reference] + [r for r in self.recent() if r != reference]
        self.set_recent(recent)
        self.store.sync()
        return recent[:MAX_RECENT]

    def bookmarks(self) -> list[str]:
        return _as_list(self.store.value(_BOOKMARKS))

    def set_bookmarks(self, references: list[str]) -> None:
        self.store.setValue(_BOOKMARKS, references)

    def set_bookmarked(self, reference: str, marked: bool) -> list[str]:
        """Add or remove one bookmark, keeping what another instance of the app saved
        meanwhile (the store is read again first); the bookmarks now."""
        self.store.sync()
        marks = [m for m in self.bookmarks() if m != reference]
        if marked:
            marks.append(reference)
        self.set_bookmarks(marks)
        self.store.sync()
        return marks

    # -- the view ------------------------------------------------------------------------------
    def theme(self) -> str:
        """One of THEMES: follow the system's colour scheme, or always light or dark."""
        value = str(self.store.value(_THEME, "system") or "system")
        return value if value in THEMES else "system"

    def set_theme(self, theme: str) -> None:
        assert theme in THEMES, theme
        self.store.setValue(_THEME, theme)

    def tag_columns(self) -> list[str] | None:
        """The tag list's optional columns the user chose (None: never chosen, the defaults)."""
        value = self.store.value(_TAG_COLUMNS)
        if value is None:
            return None
        return [k for k in str(value).split(",") if k]  # one text: an empty choice stays one

    def set_tag_columns(self, keys: list[str]) -> None:
        self.store.setValue(_TAG_COLUMNS, ",".join(keys))

    # -- the layer listings kept on disk -------------------------------------------------------
    def layer_cache_limit(self) -> int:
        """Bytes the layer listings kept on disk may take (the least recently used go first)."""
        try:
            value = int(str(self.store.value(_LAYER_CACHE_LIMIT, DEFAULT_LAYER_CACHE_LIMIT)))
        except ValueError:
            return DEFAULT_LAYER_CACHE_LIMIT
        return value if value > 0 else DEFAULT_LAYER_CACHE_LIMIT

    def set_layer_cache_limit(self, limit: int) -> None:
        self.store.setValue(_LAYER_CACHE_LIMIT, int(limit))

    # -- the supply chain ----------------------------------------------------------------------
    def supply_auto(self) -> bool:
        """Whether every inspect also lists the referrers (signatures, SBOMs, provenance, end of
        life) in the background: on unless turned off (never on Docker Hub: pull limits)."""
        return _as_flag(self.store.value(_SUPPLY_AUTO)) is not False

    def set_supply_auto(self, on: bool) -> None:
        self.store.setValue(_SUPPLY_AUTO, "true" if on else "false")

    # -- registries ----------------------------------------------------------------------------
    def known_registries(self) -> list[str]:
        """Registries something is stored for (sign-in or connection settings), then those of
        the recent references (each of which loaded)."""
        self.store.beginGroup(_REGISTRIES)
        names = [n.replace("%3A", ":") for n in self.store.childGroups()]
        self.store.endGroup()
        for text in self.recent():
            registry = text.split("/", 1)[0]
            if registry not in names and ("." in registry or ":" in registry):
                names.append(registry)
        return names

    def username(self, registry: str) -> str | None:
        value = self.store.value(self._registry_key(registry, _USERNAME))
        return str(value) if value else None

    def kind(self, registry: str) -> str:
        """The sign-in kind last chosen for `registry` ("" when none was)."""
        return str(self.store.value(self._registry_key(registry, _KIND), "") or "")

    def set_username(self, registry: str, username: str) -> None:
        self.store.setValue(self._registry_key(registry, _USERNAME), username)

    def set_account(self, registry: str, kind: str, username: str | None = None) -> None:
        """How `registry` is signed in to, and as whom (no user name: the last one stays)."""
        if username:
            self.store.setValue(self._registry_key(registry, _USERNAME), username)
        self.store.setValue(self._registry_key(registry, _KIND), kind)
        self.store.sync()

    def forget_account(self, registry: str) -> None:
        """Forget who signs in to `registry` (its connection settings stay)."""
        for name in (_USERNAME, _KIND):
            self.store.remove(self._registry_key(registry, name))
        self.store.sync()

    def connection_settings(self, registry: str) -> ConnectionSettings:
        """What the user chose for `registry` (defaults for anything not chosen)."""
        from acr_desktop.registry.connection import ConnectionSettings

        text = {
            name: str(self.store.value(self._registry_key(registry, name), "") or "")
            for name in _CONNECTION_TEXT
        }
        return ConnectionSettings(
            plain_http=_as_flag(self.store.value(self._registry_key(registry, _PLAIN_HTTP))),
            verify_tls=not _as_flag(
                self.store.value(self._registry_key(registry, _SKIP_TLS_VERIFY))
            ),
            ca_bundle=text["ca_bundle"] or None,
            client_cert=text["client_cert"] or None,
            client_key=text["client_key"] or None,
            proxy=text["proxy"] or None,
        )

    def set_connection_settings(self, registry: str, value: ConnectionSettings) -> None:
        """Store what differs from the defaults; remove the rest."""
        plain_http = value.plain_http
        chosen: dict[str, object] = {
            _PLAIN_HTTP: plain_http
            if plain_http is not None and plain_http != default_plain_http(registry)
            else None,
            _SKIP_TLS_VERIFY: True if not value.verify_tls else None,
            "ca_bundle": value.ca_bundle,
            "client_cert": value.client_cert,
            "client_key": value.client_key,
            "proxy": value.proxy,
        }
        for name, setting in chosen.items():
            if setting is None or setting == "":
                self.store.remove(self._registry_key(registry, name))
            else:
                self.store.setValue(self._registry_key(registry, name), setting)
        self.store.sync()
