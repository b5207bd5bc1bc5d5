"""The `composer` command: subcommands over the core, each in its own module under composer.commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from composer import __version__
from composer.errors import ComposerError

#: Subcommand name → module defining `add_arguments(parser)`, `run(args) -> int` and a docstring.
COMMANDS: dict[str, str] = {
    "gui": "composer.ui.gui_command",
    "check": "composer.commands.check",
    "export": "composer.commands.export",
    "import": "composer.commands.import_",
    "generate": "composer.commands.generate",
    "continue": "composer.commands.continue_",
    "rewrite": "composer.commands.rewrite",
    "harmonize": "composer.commands.harmonize",
    "train": "composer.commands.train",
    "score": "composer.commands.score",
    "finetune": "composer.commands.finetune",
}


def _available() -> dict[str, object]:
    modules = {}
    for name, module_name in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return modules


def build_parser(modules: dict[str, object]) -> argparse.ArgumentParser:
    """The argument parser with one subparser per available command."""
    parser = argparse.ArgumentParser(prog="composer", description="Write folk tunes in ABC with a neural co-writer.")
    parser.add_argument("--version", action="version", version=f"composer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in modules.items():
        doc = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        p = sub.add_parser(name, help=doc, description=doc)
        module.add_arguments(p)
    return parser


#: Exit status of a command whose reader went away (`composer check book.abc | head`): 128 + SIGPIPE, as a shell says.
BROKEN_PIPE_STATUS = 141


def main(argv: list[str] | None = None) -> int:
    """Run `composer ARGS`; with no subcommand, open the window."""
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # here, not at exit, where a closed pipe would be reported as an ignored exception
        return code
    except BrokenPipeError:
        _discard_standard_output()
        return BROKEN_PIPE_STATUS


def _discard_standard_output() -> None:
    """Point standard output at the null device, so that nothing left in its buffer fails again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it): nothing to flush there
        pass


def _main(argv: list[str]) -> int:
    modules = _available()
    parser = build_parser(modules)
    if not argv or (argv[0] not in modules and not argv[0].startswith("-")):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except ComposerError as exc:
        print(f"composer {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
