"""Fine-tune a model on your tunebooks (needs the `train` extra: PyTorch) into your model folder."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from dataclasses import replace
from pathlib import Path

from composer.errors import TrainingError
from composer.training.events import Evaluation, FinetuneEvent, FinetuneExported, TrainingFinished, TrainStep, to_dict
from composer.training.runs import FinetuneSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", type=Path, help="model to start from (default: the shipped default model)")
    parser.add_argument("--data", nargs="+", required=True, metavar="TUNEBOOK.abc", help="your tunebooks")
    parser.add_argument("--out", required=True, metavar="NAME", help="name of the new model (NAME.onnx)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-4, help="learning rate")
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--freeze", type=int, default=0, metavar="N", help="freeze the embedding and lowest N layers")
    parser.add_argument("--no-augment", action="store_true", help="no transposition augmentation")
    parser.add_argument("--patience", type=int, default=3, help="evaluations without improvement before stopping")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores)")
    parser.add_argument("--resume", action="store_true", help="go on from the run's last checkpoint")
    parser.add_argument("--models-dir", type=Path, help="where NAME.onnx goes (default: your model folder)")
    parser.add_argument("--run-dir", type=Path, help="where checkpoints go (default: your fine-tune folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event (for the app)")
    parser.add_argument("--report-only", action="store_true",
                        help="print the data report (tunes read and rejected, split, time per epoch) and stop")


def _emit(event: FinetuneEvent, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(to_dict(event)), flush=True)
    elif text:
        print(text, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        import torch
    except ModuleNotFoundError as exc:
        raise TrainingError("fine-tuning needs PyTorch: pip install 'abc-composer[train]' "
                            "(or `make install`, which adds it)") from exc
    from composer.paths import default_model_path
    from composer.training.finetune import Finetune, estimate_seconds_per_epoch

    settings = FinetuneSettings(epochs=args.epochs, learning_rate=args.lr, dropout=args.dropout,
                                freeze_layers=args.freeze, augment=not args.no_augment, patience=args.patience,
                                threads=args.threads)
    base = args.base or default_model_path()
    if args.threads:
        torch.set_num_threads(args.threads)  # so the time-per-epoch estimate matches the run
    if args.report_only:
        return _report_only(args, base, settings)
    job = Finetune(base, args.data, args.out, settings, resume=args.resume, run_dir=args.run_dir,
                   models_dir=args.models_dir)
    seconds = estimate_seconds_per_epoch(base, job.report, settings)
    report = replace(job.report, seconds_per_epoch=seconds, validation_before=job.before,
                     max_steps=job.train_config.max_steps, run_dir=str(job.run_dir))
    report_text = "\n".join([*job.report.lines(), f"about {seconds:.0f} s per epoch here; "
                             f"validation before: {job.before:.4f} nats/char"])
    _emit(report, args.json, report_text)
    for event in job.run(_cancel_on_signals()):
        if isinstance(event, TrainStep):
            text = (f"step {event.step}/{job.train_config.max_steps} loss {event.loss:.4f} "
                    f"{event.chars_per_second:.0f} chars/s" if event.step % 10 == 0 else "")
        elif isinstance(event, Evaluation):
            text = f"eval step {event.step}: {event.nats_per_char:.4f} nats/char{' (best)' if event.best else ''}"
        elif isinstance(event, TrainingFinished):
            text = f"finished at step {event.step}: {event.reason}"
        elif isinstance(event, FinetuneExported):
            text = f"wrote {event.path}"
        else:
            text = ""
        _emit(event, args.json, text)
    return 0


def _cancel_on_signals() -> threading.Event:
    """An event set by the first SIGTERM or Ctrl-C: the run stops at the next batch with a checkpoint saved.

    A second signal acts as usual (ends the process at once)."""
    cancel = threading.Event()

    def stop(signum, _frame) -> None:
        cancel.set()
        signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    return cancel


def _report_only(args: argparse.Namespace, base: Path, settings: FinetuneSettings) -> int:
    """The data report of `args.data` for a run from `base`, without touching any run folder."""
    from composer.training.export import model_from_onnx
    from composer.training.finetune import estimate_seconds_per_epoch, prepare_data
    from composer.training.loop import evaluate

    if not Path(base).is_file():
        raise TrainingError("no such model file", path=str(base))
    corpus, data_report = prepare_data(args.data, settings)
    seconds = estimate_seconds_per_epoch(base, data_report, settings)
    before = evaluate(model_from_onnx(base), [t.text for t in corpus.validation])[0]
    report = replace(data_report, seconds_per_epoch=seconds, validation_before=before,
                     max_steps=settings.epochs * max(1, data_report.steps_per_epoch), run_dir=None)
    text = "\n".join([*data_report.lines(), f"about {seconds:.0f} s per epoch here; "
                      f"validation before: {before:.4f} nats/char"])
    _emit(report, args.json, text)
    return 0
