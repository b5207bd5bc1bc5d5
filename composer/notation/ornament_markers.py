"""Trills and rolls, which music21's ABC reader drops, written as marker letters it keeps (mark_ornaments)."""

from __future__ import annotations

import re

__all__ = ["ROLL_MARKER", "TRILL_MARKER", "mark_ornaments"]

#: music21 turns `k` into a StrongAccent and `K` into an Accent on the next note; neither letter is ABC
#: music (K: only starts a field), so they carry the trill (`T`, `!trill!`) and the roll (`~`) through.
TRILL_MARKER, ROLL_MARKER = "k", "K"
_ORNAMENT_MARKERS = {"T": TRILL_MARKER, "~": ROLL_MARKER, "x": "z", "H": "!fermata!"}


def mark_ornaments(line: str) -> str:
    """One music line with `T` and `!trill!` replaced by TRILL_MARKER and `~` by ROLL_MARKER, and the
    invisible rest `x` (which music21 drops) written as the rest `z`.

    The fermata `H`, which makes music21 drop its note, is written `!fermata!`. `T` or `~` right before a
    slur, a `!...!` decoration or a quoted text (`T(GF)`, `T!2!e`, `~"D"d`) is dropped, as abc2midi plays
    it, while `!trill!(cB)` trills the c. Stray `k` and `K` letters (Ryan's Mammoth has them; abc2midi
    ignores them) are removed, as they are the markers. Quoted text, `!...!` decorations other than trill,
    inline fields and comments are left alone.
    """
    out: list[str] = []
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == "%" and (index == 0 or line[index - 1] != "\\"):
            out.append(line[index:])
            break
        end = -1
        if ch == '"':
            end = line.find('"', index + 1)
        elif ch == "!":
            end = line.find("!", index + 1)
            if line[index:end + 1] == "!trill!":
                if line[end + 1:end + 2] == "(":  # abc2midi trills the slur's first note
                    out.append("(" + TRILL_MARKER)
                    index = end + 2
                else:
                    out.append(TRILL_MARKER)
                    index = end + 1
                continue
        elif ch == "[" and re.match(r"\[[A-Za-z]:", line[index:index + 3]):
            end = line.find("]", index + 1)
        if end > index:
            out.append(line[index:end + 1])
            index = end + 1
            continue
        if ch in "T~" and line[index + 1:index + 2] in ("(", "!", '"') or ch in (TRILL_MARKER, ROLL_MARKER):
            out.append("")
        else:
            out.append(_ORNAMENT_MARKERS.get(ch, ch))
        index += 1
    return "".join(out)
