"""The `modelsite` command line: it builds the parser from each part's command module and runs the one asked for.

Each subcommand lives beside the part it drives, as a module with NAME, HELP, DESCRIPTION, add_arguments()
and run(args); what the parts raise as ModelsiteError is printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import NoReturn, Protocol

from modelsite.check import check_command, merge_command, summary_command
from modelsite.core import cache_command
from modelsite.core.errors import ModelsiteError
from modelsite.index import validate_command
from modelsite.measure import measure_command, new_command
from modelsite.speed import speed_command
from modelsite.speed.results import RESULT_FILES


class Command(Protocol):
    NAME: str
    HELP: str
    DESCRIPTION: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...


# In the order `modelsite --help` lists them, each with what it runs.
COMMANDS: tuple[tuple[Command, object], ...] = (
    # validate also checks the speed results beside the index, against its variants.
    (validate_command, functools.partial(validate_command.run, results=(RESULT_FILES,))),
    (measure_command, measure_command.run),
    (new_command, new_command.run),
    (check_command, check_command.run),
    (speed_command, speed_command.run),
    (merge_command, merge_command.run),
    (summary_command, summary_command.run),
    (cache_command, cache_command.run),
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ModelsiteError as error:  # A problem with the input: its message says what to do.
        if args.debug:
            raise
        print(f"modelsite {args.command}: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("modelsite: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # A bug in modelsite: say so plainly; --debug shows where.
        if args.debug:
            raise
        print(
            f"modelsite {args.command}: internal error ({type(error).__name__}: {error}); this is a bug in "
            "modelsite: run the command again with --debug for the traceback, and report it",
            file=sys.stderr,
        )
        return 3


class _Parser(argparse.ArgumentParser):
    """argparse, answering a bad argument with one line (and where to read more), not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelsite", description="Validate the index, measure a model, register one, check the site.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of any error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for command, run in COMMANDS:
        subparser = commands.add_parser(command.NAME, help=command.HELP, description=command.DESCRIPTION)
        command.add_arguments(subparser)
        subparser.set_defaults(run=run)
    return parser
