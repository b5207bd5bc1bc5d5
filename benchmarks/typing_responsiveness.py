"""Benchmark: the window's worst event-loop stall while a person types into a big tunebook, before and after a change.

A 5 ms QTimer records the time between its ticks; a stall is how much later than 5 ms a tick came. The window
(offscreen, 1280×800) opens the tunebook, waits until it is drawn and checked, then 30 keys are typed into a
tune's music in the middle of the book, one every 80 ms, and the window is left to settle (3 s more). Reported: the time
to open (until the tune list, the staff and the problems are up to date), the worst stall while typing and
settling, and the time to open another (small) file after the edit.

Each code tree runs in a child process of its own (PYTHONPATH=TREE), so one run sets two versions side by side:

    .venv/bin/python benchmarks/typing_responsiveness.py --before ../composer-at-main [--book jigs|5mb]

`jigs` is Nottingham's jigs.abc (340 tunes); `5mb` is all of Nottingham's files concatenated until the book
passes 5 MB. Settings and autosaves go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TICK_MS = 5
KEYS = "GAB cBA|"
KEY_COUNT = 30
KEY_GAP_MS = 80
CHILD_TIMEOUT_S = 900
TAIL_MS = 3000


def nottingham_folder() -> Path:
    sys.path.insert(0, str(REPO))
    from composer.abc.corpora import nottingham_dir

    return nottingham_dir()


def make_book(which: str, folder: Path) -> Path:
    """The tunebook to type into: jigs.abc, or the whole corpus repeated past 5 MB."""
    source = nottingham_folder()
    if which == "jigs":
        return source / "jigs.abc"
    corpus = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(source.glob("*.abc")))
    copies = -(-5_000_000 // len(corpus.encode("utf-8")))
    path = folder / "nottingham-5mb.abc"
    path.write_text("\n".join([corpus] * copies), encoding="utf-8")
    return path


def child(book: Path, other: Path) -> dict:
    """Runs in the child: open, type, open another; the figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from composer.abc.tunebook import read_string
    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings

    app = QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="composer-typing-"))
    window = MainWindow(settings=Settings(QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat)),
                        autosave_folder=scratch / "autosave")
    window.resize(1280, 800)
    window.show()

    def settled() -> bool:
        return (window.jobs.is_idle() and not window._render_timer.isActive()
                and not window._check_timer.isActive() and window.document.is_parsed)

    def wait_settled(limit_s: float = 600.0) -> None:
        deadline = time.monotonic() + limit_s
        app.processEvents()
        while not settled() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)

    started = time.perf_counter()
    window.open_path(book, ask=False)
    wait_settled()
    opened_s = time.perf_counter() - started

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0] - TICK_MS)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    tunes = read_string(window.text).tunes
    tune = tunes[len(tunes) // 2]
    lines = window.text.split("\n")
    music_line = next(n + 1 for n in range(tune.line - 1, tune.end_line)
                      if lines[n - 1].startswith("K:"))  # the line after the tune's K: field
    window.editor.go_to(music_line, 1)
    window.editor.setFocus()
    app.processEvents()
    last[0] = clock.elapsed()
    timer.start()
    for number in range(KEY_COUNT):
        QTest.keyClicks(window.editor, KEYS[number % len(KEYS)])
        QTest.qWait(KEY_GAP_MS)
    wait_settled()
    QTest.qWait(TAIL_MS)  # what the window does once typing has paused (the transport's rebuild, say)
    timer.stop()

    started = time.perf_counter()
    window.editor.document().setModified(False)
    window.open_path(other, ask=False)
    wait_settled()
    other_s = time.perf_counter() - started
    window.editor.document().setModified(False)
    window.close()
    return {"open_s": round(opened_s, 3), "worst_stall_ms": round(max(gaps), 1),
            "median_stall_ms": round(sorted(gaps)[len(gaps) // 2], 1), "ticks": len(gaps),
            "open_another_s": round(other_s, 3), "bytes": book.stat().st_size}


def run_tree(tree: Path, book: Path, other: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), QT_QPA_PLATFORM="offscreen")
    try:
        done = subprocess.run([sys.executable, __file__, "--child", str(book), str(other)], cwd=tree, env=env,
                              capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {CHILD_TIMEOUT_S} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout of Composer to compare with")
    parser.add_argument("--book", choices=("jigs", "5mb"), default="jigs")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(*options.child)))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="composer-typing-book-"))
    book = make_book(options.book, scratch)
    other = REPO / "resources" / "examples.abc"
    trees = ([("before", options.before.resolve())] if options.before else []) + [("after", REPO)]
    print(f"book: {book.name}, {book.stat().st_size / 1e6:.2f} MB; {KEY_COUNT} keys, one every {KEY_GAP_MS} ms")
    print(f"{'':8}{'open s':>10}{'worst stall ms':>16}{'median ms':>11}{'open another s':>16}")
    for label, tree in trees:
        figures = run_tree(tree, book, other)
        if "error" in figures:
            print(f"{label:8}{figures['error']}")
            continue
        print(f"{label:8}{figures['open_s']:>10.2f}{figures['worst_stall_ms']:>16.1f}"
              f"{figures['median_stall_ms']:>11.1f}{figures['open_another_s']:>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
