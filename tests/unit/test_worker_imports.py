"""The stream processors do not import the CLI package ``motcua`` anywhere, not even inside a
function: the entry point passes the connection in, and the CLI tools that drive a worker
(``motcua bench``, in ``motcua/bench``) live in ``motcua``. No module is exempt."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "stream_processors"


def imported(source: str) -> set[str]:
    """Absolute module names imported anywhere in the source, function bodies included."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_imports_inside_functions_are_seen():
    source = "import json\ndef f():\n    from motcua.settings import Settings\n    import motcua.broker\n"
    assert {"motcua.settings", "motcua.broker"} <= imported(source)


def test_no_stream_processors_module_imports_motcua():
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in imported(p.read_text())
                                                  if n.split(".")[0] == "motcua")
                 for p in ROOT.rglob("*.py")}
    assert {p: names for p, names in offenders.items() if names} == {}
