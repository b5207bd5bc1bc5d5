"""Fine-tuning through the real CLI on a 30-tune Nottingham tunebook: the loss falls, the model loads and
generates, the report names rejected tunes, and a killed or cancelled run resumes from its checkpoint."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")


THREADS = "1"  # two threads on the shared 2-core machine make torch crawl


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finetune_command(base: Path, books: list[Path], name: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "composer", "finetune", "--base", str(base), "--data", *map(str, books),
            "--out", name, "--threads", THREADS, "--json", *extra]


def run_finetune(*args, timeout: float = 240) -> list[dict]:
    done = subprocess.run(finetune_command(*args), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def of_kind(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["event"] == kind]


def start_until_checkpoint(command: list[str], timeout: float = 180) -> tuple[subprocess.Popen, list[dict]]:
    """Start the CLI and read its events until the first checkpoint is announced."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "CheckpointSaved" or time.monotonic() > deadline:
            break
    assert events and events[-1]["event"] == "CheckpointSaved", process.stderr.read()
    return process, events


def test_finetune_lowers_validation_loss_and_exports_a_model_the_generator_loads(
        tiny_onnx_model, thirty_tunes, data_home):
    from composer.model.generate import Generator, new_tune_request
    from composer.model.onnx_model import OnnxModel
    from composer.model.sampling import SamplingOptions
    from composer.training.finetune import unfinished_runs

    base_hash = sha256(tiny_onnx_model)
    events = run_finetune(tiny_onnx_model, [thirty_tunes], "hornpipes")

    report = events[0]
    assert report["event"] == "DataReport"
    assert report["tunes_read"] == 30
    assert report["train_tunes"] + report["validation_tunes"] + len(report["rejected"]) == 30
    steps = of_kind(events, "TrainStep")
    assert 24 <= len(steps) <= 200  # a few dozen steps
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    evaluations = of_kind(events, "Evaluation")
    before = report["validation_before"]
    best = min(e["nats_per_char"] for e in evaluations)
    assert best < before - 0.01, (before, [e["nats_per_char"] for e in evaluations])

    exported = of_kind(events, "FinetuneExported")[-1]
    path = Path(exported["path"])
    assert path == data_home / "models" / "hornpipes.onnx" and path.is_file()
    card = exported["card"]
    assert card["fine_tuned"] and card["base_model"] == tiny_onnx_model.name
    assert card["validation_nats_per_char"] < card["validation_nats_per_char_before"]
    assert card["training_data"] == [str(thirty_tunes)]
    assert sha256(tiny_onnx_model) == base_hash  # the base model is never written to
    assert unfinished_runs() == []  # the run is marked finished

    model = OnnxModel(path, device="cpu", threads=1)
    assert model.path == data_home / "models" / "hornpipes.int8.onnx"  # its int8 twin, written beside it, runs
    assert model.weights == "int8" and model.card["fine_tuned"] and model.card["steps"] == steps[-1]["step"]
    assert OnnxModel(path, weights="float32", device="cpu", threads=1).weights == "float32"
    request = new_tune_request(meter="4/4", key="G", count=2, max_chars=200,
                               sampling=SamplingOptions(temperature=0.8, seed=3))
    results = Generator(model).generate(request)
    assert len(results) == 2 and all(r.text for r in results)


def test_report_only_names_rejected_tunes_and_replaced_characters(tiny_onnx_model, thirty_tunes, tmp_path,
                                                                  data_home):
    broken = tmp_path / "mine.abc"
    broken.write_text("X:1\nT:Broken Reel\nM:4/4\nL:1/8\nK:D\n|: ABc d2 [ | cde :|\n\n"
                      "X:2\nT:Caf\u00e9 Reel\nM:4/4\nL:1/8\nK:D\n|: ABcd efga :|\n")
    events = run_finetune(tiny_onnx_model, [thirty_tunes, broken], "report", "--report-only")
    assert [e["event"] for e in events] == ["DataReport"]
    report = events[0]
    assert report["tunes_read"] == 32
    mine = [r for r in report["rejected"] if r["path"] == str(broken)]
    assert mine == [{"path": str(broken), "tune": mine[0]["tune"], "line": 6, "column": 11,
                     "reason": "chord [ is not closed before the bar line"}]
    assert "X:1" in mine[0]["tune"]
    assert ["é", "e"] in report["replaced_characters"]
    assert report["seconds_per_epoch"] > 0 and report["steps_per_epoch"] > 0
    assert report["max_steps"] == 8 * report["steps_per_epoch"]
    assert not (data_home / "finetune").exists()  # a report touches no run folder


