"""Persistent settings in QSettings groups per feature, with a version number for migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 1
MAX_RECENT = 10


class Settings:
    """Composer's QSettings (the platform's store, or one given for tests) in feature groups."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings()
        self._migrate()

    def _migrate(self) -> None:
        version = int(self.store.value("version", 0))
        if version < SETTINGS_VERSION:
            # Version 0 had no settings worth keeping; later migrations rename keys here.
            self.store.setValue("version", SETTINGS_VERSION)

    def value(self, group: str, key: str, default: Any = None, kind: type | None = None) -> Any:
        self.store.beginGroup(group)
        try:
            if kind is None:
                return self.store.value(key, default)
            return self.store.value(key, default, type=kind)
        finally:
            self.store.endGroup()

    def set_value(self, group: str, key: str, value: Any) -> None:
        self.store.beginGroup(group)
        self.store.setValue(key, value)
        self.store.endGroup()

    def recent_files(self) -> list[str]:
        """Recently opened or saved files, newest first."""
        files = self.value("files", "recent", [])
        if isinstance(files, str):
            files = [files]
        return [str(f) for f in files or []]

    def add_recent(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.set_value("files", "recent", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def remove_recent(self, path: str) -> None:
        self.set_value("files", "recent", [f for f in self.recent_files() if f != path])

    def sync(self) -> None:
        self.store.sync()
