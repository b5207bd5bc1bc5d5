"""Bytes of a tunebook file to text: byte-order marks, UTF-16 without one, UTF-8, else Latin-1; binary refused."""

from __future__ import annotations

import codecs

from composer.errors import AbcError

#: Byte-order marks and their encodings, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: How far into a file NUL bytes are looked for (as git does to tell binary files).
_SNIFF_BYTES = 8192


def decode(data: bytes, path: str | None = None) -> str:
    """The text of a tunebook file's bytes.

    A byte-order mark decides the encoding (UTF-8, UTF-16, UTF-32); so does UTF-16 written without one (every
    other byte NUL). Otherwise UTF-8, else Latin-1, which never fails. Bytes that are none of these, holding NUL
    bytes outside any UTF-16/32 text (a picture, a program, random data), are not a tunebook: AbcError naming
    `path` and the byte where the first NUL is.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise AbcError(f"the file starts with a {encoding.upper()} byte-order mark, but byte "
                               f"{len(bom) + exc.start} is not {encoding.upper()} text", path=path) from None
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    nul = data.find(b"\x00", 0, _SNIFF_BYTES)
    if nul >= 0:
        raise AbcError(f"not a text file: binary data (a NUL byte at byte {nul}), so it cannot hold ABC tunes",
                       path=path)
    return data.decode("latin-1")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text written without a byte-order mark (ABC is mostly ASCII, so every other byte is NUL)."""
    sample = data[:_SNIFF_BYTES]
    if len(sample) < 4 or len(data) % 2:
        return None
    odd_nul = sample[1::2].count(0) / (len(sample) // 2)
    even_nul = sample[0::2].count(0) / (len(sample) // 2)
    for share, other, encoding in ((odd_nul, even_nul, "utf-16-le"), (even_nul, odd_nul, "utf-16-be")):
        if share > 0.9 and other < 0.1:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None
