"""Find installed General MIDI SoundFonts; check that a SoundFont file is whole before FluidSynth loads it."""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from composer.errors import AudioError

#: Environment variable naming the SoundFont to use (a file), or extra folders to search (os.pathsep list).
SOUNDFONT_ENV = "COMPOSER_SOUNDFONT"
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")

# Well-known General MIDI SoundFonts, best first; anything else found is ranked after them, largest first.
PREFERRED_NAMES = (
    "default-gm", "fluidr3_gm", "musescore_general", "generaluser", "timgm6mb", "fluidr3_gs",
)

# Record sizes of the preset-data sub-chunks (SoundFont 2.04, section 7): a size that is not a multiple
# of these means the file was cut or damaged.
_PDTA_RECORDS = {
    b"phdr": 38, b"pbag": 4, b"pmod": 10, b"pgen": 4,
    b"inst": 22, b"ibag": 4, b"imod": 10, b"igen": 4, b"shdr": 46,
}


@dataclass(frozen=True)
class SoundFont:
    """One SoundFont file: where it is, its own name (INFO/INAM) and its size in bytes."""

    path: str
    name: str
    size: int

    @property
    def label(self) -> str:
        """A name for menus: `TimGM6mb (5.7 MB)`."""
        return f"{self.name} ({self.size / 1e6:.1f} MB)"


def soundfont_directories() -> list[Path]:
    """Folders where this platform's packages and users put SoundFonts, plus $COMPOSER_SOUNDFONT folders."""
    home = Path.home()
    dirs: list[Path] = []
    env = os.environ.get(SOUNDFONT_ENV, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p and Path(p).is_dir()]
    data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    system_data = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    data_dirs = [Path(p) for p in system_data.split(":") if p]
    if sys.platform == "darwin":
        dirs += [home / "Library" / "Audio" / "Sounds" / "Banks", Path("/Library/Audio/Sounds/Banks"),
                 Path("/opt/homebrew/share/soundfonts"), Path("/usr/local/share/soundfonts")]
    elif sys.platform == "win32":
        dirs += [home / "SoundFonts", Path("C:/soundfonts"), Path("C:/tools/fluidsynth/share/soundfonts")]
    for base in [data_home, *data_dirs]:
        dirs += [base / "soundfonts", base / "sounds" / "sf2", base / "sounds" / "sf3"]
    dirs.append(home / "SoundFonts")
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def read_soundfont(path: str | os.PathLike) -> SoundFont:
    """Check that `path` is a whole SoundFont 2 file (RIFF sfbk with INFO, sdta and pdta) and describe it.

    Raises AudioError naming the file when it is missing, unreadable, cut short or not a SoundFont. Only the
    chunk headers are read, so this is cheap even for a 150 MB file.
    """
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            return SoundFont(os.path.abspath(path), _check_riff(f, size, path), size)
    except FileNotFoundError:
        raise AudioError("SoundFont file not found", path=path) from None
    except IsADirectoryError:
        raise AudioError("SoundFont path is a folder, not a file", path=path) from None
    except OSError as exc:
        raise AudioError(f"cannot read SoundFont: {exc.strerror or exc}", path=path) from None


def _corrupt(path: str, why: str) -> AudioError:
    return AudioError(f"not a usable SoundFont ({why})", path=path)


def _check_riff(f, size: int, path: str) -> str:
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise _corrupt(path, "no RIFF sfbk header")
    riff_size = struct.unpack("<I", head[4:8])[0]
    if riff_size + 8 > size:
        raise _corrupt(path, f"file is cut short: {size} bytes of {riff_size + 8}")
    lists: dict[bytes, tuple[int, int]] = {}
    pos = 12
    end = riff_size + 8
    while pos + 12 <= end:
        f.seek(pos)
        chunk = f.read(12)
        chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:8])[0]
        if pos + 8 + chunk_size > end:
            raise _corrupt(path, f"chunk {chunk_id!r} runs past the end of the file")
        if chunk_id == b"LIST":
            lists[chunk[8:12]] = (pos + 12, pos + 8 + chunk_size)
        pos += 8 + chunk_size + (chunk_size & 1)
    for needed in (b"INFO", b"sdta", b"pdta"):
        if needed not in lists:
            raise _corrupt(path, f"no {needed.decode()} list")
    sub = _sub_chunks(f, *lists[b"pdta"], path)
    for chunk_id, record in _PDTA_RECORDS.items():
        if chunk_id not in sub:
            raise _corrupt(path, f"no {chunk_id.decode()} chunk")
        # Every list ends with a terminal record; presets, instruments and samples need one real record too.
        least = 2 * record if chunk_id in (b"phdr", b"inst", b"shdr") else record
        if sub[chunk_id][1] % record or sub[chunk_id][1] < least:
            raise _corrupt(path, f"{chunk_id.decode()} chunk has a bad size")
    info = _sub_chunks(f, *lists[b"INFO"], path)
    name = Path(path).stem
    if b"INAM" in info:
        offset, length = info[b"INAM"]
        f.seek(offset)
        raw = f.read(min(length, 256)).split(b"\0")[0].strip()
        if raw:
            name = raw.decode("latin-1")
    return name


