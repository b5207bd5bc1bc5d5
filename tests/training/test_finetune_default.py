"""Fine-tuning the shipped default model on 30 tunes it never saw: the validation loss falls and the result loads
and generates in the generation engine."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from composer.paths import default_model_path  # noqa: E402


@pytest.fixture(scope="module")
def essen_thirty(tmp_path_factory) -> Path:
    """30 tunes of music21's Essen folk-song collection, which the default model was not trained on."""
    from composer.abc.corpora import collection_paths
    from composer.abc.tunebook import read_tunebook

    tunes = []
    for path in collection_paths("essenFolksong"):
        tunes += [t for t in read_tunebook(path).tunes if t.body]
        if len(tunes) >= 30:
            break
    path = tmp_path_factory.mktemp("essen") / "essen30.abc"
    path.write_text("\n".join(t.text().rstrip("\n") + "\n" for t in tunes[:30]))
    return path


def test_finetuning_the_shipped_model_lowers_its_loss_on_new_tunes(essen_thirty, tmp_path, monkeypatch):
    base = default_model_path()
    if not base.is_file():
        pytest.skip("the shipped default model is not in models/")
    monkeypatch.setenv("COMPOSER_DATA", str(tmp_path / "data"))
    before_hash = hashlib.sha256(base.read_bytes()).hexdigest()
    done = subprocess.run(
        [sys.executable, "-m", "composer", "finetune", "--data", str(essen_thirty), "--out", "essen",
         "--epochs", "3", "--threads", "1", "--json"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines()]
    report = events[0]
    steps = [e for e in events if e["event"] == "TrainStep"]
    assert report["event"] == "DataReport" and report["tunes_read"] == 30
    assert 12 <= len(steps) <= 120
    exported = [e for e in events if e["event"] == "FinetuneExported"][-1]
    card = exported["card"]
    assert card["base_model"] == base.name and card["steps"] >= 1
    assert card["validation_nats_per_char"] < card["validation_nats_per_char_before"] - 0.05
    assert hashlib.sha256(base.read_bytes()).hexdigest() == before_hash

    from composer.model.generate import Generator, new_tune_request
    from composer.model.onnx_model import OnnxModel
    from composer.model.sampling import SamplingOptions

    model = OnnxModel(exported["path"], device="cpu", threads=1)
    assert model.path.name == "essen.int8.onnx" and model.weights == "int8"  # both twins exported; int8 runs
    assert model.layer_sizes == (640, 640)
    results = Generator(model).generate(new_tune_request(meter="4/4", key="G", count=2, max_chars=300,
                                                         sampling=SamplingOptions(seed=5)))
    assert len(results) == 2 and all(r.text for r in results)
