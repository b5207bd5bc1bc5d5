"""Train a char-LSTM on tunebooks (needs the `train` extra: PyTorch), then export it to ONNX."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from composer.errors import TrainingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--preset", default="default", help="a shipped preset (default: %(default)s)")
    shape.add_argument("--config", type=Path, help="a preset-shaped JSON config file")
    parser.add_argument("--data", nargs="+", metavar="PATH",
                        help="tunebooks or folders; also `nottingham` and `music21:<collection>` "
                             "(default: the default model's corpus)")
    parser.add_argument("--out", type=Path, required=True, help="run folder: log, checkpoints, model.onnx")
    parser.add_argument("--resume", action="store_true", help="go on from the run folder's last checkpoint")
    parser.add_argument("--init-from", type=Path, metavar="MODEL.onnx",
                        help="start from this model's weights (same shape as the preset) instead of random ones")
    parser.add_argument("--minutes", type=float, help="time budget (overrides the preset)")
    parser.add_argument("--steps", type=int, help="step budget (overrides the preset)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    parser.add_argument("--no-validate", action="store_true", help="skip the abc2midi check of the data")
    parser.add_argument("--quiet", action="store_true", help="print evaluations only")


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as exc:
        raise TrainingError("training needs PyTorch: pip install 'abc-composer[train]' "
                            "(or `make install`, which adds it)") from exc
    from composer.training.config import load_preset
    from composer.training.corpus import DEFAULT_CORPUS, build_corpus
    from composer.training.events import Evaluation, TrainingFinished, TrainStep
    from composer.training.export import export_onnx, make_card
    from composer.training.loop import Trainer, holds_a_run

    if not args.resume and holds_a_run(args.out):  # said before the corpus is built, which can take minutes
        raise TrainingError("this folder holds a training run already; --resume goes on from it, or choose "
                            "another --out (a run is never written over)", path=str(args.out))
    preset = load_preset(args.config or args.preset)
    config = preset.train.with_budget(args.minutes, args.steps)
    if args.threads:
        config = replace(config, threads=args.threads)
    sources = args.data or list(DEFAULT_CORPUS)
    corpus = build_corpus(sources, config.validation_fraction, validate=not args.no_validate,
                          cache_dir=args.out / ".cache")
    info = corpus.describe()
    print(f"data: {info['train_tunes']} training tunes ({info['train_chars']} chars), "
          f"{info['validation_tunes']} validation tunes, {info['rejected_tunes']} rejected", flush=True)
    initial_state = None
    if args.init_from and not args.resume:
        from composer.training.export import model_from_onnx

        start = model_from_onnx(args.init_from)
        if start.config != preset.model:
            raise TrainingError(f"{args.init_from} has the shape {start.config.to_dict()}, "
                                f"not the preset's {preset.model.to_dict()}")
        initial_state = start.state_dict()
    trainer = Trainer(preset.model, config, corpus, args.out, resume=args.resume, initial_state=initial_state,
                      extra={"preset": preset.name, **({"init_from": str(args.init_from)} if args.init_from else {})})
    if trainer.dist.is_main:
        print(f"model: {preset.name} {preset.model.to_dict()}, {trainer.core_model.parameter_count()} parameters",
              flush=True)
    finished = None
    for event in trainer.run():
        if not trainer.dist.is_main:
            continue
        if isinstance(event, TrainStep):
            if not args.quiet and event.step % 20 == 0:
                print(f"step {event.step} epoch {event.epoch} loss {event.loss:.4f} acc {event.accuracy:.3f} "
                      f"lr {event.learning_rate:.2e} {event.chars_per_second:.0f} chars/s "
                      f"{event.elapsed / 60:.1f} min", flush=True)
        elif isinstance(event, Evaluation):
            print(f"eval step {event.step}: {event.nats_per_char:.4f} nats/body char, accuracy "
                  f"{event.accuracy:.3f}{' (best)' if event.best else ''}", flush=True)
        elif isinstance(event, TrainingFinished):
            finished = event
            print(f"finished at step {event.step}: {event.reason}; best {event.best_nats_per_char:.4f}", flush=True)
    trainer.dist.close()
    if finished is None or not trainer.dist.is_main:
        return 0
    from composer.training.checkpoint import load_checkpoint, model_from_checkpoint, progress_of

    best = load_checkpoint(args.out / "best.pt")
    model = model_from_checkpoint(best)
    progress = progress_of(best)
    card = make_card(model, preset.name, training_data=sources, tunes=info["train_tunes"],
                     steps=progress.step, characters_seen=progress.chars_seen,
                     training_minutes=round(progress.elapsed / 60, 1),
                     validation_nats_per_char=round(progress.best_nats, 4))
    path = export_onnx(model, args.out / "model.onnx", card)
    print(f"exported {path}", file=sys.stderr)
    return 0
