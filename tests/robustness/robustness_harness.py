"""Run crafted files through every command and the window, in child processes under time and memory limits.

The parent (`run_files`) starts a driver process (this file run as a script) with RLIMIT_AS set, hands it
file paths one at a time and reads one JSON record per file back on a pipe of its own. The driver runs every
step in-process, so the imports (music21, onnxruntime, Qt) are paid once per driver, not once per step:

- `check`, `export` to each format, `continue` (shipped model, a few characters) and `score`, each through
  `composer.cli.main` with its standard output and error (file descriptors 1 and 2, so that what a library or
  a child program prints is caught too) captured, under a per-step time limit (SIGALRM), its peak resident
  memory measured (VmHWM, reset before each step);
- the window: open the file, engrave and check it, go to its last tune, play it through FluidSynth's `file`
  driver, stop; every error handed to the window by a background job, every exception that reaches
  `sys.excepthook` or `threading.excepthook`, and what the window says are recorded.

A step that overruns its limit is stopped by the alarm; a driver that dies (memory, a signal) or stops
answering is replaced, and the file it was on is recorded as having killed it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds after which a step is taken to hang (a guard, not a speed target: the slowest step takes about 22 s
#: on a quiet 2-core machine, and a loaded one stretches it), and bytes of address space a driver may map (a
#: normal run maps about 0.55 GB: music21, onnxruntime, Qt and FluidSynth with its SoundFont).
STEP_LIMIT_S = 120.0
ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024
#: Peak resident memory one step may reach.
RSS_LIMIT = 1024 * 1024 * 1024
#: Export formats, by output extension.
EXPORT_SUFFIXES = (".mid", ".musicxml", ".wav", ".pdf", ".svg", ".abc")
#: A driver that has mapped more than this after a file is replaced before the next (so one file's leftovers
#: cannot make another run out of address space).
MAPPED_BEFORE_RESTART = 900 * 1024 * 1024
#: How long the parent waits for one file's record before it declares the driver hung (all steps, plus slack).
FILE_LIMIT_S = STEP_LIMIT_S * 4

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@dataclass
class StepResult:
    """One step of one file: its exit status (None when it did not finish), what it printed, its cost."""

    name: str
    argv: list[str]
    code: int | None
    out: str
    err: str
    seconds: float
    peak_rss: int
    failure: str | None = None  # "timeout", "memory", or the escaped exception's type and message
    details: dict = field(default_factory=dict)


@dataclass
class FileResult:
    path: str
    steps: list[StepResult]
    crashed: str | None = None  # the driver died or hung on this file
    mapped: int = 0  # the driver's address space after this file

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


def run_files(paths: list[Path], workdir: Path, *, window: bool = True,
              drivers: int = min(2, os.cpu_count() or 1)) -> dict[str, FileResult]:
    """Every file through every step, in `drivers` driver processes side by side; path → its record."""
    from concurrent.futures import ThreadPoolExecutor

    workdir.mkdir(parents=True, exist_ok=True)
    shares = [list(paths[i::drivers]) for i in range(drivers)]
    with ThreadPoolExecutor(drivers) as pool:
        found = list(pool.map(lambda share: _run_share(share, workdir, window), shares))
    return {path: result for share in found for path, result in share.items()}


def _run_share(paths: list[Path], workdir: Path, window: bool) -> dict[str, FileResult]:
    results: dict[str, FileResult] = {}
    queue = list(paths)
    while queue:
        driver = _Driver(workdir, window=window)
        try:
            while queue:
                path = queue[0]
                record = driver.run(path)
                queue.pop(0)
                results[str(path)] = record
                if (record.crashed or record.mapped > MAPPED_BEFORE_RESTART
                        or any(step.failure for step in record.steps)):
                    break  # a fresh driver for the rest: a step stopped midway may leave locks or threads
        finally:
            driver.close()
    return results


class _Driver:
    def __init__(self, workdir: Path, *, window: bool) -> None:
        self.workdir = workdir
        read_end, self._write_end = os.pipe()
        self._reader = os.fdopen(read_end, "r", encoding="utf-8")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COMPOSER_DATA=str(workdir / "data"),
                   XDG_CONFIG_HOME=str(workdir / "config"), XDG_DATA_HOME=str(workdir / "share"),
                   PYTHONFAULTHANDLER="1", MALLOC_ARENA_MAX="2")
        self.log = open(workdir / f"driver-{os.getpid()}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), str(self._write_end), str(workdir), "1" if window else "0"],
            stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=str(workdir),
            pass_fds=(self._write_end,), text=True)
        os.close(self._write_end)

    def run(self, path: Path) -> FileResult:
        try:
            self.process.stdin.write(str(path) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return FileResult(str(path), [], crashed=f"the driver had ended (exit {self.process.poll()})")
        ready, _, _ = select.select([self._reader], [], [], FILE_LIMIT_S)
        line = self._reader.readline() if ready else ""
        if not line:
            hung = self.process.poll() is None
            self._kill()
            return FileResult(str(path), [], crashed=(f"no answer within {FILE_LIMIT_S:g} s" if hung else
                                                      f"the driver died (exit {self.process.returncode})"))
        record = json.loads(line)
        return FileResult(record["path"], [StepResult(**s) for s in record["steps"]], mapped=record["mapped"])

    def _kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self._kill()
        self._reader.close()
        self.log.close()


def _limit_address_space() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


# ----------------------------------------------------------------------------------------- the driver side
class StepTimedOut(BaseException):
    """Raised by the alarm in the middle of a step (BaseException: no `except Exception` swallows it)."""


def _on_alarm(_signal, _frame) -> None:
    raise StepTimedOut


def _peak_rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _mapped() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


class _Captured:
    """Point file descriptors 1 and 2 at files for the length of a step."""

    def __init__(self, folder: Path) -> None:
        self.paths = (folder / "step-out.txt", folder / "step-err.txt")

    def __enter__(self) -> _Captured:
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        for fd, path in zip((1, 2), self.paths, strict=True):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        return self

    def __exit__(self, *_exc) -> None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        for fd, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self.out, self.err = (p.read_text(encoding="utf-8", errors="replace") for p in self.paths)


def _timed(name: str, argv: list[str], folder: Path, body) -> StepResult:
    """Run `body()` (→ exit status, details) with output captured, under the step limit."""
    import gc

    gc.collect()
    _reset_peak_rss()
    started = time.perf_counter()
    code, failure, details = None, None, {}
    captured = _Captured(folder)
    with captured:
        signal.setitimer(signal.ITIMER_REAL, STEP_LIMIT_S)
        try:
            code, details = body()
        except StepTimedOut:
            failure = "timeout"
        except MemoryError:
            import traceback

            failure = "memory"
            traceback.print_exc()
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - recorded: nothing but an exit status may come out
            import traceback

            failure = f"{type(exc).__name__}: {exc}"[:500]
            traceback.print_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return StepResult(name, argv, code, _clip_lines(captured.out), _clip_lines(captured.err),
                      round(time.perf_counter() - started, 3), _peak_rss(), failure, details)


def _clip_lines(text: str, most: int = 200) -> str:
    """The first and last `most` lines of `text` (a file of ten thousand errors need not travel whole)."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= 2 * most:
        return text
    return "".join(lines[:most] + lines[-most:])


