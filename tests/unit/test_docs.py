"""The README stays true: Quick start, configuration table."""

from pathlib import Path

from motcua.settings import markdown_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_quick_start_is_exactly_make_run_and_make_test():
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_configuration_table_lists_every_env_var():
    table = README.split("<!-- env:start -->\n", 1)[1].split("\n<!-- env:end -->", 1)[0]
    assert table == markdown_table(), "run `python -m motcua.settings README.md`"
