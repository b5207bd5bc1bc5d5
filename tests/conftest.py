"""Shared fixtures: a tiny model trained for seconds on real tunes, exported through the ONNX contract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw the same examples on every run (CI included), so a run passes or fails for what the code
# does, not for the draw; HYPOTHESIS_PROFILE=explore draws fresh examples (and remembers failures) for a local hunt.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nottingham_folder() -> Path:
    from composer.abc.corpora import nottingham_dir

    return nottingham_dir()


@pytest.fixture(scope="module")
def thirty_tunes(tmp_path_factory, nottingham_folder) -> Path:
    """The first 30 tunes of Nottingham's hornpipes, as a tunebook of their own."""
    from composer.abc.tunebook import read_tunebook

    book = read_tunebook(nottingham_folder / "hpps.abc")
    path = tmp_path_factory.mktemp("book") / "thirty.abc"
    path.write_text("\n".join(tune.text().rstrip("\n") + "\n" for tune in book.tunes[:30]))
    return path


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """A fresh per-user data folder (user models, runs) for this test and the processes it starts."""
    home = tmp_path / "data"
    monkeypatch.setenv("COMPOSER_DATA", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_corpus(nottingham_folder):
    """Nottingham's jigs and reels A–C as a small, real training corpus."""
    pytest.importorskip("torch")
    from composer.training.corpus import build_corpus

    folder = nottingham_folder
    return build_corpus([str(folder / "jigs.abc"), str(folder / "reelsa-c.abc")], 0.1)


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory, tiny_corpus):
    """(run folder, trained CharLSTM) after ~80 steps of the `tiny` preset."""
    from composer.training.config import load_preset
    from composer.training.loop import Trainer

    preset = load_preset("tiny")
    out = tmp_path_factory.mktemp("tiny-run")
    trainer = Trainer(preset.model, preset.train.with_budget(max_steps=80), tiny_corpus, out)
    for _ in trainer.run():
        pass
    return out, trainer.core_model.eval()


@pytest.fixture(scope="session")
def tiny_onnx_model(tiny_trained) -> Path:
    """A Path to a small ONNX model (Emb16 + LSTM48) trained for seconds on Nottingham, following the contract."""
    from composer.training.export import export_onnx, make_card

    out, model = tiny_trained
    card = make_card(model, "tiny", training_data=["nottingham jigs", "nottingham reels a-c"], steps=80,
                     validation_nats_per_char=None)
    return export_onnx(model, out / "tiny.onnx", card, with_int8=False)  # float32 only: tests compare it to torch