def _cli_steps(path: Path, out: Path) -> list[tuple[str, list[str]]]:
    steps = [("check", ["check", str(path)])]
    for suffix in EXPORT_SUFFIXES:
        steps.append((f"export{suffix}", ["export", str(path), "-o", str(out / f"out{suffix}")]))
    steps.append(("continue", ["continue", str(path), "--max-chars", "24", "--seed", "19",
                               "-o", str(out / "continued.abc")]))
    steps.append(("score", ["score", str(path)]))
    return steps


def _drive(result_fd: int, workdir: Path, with_window: bool) -> None:
    _limit_address_space()  # here, not in a preexec_fn: the parent starts drivers from several threads
    from composer.cli import main

    signal.signal(signal.SIGALRM, _on_alarm)
    results = os.fdopen(result_fd, "w", encoding="utf-8")
    app = _WindowRunner(workdir) if with_window else None
    for number, line in enumerate(sys.stdin):
        path = Path(line.rstrip("\n"))
        folder = workdir / f"run-{os.getpid()}-{number}"
        folder.mkdir()
        out = folder / "out"
        out.mkdir()
        steps = []
        for name, argv in _cli_steps(path, out):
            steps.append(_timed(name, argv, folder, lambda argv=argv: (main(argv), {})))
        steps[-1].details["left_in_out"] = sorted(p.name for p in out.iterdir())
        if app is not None:
            steps.append(_timed("window", ["window", str(path)], folder,
                                lambda path=path, folder=folder: app.run(path, folder)))
        record = {"path": str(path), "steps": [s.__dict__ for s in steps], "mapped": _mapped()}
        results.write(json.dumps(record) + "\n")
        results.flush()


