"""`composer generate` and `composer continue` end to end with a real tiny ONNX model."""

from __future__ import annotations

from composer.abc.tunebook import read_tunebook
from composer.cli import main

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
