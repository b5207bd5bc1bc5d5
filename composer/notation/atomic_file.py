"""Write a file atomically: a temporary file in the same folder, then os.replace over the target."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import IO

Destination = str | os.PathLike | IO[bytes]


def write_bytes_atomically(destination: Destination, data: bytes) -> None:
    """Write `data` to a path (atomically) or to a binary file object (as is)."""
    if not isinstance(destination, (str, os.PathLike)):
        destination.write(data)
        return
    target = Path(destination)
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(target.parent))
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, _file_mode(target))
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def _file_mode(target: Path) -> int:
    """The target's current permissions, or what a new file gets under the process umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
