"""The image config blob: what the image runs and how it was built, history aligned to layers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from acr_desktop.registry.json_doc import load_json_object


@dataclass(frozen=True)
class HistoryStep:
    created: str | None
    created_by: str
    comment: str | None
    empty_layer: bool
    layer_index: int | None  # index into the manifest's layers; None for empty steps


@dataclass(frozen=True)
class ImageConfig:
    created: str | None
    os: str
    architecture: str
    variant: str | None
    os_version: str | None
    user: str
    env: tuple[str, ...]
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    working_dir: str
    exposed_ports: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    history: tuple[HistoryStep, ...] = ()
    diff_ids: tuple[str, ...] = ()
    author: str | None = None
    volumes: tuple[str, ...] = ()  # `config.Volumes`, sorted

    @property
    def platform(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


def parse_config(raw: bytes) -> ImageConfig:
    """Parse the config blob; InvalidResponse if it is not a bounded JSON object. Fields of the
    wrong JSON type are read as absent: the config is shown, never acted on."""
    doc = load_json_object(raw, what="image config")
    run: dict[str, Any] = doc["config"] if isinstance(doc.get("config"), dict) else {}
    rootfs: dict[str, Any] = doc["rootfs"] if isinstance(doc.get("rootfs"), dict) else {}
    diff_ids = _strings(rootfs.get("diff_ids"))
    return ImageConfig(
        created=_str_or_none(doc.get("created")),
        os=_text(doc.get("os")),
        architecture=_text(doc.get("architecture")),
        variant=_str_or_none(doc.get("variant")),
        os_version=_str_or_none(doc.get("os.version")),
        user=_text(run.get("User")),
        env=_strings(run.get("Env")),
        entrypoint=_argv(run.get("Entrypoint")),
        cmd=_argv(run.get("Cmd")),
        working_dir=_text(run.get("WorkingDir")),
        exposed_ports=tuple(sorted(_dict(run.get("ExposedPorts")))),
        labels={k: _scalar_text(v) for k, v in _dict(run.get("Labels")).items()},
        history=align_history(_list(doc.get("history"))),
        diff_ids=diff_ids,
        author=_str_or_none(doc.get("author")),
        volumes=tuple(sorted(_dict(run.get("Volumes")))),
    )


def align_history(entries: list[Any]) -> tuple[HistoryStep, ...]:
    """Number the steps that made a layer; `empty_layer` steps made none."""
    steps: list[HistoryStep] = []
    layer = 0
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        empty = bool(entry.get("empty_layer"))
        steps.append(
            HistoryStep(
                created=_str_or_none(entry.get("created")),
                created_by=_text(entry.get("created_by")),
                comment=_str_or_none(entry.get("comment")),
                empty_layer=empty,
                layer_index=None if empty else layer,
            )
        )
        if not empty:
            layer += 1
    return tuple(steps)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings; other items (and a value that is no list) are dropped."""
    return tuple(v for v in _list(value) if isinstance(v, str))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _scalar_text(value: Any) -> str:
    """A label value: strings as they are, numbers and booleans as text, anything else empty."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, bool | int | float) else ""


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else "" for v in value)
    if isinstance(value, str):
        return (value,)
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
