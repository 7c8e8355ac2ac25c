"""The image config blob: what the image runs and how it was built, history aligned to layers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from acr_desktop.registry.errors import InvalidResponse


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

    @property
    def platform(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


def parse_config(raw: bytes) -> ImageConfig:
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidResponse(f"The image config is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict):
        raise InvalidResponse("The image config is not a JSON object.")
    run: dict[str, Any] = doc["config"] if isinstance(doc.get("config"), dict) else {}
    rootfs: dict[str, Any] = doc["rootfs"] if isinstance(doc.get("rootfs"), dict) else {}
    diff_ids = tuple(str(d) for d in _list(rootfs.get("diff_ids")))
    return ImageConfig(
        created=_str_or_none(doc.get("created")),
        os=str(doc.get("os") or ""),
        architecture=str(doc.get("architecture") or ""),
        variant=_str_or_none(doc.get("variant")),
        os_version=_str_or_none(doc.get("os.version")),
        user=str(run.get("User") or ""),
        env=tuple(str(e) for e in _list(run.get("Env"))),
        entrypoint=_argv(run.get("Entrypoint")),
        cmd=_argv(run.get("Cmd")),
        working_dir=str(run.get("WorkingDir") or ""),
        exposed_ports=tuple(sorted(str(p) for p in (run.get("ExposedPorts") or {}))),
        labels={str(k): str(v) for k, v in (run.get("Labels") or {}).items()},
        history=align_history(_list(doc.get("history"))),
        diff_ids=diff_ids,
        author=_str_or_none(doc.get("author")),
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
                created_by=str(entry.get("created_by") or ""),
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


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return (value,)
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
