"""Tunebook bytes to text: the robustness corpus's encodings read as text, binary files refused with the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.abc.text_encoding import decode
from composer.abc.tunebook import read_tunebook
from composer.errors import AbcError

CORPUS = Path(__file__).resolve().parents[1] / "robustness" / "corpus"


@pytest.mark.parametrize("name", ["utf16_le_bom.abc", "utf16_be_bom.abc", "utf16_le_no_bom.abc", "utf32.abc",
                                  "bom_utf8.abc"])
def test_unicode_files_with_or_without_a_mark_read_as_their_text(name):
    data = (CORPUS / name).read_bytes()
    text = decode(data)
    assert text.startswith("X:") and "\x00" not in text and "K:" in text
    assert read_tunebook(CORPUS / name).tunes


def test_utf16_without_a_mark_is_told_by_its_nul_bytes():
    abc = "X:1\nT:Sí\nK:D\nDEF|\n"
    assert decode(abc.encode("utf-16-le")) == abc
    assert decode(abc.encode("utf-16-be")) == abc


@pytest.mark.parametrize("name", ["latin1_bytes.abc", "cp1252_quotes.abc", "invalid_utf8.abc"])
def test_other_8_bit_text_falls_back_to_latin_1(name):
    data = (CORPUS / name).read_bytes()
    assert decode(data) == data.decode("latin-1")


def test_utf8_text_with_a_stray_nul_is_still_text():
    data = (CORPUS / "control_nul.abc").read_bytes()
    assert decode(data) == data.decode("utf-8")


@pytest.mark.parametrize("name", ["binary_png_like.abc", "binary_random.abc", "binary_with_tune_inside.abc"])
def test_binary_files_are_refused_naming_the_file_and_the_byte(name):
    path = CORPUS / name
    with pytest.raises(AbcError) as caught:
        read_tunebook(path)
    message = str(caught.value)
    first_nul = path.read_bytes().index(b"\x00")
    assert message.startswith(str(path)) and "not a text file" in message
    assert f"NUL byte at byte {first_nul}" in message


def test_a_broken_byte_order_mark_is_said():
    with pytest.raises(AbcError, match="UTF-16-LE byte-order mark, but byte"):
        decode(b"\xff\xfeX\x00:\x00\x00\xd8", path="x.abc")
