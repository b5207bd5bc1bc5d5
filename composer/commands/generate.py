"""Generate new tunes with the char-LSTM and write them as a tunebook (constrained to valid music by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.commands.arguments import MAX_COUNT, field_text, int_at_least, key, meter, unit_length
from composer.commands.output import tunebook_text, write_text
from composer.commands.tune_source import add_model_arguments
from composer.model.form import AUTO, Form, FormError, parse_form
from composer.model.generate import Finished, Generator, new_tune_request
from composer.model.onnx_model import OnnxModel
from composer.model.sampling import SamplingOptions


def add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `generate` and `continue` share: count, seed, sampling, constraint, model, output."""
    parser.add_argument("--count", type=int_at_least(1, MAX_COUNT), default=1, metavar="N",
                        help="how many candidates (default 1)")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="seed for reproducible output")
    parser.add_argument("--temperature", type=float, default=1.0, metavar="T",
                        help="sampling temperature; 0 = greedy (default 1.0)")
    parser.add_argument("--top-k", type=int, default=0, metavar="K", help="keep the K likeliest characters (0 = all)")
    parser.add_argument("--top-p", type=float, default=1.0, metavar="P", help="nucleus sampling mass (default 1.0)")
    parser.add_argument("--no-constrain", action="store_true",
                        help="let the model write anything (no bar, repeat or balance checks)")
    parser.add_argument("--max-chars", type=int_at_least(1), default=1500, metavar="N",
                        help="stop a candidate after N characters (default 1500)")
    add_model_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="OUT.abc",
                        help="write the tunebook here (default: standard output)")


def sampling_options(args: argparse.Namespace) -> SamplingOptions:
    """The sampling options of parsed arguments (ValueError on out-of-range values)."""
    return SamplingOptions(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, seed=args.seed)


def write_tunebook(tunes: list[str], output: Path | None) -> None:
    """Tunes (each starting with its X: line) separated by empty lines, to `output` or standard output."""
    write_text(tunebook_text(tunes), output)


def numbered(tune_text: str, number: int) -> str:
    """`tune_text` with its first X: line set to `number`."""
    lines = tune_text.split("\n")
    if lines and lines[0].startswith("X:"):
        lines[0] = f"X:{number}"
    else:
        lines.insert(0, f"X:{number}")
    return "\n".join(lines)


def report(results: list[Finished], model: OnnxModel) -> None:
    """One line per candidate on standard error: how it stopped."""
    for r in results:
        print(f"candidate {r.candidate + 1}: {len(r.text)} characters, stopped at {r.reason}"
              + ("" if r.form_kept else "; the form left no way on, so it went on with the music's rules alone"),
              file=sys.stderr)
    print(f"model: {model.describe()}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--meter", type=meter, default="4/4", metavar="M", help="M: of the new tunes (default 4/4)")
    parser.add_argument("--key", type=key, default="D", metavar="K", help="K: of the new tunes (default D)")
    parser.add_argument("--unit", type=unit_length, default=None, metavar="L", help="L: (default from the meter)")
    parser.add_argument("--rhythm", type=field_text, default=None, metavar="R", help="R: such as jig, reel, waltz")
    parser.add_argument("--title", type=field_text, default="", metavar="T", help="T: of the new tunes")
    add_form_arguments(parser)
    add_sampling_arguments(parser)


def add_form_arguments(parser: argparse.ArgumentParser) -> None:
    """`--form` and `--part-bars`, shared by `generate` and `continue`."""
    parser.add_argument("--form", default=AUTO, metavar="F",
                        help="the tune's parts: AABB, AB, AABBCC, ABC, A... (doubled letter = repeated part), "
                             "or auto (default: from the rhythm, or from the parts already written)")
    parser.add_argument("--part-bars", default=None, metavar="N",
                        help="bars per part with --form: 4, 8, 12, 16 (or one per part: 8,16; default 8)")


def chosen_form(args: argparse.Namespace) -> Form | str:
    """The form the arguments ask for: `auto`, or a Form (FormError when it cannot be read)."""
    if args.form.strip().lower() == AUTO:
        if args.part_bars is not None:
            raise FormError("--part-bars goes with a form such as --form AABB")
        return AUTO
    return parse_form(args.form, args.part_bars)


def run(args: argparse.Namespace) -> int:
    try:
        options = sampling_options(args)
    except ValueError as exc:
        print(f"composer generate: {exc}", file=sys.stderr)
        return 2
    model = OnnxModel(args.model, weights=args.weights)
    request = new_tune_request(meter=args.meter, key=args.key, unit=args.unit, rhythm=args.rhythm,
                               title=args.title, count=args.count, sampling=options,
                               constrain=not args.no_constrain, max_chars=args.max_chars, form=chosen_form(args))
    if request.form is not None and not args.no_constrain:
        print(f"form: {request.form.describe()}", file=sys.stderr)
    results = Generator(model).generate(request)
    tunes = [numbered(request.prime + r.text, i + 1) for i, r in enumerate(results)]
    write_tunebook(tunes, args.output)
    report(results, model)
    return 0