def test_a_killed_run_resumes_from_its_checkpoint(tiny_onnx_model, thirty_tunes, data_home):
    from composer.training.checkpoint import load_checkpoint, progress_of
    from composer.training.finetune import run_folder, unfinished_runs

    base_hash = sha256(tiny_onnx_model)
    long_run = ("--epochs", "30", "--patience", "1000")
    process, _ = start_until_checkpoint(finetune_command(tiny_onnx_model, [thirty_tunes], "killed", *long_run))
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    run_dir = run_folder("killed")
    assert unfinished_runs() == [run_dir]
    saved = progress_of(load_checkpoint(run_dir / "checkpoint.pt")).step
    assert saved > 0

    events = run_finetune(tiny_onnx_model, [thirty_tunes], "killed", *long_run, "--resume")
    steps = of_kind(events, "TrainStep")
    assert steps[0]["step"] == saved + 1  # at most the steps since the checkpoint are lost
    finished = of_kind(events, "TrainingFinished")[-1]
    assert finished["step"] == events[0]["max_steps"] > saved
    assert Path(of_kind(events, "FinetuneExported")[-1]["path"]).is_file()
    assert sha256(tiny_onnx_model) == base_hash
    assert unfinished_runs() == []


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is how the app cancels on POSIX")
def test_sigterm_cancels_at_a_batch_with_a_checkpoint_and_no_export(tiny_onnx_model, thirty_tunes, data_home):
    from composer.training.checkpoint import load_checkpoint, progress_of
    from composer.training.finetune import run_folder, unfinished_runs

    command = finetune_command(tiny_onnx_model, [thirty_tunes], "stopped", "--epochs", "30", "--patience", "1000")
    process, events = start_until_checkpoint(command)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    events += [json.loads(line) for line in out.splitlines()]
    finished = of_kind(events, "TrainingFinished")[-1]
    assert finished["reason"] == "cancelled"
    assert finished["step"] < events[0]["max_steps"]
    assert not of_kind(events, "FinetuneExported")
    assert not (data_home / "models" / "stopped.onnx").exists()
    assert progress_of(load_checkpoint(run_folder("stopped") / "checkpoint.pt")).step == finished["step"]
    assert unfinished_runs() == [run_folder("stopped")]


def _plant_run(folder: Path) -> dict[str, bytes]:
    """An interrupted run's files (their bytes stand for the person's work)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"checkpoint.pt": b"interrupted run, step 900", "best.pt": b"best so far, step 800",
             "log.jsonl": b'{"event": "TrainStep", "step": 1}\n', "request.json": b'{"name": "mine"}'}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


@pytest.mark.parametrize("explicit", [False, True])
def test_a_new_run_never_replaces_an_existing_run(explicit, tiny_onnx_model, thirty_tunes, data_home, tmp_path):
    from composer.training.finetune import run_folder

    old = tmp_path / "my-run" if explicit else run_folder("mine")
    planted = _plant_run(old)
    extra = ("--run-dir", str(old)) if explicit else ()
    events = run_finetune(tiny_onnx_model, [thirty_tunes], "mine", "--epochs", "1", *extra)
    assert {name: (old / name).read_bytes() for name in planted} == planted
    assert sorted(p.name for p in old.iterdir()) == sorted(planted)
    new = Path(events[0]["run_dir"])
    assert new != old and new.parent == old.parent and new.name.startswith(old.name)
    assert (new / "best.pt").is_file() and of_kind(events, "FinetuneExported")


def test_a_name_that_would_overwrite_the_base_model_is_refused_before_training(tiny_onnx_model, thirty_tunes,
                                                                                 data_home, tmp_path):
    import shutil

    models = tmp_path / "models"
    models.mkdir()
    base = models / "mine.onnx"
    shutil.copy(tiny_onnx_model, base)
    base_hash = sha256(base)
    done = subprocess.run(finetune_command(base, [thirty_tunes], "mine", "--models-dir", str(models)),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "overwrite its base model" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""  # no data report, no training step
    assert sha256(base) == base_hash
    assert not (data_home / "finetune").exists()


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="RLIMIT_FSIZE is POSIX")
def test_a_checkpoint_write_that_fails_midway_leaves_the_run_as_it_was(tiny_onnx_model, thirty_tunes, data_home):
    from composer.training.finetune import run_folder

    long_run = ("--epochs", "30", "--patience", "1000")
    process, _ = start_until_checkpoint(finetune_command(tiny_onnx_model, [thirty_tunes], "full", *long_run))
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    run_dir = run_folder("full")
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.suffix == ".pt"}
    assert "checkpoint.pt" in before
    fsize = min(len(data) for data in before.values()) // 2  # a full disk: no checkpoint fits
    arguments = finetune_command(tiny_onnx_model, [thirty_tunes], "full", *long_run, "--resume")[3:]
    script = ("import resource, signal, sys\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))\n"
              "from composer.cli import main\n"
              f"sys.exit(main({arguments!r}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot write the checkpoint" in done.stderr and "the one before it was kept" in done.stderr
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.suffix == ".pt"} == before
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    assert not (data_home / "models" / "full.onnx").exists()