def _sub_chunks(f, start: int, end: int, path: str) -> dict[bytes, tuple[int, int]]:
    """Chunk id → (data offset, data size) of the chunks between `start` and `end`."""
    found: dict[bytes, tuple[int, int]] = {}
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        head = f.read(8)
        chunk_id, chunk_size = head[:4], struct.unpack("<I", head[4:8])[0]
        if pos + 8 + chunk_size > end:
            raise _corrupt(path, f"chunk {chunk_id!r} runs past its list")
        found[chunk_id] = (pos + 8, chunk_size)
        pos += 8 + chunk_size + (chunk_size & 1)
    return found


def _rank(font: SoundFont, link_targets: set[str]) -> tuple[int, int]:
    stem = Path(font.path).stem.lower()
    preferred = len(PREFERRED_NAMES)
    if font.path in link_targets:
        preferred = 0  # the system's chosen default-GM.sf2 points here
    for i, name in enumerate(PREFERRED_NAMES):
        if stem.startswith(name):
            preferred = min(preferred, i)
    return preferred, -font.size


def find_soundfonts(directories: list[str | os.PathLike] | None = None) -> list[SoundFont]:
    """Every whole SoundFont in `directories` (default: soundfont_directories()), best General MIDI set first.

    Symbolic links to the same file count once; damaged files are left out.
    """
    folders = [Path(d) for d in directories] if directories is not None else soundfont_directories()
    seen: set[str] = set()
    link_targets: set[str] = set()
    fonts: list[SoundFont] = []
    for folder in folders:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix.lower() not in SOUNDFONT_SUFFIXES:
                continue
            real = os.path.realpath(entry)
            if entry.is_symlink() and entry.stem.lower().startswith("default-gm"):
                link_targets.add(real)
            if real in seen or not os.path.isfile(real):
                continue
            seen.add(real)
            try:
                fonts.append(read_soundfont(real))
            except AudioError:
                continue
    fonts.sort(key=lambda font: _rank(font, link_targets))
    return fonts


def default_soundfont() -> SoundFont:
    """The SoundFont to use when none is chosen: $COMPOSER_SOUNDFONT if it names a file, else the best found.

    Raises AudioError saying where it looked when there is none.
    """
    env = os.environ.get(SOUNDFONT_ENV, "")
    if env and os.path.isfile(env):
        return read_soundfont(env)
    missing = [p for p in env.split(os.pathsep) if p and not os.path.exists(p)]
    if missing:  # the person asked for this file or folder: using another without a word would mislead
        raise AudioError(f"no such file or folder, yet {SOUNDFONT_ENV} names it; set {SOUNDFONT_ENV} to a "
                         "SoundFont file or a folder of them, or unset it to use the best installed one",
                         path=os.pathsep.join(missing))
    fonts = find_soundfonts()
    if not fonts:
        places = ", ".join(str(d) for d in soundfont_directories()[:6])
        raise AudioError(f"no General MIDI SoundFont (.sf2) found; looked in {places}; install one "
                         f"(Debian: fluid-soundfont-gm or timgm6mb-soundfont) or set {SOUNDFONT_ENV}")
    return fonts[0]


def resolve_soundfont(choice: str | os.PathLike | SoundFont | None) -> SoundFont:
    """A checked SoundFont from a path, a SoundFont value, or None for the default."""
    if choice is None or choice == "":
        return default_soundfont()
    if isinstance(choice, SoundFont):
        return read_soundfont(choice.path)
    return read_soundfont(choice)
