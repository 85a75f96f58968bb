"""Reading the engine's CSV data files with errors that name file, line and field.

Files are UTF-8 (a BOM is tolerated), comma-separated with a header row. Blank lines are
skipped. Each row is handed out with its physical line number so validators can report
``procedures.csv:12: field 'unit': ...`` via :class:`DataFileError`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from stream_processors.core.exceptions import DataFileError, DeadlineError

__all__ = ["DATA_DIR", "read_rows", "Row"]

DATA_DIR = Path(__file__).resolve().parent / "data"
T = TypeVar("T")


class Row:
    """One CSV row: ``get`` a stripped field, ``parse`` it, or ``fail`` naming it."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path, self.line, self._values = path, line, values

    def get(self, field: str, *, required: bool = True) -> str:
        value = (self._values.get(field) or "").strip()
        if required and not value:
            self.fail(field, "is empty")
        return value

    def parse(self, field: str, parser: Callable[[str], T], *, required: bool = True) -> T | None:
        """Apply ``parser`` to the field; any ``ValueError`` becomes a :class:`DataFileError`."""
        raw = self.get(field, required=required)
        if not raw:
            return None
        try:
            return parser(raw)
        except (DeadlineError, ValueError) as exc:
            self.fail(field, f"{raw!r}: {exc}")

    def match(self, field: str, pattern: re.Pattern[str], example: str) -> str:
        value = self.get(field)
        if not pattern.fullmatch(value):
            self.fail(field, f"{value!r} does not match the pattern (e.g. {example})")
        return value

    def fail(self, field: str | None, problem: str) -> None:
        raise DataFileError(self.path, self.line, field, problem)


def read_rows(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    """Yield the rows of ``path``; the header must contain every name in ``columns``."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataFileError(path, 0, None, f"cannot be read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(path, 1, missing[0], "column missing from the header")
        for values in reader:
            if any((v or "").strip() for v in values.values() if isinstance(v, str)):
                if None in values:
                    raise DataFileError(path, reader.line_num, None,
                                        "has more fields than the header")
                yield Row(path, reader.line_num, values)
