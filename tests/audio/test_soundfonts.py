"""SoundFont discovery and checking on the real installed SoundFont and on damaged copies of it."""

from __future__ import annotations

import os
import shutil

import pytest

from composer.audio.soundfonts import (
    SOUNDFONT_ENV,
    default_soundfont,
    find_soundfonts,
    read_soundfont,
    resolve_soundfont,
)
from composer.errors import AudioError


def test_the_installed_general_midi_soundfont_is_found(soundfont):
    found = find_soundfonts()
    assert found and found[0] == soundfont
    assert soundfont.size == os.path.getsize(soundfont.path) and soundfont.name
    # Debian's default-GM.sf2 link and its target count once.
    assert len({os.path.realpath(f.path) for f in found}) == len(found)


def test_a_folder_of_copies_lists_whole_files_and_skips_damaged_ones(soundfont, tmp_path):
    shutil.copy(soundfont.path, tmp_path / "Good.sf2")
    (tmp_path / "link.sf2").symlink_to(tmp_path / "Good.sf2")
    data = open(soundfont.path, "rb").read()
    (tmp_path / "cut.sf2").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.sf2").write_bytes(os.urandom(4096))
    (tmp_path / "notes.txt").write_text("not a soundfont")
    found = find_soundfonts([tmp_path])
    assert [os.path.basename(f.path) for f in found] == ["Good.sf2"]
    assert found[0].name == soundfont.name


@pytest.mark.parametrize("damage", ["missing", "folder", "cut", "noise", "empty", "no-pdta"])
def test_damaged_soundfonts_give_one_clear_error_naming_the_file(damage, soundfont, tmp_path):
    path = tmp_path / "bad.sf2"
    data = open(soundfont.path, "rb").read()
    if damage == "folder":
        path.mkdir()
    elif damage == "cut":
        path.write_bytes(data[:100_000])
    elif damage == "noise":
        path.write_bytes(os.urandom(100_000))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "no-pdta":
        path.write_bytes(data.replace(b"pdta", b"xxxx", 1))
    with pytest.raises(AudioError) as caught:
        read_soundfont(path)
    assert caught.value.path == str(path)
    assert "SoundFont" in str(caught.value)


def test_the_environment_variable_chooses_the_soundfont(soundfont, tmp_path, monkeypatch):
    chosen = tmp_path / "Chosen.sf2"
    shutil.copy(soundfont.path, chosen)
    monkeypatch.setenv(SOUNDFONT_ENV, str(chosen))
    assert default_soundfont().path == str(chosen)


@pytest.mark.parametrize("name", ["missing.sf2", "no-such-folder"])
def test_an_environment_variable_naming_nothing_is_said_not_ignored(name, soundfont, tmp_path, monkeypatch):
    missing = tmp_path / name
    monkeypatch.setenv(SOUNDFONT_ENV, str(missing))
    for find in (default_soundfont, lambda: resolve_soundfont(None)):
        with pytest.raises(AudioError) as said:
            find()
        assert SOUNDFONT_ENV in str(said.value) and str(missing) in str(said.value)
    # A folder that is there is a place to look (this one is empty: the installed SoundFont is used).
    monkeypatch.setenv(SOUNDFONT_ENV, str(tmp_path))
    assert default_soundfont().size > 0
