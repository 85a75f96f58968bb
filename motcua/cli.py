"""The ``motcua`` console entry point: parses arguments, builds Settings once, dispatches."""

from __future__ import annotations

import argparse
import importlib
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
    parser.add_argument("--state-dir", default=None,
                        help="where a local run keeps its state (env MOTCUA_STATE_DIR, default ./var)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ, state_dir=args.state_dir)
    except SettingsError as exc:
        parser.error(str(exc))
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
