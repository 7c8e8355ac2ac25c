"""The SBOM window with a big SBOM: the time to show, filter and sort --packages packages (built in
code, Syft-like names, versions, purls and licences), offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/sbom_view_bench.py [--packages 200000]

Prints, best of --repeat runs (a busy machine's pauses left out):
  index        PackageIndex with every column's sorted order (what `load` makes on the worker)
  show         SbomWindow.show_sbom-equivalent on the UI thread once the index is made
               (model reset, counts, column widths) and the first paint
  filter       a debounced filter applied: one word matching ~1/6 of the packages, one matching
               one package, two words, then cleared (each with the repaint)
  sort         a header click on each column, ascending then descending (each with the repaint)
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from acr_desktop.registry.sbom import Package, Sbom  # noqa: E402
from acr_desktop.ui import sbom_view  # noqa: E402
from acr_desktop.ui.sbom_view import PackageIndex, PackagesModel, SbomWindow  # noqa: E402

KINDS = ("deb", "npm", "pypi", "golang", "maven", "apk")
LICENCES = ("MIT", "Apache-2.0", "GPL-2.0-only", "BSD-3-Clause", "")


def packages(count: int) -> tuple[Package, ...]:
    rows = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        name = f"package-{i}-{kind}"
        version = f"{i % 17}.{i % 101}.{i % 7}"
        purl = f"pkg:{kind}/example/{name}@{version}"
        rows.append(Package(name, version, kind, purl, LICENCES[i % len(LICENCES)]))
    return tuple(rows)


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    app = QApplication(sys.argv)
    sbom = Sbom("SPDX 2.3", packages(opts.packages), "syft 1.0.0", "2025-01-02T03:04:05Z", None)
    print(f"{opts.packages:,} packages")

    def prepared() -> PackageIndex:
        return sbom_view._prepared(sbom)[1]

    print(f"  index (worker): {best(opts.repeat, prepared):7.3f} s")
    for column, name in enumerate(PackagesModel.HEADERS):
        fresh = PackageIndex(sbom.packages)
        start = time.perf_counter()
        fresh.order(column)
        seconds = time.perf_counter() - start
        print(f"    sorted order of {name:8}: {seconds:6.3f} s")
    lookup = prepared()
    window = SbomWindow("SPDX SBOM of bench.example/app:1", None)
    window.resize(900, 600)
    window.show()
    app.processEvents()

    def show() -> None:
        window._show((sbom, lookup))
        window.repaint()
        app.processEvents()

    print(f"  show (UI thread): {best(opts.repeat, show):7.3f} s")

    def filtered(text: str) -> Callable[[], None]:
        def run() -> None:
            window.filter.setText(text)
            window.apply_filter()
            window.repaint()
            app.processEvents()
            window.filter.setText("")  # back to all, not timed: the next run filters again
            window.apply_filter()

        return run

    for text in ("npm", "package-123456-", "maven apache", "no such package"):
        seconds = best(opts.repeat, filtered(text))
        window.filter.setText(text)
        window.apply_filter()
        print(f"  filter {text!r:20}: {seconds * 1000:7.1f} ms  ({window.count.text()})")
    window.filter.setText("")
    window.apply_filter()
    sorting(app, window, opts.repeat)
    window.close()


def sorting(app: QApplication, window: SbomWindow, repeat: int) -> None:
    for column, name in enumerate(PackagesModel.HEADERS):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):

            def sort(column: int = column, order: Qt.SortOrder = order) -> None:
                window.table.sortByColumn(column, order)
                window.repaint()
                app.processEvents()

            word = "asc " if order == Qt.SortOrder.AscendingOrder else "desc"
            print(f"  sort {name:8} {word}     : {best(repeat, sort) * 1000:7.1f} ms")
    window.filter.setText("npm")
    window.apply_filter()
    times = []
    for column in range(5):
        start = time.perf_counter()
        window.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        app.processEvents()
        times.append(time.perf_counter() - start)
    print(f"  sort while filtered   : {statistics.median(times) * 1000:7.1f} ms (median)")


if __name__ == "__main__":
    main()
