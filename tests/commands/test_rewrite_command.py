"""`composer rewrite` end to end with a real tiny ONNX model: the output, in place, and refusals with the place."""

from __future__ import annotations

import pytest
from support.tunes import KESH

from composer.abc.tunebook import read_tunebook
from composer.cli import main


def _tunebook(count: int) -> str:
    return "\n".join(KESH.replace("X:3", f"X:{n}").replace("The Kesh", f"Kesh {n}") for n in range(1, count + 1))


def test_rewrite_writes_count_alternatives_and_reports_the_ranking(tiny_onnx_model, tmp_path, capsys):
    source = tmp_path / "kesh.abc"
    source.write_text(KESH)
    out = tmp_path / "new.abc"
    code = main(["rewrite", str(source), "--tune", "3", "--bars", "2-3", "--count", "2", "--samples", "6",
                 "--seed", "4", "--model", str(tiny_onnx_model), "-o", str(out)])
    assert code == 0
    book = read_tunebook(out)
    assert [t.reference for t in book] == [1, 2]
    for tune in book:
        text = tune.text()
        assert text.startswith("X:") and "|:GAG GAB|" in text and "|edB dBA|\nGAG GAB|ABA ABd|" in text
        assert "|:GAG GAB|ABA ABd|edd gdd|" not in text
    err = capsys.readouterr().err
    assert "bars 2-3 of X:3" in err and "6 sampled" in err and "model calls" in err and "real" in err


def test_rewrite_onto_its_own_tunebook_keeps_every_other_tune_byte_for_byte(tiny_onnx_model, tmp_path):
    book = tmp_path / "mybook.abc"
    book.write_bytes(_tunebook(4).replace("\n", "\r\n").encode())  # the file's own newlines stay
    before = book.read_bytes()
    code = main(["rewrite", str(book), "--tune", "3", "--bars", "6", "--count", "1", "--samples", "4", "--seed", "1",
                 "--model", str(tiny_onnx_model), "-o", str(book)])
    assert code == 0
    after = book.read_bytes()
    third, fourth = before.index(b"X:3"), before.index(b"X:4")
    assert after.startswith(before[:third]) and after.endswith(before[fourth - 2:])
    tune = read_tunebook(book).tune(3)
    assert tune.text().startswith("X:3\nT:Kesh 3\nR:jig\nM:6/8\nL:1/8\nK:G\n|:GAG GAB|ABA ABd|edd gdd|edB dBA|\n"
                                  "GAG GAB|")
    assert tune.text().endswith("|edd gdB|AGF G3:|\n") and "GAG GAB|ABA ABd|edd gdB" not in tune.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mybook.abc"]


def test_rewrite_refuses_several_alternatives_onto_its_own_tunebook(tiny_onnx_model, tmp_path, capsys):
    book = tmp_path / "mybook.abc"
    book.write_text(_tunebook(2))
    before = book.read_bytes()
    code = main(["rewrite", str(book), "--bars", "1-2", "--model", str(tiny_onnx_model), "-o", str(book)])
    assert code == 1 and "input tunebook" in capsys.readouterr().err
    assert book.read_bytes() == before


@pytest.mark.parametrize(("tune_text", "bars", "said", "place"), [
    (KESH, "8-9", "outside the tune: it has bars 1-8", ":1 (tune X:3)"),
    (KESH.replace("K:G\n", ""), "1", "K: is missing", ":1 (tune X:3)"),
    (KESH.replace("M:6/8", "M:99/4"), "1", "cannot be rewritten: M:99/4 is outside", ":4:3 (tune X:3)"),
])
def test_bad_input_is_an_error_naming_file_tune_and_line(tiny_onnx_model, tmp_path, capsys, tune_text, bars, said,
                                                         place):
    source = tmp_path / "bad.abc"
    source.write_text(tune_text)
    code = main(["rewrite", str(source), "--bars", bars, "--model", str(tiny_onnx_model)])
    assert code == 1
    err = capsys.readouterr().err
    assert said in err and f"{source}{place}" in err and "Traceback" not in err


@pytest.mark.parametrize("bars", ["0-2", "6-5", "x", "1-100"])
def test_bars_that_are_no_range_are_an_argument_error(bars, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["rewrite", "book.abc", "--bars", bars])
    assert exited.value.code == 2
    assert "--bars" in capsys.readouterr().err
