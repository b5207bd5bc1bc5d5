"""Check an ABC file and print FILE:LINE:COL: error|warning: message for each problem found."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.abc.checker import check_text
from composer.abc.diagnostic import ERROR
from composer.abc.tunebook import decode
from composer.errors import AbcError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the ABC file (tunebook) to check")
    parser.add_argument("--errors-only", action="store_true", help="print errors, not warnings")


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"composer check: cannot read {args.file}: {reason}", file=sys.stderr)
        return 2
    try:
        text = decode(data, args.file)
    except AbcError as exc:  # not text at all: one error, in the same form as the others
        print(f"{args.file}:1:1: error: {exc.message}")
        return 1
    diagnostics = check_text(text, path=args.file)
    errors = 0
    for diagnostic in diagnostics:
        if diagnostic.severity == ERROR:
            errors += 1
        elif args.errors_only:
            continue
        print(diagnostic)
    return 1 if errors else 0
