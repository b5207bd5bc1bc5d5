"""One module per `composer` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
