"""A child process as a job: the signals of `composer.ui.jobs.Job`, with each JSON line it prints as `progress`.

The UI runs long, crash-prone work (fine-tuning) as `python -m composer ... --json` in a QProcess: a crash there
cannot take the window down, the work gets every core, and the UI thread only parses short lines. A `ProcessJob`
reports like a `Job`: `started(request)`; `progress(dict)` for each line of stdout that is a JSON object (other
lines come as `text(str)`); `result(Answer)` when the child exits with code 0, the value being the last lines of
its stderr; `failed(ProcessFailed)` otherwise; `finished(request)` always last. Its signals come from the UI
thread's event loop (QProcess), so they need no courier: deleting the job deletes its process and its signals.

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

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from composer.ui.jobs import Answer

CANCEL_GRACE_MS = 15_000
STDERR_LINES_KEPT = 40


class ProcessFailed(Exception):
    """A child that ended other than with exit code 0: its `exit_code` (-1 when it crashed, was killed or never
    started) and `stderr`, the last lines it wrote there."""

    def __init__(self, exit_code: int, stderr: str) -> None:
        self.exit_code = exit_code
        self.stderr = stderr
        last = stderr.strip().splitlines()[-1:] or [""]
        super().__init__(f"exit code {exit_code}: {last[0]}" if last[0] else f"exit code {exit_code}")


class ProcessJob(QObject):
    """`program arguments...` as a child process, reported through this object's signals like a `Job`."""

    started = Signal(int)  # request
    progress = Signal(object)  # dict: a line of stdout that is a JSON object
    text = Signal(str)  # any other line of stdout
    result = Signal(object)  # Answer; its value: the last lines of stderr
    failed = Signal(object)  # ProcessFailed
    finished = Signal(int)  # request
    paused_changed = Signal(bool)

    can_pause = os.name == "posix"

    def __init__(self, program: str, arguments: Sequence[str], *, lane: str = "process", request: int = 0,
                 environment: dict[str, str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.program = program
        self.arguments = list(arguments)
        self.environment = environment
        self.lane = lane
        self.request = request
        self.paused = False
        self._process: QProcess | None = None
        self._cancel_requested = False
        self._ended = False
        self._stdout_rest = b""
        self._stderr_rest = b""
        self._stderr_lines: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self.kill)

    @classmethod
    def composer(cls, arguments: Sequence[str], **options) -> ProcessJob:
        """A job running `python -m composer ARGUMENTS` with this interpreter."""
        return cls(sys.executable, ["-m", "composer", *arguments], **options)

    def start(self) -> ProcessJob:
        """Start the child (once); returns self."""
        if self._process is not None:
            raise RuntimeError("a ProcessJob runs once; make a new one")
        process = QProcess(self)
        if self.environment is not None:
            environment = QProcessEnvironment.systemEnvironment()
            for key, value in self.environment.items():
                environment.insert(key, value)
            process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        process.started.connect(lambda: self.started.emit(self.request))
        self._process = process
        process.start(self.program, self.arguments)
        return self

    @property
    def running(self) -> bool:
        """True while the child lives (stopped by `pause` included)."""
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def is_running(self) -> bool:
        return self.running

    @property
    def cancelled(self) -> bool:
        """True once `cancel()` asked the child to stop, however it then ended."""
        return self._cancel_requested

    @property
    def pid(self) -> int | None:
        return int(self._process.processId()) if self.running else None

    def pause(self) -> bool:
        """Stop the child where it is (SIGSTOP); False where that is not possible."""
        if not (self.can_pause and self.running) or self.paused:
            return False
        os.kill(self.pid, signal.SIGSTOP)
        self._set_paused(True)
        return True

    def resume(self) -> bool:
        """Let a paused child go on (SIGCONT)."""
        if not (self.can_pause and self.running) or not self.paused:
            return False
        os.kill(self.pid, signal.SIGCONT)
        self._set_paused(False)
        return True

    def cancel(self, grace_ms: int = CANCEL_GRACE_MS) -> None:
        """Ask the child to stop cleanly (SIGTERM, continuing it if paused); kill it after `grace_ms`."""
        if not self.running:
            return
        self._cancel_requested = True
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

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the child has ended, at most `timeout` seconds (for shutdown and tests); True when it has.
        Its `result` or `failed` and `finished` have come by then."""
        if not self.running:
            return True
        return self._process.waitForFinished(int(timeout * 1000))

    def delete_when_ended(self) -> None:
        """`deleteLater()` now, or once the child has ended if it still runs (one just killed may not have yet)."""
        if self.running:
            self.finished.connect(self.deleteLater)
        else:
            self.deleteLater()

    def stderr_tail(self) -> str:
        """The last lines the child wrote to stderr."""
        return "\n".join(self._stderr_lines)

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.paused_changed.emit(paused)

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
                    self.progress.emit(record)
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
            self._set_paused(False)
        crashed = exit_status == QProcess.ExitStatus.CrashExit
        self._end(-1 if crashed else int(exit_code))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._stderr_lines.append(f"could not start {self._process.program()}: {self._process.errorString()}")
            self._end(-1)

    def _end(self, exit_code: int) -> None:
        if self._ended:
            return
        self._ended = True
        if exit_code == 0:
            self.result.emit(Answer(self.lane, self.request, self.stderr_tail()))
        else:
            self.failed.emit(ProcessFailed(exit_code, self.stderr_tail()))
        self.finished.emit(self.request)