class _WindowRunner:
    """The window's open → engrave → check → play path on one file, offscreen, playing into a WAV file."""

    def __init__(self, workdir: Path) -> None:
        from composer.ui.app import create_application

        self.app = create_application(["composer"])
        self.workdir = workdir

    def _wait(self, condition, seconds: float) -> bool:
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if condition():
                return True
            time.sleep(0.005)
        return condition()

    def run(self, path: Path, folder: Path) -> tuple[int, dict]:
        import threading

        from PySide6.QtCore import QSettings

        from composer.errors import ComposerError
        from composer.ui.main_window import MainWindow
        from composer.ui.playback.audio_settings import AudioOutput
        from composer.ui.settings import Settings

        escaped: list[str] = []
        old_hooks = sys.excepthook, threading.excepthook
        sys.excepthook = lambda kind, value, tb: escaped.append(f"{kind.__name__}: {value}"[:300])
        threading.excepthook = lambda hook: escaped.append(f"{hook.exc_type.__name__}: {hook.exc_value}"[:300])
        settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        AudioOutput(driver="file", file_name=str(folder / "heard.wav")).save(settings)
        window = MainWindow(settings=settings, autosave_folder=folder / "autosave", render_delay_ms=10,
                            check_delay_ms=10)
        details: dict = {"job_errors": [], "stages": []}
        window.jobs.failed.connect(lambda lane, error: details["job_errors"].append(
            [lane, type(error).__name__, str(error)[:300], isinstance(error, ComposerError)]))
        states: list[str] = []
        window.transport.stateChanged.connect(states.append)
        prepared: list[object] = []
        window.playback.prepared.connect(prepared.append)
        said: list[str] = []
        window.playback.problem_said.connect(said.append)

        def settled() -> bool:
            return (not window._render_timer.isActive() and not window._check_timer.isActive()
                    and window.jobs.is_idle() and window.document.is_parsed)

        try:
            window.resize(1000, 700)
            window.show()
            if not window.open_path(path, ask=False):
                from PySide6.QtWidgets import QMessageBox

                details["stages"].append("not opened")
                details["refused"] = [box.text()[:300] for box in window.findChildren(QMessageBox)
                                      if box.isVisible()]
                return (0 if details["refused"] else 1), details
            details["stages"].append("opened")
            if not self._wait(settled, STEP_LIMIT_S / 2):
                details["stages"].append("engrave/check did not settle")
                return 1, details
            last_line = window.editor.document().blockCount()
            window.editor.go_to(last_line, 1)
            window.render_now()
            if not self._wait(settled, STEP_LIMIT_S / 3):
                details["stages"].append("engraving the last tune did not settle")
                return 1, details
            details["stages"].append("engraved")
            details["problems"] = [[p.severity, p.line, p.column, p.message[:200]] for p in window.problems]
            details["staff_status"] = window.staff_status.text() if window.staff_status.isVisible() else ""
            details["tunes"] = len(window.book.tunes)
            prepared.clear()
            window.playback.toggle_play()
            played = self._wait(lambda: "playing" in states or bool(prepared) and prepared[-1] is None
                                or window.playback._unplayable, STEP_LIMIT_S / 3)
            if not played:
                details["stages"].append("play neither started nor said why not")
                return 1, details
            if "playing" in states:
                details["stages"].append("played")
                window.playback.stop_action.trigger()
                if not self._wait(lambda: states[-1] == "stopped", 10):
                    details["stages"].append("did not stop")
                    return 1, details
                details["stages"].append("stopped")
            else:
                details["stages"].append("not played")
                details["unplayable"] = [window.transport.status_label.text(),
                                         window.transport.status_label.toolTip()[:300]]
            details["audio_problems"] = said
            return 0, details
        finally:
            details["escaped"] = escaped
            window.editor.document().setModified(False)
            window.close()
            window.deleteLater()
            from PySide6.QtCore import QEvent

            self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            self._wait(lambda: True, 0.05)
            sys.excepthook, threading.excepthook = old_hooks


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    _drive(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1")
