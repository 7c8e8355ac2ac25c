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


def test_shutdown_is_bounded_and_lets_go_of_a_thread_that_stays_blocked(qtbot: QtBot) -> None:
    """A thread blocked where cancel cannot reach must not hold the window (or the process):
    shutdown() waits its bound and says so; deleting the runner does not wait for the thread."""
    release = threading.Event()
    runner = JobRunner()
    runner.start("x", lambda: release.wait(30))
    started = time.monotonic()
    assert runner.shutdown(wait_ms=200) is False
    assert time.monotonic() - started < 1.0
    assert runner.stuck
    deleting = time.monotonic()
    shiboken6.delete(runner)
    assert time.monotonic() - deleting < 0.5
    release.set()


def test_shutdown_of_an_idle_runner_is_clean(qtbot: QtBot) -> None:
    runner = JobRunner()
    job = runner.start("x", lambda: 1)
    qtbot.waitUntil(lambda: not job.running)
    assert runner.shutdown(wait_ms=1000) is True
    assert not runner.stuck


def test_deleting_a_runner_with_queued_work_does_not_deadlock(qtbot: QtBot) -> None:
    """A view deleted while its jobs are queued (all slots busy) must not wait for them: a
    QThreadPool did, holding Python's lock that the queued job needed to start."""
    release = threading.Event()
    runner = JobRunner(max_threads=1)
    runner.start("busy", lambda: release.wait(30))
    queued = runner.start("queued", lambda: 1)
    started = time.monotonic()
    shiboken6.delete(runner)
    assert time.monotonic() - started < 0.5
    release.set()
    qtbot.waitUntil(lambda: queued.thread_done, timeout=5000)


def test_at_most_max_threads_run_at_once(qtbot: QtBot) -> None:
    runner = JobRunner(max_threads=2)
    lock = threading.Lock()
    running, most = [0], [0]

    def work() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1

    jobs = [runner.start(f"c{i}", work) for i in range(5)]
    qtbot.waitUntil(lambda: all(j.thread_done for j in jobs), timeout=5000)
    assert most[0] == 2
    assert runner.shutdown(1000)
