"""Hands calls from Python worker threads to the UI thread, and drops them if their receiver was deleted meanwhile.

A worker thread must never emit a signal of a QObject that the UI thread may delete: the deletion can land in the
middle of the emission and crash the process. Workers call `call_in_ui_thread(receiver, function, *arguments)`
instead. It emits on one process-wide courier that is never deleted; the courier runs `function(*arguments)` in
the UI thread only if `receiver` is still alive there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot


class _Courier(QObject):
    carried = Signal(object, object, object)  # receiver, function, arguments

    def __init__(self) -> None:
        super().__init__()
        self.carried.connect(self._deliver)

    @Slot(object, object, object)
    def _deliver(self, receiver: QObject, function: Callable[..., Any], arguments: tuple[Any, ...]) -> None:
        if shiboken6.isValid(receiver):
            function(*arguments)


_courier: _Courier | None = None


def prepare_courier() -> None:
    """Create the courier; call it from the UI thread (any constructor of an object that workers call back)."""
    global _courier
    if _courier is None:
        application = QCoreApplication.instance()
        if application is not None and QThread.currentThread() != application.thread():
            raise RuntimeError("the courier must be created in the UI thread")
        _courier = _Courier()


def call_in_ui_thread(receiver: QObject, function: Callable[..., Any], *arguments: Any) -> None:
    """Run `function(*arguments)` in the UI thread, unless `receiver` has been deleted by then."""
    if _courier is None:
        raise RuntimeError("prepare_courier() was not called in the UI thread")
    _courier.carried.emit(receiver, function, arguments)
