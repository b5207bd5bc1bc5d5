"""Run one export in a child process under a time limit, cancellable: a runaway export cannot hold the app.

`run_with_time_limit(function, *args, limit=..., cancelled=event)` calls `function(*args)` in a fresh
("spawn") process and returns its result. When the limit passes or `cancelled` is set, the child is killed
and ExportTimedOut or ExportCancelled is raised; an error in the child is raised again in the caller as a
ComposerError with its message. `function` must be importable (a module-level function of a Qt-free module)
and its arguments and result picklable: snapshots, never live Qt objects.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from composer.errors import ComposerError

__all__ = ["EXPORT_TIME_LIMIT", "ExportCancelled", "ExportTimedOut", "run_with_time_limit"]

#: Seconds an export from the window may take (a 2,000-bar tune exports in about a minute).
EXPORT_TIME_LIMIT = 300.0
_POLL = 0.1  # seconds between looks at the cancel flag
_GRACE = 5.0  # seconds a stopped child has to clean up before it is killed


class ExportTimedOut(ComposerError):
    """The export ran past its time limit and was stopped."""


class ExportCancelled(ComposerError):
    """The export was cancelled and stopped."""


def _child(connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # Stopping is SIGTERM first: it unwinds the export, so that the atomic writer removes its temporary file.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    try:
        connection.send(("ok", function(*args)))
    except ComposerError as exc:
        connection.send(("error", (type(exc).__name__, exc.message, exc.path, exc.tune, exc.line, exc.column)))
    except Exception as exc:  # noqa: BLE001 - handed to the parent as words
        connection.send(("error", ("ComposerError", f"the export failed: {type(exc).__name__}: {exc}"[:300],
                                   None, None, None, None)))
    finally:
        connection.close()


def run_with_time_limit(function: Callable[..., Any], *args: Any, limit: float = EXPORT_TIME_LIMIT,
                        cancelled: threading.Event | None = None) -> Any:
    """`function(*args)` in a child process; ExportTimedOut after `limit` seconds, ExportCancelled once
    `cancelled` is set (the child is killed either way)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    waited = 0.0
    try:
        while not receiver.poll(_POLL):
            waited += _POLL
            if cancelled is not None and cancelled.is_set():
                raise ExportCancelled("the export was cancelled")
            if waited >= limit:
                raise ExportTimedOut(f"the export took longer than {limit:g} s and was stopped")
            if not process.is_alive() and not receiver.poll():
                raise ComposerError(f"the export stopped unexpectedly (exit code {process.exitcode})")
        try:
            status, value = receiver.recv()
        except EOFError:
            raise ComposerError(f"the export stopped unexpectedly (exit code {process.exitcode})") from None
    finally:
        if process.is_alive():
            process.terminate()
            process.join(_GRACE)
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if status == "ok":
        return value
    name, message, path, tune, line, column = value
    error_class = _ERRORS.get(name, ComposerError)
    raise error_class(message, path=path, tune=tune, line=line, column=column)


def _error_classes() -> dict[str, type[ComposerError]]:
    import composer.errors as errors

    found = {cls.__name__: cls for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, ComposerError)}
    return found


_ERRORS = _error_classes()
