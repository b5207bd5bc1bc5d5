"""`composer generate` and `composer continue` end to end with a real tiny ONNX model."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from composer.abc.tunebook import read_tunebook
from composer.cli import main
from composer.model.form import Part
from composer.model.form_plan import written_form
from composer.paths import default_model_path

KESH = """X:3
T:The Kesh
M:6/8
L:1/8
K:G
|:GAG GAB|ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|AGF G3:|
"""


def test_generate_writes_a_tunebook_of_count_tunes(tiny_onnx_model, tmp_path, capsys):
    out = tmp_path / "new.abc"
    code = main(["generate", "--meter", "3/4", "--key", "Em", "--rhythm", "waltz", "--title", "Trial",
                 "--count", "3", "--seed", "9", "--temperature", "0.9", "--top-k", "20", "--top-p", "0.95",
                 "--max-chars", "200", "--model", str(tiny_onnx_model), "-o", str(out)])
    assert code == 0
    book = read_tunebook(out)
    assert [t.reference for t in book] == [1, 2, 3]
    assert {(t.meter, t.key, t.rhythm, t.title) for t in book} == {("3/4", "Em", "waltz", "Trial")}
    assert "stopped at" in capsys.readouterr().err


def test_generate_refuses_bad_options_and_a_missing_model(tmp_path, capsys):
    assert main(["generate", "--top-p", "2"]) == 2
    assert main(["generate", "--model", str(tmp_path / "none.onnx")]) == 1
    assert "no model file" in capsys.readouterr().err


def test_continue_replaces_the_rest_of_the_tune(tiny_onnx_model, tmp_path):
    source = tmp_path / "kesh.abc"
    source.write_text(KESH)
    out = tmp_path / "more.abc"
    code = main(["continue", str(source), "--tune", "3", "--at", "7:9", "--bars", "2", "--count", "2",
                 "--seed", "3", "--no-constrain", "--model", str(tiny_onnx_model), "-o", str(out)])
    assert code == 0
    book = read_tunebook(out)
    assert len(book) == 2
    for tune in book:
        text = tune.text()
        assert text.startswith("X:") and "|:GAG GAB|ABA ABd|edd gdd|edB dBA|\nGAG GAB|" in text
        assert "AGF G3:|" not in text


# -- hostile and unlucky input (issue 19) --------------------------------------------------------------------

def _tunebook(count: int) -> str:
    return "\n".join(KESH.replace("X:3", f"X:{n}").replace("The Kesh", f"Kesh {n}") for n in range(1, count + 1))


@pytest.mark.parametrize("count", ["0", "-1", "many"])
def test_a_count_below_one_is_an_argument_error_not_a_traceback(count, capsys):
    for command in (["generate"], ["continue", "book.abc"]):
        with pytest.raises(SystemExit) as exited:
            main([*command, "--count", count])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "--count" in err and "Traceback" not in err


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--title", "x\nK:C\n%%beginps\n/x 1 def", "--title"),
    ("--title", "bell\x07", "--title"),
    ("--rhythm", "reel\r\nQ:1", "--rhythm"),
    ("--key", "D\nX:2", "--key"),
    ("--key", "Qmajor", "--key"),
    ("--unit", "1/0", "--unit"),
    ("--unit", "banana", "--unit"),
    ("--meter", "banana", "--meter"),
    ("--meter", "0/4", "--meter"),
    ("--meter", "4/0", "--meter"),
    ("--meter", "999999/1", "--meter"),
])
def test_generate_refuses_fields_that_are_not_one_clean_value(option, value, said, tmp_path, capsys):
    out = tmp_path / "new.abc"
    with pytest.raises(SystemExit) as exited:
        main(["generate", option, value, "-o", str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert not out.exists()


def test_generate_accepts_the_usual_fields(tiny_onnx_model, tmp_path):
    out = tmp_path / "new.abc"
    code = main(["generate", "--meter", "C|", "--unit", "1/8", "--key", "Ador", "--title", "Paddy’s Reel",
                 "--rhythm", "reel", "--max-chars", "60", "--seed", "1", "--model", str(tiny_onnx_model),
                 "-o", str(out)])
    assert code == 0
    tune = read_tunebook(out).tunes[0]
    assert (tune.meter, tune.unit, tune.key, tune.rhythm) == ("C|", "1/8", "Ador", "reel")
    assert sum(1 for f in tune.header if f.name == "K") == 1


def test_continue_onto_its_own_tunebook_keeps_every_other_tune(tiny_onnx_model, tmp_path):
    book = tmp_path / "mybook.abc"
    book.write_text(_tunebook(6))
    before = book.read_text()
    code = main(["continue", str(book), "--tune", "4", "--at", "31:9", "--bars", "2", "--seed", "3",
                 "--no-constrain", "--model", str(tiny_onnx_model), "-o", str(book)])
    assert code == 0
    after = read_tunebook(book)
    assert [t.reference for t in after] == [1, 2, 3, 4, 5, 6]
    old = read_tunebook(before)
    for new_tune, old_tune in zip(after, old, strict=True):
        if new_tune.reference == 4:  # continued in place from line 31, column 9
            kept = "".join(old_tune.source_lines[:-1]) + "GAG GAB|"
            assert new_tune.text().startswith(kept) and len(new_tune.text()) > len(kept)
            assert "AGF G3:|" not in new_tune.text()
        else:
            assert new_tune.text() == old_tune.text()
    text = book.read_text()
    assert text.startswith(before[:before.index("X:4")]) and text.endswith(before[before.index("X:5") - 1:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mybook.abc"]


def test_continue_in_place_through_a_link_writes_the_file_and_keeps_the_link(tiny_onnx_model, tmp_path):
    book = tmp_path / "mybook.abc"
    book.write_text(_tunebook(2))
    link = tmp_path / "link.abc"
    link.symlink_to(book)
    code = main(["continue", str(link), "--tune", "2", "--at", "15:9", "--bars", "1", "--seed", "3",
                 "--no-constrain", "--model", str(tiny_onnx_model), "-o", str(link)])
    assert code == 0
    assert link.is_symlink() and link.resolve() == book
    assert [t.reference for t in read_tunebook(book)] == [1, 2]
    assert "AGF G3:|" not in read_tunebook(book).tune(2).text()


def test_continue_refuses_several_candidates_onto_its_own_tunebook(tiny_onnx_model, tmp_path, capsys):
    book = tmp_path / "mybook.abc"
    book.write_text(_tunebook(3))
    before = book.read_bytes()
    code = main(["continue", str(book), "--tune", "2", "--count", "2", "--bars", "1",
                 "--model", str(tiny_onnx_model), "-o", str(tmp_path / "." / "mybook.abc")])
    assert code == 1
    assert "input tunebook" in capsys.readouterr().err
    assert book.read_bytes() == before


def _failing_write(command: list[str], fsize: int) -> subprocess.CompletedProcess:
    """Run `composer COMMAND` in a process whose files may not grow past `fsize` bytes (a full disk)."""
    script = ("import resource, signal, sys\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))\n"
              "from composer.cli import main\n"
              f"sys.exit(main({command!r}))\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("kind", ["generate", "continue"])
def test_a_write_that_fails_midway_leaves_the_old_file_whole(kind, tiny_onnx_model, tmp_path):
    source = tmp_path / "kesh.abc"
    source.write_text(KESH)
    out = tmp_path / "old.abc"
    old = _tunebook(1).encode()
    out.write_bytes(old)
    if kind == "generate":
        command = ["generate", "--count", "4", "--max-chars", "400", "--seed", "2"]
    else:
        command = ["continue", str(source), "--count", "4", "--max-chars", "400", "--seed", "2"]
    done = _failing_write([*command, "--no-constrain", "--model", str(tiny_onnx_model), "-o", str(out)],
                          fsize=len(old) + 100)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert str(out) in done.stderr and "cannot write" in done.stderr
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kesh.abc", "old.abc"]


def test_a_folder_in_the_way_is_a_message(tiny_onnx_model, tmp_path, capsys):
    folder = tmp_path / "taken.abc"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep")
    code = main(["generate", "--max-chars", "40", "--model", str(tiny_onnx_model), "-o", str(folder)])
    assert code == 1
    assert "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.abc"]
    assert (folder / "inside.txt").read_text() == "keep"


def test_continue_without_a_key_line_names_the_line(tiny_onnx_model, tmp_path, capsys):
    source = tmp_path / "nokey.abc"
    source.write_text("X:1\nT:No key\nM:4/4\nL:1/8\n|:ABcd efga|\n")
    code = main(["continue", str(source), "--model", str(tiny_onnx_model)])
    assert code == 1
    err = capsys.readouterr().err
    assert "K:" in err and f"{source}:1" in err
    assert "Traceback" not in err


def _book_with_a_megabyte_line(path) -> None:
    path.write_text(KESH + "\nX:4\nT:Endless\nM:4/4\nL:1/8\nK:D\n" + "ABcd efga|" * 100_000 + "\n")


def test_continue_refuses_a_megabyte_tune_at_once(tiny_onnx_model, tmp_path, capsys):
    import time

    book = tmp_path / "huge.abc"
    _book_with_a_megabyte_line(book)
    started = time.monotonic()
    code = main(["continue", str(book), "--tune", "4", "--model", str(tiny_onnx_model)])
    assert time.monotonic() - started < 10  # the model never sees it: its run alone takes minutes
    assert code == 1
    err = capsys.readouterr().err
    assert f"{book}:9" in err and "characters" in err and "Traceback" not in err


def test_score_skips_a_megabyte_tune_with_a_word_and_scores_the_rest(tiny_onnx_model, tmp_path, capsys):
    import time

    book = tmp_path / "huge.abc"
    _book_with_a_megabyte_line(book)
    started = time.monotonic()
    code = main(["score", str(book), "--model", str(tiny_onnx_model)])
    assert time.monotonic() - started < 10  # the model never sees it: its run alone takes minutes
    assert code == 0
    out, err = capsys.readouterr()
    assert out.startswith("nats_per_char=") and out.rstrip().endswith("tunes=1")
    assert f"{book}:9" in err and "skipped" in err


shipped_model = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


@shipped_model
@pytest.mark.parametrize(("form", "part_bars", "parts"), [
    ("AB", "4", (Part(4, False), Part(4, False))),
    ("AABB", "8", (Part(8, True), Part(8, True))),
    ("ABC", "4,8,4", (Part(4, False), Part(8, False), Part(4, False))),
])
def test_generate_writes_the_form_asked_for(form, part_bars, parts, tmp_path, capsys):
    out = tmp_path / "new.abc"
    code = main(["generate", "--meter", "6/8", "--key", "G", "--form", form, "--part-bars", part_bars,
                 "--seed", "3", "-o", str(out)])
    assert code == 0
    (tune,) = read_tunebook(out).tunes
    assert written_form(tune.text()).parts == parts
    assert f"form: {form}" in capsys.readouterr().err


@shipped_model
def test_continue_with_a_form_writes_the_parts_after_the_written_one(tmp_path, capsys):
    book = tmp_path / "kesh.abc"
    book.write_text(KESH, encoding="utf-8")
    out = tmp_path / "out.abc"
    assert main(["continue", str(book), "--form", "AABB", "--seed", "1", "-o", str(out)]) == 0
    (tune,) = read_tunebook(out).tunes
    assert written_form(tune.text()).parts == (Part(8, True), Part(8, True))
    assert "part B next" in capsys.readouterr().err


def test_the_report_says_which_candidates_did_not_keep_the_form(tiny_onnx_model, capsys):
    from composer.commands.generate import report
    from composer.model.generate import Finished
    from composer.model.onnx_model import OnnxModel

    report([Finished(0, "GABc|", "end"), Finished(1, "GABc|", "end", form_kept=False)], OnnxModel(tiny_onnx_model))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "candidate 1: 5 characters, stopped at end"
    assert lines[1].startswith("candidate 2: 5 characters, stopped at end; the form left no way on")
