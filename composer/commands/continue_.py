"""Continue a tune of a tunebook from a position (default: its end) with the char-LSTM: N variations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.commands.arguments import int_at_least
from composer.commands.generate import (
    add_form_arguments,
    add_sampling_arguments,
    chosen_form,
    numbered,
    report,
    sampling_options,
    write_tunebook,
)
from composer.commands.output import replace_tune, same_file
from composer.commands.tune_source import chosen_tune, read_book
from composer.errors import AbcError
from composer.model.form_plan import plan_form
from composer.model.generate import Generator, Request, continuation_of
from composer.model.onnx_model import OnnxModel


def _position(text: str) -> tuple[int, int | None]:
    line, _, column = text.partition(":")
    try:
        return int(line), int(column) if column else None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected LINE:COL, got {text!r}") from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the tunebook holding the tune")
    parser.add_argument("--tune", type=int, default=None, metavar="X",
                        help="the tune's X: number (default: the tune at --at, else the first)")
    parser.add_argument("--at", type=_position, default=None, metavar="LINE:COL",
                        help="continue from this 1-based place; the text after it is replaced (default: the end)")
    parser.add_argument("--bars", type=int_at_least(1), default=None, metavar="B",
                        help="generate B bars, then stop (default: until the tune's form is complete)")
    add_form_arguments(parser)
    add_sampling_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        options = sampling_options(args)
    except ValueError as exc:
        print(f"composer continue: {exc}", file=sys.stderr)
        return 2
    book = read_book(args.file)
    line, column = args.at if args.at else (None, None)
    if args.tune is None and line is not None:
        tune = book.tune_at_line(line) or book.tunes[0]
    else:
        tune = chosen_tune(book, args.tune, args.file)
    cut = continuation_of(tune, line, column)
    in_place = same_file(args.file, args.output)
    if in_place and args.count > 1:
        raise AbcError(f"-o names the input tunebook: {args.count} candidates cannot all take the place of "
                       f"{tune.label}; use --count 1 to continue it in place, or write elsewhere", path=args.file)
    model = OnnxModel(args.model, weights=args.weights)
    plan = plan_form(chosen_form(args), cut.prime, rhythm=tune.rhythm, meter=tune.meter, min_bars=args.bars)
    if not args.no_constrain:
        print(f"form: {plan.describe()}", file=sys.stderr)
    request = Request(cut.prime, args.count, options, not args.no_constrain, args.max_chars, args.bars, plan.form)
    results = Generator(model).generate(request)
    tunes = []
    for i, r in enumerate(results):
        body = cut.source_prefix + r.text
        tunes.append(numbered(body if body.endswith("\n") else body + "\n", i + 1))
    if in_place:  # the whole tunebook, with this tune continued in its place
        body = cut.source_prefix + results[0].text
        replace_tune(Path(args.file), tune, body)
    else:
        write_tunebook(tunes, args.output)
    report(results, model)
    return 0
