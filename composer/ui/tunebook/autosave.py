"""Autosave copies of unsaved tunebooks, and finding the ones a crashed session left behind."""

from __future__ import annotations

import ctypes
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from composer.notation.atomic_file import write_bytes_atomically


@dataclass(frozen=True)
class AutosaveRecord:
    """One autosaved text: where it is, which file it belongs to (None if untitled), when and by whom."""

    text_path: Path
    meta_path: Path
    original: str | None
    saved_at: float
    pid: int

    def text(self) -> str:
        return self.text_path.read_text(encoding="utf-8")

    @property
    def name(self) -> str:
        return Path(self.original).name if self.original else "an untitled tunebook"


class AutosaveStore:
    """Writes this window's autosave copy into `folder`; lists copies whose process is gone."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:10]}"

    @property
    def text_path(self) -> Path:
        return self.folder / f"{self.token}.abc"

    @property
    def meta_path(self) -> Path:
        return self.folder / f"{self.token}.json"

    def save(self, text: str, original: str | None) -> None:
        """Write `text` (atomically) as this window's autosave copy of `original`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(self.text_path, text.encode("utf-8"))
        meta = {"original": original, "saved_at": time.time(), "pid": os.getpid()}
        write_bytes_atomically(self.meta_path, json.dumps(meta).encode("utf-8"))

    def discard(self) -> None:
        """Remove this window's autosave copy (after a save, or a clean close)."""
        for path in (self.text_path, self.meta_path):
            path.unlink(missing_ok=True)

    def orphans(self) -> list[AutosaveRecord]:
        """Autosave copies left by processes that no longer run, newest first."""
        records = []
        if not self.folder.is_dir():
            return records
        for meta_path in self.folder.glob("*.json"):
            text_path = meta_path.with_suffix(".abc")
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                pid = int(meta["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if not text_path.is_file() or meta_path == self.meta_path or process_alive(pid):
                continue
            records.append(AutosaveRecord(text_path, meta_path, meta.get("original"),
                                          float(meta.get("saved_at", 0.0)), pid))
        return sorted(records, key=lambda r: r.saved_at, reverse=True)

    @staticmethod
    def forget(record: AutosaveRecord) -> None:
        """Delete a recovered (or refused) autosave copy."""
        for path in (record.text_path, record.meta_path):
            path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running."""
    if pid <= 0:
        return False
    if os.name == "nt":
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
