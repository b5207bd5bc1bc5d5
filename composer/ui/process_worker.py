"""A child process that streams one JSON object per line, turned into Qt signals; pause, resume, cancel.

The UI runs long, crash-prone work (fine-tuning) as `python -m composer ... --json` in a QProcess: a crash there
cannot take the window down, the work gets every core, and the UI thread only parses short lines.

Pausing stops the child with SIGSTOP and SIGCONT resumes it (POSIX only: `can_pause` is False on Windows, where
the way to stop is to cancel and later resume from the last checkpoint). Cancelling sends SIGTERM, which the
fine-tune command takes as "stop at the next batch, save a checkpoint"; a child still alive after a grace period
is killed. On Windows, cancelling kills the child at once (no checkpoint beyond the last periodic one).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import deque
from collections.abc import Sequence

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

CANCEL_GRACE_MS = 15_000
STDERR_LINES_KEPT = 40


class JsonLinesProcess(QObject):
    """Runs `program args...`; each JSON line on stdout becomes `event(dict)`, other lines `text(str)`."""

    started = Signal()
    event = Signal(dict)
    text = Signal(str)
    paused_changed = Signal(bool)
    finished = Signal(int, str)  # exit code (-1 after a crash or kill), the last lines of stderr

    can_pause = os.name == "posix"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._stdout_rest = b""
        self._stderr_lines: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self._stderr_rest = b""
        self.paused = False
        self.cancelling = False
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self.kill)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    @property
    def pid(self) -> int | None:
        return int(self._process.processId()) if self.running else None

    def start(self, program: str, arguments: Sequence[str], environment: dict[str, str] | None = None) -> None:
        """Start the child (one at a time)."""
        if self.running:
            raise RuntimeError("a process is already running")
        if self._process is not None:
            self._process.deleteLater()
        process = QProcess(self)
        if environment is not None:
            from PySide6.QtCore import QProcessEnvironment

            env = QProcessEnvironment.systemEnvironment()
            for key, value in environment.items():
                env.insert(key, value)
            process.setProcessEnvironment(env)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        process.started.connect(self.started)
        self._process = process
        self._stdout_rest = b""
        self._stderr_rest = b""
        self._stderr_lines.clear()
        self.paused = False
        self.cancelling = False
        process.start(program, list(arguments))

    def start_composer(self, arguments: Sequence[str], environment: dict[str, str] | None = None) -> None:
        """Start `python -m composer ARGS` with this interpreter."""
        self.start(sys.executable, ["-m", "composer", *arguments], environment)

    def pause(self) -> bool:
        """Stop the child where it is (SIGSTOP); False where that is not possible."""
        if not (self.can_pause and self.running) or self.paused:
            return False
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True
        self.paused_changed.emit(True)
        return True

    def resume(self) -> bool:
        """Let a paused child go on (SIGCONT)."""
        if not (self.can_pause and self.running) or not self.paused:
            return False
        os.kill(self.pid, signal.SIGCONT)
        self.paused = False
        self.paused_changed.emit(False)
        return True

    def cancel(self, grace_ms: int = CANCEL_GRACE_MS) -> None:
        """Ask the child to stop cleanly (SIGTERM, continuing it if paused); kill it after `grace_ms`."""
        if not self.running:
            return
        self.cancelling = True
        if os.name != "posix":
            self.kill()
            return
        self._process.terminate()
        if self.paused:
            self.resume()  # a stopped process only acts on SIGTERM once continued
        self._kill_timer.start(grace_ms)

    def kill(self) -> None:
        """End the child at once (SIGKILL)."""
        if self.running:
            if self.paused:
                self.resume()
            self._process.kill()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the child has ended (for shutdown and tests); True when it has."""
        if not self.running:
            return True
        return self._process.waitForFinished(msecs)

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr_lines)

    def _read_stdout(self) -> None:
        data = self._stdout_rest + bytes(self._process.readAllStandardOutput().data())
        *lines, self._stdout_rest = data.split(b"\n")
        for raw in lines:
            self._deliver(raw)

    def _deliver(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if not line:
            return
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                pass
            else:
                if isinstance(record, dict):
                    self.event.emit(record)
                    return
        self.text.emit(line)

    def _read_stderr(self) -> None:
        data = self._stderr_rest + bytes(self._process.readAllStandardError().data())
        *lines, self._stderr_rest = data.split(b"\n")
        self._stderr_lines.extend(raw.decode("utf-8", "replace").rstrip() for raw in lines)

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._kill_timer.stop()
        self._read_stdout()
        if self._stdout_rest:
            self._deliver(self._stdout_rest)
            self._stdout_rest = b""
        self._read_stderr()
        if self._stderr_rest:
            self._stderr_lines.append(self._stderr_rest.decode("utf-8", "replace").rstrip())
            self._stderr_rest = b""
        if self.paused:
            self.paused = False
            self.paused_changed.emit(False)
        crashed = exit_status == QProcess.ExitStatus.CrashExit
        self.finished.emit(-1 if crashed else int(exit_code), self.stderr_tail())

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._stderr_lines.append(f"could not start {self._process.program()}: {self._process.errorString()}")
            self.finished.emit(-1, self.stderr_tail())
