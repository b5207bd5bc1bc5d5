"""Rewrite bars of a tune with the char-LSTM: N alternatives that join the music after them, ranked."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from composer.commands.arguments import MAX_COUNT, int_at_least
from composer.commands.generate import numbered, write_tunebook
from composer.commands.output import replace_tune, same_file
from composer.commands.tune_source import add_model_arguments, chosen_tune, read_book
from composer.errors import AbcError
from composer.model.onnx_model import OnnxModel
from composer.model.rewrite import RANKINGS, REWRITE_SAMPLING, SAMPLES, Rewrite, rewrite_bars
from composer.model.sampling import SamplingOptions

#: Most bars one rewrite may span.
MAX_BARS = 64
_BARS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def bar_range(text: str) -> tuple[int, int]:
    """`5-6` or `5` as (first, last), bars counted from 1."""
    match = _BARS.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected bars such as 5-6 or 5, got {text!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1 or last < first:
        raise argparse.ArgumentTypeError(f"bars are counted from 1, the first before the last; got {text!r}")
    if last - first + 1 > MAX_BARS:
        raise argparse.ArgumentTypeError(f"at most {MAX_BARS} bars at once, got {last - first + 1}")
    return first, last


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the tunebook holding the tune")
    parser.add_argument("--tune", type=int, default=None, metavar="X", help="the tune's X: number (default: the first)")
    parser.add_argument("--bars", type=bar_range, required=True, metavar="A-B",
                        help="the bars to rewrite, such as 5-6 (the first full bar is 1; a pickup is bar 0)")
    parser.add_argument("--count", type=int_at_least(1, MAX_COUNT), default=4, metavar="N",
                        help="how many alternatives to give, best first (default 4)")
    parser.add_argument("--samples", type=int_at_least(1, MAX_COUNT), default=SAMPLES, metavar="K",
                        help=f"spans sampled and ranked (default {SAMPLES}; at least --count)")
    parser.add_argument("--rank", choices=RANKINGS, default="together",
                        help="together: by the log-probability of the span and the music after it, the whole "
                             "tune's (default; it scores better in benchmarks/rewrite_quality.py); following: of "
                             "the music after the span alone")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="seed for reproducible output")
    parser.add_argument("--temperature", type=float, default=REWRITE_SAMPLING.temperature, metavar="T",
                        help=f"sampling temperature; 0 = greedy (default {REWRITE_SAMPLING.temperature})")
    parser.add_argument("--top-p", type=float, default=REWRITE_SAMPLING.top_p, metavar="P",
                        help=f"nucleus sampling mass (default {REWRITE_SAMPLING.top_p})")
    add_model_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="OUT.abc",
                        help="write the rewritten tune(s) here; the input tunebook itself (with --count 1) gets "
                             "the best one in place, every other tune kept (default: standard output)")


def run(args: argparse.Namespace) -> int:
    try:
        options = SamplingOptions(temperature=args.temperature, top_p=args.top_p, seed=args.seed)
    except ValueError as exc:
        print(f"composer rewrite: {exc}", file=sys.stderr)
        return 2
    book = read_book(args.file)
    tune = chosen_tune(book, args.tune, args.file)
    in_place = same_file(args.file, args.output)
    if in_place and args.count > 1:
        raise AbcError(f"-o names the input tunebook: {args.count} alternatives cannot all take the place of "
                       f"{tune.label}; use --count 1 to rewrite it in place, or write elsewhere", path=args.file)
    first, last = args.bars
    model = OnnxModel(args.model, weights=args.weights)
    rewrite = rewrite_bars(model, tune, first, last, count=args.count, samples=max(args.samples, args.count),
                           sampling=options, rank=args.rank)
    if not rewrite.candidates:
        raise AbcError(f"none of the {rewrite.samples} sampled spans could be written as bars {first}-{last} "
                       "(their lengths or bar lines fit no sample); try more --samples or other bars",
                       path=tune.path, tune=tune.reference, line=rewrite.start[0])
    if in_place:
        replace_tune(Path(args.file), tune, rewrite.tune_text(rewrite.candidates[0]))
    else:
        write_tunebook([numbered(rewrite.tune_text(c), i + 1) for i, c in enumerate(rewrite.candidates)],
                       args.output)
    report(rewrite, model)
    return 0


def report(rewrite: Rewrite, model: OnnxModel) -> None:
    """The ranking and its cost on standard error."""
    err = sys.stderr
    (line, column), (end_line, end_column) = rewrite.start, rewrite.end
    print(f"bars {rewrite.first}-{rewrite.last} of {rewrite.tune.label} (line {line}:{column} to "
          f"{end_line}:{end_column}): {rewrite.samples} sampled, {len(rewrite.ranked)} distinct, ranked by "
          f"{rewrite.rank} log-probability", file=err)
    print(f"cost: {rewrite.seconds:.2f} s, {rewrite.calls} model calls, {rewrite.chars_fed:,} characters fed",
          file=err)
    print(f"{'rank':>4} {'following':>10} {'span':>8}  bars", file=err)
    for i, c in enumerate(rewrite.ranked[:max(rewrite.count, 1)], start=1):
        print(f"{i:>4} {c.following:>10.2f} {c.own:>8.2f}  {c.text}", file=err)
    o = rewrite.original
    print(f"{'real':>4} {o.following:>10.2f} {o.own:>8.2f}  {o.text}", file=err)
    print(f"model: {model.describe()}", file=err)
