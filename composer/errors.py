"""The project's exceptions: one base class, one child per area, each carrying the place of the fault."""

from __future__ import annotations


class ComposerError(Exception):
    """Base of every error Composer raises on purpose."""

    def __init__(self, message: str, *, path: str | None = None, tune: int | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.path = path
        self.tune = tune
        self.line = line
        self.column = column
        super().__init__(self.located())

    def located(self) -> str:
        """The message prefixed with FILE:LINE:COL (and the tune) as far as they are known."""
        place = [str(p) for p in (self.path, self.line, self.column) if p is not None]
        prefix = ":".join(place)
        if self.tune is not None:
            prefix = f"{prefix} (tune X:{self.tune})" if prefix else f"tune X:{self.tune}"
        return f"{prefix}: {self.message}" if prefix else self.message


class AbcError(ComposerError):
    """Text that cannot be read as ABC."""


class ModelError(ComposerError):
    """A model file that is missing, corrupt or breaks the ONNX contract."""


class AudioError(ComposerError):
    """No synthesizer, no SoundFont, or no audio driver."""


class TrainingError(ComposerError):
    """Training cannot start or go on (missing torch, no data, bad config)."""
