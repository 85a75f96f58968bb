"""The ``motcua`` console entry point: parses arguments, builds Settings once, dispatches."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from motcua import __version__
from motcua.commands import COMMAND_MODULES
from motcua.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motcua",
        description="Dossier lifecycle pipeline for one-stop shops (một cửa, một cửa liên thông).",
    )
    parser.add_argument("--version", action="version", version=f"motcua {__version__}")
    _add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    for sub in _subcommand_parsers(parser):
        _add_global_options(sub, default=argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """The options every command takes, before or after its name (``motcua up --state-dir D``
    is where a newcomer types it). On a subcommand the default is SUPPRESS, so an option given
    before the name is not reset by the subcommand's parser."""
    parser.add_argument("--state-dir", default=default,
                        help="where a local run keeps its state (env MOTCUA_STATE_DIR, default ./var)")


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                out += [sub, *_subcommand_parsers(sub)]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ, state_dir=args.state_dir)
    except SettingsError as exc:
        parser.error(str(exc))
    _configure_logging(settings.log_level, parser)
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


def _configure_logging(level: str, parser: argparse.ArgumentParser) -> None:
    """One logging setup for every command: ``LEVEL name: message`` on stderr."""
    if level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        parser.error(f"MOTCUA_LOG_LEVEL={level!r}: expected DEBUG, INFO, WARNING or ERROR")
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # fpdf2's font subsetting logs every glyph at INFO: noise, not operations information.
    logging.getLogger("fontTools").setLevel(max(logging.WARNING, logging.getLogger().level))


if __name__ == "__main__":
    sys.exit(main())
