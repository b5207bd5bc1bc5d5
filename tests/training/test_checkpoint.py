"""Checkpoints read back weights-only; anything else is "not a Composer checkpoint", never a hint to load unsafely."""

from __future__ import annotations

import collections
import pickle

import pytest

torch = pytest.importorskip("torch")

from composer.errors import TrainingError  # noqa: E402
from composer.training.checkpoint import Progress, load_checkpoint, save_checkpoint  # noqa: E402
from composer.training.config import load_preset  # noqa: E402
from composer.training.lstm import CharLSTM  # noqa: E402


def _real_checkpoint(path):
    preset = load_preset("tiny")
    save_checkpoint(path, CharLSTM(preset.model), preset.train, Progress(step=3))
    return path


def _garbage(tmp_path):
    real = _real_checkpoint(tmp_path / "real.pt").read_bytes()
    files = {
        "empty.pt": b"",
        "noise.pt": bytes(range(256)) * 40,
        "text.pt": b"step 100\nloss 1.2\n",
        "protocol2.pt": pickle.dumps({"format": "composer-checkpoint-1"}, protocol=2)[:-1],
        "cut.pt": real[: len(real) // 2],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    # Whole torch files that are not ours: a class weights-only loading refuses, and a plain tensor.
    torch.save(collections.Counter(a=1), tmp_path / "counter.pt")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    return [tmp_path / name for name in [*files, "counter.pt", "tensor.pt"]]


def test_garbage_is_not_a_composer_checkpoint_and_no_unsafe_loading_is_suggested(tmp_path):
    for path in _garbage(tmp_path):
        with pytest.raises(TrainingError) as refused:
            load_checkpoint(path)
        message = str(refused.value)
        assert "not a Composer checkpoint" in message and str(path) in message, message
        assert "weights_only" not in message and "pickle" not in message.lower(), message
        assert len(message) < 300, message


def test_a_real_checkpoint_loads(tmp_path):
    payload = load_checkpoint(_real_checkpoint(tmp_path / "real.pt"))
    assert payload["progress"]["step"] == 3


def test_train_resume_from_a_garbage_checkpoint_says_so(tmp_path, capsys):
    from composer.cli import main

    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes(bytes(range(256)) * 4)
    book = tmp_path / "book.abc"
    book.write_text("".join(f"X:{n}\nT:T{n}\nM:4/4\nL:1/8\nK:D\n|:ABcd efga|gfed cBA2:|\n\n" for n in range(1, 21)))
    code = main(["train", "--preset", "tiny", "--data", str(book), "--out", str(run), "--resume", "--no-validate",
                 "--steps", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "not a Composer checkpoint" in err and "weights_only" not in err


def test_train_into_a_folder_holding_a_run_refuses_and_keeps_it(tmp_path, capsys):
    from composer.cli import main

    run = tmp_path / "run"
    run.mkdir()
    files = {"checkpoint.pt": b"a week of training", "log.jsonl": b'{"event": "TrainStep", "step": 1}\n'}
    for name, data in files.items():
        (run / name).write_bytes(data)
    code = main(["train", "--preset", "tiny", "--data", str(tmp_path / "none.abc"), "--out", str(run), "--steps", "1"])
    assert code == 1
    assert "holds a training run" in capsys.readouterr().err
    assert {name: (run / name).read_bytes() for name in files} == files
