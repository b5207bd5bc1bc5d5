"""A command's tunebook and model: the `--model`/`--weights` arguments, and the tune chosen by `--tune`."""

from __future__ import annotations

import argparse
from pathlib import Path

from composer.abc.tunebook import Tune, Tunebook, read_tunebook
from composer.errors import AbcError
from composer.model.onnx_model import DEFAULT_MODEL
from composer.paths import WEIGHTS


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """`--model FILE` and `--weights int8|float32`, as every command that runs the model takes them."""
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, metavar="FILE",
                        help=f"ONNX model (default {DEFAULT_MODEL.name} shipped in models/)")
    parser.add_argument("--weights", choices=WEIGHTS, default="int8",
                        help="int8: the model's 8-bit twin NAME.int8.onnx when it is there (default, faster); "
                             "float32: the full-precision file")


def read_book(path: str) -> Tunebook:
    """The tunebook at `path`; AbcError naming it when it cannot be read or holds no tune."""
    try:
        book = read_tunebook(path)
    except OSError as exc:
        raise AbcError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    if not book.tunes:
        raise AbcError("no tune in this file", path=path)
    return book


def chosen_tune(book: Tunebook, number: int | None, path: str) -> Tune:
    """Tune X:`number` of `book`, or its first tune when `number` is None; AbcError when there is no such tune."""
    if number is None:
        return book.tunes[0]
    try:
        return book.tune(number)
    except KeyError as exc:
        raise AbcError(f"no tune X:{number}", path=path) from exc
