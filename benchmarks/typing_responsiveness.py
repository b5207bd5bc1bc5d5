"""Benchmark: opening and checking a big tunebook, and the window's worst event-loop stall while a person types in
it, before and after a change.

A 5 ms QTimer records the time between its ticks; a stall is how much later than 5 ms a tick came. The window
(offscreen, 1280×800) opens the tunebook. Reported, from the moment it is asked to open the file:

- `shown s`: the window shows the book (the editor holds it, the tune list lists every tune, the staff is drawn);
- `cursor s`: the tune at the cursor is checked and its problems are on show (a window that checks the whole
  book at once shows them with the rest);
- `checked s`: the whole book is checked (every problem found; the window is idle);
- `open stall ms`: the worst stall until the window shows the book (reading it in, mostly);
- `check stall ms`: the worst stall after that, until the whole book is checked.

Then one key is typed into a tune in the middle of the book and checked at once: `re-check s` is the time until
the whole book's problems are up to date. Then 30 keys are typed, one every 80 ms, and the window is left to
settle (3 s more): `worst stall ms` and `median ms`. Last, `open another s`: opening another (small) file.

Each code tree runs in a child process of its own (PYTHONPATH=TREE), so one run sets two versions side by side:

    .venv/bin/python benchmarks/typing_responsiveness.py --before ../composer-at-main [--book jigs|5mb]

`jigs` is Nottingham's jigs.abc (340 tunes); `5mb` is all of Nottingham's files concatenated until the book
passes 5 MB, each copy's titles numbered, so that no two tunes are the same text. Settings and autosaves go to a
temporary folder.
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
CHILD_TIMEOUT_S = 1500
TAIL_MS = 3000
COLUMNS = (("shown s", "shown_s", 9, 2), ("cursor s", "cursor_checked_s", 10, 2), ("checked s", "checked_s", 11, 2),
           ("open stall ms", "open_stall_ms", 15, 1), ("check stall ms", "check_stall_ms", 16, 1),
           ("re-check s", "recheck_s", 12, 3),
           ("worst stall ms", "worst_stall_ms", 16, 1), ("median ms", "median_stall_ms", 11, 1),
           ("open another s", "open_another_s", 16, 2))


def nottingham_folder() -> Path:
    sys.path.insert(0, str(REPO))
    from composer.abc.corpora import nottingham_dir

    return nottingham_dir()


def make_book(which: str, folder: Path) -> Path:
    """The tunebook to type into: jigs.abc, or the whole corpus repeated past 5 MB, each copy's titles numbered."""
    source = nottingham_folder()
    if which == "jigs":
        return source / "jigs.abc"
    corpus = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(source.glob("*.abc")))
    copies = -(-5_000_000 // len(corpus.encode("utf-8")))
    path = folder / "nottingham-5mb.abc"
    path.write_text("\n".join(corpus.replace("\nT:", f"\nT:{copy} ") for copy in range(copies)), encoding="utf-8")
    return path


def child(book: Path, other: Path) -> dict:
    """Runs in the child: open, check, type, open another; the figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from composer.abc.tunebook import read_string, read_text
    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings

    app = QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="composer-typing-"))
    window = MainWindow(settings=Settings(QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat)),
                        autosave_folder=scratch / "autosave")
    window.resize(1280, 800)
    window.show()
    tune_count = len(read_string(read_text(book)[0]).tunes)

    def settled() -> bool:
        return (window.jobs.is_idle() and not window._render_timer.isActive()
                and not window._check_timer.isActive() and window.document.is_parsed)

    def shown() -> bool:
        return (bool(window.editor.document().characterCount() > 1) and window.tune_list.row_count() == tune_count
                and window.staff.engraved is not None)

    def wait_until(condition, limit_s: float = 1200.0) -> None:
        deadline = time.monotonic() + limit_s
        app.processEvents()
        while not condition() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)

    marks: dict[str, float] = {}
    lane_done = {"check": 0}

    staged = hasattr(window, "checking")  # the window shows the tune at the cursor's problems first, then the rest

    def on_lane(lane: str, _result) -> None:
        if lane == "check":
            lane_done["check"] += 1
            if not staged:
                marks.setdefault("checked", time.perf_counter())

    def on_found(found) -> None:  # a staged check may answer in more than one job of its lane
        if not found.complete:
            marks.setdefault("cursor", time.perf_counter())
        elif "cursor" in marks:  # (the complete, empty showing of a new document's reset comes first)
            marks.setdefault("checked", time.perf_counter())

    window.jobs.finished.connect(on_lane)
    if staged:
        window.checking.found.connect(on_found)

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
    wait_until(settled)
    marks.clear()
    timer.start()
    started = time.perf_counter()
    window.open_path(book, ask=False)
    wait_until(shown)
    shown_s, open_stall_ms, opening_ticks = time.perf_counter() - started, max(gaps, default=0.0), len(gaps)
    wait_until(lambda: settled() and "checked" in marks)
    figures = {"shown_s": shown_s, "cursor_checked_s": marks.get("cursor", marks["checked"]) - started,
               "checked_s": marks["checked"] - started, "open_stall_ms": open_stall_ms,
               "check_stall_ms": max(gaps[opening_ticks:], default=0.0)}
    timer.stop()

    tunes = read_string(window.text).tunes
    tune = tunes[len(tunes) // 2]
    lines = window.text.split("\n")
    music_line = next(n + 1 for n in range(tune.line - 1, tune.end_line)
                      if lines[n - 1].startswith("K:"))  # the line after the tune's K: field
    window.editor.go_to(music_line, 1)
    window.editor.setFocus()
    app.processEvents()
    checks = lane_done["check"]
    QTest.keyClicks(window.editor, "z")
    started = time.perf_counter()
    window.check_now()
    wait_until(lambda: lane_done["check"] > checks)
    figures["recheck_s"] = time.perf_counter() - started
    wait_until(settled)

    gaps.clear()
    last[0] = clock.elapsed()
    timer.start()
    for number in range(KEY_COUNT):
        QTest.keyClicks(window.editor, KEYS[number % len(KEYS)])
        QTest.qWait(KEY_GAP_MS)
    wait_until(settled)
    QTest.qWait(TAIL_MS)  # what the window does once typing has paused (the transport's rebuild, say)
    timer.stop()
    figures.update(worst_stall_ms=max(gaps), median_stall_ms=sorted(gaps)[len(gaps) // 2], ticks=len(gaps))

    started = time.perf_counter()
    window.editor.document().setModified(False)
    window.open_path(other, ask=False)
    wait_until(settled)
    figures["open_another_s"] = time.perf_counter() - started
    window.editor.document().setModified(False)
    window.close()
    return {**{key: round(value, 3) for key, value in figures.items()}, "bytes": book.stat().st_size,
            "tunes": tune_count}


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
    print(f"{'':8}" + "".join(f"{title:>{width}}" for title, _key, width, _digits in COLUMNS))
    for label, tree in trees:
        figures = run_tree(tree, book, other)
        if "error" in figures:
            print(f"{label:8}{figures['error']}")
            continue
        print(f"{label:8}" + "".join(f"{figures[key]:>{width}.{digits}f}" for _title, key, width, digits in COLUMNS),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
