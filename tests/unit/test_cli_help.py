"""Every subcommand, at every depth, answers --help with a usage line and a description."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from motcua.cli import build_parser


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + (name,), sub
                yield from _command_paths(sub, prefix + (name,))


PATHS = [path for path, _ in _command_paths(build_parser())]


def test_the_tree_has_the_documented_commands():
    top = {p[0] for p in PATHS}
    assert {"broker", "due", "calendar", "worker", "sink", "simulate", "replay", "outbox",
            "ingest-api", "db", "letters", "report", "board", "up", "topics"} <= top


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_help(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*path, "--help"])
    assert exit_info.value.code == 0
    text = out.getvalue()
    assert text.startswith("usage: motcua " + " ".join(path))
    helpful = [line for line in text.splitlines()[1:] if line.strip()]
    assert len(helpful) >= 2, f"`motcua {' '.join(path)} --help` says almost nothing"


@pytest.mark.parametrize("argv", [["--state-dir", "D", "up"], ["up", "--state-dir", "D"],
                                  ["sink", "letters", "--state-dir", "D"],
                                  ["--state-dir", "other", "worker", "--state-dir", "D"]])
def test_the_global_options_work_before_or_after_the_command(argv):
    assert build_parser().parse_args(argv).state_dir == "D"


def test_without_the_option_the_state_dir_is_left_to_the_environment():
    assert build_parser().parse_args(["up"]).state_dir is None
