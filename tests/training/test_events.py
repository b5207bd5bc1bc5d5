"""Training events: frozen records that cross the process boundary as dicts and come back equal; the real
`composer finetune --json` prints nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import FrozenInstanceError, asdict, fields

import pytest

from composer.training.events import (
    CheckpointSaved,
    DataReport,
    Evaluation,
    FinetuneExported,
    RejectedTune,
    TrainingFinished,
    TrainStep,
    from_dict,
    to_dict,
)

REPORT = DataReport(
    tunes_read=3, rejected=(RejectedTune("mine.abc", "X:2 Broken", 6, 11, "chord [ is not closed"),),
    replaced_characters=(("é", "e"),), train_tunes=1, validation_tunes=1, train_chars=420, steps_per_epoch=4,
    seconds_per_epoch=1.5, validation_before=2.25, max_steps=32, run_dir="/runs/mine")
EVENTS = [
    REPORT,
    TrainStep(step=1, epoch=0, loss=3.1, accuracy=0.2, learning_rate=5e-4, chars_per_second=900.0, elapsed=0.4,
              progress=0.03),
    Evaluation(step=2, nats_per_char=2.0, accuracy=0.4, best=True, elapsed=1.0),
    CheckpointSaved(step=2, path="/runs/mine/checkpoint.pt"),
    TrainingFinished(step=32, reason="step budget spent", best_nats_per_char=1.9, elapsed=9.0),
    FinetuneExported(path="/models/mine.onnx", card={"steps": 32, "fine_tuned": True}),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_comes_back_equal_from_its_dict_and_its_json_line(event):
    record = to_dict(event)
    assert record["event"] == type(event).__name__
    assert from_dict(record) == event
    assert from_dict(json.loads(json.dumps(record))) == event  # tuples travel as lists
    with pytest.raises(FrozenInstanceError):
        setattr(event, fields(event)[0].name, None)


def test_a_data_report_keeps_its_rejected_tunes_and_replacements_typed():
    back = from_dict(json.loads(json.dumps(to_dict(REPORT))))
    assert back.rejected[0] == RejectedTune("mine.abc", "X:2 Broken", 6, 11, "chord [ is not closed")
    assert back.replaced_characters == (("é", "e"),)
    assert str(back.rejected[0]) == "mine.abc:6:11: X:2 Broken: chord [ is not closed"


def test_the_dict_is_the_log_format_the_trainer_always_wrote():
    step = EVENTS[1]
    assert to_dict(step) == {"event": "TrainStep", **asdict(step)}
    assert list(to_dict(step)) == ["event", "step", "epoch", "loss", "accuracy", "learning_rate",
                                   "chars_per_second", "elapsed", "progress"]


@pytest.mark.parametrize("record", [
    {"event": "Nonsense", "step": 1},
    {"step": 1},
    {"event": "TrainStep", "step": 1, "loss": 3.0},  # fields missing
    {"event": "DataReport", **{k: v for k, v in to_dict(REPORT).items() if k != "event"},
     "rejected": [{"path": "a.abc"}]},
    ["event", "TrainStep"],
])
def test_anything_else_is_refused_with_a_value_error(record):
    with pytest.raises(ValueError):
        from_dict(record)


def test_the_real_finetune_prints_these_events_and_nothing_else(tiny_onnx_model, thirty_tunes, data_home):
    pytest.importorskip("torch")
    done = subprocess.run(
        [sys.executable, "-m", "composer", "finetune", "--base", str(tiny_onnx_model), "--data", str(thirty_tunes),
         "--out", "events", "--epochs", "1", "--threads", "1", "--json"],
        capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    events = [from_dict(record) for record in records]
    assert [json.loads(json.dumps(to_dict(event))) for event in events] == records  # nothing lost
    kinds = [type(event) for event in events]
    assert kinds[0] is DataReport and kinds[-2:] == [TrainingFinished, FinetuneExported]
    assert {TrainStep, Evaluation, CheckpointSaved} <= set(kinds)
    report = events[0]
    assert report.tunes_read == 30 and all(isinstance(r, RejectedTune) for r in report.rejected)
    assert report.max_steps == report.steps_per_epoch and report.run_dir == str(data_home / "finetune" / "events")
    steps = [event.step for event in events if isinstance(event, TrainStep)]
    assert steps == list(range(1, len(steps) + 1)) and events[-2].step == steps[-1]
    assert events[-1].path == str(data_home / "models" / "events.onnx")
