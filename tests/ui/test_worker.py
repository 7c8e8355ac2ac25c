"""The one worker type: results on the UI thread, progress, cancel, superseded answers dropped,
and finished jobs deleted safely (also when a slot starts the next job)."""

from __future__ import annotations

import gc
import threading
import time

import shiboken6
from pytestqt.qtbot import QtBot

from acr_desktop.registry.operation import check_cancelled
from acr_desktop.ui.worker import JobRunner


def test_result_arrives_on_the_ui_thread(qtbot: QtBot) -> None:
    runner = JobRunner()
    seen: list[tuple[object, bool]] = []
    job = runner.start("x", lambda: [1, 2, {"a": 3}])
    job.returned.connect(
        lambda v: seen.append((v, threading.current_thread() is threading.main_thread()))
    )
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [([1, 2, {"a": 3}], True)]
    runner.shutdown()


def test_progress_cancel_and_superseded(qtbot: QtBot) -> None:
    runner = JobRunner()
    pages: list[object] = []
    results: list[object] = []

    def slow(report: object) -> str:
        for i in range(100):
            report([i])  # type: ignore[operator]
            time.sleep(0.01)
            check_cancelled()
        return "slow"

    first = runner.start("x", slow, with_progress=True)
    first.progress.connect(pages.append)
    first.returned.connect(results.append)
    qtbot.waitUntil(lambda: len(pages) >= 2)
    second = runner.start("x", lambda: "fast")  # supersedes and cancels the first
    second.returned.connect(results.append)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    qtbot.wait(100)
    assert results == ["fast"]
    assert first.cancelled
    runner.shutdown()


def test_a_slot_that_starts_the_next_job_and_reaping(qtbot: QtBot) -> None:
    runner = JobRunner()
    done: list[int] = []

    def chain(n: int) -> None:
        done.append(n)
        if n < 50:
            runner.start("x", lambda: n + 1).returned.connect(chain)

    runner.start("x", lambda: 0).returned.connect(chain)
    qtbot.waitUntil(lambda: len(done) == 51, timeout=10_000)
    assert len(runner._finished) < 10  # finished jobs are deleted as new ones start
    runner.shutdown()
    shiboken6.delete(runner)  # a runner going away with its jobs
    gc.collect()
    qtbot.wait(50)  # nothing left to crash on
