"""The training loop on real tunes: loss falls, events, log, checkpoints, resume, early stop, cancel."""

from __future__ import annotations

import json
import threading

import pytest

torch = pytest.importorskip("torch")

from composer.training.checkpoint import load_checkpoint, model_from_checkpoint  # noqa: E402
from composer.training.config import load_preset, preset_names  # noqa: E402
from composer.training.loop import (  # noqa: E402
    PLAYABLE_FIFTHS,
    CheckpointSaved,
    Evaluation,
    Trainer,
    TrainingFinished,
    TrainStep,
    evaluate,
    learning_rate,
    transposer,
)


def test_presets_load():
    names = preset_names()
    for name in ("default", "tiny", "emb32-3x256", "emb256-1x1024", "emb512-256-128", "emb512-3x256",
                 "256-512-256-dense256"):
        assert name in names
        assert load_preset(name).model.layers
    assert load_preset("256-512-256-dense256").model.dense == (256,)
    assert load_preset("emb512-256-128").model.layers == (256, 128)


def test_tiny_run_learns_and_logs(tiny_trained, tiny_corpus):
    out, model = tiny_trained
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if r["event"] == "TrainStep"]
    evaluations = [r for r in records if r["event"] == "Evaluation"]
    assert len(steps) >= 80
    assert evaluations[-1]["nats_per_char"] < evaluations[0]["nats_per_char"] - 0.2
    assert sum(r["loss"] for r in steps[-10:]) < sum(r["loss"] for r in steps[:10])
    assert records[-1]["event"] == "TrainingFinished"
    # The best checkpoint is self-describing and loads weights-only.
    best = load_checkpoint(out / "best.pt")
    assert "optimizer" not in best
    rebuilt = model_from_checkpoint(best).eval()
    nats, _ = evaluate(rebuilt, [t.text for t in tiny_corpus.validation])
    assert nats == pytest.approx(best["progress"]["best_nats"], rel=1e-4)
    latest = torch.load(out / "checkpoint.pt", weights_only=True)
    assert "optimizer" in latest and latest["progress"]["step"] >= 80


def test_resume_goes_on_from_the_checkpoint(tmp_path, tiny_corpus):
    preset = load_preset("tiny")
    first = Trainer(preset.model, preset.train.with_budget(max_steps=25), tiny_corpus, tmp_path)
    events = list(first.run())
    stopped_at = events[-1].step
    assert isinstance(events[-1], TrainingFinished)
    second = Trainer(preset.model, preset.train.with_budget(max_steps=50), tiny_corpus, tmp_path, resume=True)
    assert second.progress.step == stopped_at
    steps = [e.step for e in second.run() if isinstance(e, TrainStep)]
    assert steps[0] == stopped_at + 1 and steps[-1] >= 50


def test_resume_is_exact(tmp_path, tiny_corpus):
    """Stopping at a checkpoint and resuming gives the same weights as one uninterrupted run."""
    preset = load_preset("tiny")
    config = preset.train.with_budget(max_steps=30)
    straight = Trainer(preset.model, config, tiny_corpus, tmp_path / "a")
    list(straight.run())
    interrupted = Trainer(preset.model, config, tiny_corpus, tmp_path / "b")
    cancel = threading.Event()
    for event in interrupted.run(cancel):
        if isinstance(event, TrainStep) and event.step == 12:
            cancel.set()
    assert interrupted.progress.step < 30
    resumed = Trainer(preset.model, config, tiny_corpus, tmp_path / "b", resume=True)
    list(resumed.run())
    assert resumed.progress.step == straight.progress.step
    a, b = straight.core_model.state_dict(), resumed.core_model.state_dict()
    # The learning-rate schedule is the same function of the step, so only float noise may differ.
    assert all(torch.allclose(a[k], b[k], atol=1e-4) for k in a)


def test_cancel_stops_at_a_batch_boundary(tmp_path, tiny_corpus):
    preset = load_preset("tiny")
    trainer = Trainer(preset.model, preset.train.with_budget(max_steps=1000), tiny_corpus, tmp_path)
    cancel = threading.Event()
    events = []
    for event in trainer.run(cancel):
        events.append(event)
        if isinstance(event, TrainStep) and event.step == 5:
            cancel.set()
    assert isinstance(events[-1], TrainingFinished) and events[-1].reason == "cancelled"
    assert events[-1].step < 40
    assert any(isinstance(e, CheckpointSaved) for e in events)


