"""What an export wrote and which tunes it could not export: every good tune is written, the bad ones listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from composer.abc.tunebook import Tune
from composer.errors import ComposerError

__all__ = ["Outcome", "each_tune", "numbered_paths", "write_error"]


@dataclass
class Outcome:
    """The files an export wrote, and an error (with its tune and place) for each tune it left out."""

    written: list[Path] = field(default_factory=list)
    failed: list[ComposerError] = field(default_factory=list)


def write_error(exc: OSError, path: Path, tune: Tune | None = None) -> ComposerError:
    """An OSError while writing `path` as one sentence naming the file (and the tune)."""
    return ComposerError(f"cannot write {exc.filename or path}: {exc.strerror or exc}",
                         tune=tune.reference if tune is not None else None)


def each_tune(tunes: list[Tune], paths: list[Path], write: Callable[[Tune, Path], object]) -> Outcome:
    """`write(tune, path)` for every tune; a tune that fails (refused, unreadable, not writable) is recorded
    and the others still go out. A read-only target is refused before any work is done for it."""
    from composer.notation.atomic_file import refuse_read_only

    outcome = Outcome()
    for tune, path in zip(tunes, paths, strict=True):
        try:
            refuse_read_only(path)
            write(tune, path)
        except ComposerError as exc:
            outcome.failed.append(exc)
        except OSError as exc:
            outcome.failed.append(write_error(exc, path, tune))
        else:
            outcome.written.append(path)
    return outcome


def numbered_paths(output: Path, tunes: list[Tune]) -> list[Path]:
    """One path per tune: `output` itself for one tune, else OUT-<X>.ext (X: number, or position)."""
    if len(tunes) == 1:
        return [output]
    paths: list[Path] = []
    taken: set[Path] = set()
    for position, tune in enumerate(tunes, start=1):
        name = str(tune.reference if tune.reference is not None else position)
        path = output.with_name(f"{output.stem}-{name}{output.suffix}")
        if path in taken:
            path = output.with_name(f"{output.stem}-{name}-{position}{output.suffix}")
        taken.add(path)
        paths.append(path)
    return paths
