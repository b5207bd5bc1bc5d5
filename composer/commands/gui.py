"""Open the Composer window (optionally on FILE.abc)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="tunebook to open (default: the shipped examples)")


def run(args: argparse.Namespace) -> int:
    try:
        from composer.ui.app import run_app
    except ModuleNotFoundError as exc:
        if exc.name != "composer.ui.app":
            raise
        print("The Composer window is not built yet; the core and the CLI work: see `composer --help`.")
        return 0
    return run_app(args.file)
