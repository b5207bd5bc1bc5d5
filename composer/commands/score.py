"""Score a tunebook with a model: nats per body character of its canonical tunes (lower is better)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.abc.tunebook import read_tunebook
from composer.commands.tune_source import add_model_arguments
from composer.errors import AbcError
from composer.model.canonical import canonical_text
from composer.model.onnx_model import MAX_TUNE_CHARS, OnnxModel
from composer.model.scoring import score_tunes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="tunebook (.abc)")
    add_model_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        book = read_tunebook(args.file)
    except OSError as exc:
        raise AbcError(f"cannot read: {exc.strerror or exc}", path=str(args.file)) from exc
    scored = []
    for tune in book:
        length = len(canonical_text(tune)) if tune.body else 0
        if length > MAX_TUNE_CHARS:
            place = AbcError(f"skipped: {length:,} characters, more than the {MAX_TUNE_CHARS:,} a tune may have "
                             "for the model", path=str(args.file), tune=tune.reference, line=tune.line)
            print(f"composer score: {place}", file=sys.stderr)
        else:
            scored.append(tune)
    score = score_tunes(OnnxModel(args.model, weights=args.weights), scored)
    if not score.tunes:
        raise AbcError("no tune with music in this file", path=str(args.file))
    print(f"nats_per_char={score.nats_per_char:.4f} chars={score.chars} tunes={score.tunes}")
    return 0
