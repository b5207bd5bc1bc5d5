"""Add chord symbols to a tune's melody with the char-LSTM; the melody stays byte for byte as written."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from composer.abc.tunebook import read_string
from composer.commands.arguments import int_at_least
from composer.commands.output import replace_tune, same_file, write_text
from composer.commands.tune_source import add_model_arguments, chosen_tune, read_book
from composer.model.harmonize import BEAM, NAMES, PER_CHOICES, HarmonizeOptions, harmonize
from composer.model.onnx_model import OnnxModel
from composer.notation.abc_writer import standalone_tune_text

#: The widest beam the command accepts (each hypothesis is a row of one batch, times the names it tries).
MAX_BEAM = 64
#: The most chord names one hypothesis may try at a place.
MAX_NAMES = 32


def bar_span(text: str) -> tuple[int, int]:
    """`5-8` or `5`: written bars, numbered from 1 (a pickup is bar 1)."""
    first, dash, last = text.partition("-")
    try:
        span = (int(first), int(last) if dash else int(first))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected bars as FIRST-LAST such as 5-8, got {text!r}") from None
    if not 1 <= span[0] <= span[1]:
        raise argparse.ArgumentTypeError(f"expected 1 <= FIRST <= LAST, got {text!r}")
    return span


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the tunebook holding the tune")
    parser.add_argument("--tune", type=int, default=None, metavar="X", help="the tune's X: number (default: the first)")
    parser.add_argument("--per", choices=PER_CHOICES, default="bar",
                        help="bar: a chord on the first note of every bar (default); beat: and, where the model "
                             "wants one, on the middle beat of 4/4, 6/8 and the like")
    parser.add_argument("--replace", action="store_true",
                        help="take the tune's chord symbols out and write new ones (default: keep them and add "
                             "chords only where none stands)")
    parser.add_argument("--bars", type=bar_span, default=None, metavar="FIRST-LAST",
                        help="harmonize only these written bars (numbered from 1, a pickup included)")
    parser.add_argument("--beam", type=int_at_least(1, MAX_BEAM), default=BEAM, metavar="N",
                        help=f"hypotheses kept by the beam search (default {BEAM})")
    parser.add_argument("--names", type=int_at_least(1, MAX_NAMES), default=NAMES, metavar="N",
                        help=f"chord names each hypothesis tries at a chord place, its likeliest (default {NAMES}, "
                             "as in the window)")
    add_model_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="OUT.abc",
                        help="write here (default: standard output); the input tunebook itself is rewritten with "
                             "only this tune changed, another file gets the harmonized tune alone")


def run(args: argparse.Namespace) -> int:
    book = read_book(args.file)
    tune = chosen_tune(book, args.tune, args.file)
    options = HarmonizeOptions(per=args.per, replace=args.replace, beam=args.beam, names=args.names,
                               bars=args.bars)
    model = OnnxModel(args.model, weights=args.weights)
    result = harmonize(model, tune, options)
    if same_file(args.file, args.output):
        replace_tune(Path(args.file), tune, result.tune_text)
    else:
        harmonized = dataclasses.replace(read_string(result.tune_text).tunes[0], file_header=tune.file_header)
        write_text(standalone_tune_text(harmonized), args.output)
    removed = f", {result.removed} taken out" if result.removed else ""
    print(f"{tune.label}: {len(result.chords)} chord symbols written at {result.places} places{removed}; "
          f"log-probability {result.log_prob:.1f} nats", file=sys.stderr)
    print(f"model: {model.describe()}", file=sys.stderr)
    return 0
