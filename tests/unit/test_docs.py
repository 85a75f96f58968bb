"""The README stays true: Quick start, configuration table."""

from pathlib import Path

import pytest

from motcua.settings import markdown_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_quick_start_is_exactly_make_run_and_make_test():
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


@pytest.mark.parametrize("doc", ["README.md", "docs/deployment.md"])
def test_configuration_table_lists_every_env_var(doc):
    text = (ROOT / doc).read_text()
    table = text.split("<!-- env:start -->\n", 1)[1].split("\n<!-- env:end -->", 1)[0]
    assert table == markdown_table(), f"run `python -m motcua.settings {doc}`"