def test_early_stop_on_validation(tmp_path, tiny_corpus):
    preset = load_preset("tiny")
    # A learning rate of zero never improves after the first evaluation.
    from dataclasses import replace

    config = replace(preset.train, learning_rate=0.0, max_steps=500, eval_every=5, patience=2)
    events = list(Trainer(preset.model, config, tiny_corpus, tmp_path).run())
    assert events[-1].reason == "validation loss stopped improving"
    assert len([e for e in events if isinstance(e, Evaluation)]) <= 5


def test_learning_rate_schedule():
    config = load_preset("tiny").train.with_budget(max_steps=100)
    assert learning_rate(config, 0, 0.0) < config.learning_rate
    assert learning_rate(config, config.warmup_steps, 0.0) == pytest.approx(config.learning_rate)
    assert learning_rate(config, 100, 1.0) == pytest.approx(config.learning_rate * config.min_lr_fraction)


def test_augmentation_moves_half_the_tunes_into_playable_keys(tiny_corpus):
    import random

    from composer.abc.keys import parse_key

    transform = transposer((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6))
    rng = random.Random(3)
    texts = [t.text for t in tiny_corpus.train]
    moved = 0
    for text in texts * 4:
        out = transform(text, rng)
        key = next(line[2:] for line in out.splitlines() if line.startswith("K:"))
        original = next(line[2:] for line in text.splitlines() if line.startswith("K:"))
        if out != text:
            moved += 1
            assert parse_key(key).fifths in PLAYABLE_FIFTHS, (original, key)
            assert out.count("|") == text.count("|")
    assert 0.35 < moved / (4 * len(texts)) < 0.65
    assert transposer(()) is None


def _steps_logged(out) -> list[int]:
    return [r["step"] for r in map(json.loads, (out / "log.jsonl").read_text().splitlines())
            if r["event"] == "TrainStep"]


def test_resume_with_dropout_is_bit_exact_and_logs_each_step_once(tmp_path, tiny_corpus):
    """A fine-tune's dropout draws from torch's generator: a resumed run must go on with the same draws."""
    from dataclasses import replace

    preset = load_preset("tiny")
    model_config = replace(preset.model, dropout=0.3)
    config = preset.train.with_budget(max_steps=30)
    straight = Trainer(model_config, config, tiny_corpus, tmp_path / "a")
    straight_events = list(straight.run())
    interrupted = Trainer(model_config, config, tiny_corpus, tmp_path / "b")
    events = interrupted.run()
    for event in events:  # killed: the events stop coming after step 17, the last checkpoint was at step 10
        if isinstance(event, TrainStep) and event.step == 17:
            break
    events.close()
    saved = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["progress"]["step"]
    assert 0 < saved < 17
    resumed = Trainer(model_config, config, tiny_corpus, tmp_path / "b", resume=True)
    resumed_events = list(resumed.run())
    assert resumed.progress.step == straight.progress.step
    a, b = straight.core_model.state_dict(), resumed.core_model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a), [k for k in a if not torch.equal(a[k], b[k])]
    last = [e for e in straight_events if isinstance(e, Evaluation)][-1]
    assert [e for e in resumed_events if isinstance(e, Evaluation)][-1].nats_per_char == last.nats_per_char
    assert _steps_logged(tmp_path / "b") == _steps_logged(tmp_path / "a") == list(range(1, 31))


def test_the_step_budget_is_exact_and_a_spent_run_does_not_train_on(tmp_path, tiny_corpus):
    preset = load_preset("tiny")  # batches of long tunes take several 64-character chunks: several steps each
    for budget in (7, 23):
        out = tmp_path / str(budget)
        events = list(Trainer(preset.model, preset.train.with_budget(max_steps=budget), tiny_corpus, out).run())
        assert events[-1].step == budget and events[-1].reason == "step budget spent"
        assert _steps_logged(out) == list(range(1, budget + 1))
        again = Trainer(preset.model, preset.train.with_budget(max_steps=budget), tiny_corpus, out, resume=True)
        events = list(again.run())
        assert not [e for e in events if isinstance(e, TrainStep)]
        assert events[-1].step == budget and isinstance(events[-1], TrainingFinished)
        assert _steps_logged(out) == list(range(1, budget + 1))
