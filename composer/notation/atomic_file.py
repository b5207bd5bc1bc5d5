"""Write a file atomically: a temporary file in the same folder, flushed to disk, then os.replace over the target.

The target keeps its permissions; a read-only target is refused, as editors refuse it, and a folder in the way
is left alone. Whatever goes wrong, the old file stays as it was and no temporary file is left behind.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["Destination", "atomic_writer", "refuse_read_only", "write_bytes_atomically"]

Destination = str | os.PathLike | IO[bytes]


def write_bytes_atomically(destination: Destination, data: bytes) -> None:
    """Write `data` to a path (atomically) or to a binary file object (as is)."""
    with atomic_writer(destination) as out:
        out.write(data)


@contextmanager
def atomic_writer(destination: Destination) -> Iterator[IO[bytes]]:
    """A binary file to write in pieces: for a path, a temporary file that takes the target's place (flushed
    to disk, its permissions kept) only when the block ends without an exception; a file object is used as is."""
    if not isinstance(destination, (str, os.PathLike)):
        yield destination
        return
    target = Path(destination)
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(target.parent))
    refuse_read_only(target)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            yield temp
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, _file_mode(target))
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def refuse_read_only(target: Path) -> None:
    """PermissionError when `target` exists and is read-only (no write permission, or no write bit at all:
    replacing the file would succeed for its folder's owner, or for root, but would not respect it)."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(target))
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only (make it writable, or choose another name)",
                              str(target))


def _file_mode(target: Path) -> int:
    """The target's current permissions, or what a new file gets under the process umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
