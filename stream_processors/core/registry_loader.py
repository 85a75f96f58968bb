"""Reading and validating the agency registry files (the model is :mod:`.registry`).

``agencies.csv``: ``code,name,short_name,level,parent,valid_from,valid_to,authority,place,
head_title,desk_name,confirmed,source,note`` — dates ``YYYY-MM-DD`` (Vietnam), ``valid_to``
empty = still valid, ``parent`` empty only for a province root, ``confirmed`` yes/no (no = the
code or name could not be checked against a published document; ``note`` says what is unsure).

``successors.csv``: ``predecessor,successor,effective,procedures,fields,confirmed,source`` —
``procedures`` / ``fields`` are ``;``-separated mã TTHC / lĩnh vực names; both empty = default.

Every problem is reported (not only the first) as ``file:line: field 'x': rule NAME: ...``:

* ``format`` — a value that does not parse (code pattern, date, level, yes/no);
* ``overlapping-validity`` — two rows of one code valid on a common day; ``reversed-validity``;
* ``district-after-reform`` — a district agency valid after 2025-06-30 (Law 72/2025/QH15);
* ``unknown-parent``, ``unknown-predecessor``, ``unknown-successor`` — a code no row defines;
* ``successor-not-valid`` — the successor does not exist on the effective date;
* ``duplicate-link`` — two default links (or two for one procedure/field) of one predecessor on
  one date; ``cycle`` — following successor links leads back to where it started.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from stream_processors.core.catalog_loader import AGENCY_CODE, MA_TTHC
from stream_processors.core.datafile import Row, read_rows
from stream_processors.core.exceptions import DataFileError, RegistryInvalid
from stream_processors.core.registry import (DEFAULT_REGISTRY_DIR, DISTRICT_ABOLISHED, LEVELS,
                                             AgencyRegistry, AgencyVersion, SuccessorLink)

__all__ = ["load_registry", "read_registry", "registry_problems", "AGENCY_COLUMNS",
           "SUCCESSOR_COLUMNS"]

AGENCY_COLUMNS = ("code", "name", "short_name", "level", "parent", "valid_from", "valid_to",
                  "authority", "place", "head_title", "desk_name", "confirmed", "source", "note")
SUCCESSOR_COLUMNS = ("predecessor", "successor", "effective", "procedures", "fields",
                     "confirmed", "source")
_BOOLS = {"yes": True, "no": False}


def load_registry(directory: Path = DEFAULT_REGISTRY_DIR) -> AgencyRegistry:
    """Load and validate ``agencies.csv`` and ``successors.csv`` of ``directory``; raises
    :class:`RegistryInvalid` listing every problem."""
    versions, links = read_registry(Path(directory))
    return AgencyRegistry(versions, links)


def registry_problems(directory: Path) -> list[DataFileError]:
    """Every problem of the files in ``directory`` (empty = valid)."""
    try:
        read_registry(Path(directory))
    except RegistryInvalid as exc:
        return exc.errors
    except DataFileError as exc:  # a file missing or its header incomplete
        return [exc]
    return []


def read_registry(directory: Path) -> tuple[list[AgencyVersion], list[SuccessorLink]]:
    errors: list[DataFileError] = []
    versions = _rows(directory / "agencies.csv", AGENCY_COLUMNS, _version, errors)
    links = _rows(directory / "successors.csv", SUCCESSOR_COLUMNS, _link, errors)
    errors += _check_versions(versions) + _check_links(versions, links)
    if errors:
        raise RegistryInvalid(sorted(errors, key=lambda e: (e.path, e.line)))
    return [v for v, _ in versions], [k for k, _ in links]


def _rows(path: Path, columns: tuple[str, ...], build, errors: list[DataFileError]) -> list:
    out = []
    for row in read_rows(path, columns):
        try:
            out.append((build(row), row))
        except DataFileError as exc:
            errors.append(exc)
    return out


def _fail(row: Row, field: str | None, rule: str, problem: str) -> DataFileError:
    return DataFileError(row.path, row.line, field, f"rule {rule}: {problem}")


def _date(row: Row, field: str, required: bool = True) -> dt.date | None:
    raw = row.get(field, required=required)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _fail(row, field, "format", f"{raw!r} is not a YYYY-MM-DD date") from None


def _bool(row: Row, field: str) -> bool:
    raw = row.get(field).lower()
    if raw not in _BOOLS:
        raise _fail(row, field, "format", f"{raw!r} must be yes or no")
    return _BOOLS[raw]


def _code(row: Row, field: str) -> str:
    value = row.get(field)
    if not AGENCY_CODE.fullmatch(value):
        raise _fail(row, field, "format", f"{value!r} is not an agency code like 000.00.11.H15")
    return value


def _version(row: Row) -> AgencyVersion:
    level = row.get("level")
    if level not in LEVELS:
        raise _fail(row, "level", "format", f"{level!r} must be one of {', '.join(LEVELS)}")
    parent = row.get("parent", required=False)
    return AgencyVersion(
        code=_code(row, "code"), name=row.get("name"), short_name=row.get("short_name"),
        level=level, parent=_code(row, "parent") if parent else None,
        valid_from=_date(row, "valid_from"), valid_to=_date(row, "valid_to", required=False),
        authority=row.get("authority"), place=row.get("place"), head_title=row.get("head_title"),
        desk_name=row.get("desk_name"), confirmed=_bool(row, "confirmed"),
        source=row.get("source"), note=row.get("note", required=False))


def _items(row: Row, field: str) -> frozenset[str]:
    return frozenset(i.strip() for i in row.get(field, required=False).split(";") if i.strip())


def _link(row: Row) -> SuccessorLink:
    procedures = _items(row, "procedures")
    bad = sorted(p for p in procedures if not MA_TTHC.fullmatch(p))
    if bad:
        raise _fail(row, "procedures", "format", f"{bad[0]!r} is not a mã TTHC like 1.004227")
    return SuccessorLink(_code(row, "predecessor"), _code(row, "successor"),
                         _date(row, "effective"), procedures, _items(row, "fields"),
                         _bool(row, "confirmed"), row.get("source"))


def _check_versions(versions: list[tuple[AgencyVersion, Row]]) -> list[DataFileError]:
    errors, by_code = [], {}
    codes = {v.code for v, _ in versions}
    for v, row in versions:
        if v.valid_to is not None and v.valid_to < v.valid_from:
            errors.append(_fail(row, "valid_to", "reversed-validity",
                                f"{v.valid_to} is before valid_from {v.valid_from}"))
        if v.level == "district" and (v.valid_to is None or v.valid_to >= DISTRICT_ABOLISHED):
            errors.append(_fail(row, "valid_to", "district-after-reform",
                                f"district agency {v.code} must end by 2025-06-30 (the district "
                                "level was abolished on 2025-07-01, Law 72/2025/QH15)"))
        if v.parent is not None and v.parent not in codes:
            errors.append(_fail(row, "parent", "unknown-parent",
                                f"{v.parent} is not a code of agencies.csv"))
        for other, other_row in by_code.get(v.code, []):
            if _overlap(v, other):
                errors.append(_fail(row, "valid_from", "overlapping-validity",
                                    f"{v.code} is also valid then on line {other_row.line}"))
        by_code.setdefault(v.code, []).append((v, row))
    return errors


def _overlap(a: AgencyVersion, b: AgencyVersion) -> bool:
    far = dt.date.max
    return a.valid_from <= (b.valid_to or far) and b.valid_from <= (a.valid_to or far)


def _check_links(versions: list[tuple[AgencyVersion, Row]],
                 links: list[tuple[SuccessorLink, Row]]) -> list[DataFileError]:
    errors, seen = [], {}
    known: dict[str, list[AgencyVersion]] = {}
    for v, _ in versions:
        known.setdefault(v.code, []).append(v)
    for link, row in links:
        for field, code in (("predecessor", link.predecessor), ("successor", link.successor)):
            if code not in known:
                errors.append(_fail(row, field, f"unknown-{field}",
                                    f"{code} is not a code of agencies.csv"))
        if link.successor in known and not any(v.valid_on(link.effective)
                                               for v in known[link.successor]):
            errors.append(_fail(row, "successor", "successor-not-valid",
                                f"{link.successor} does not exist on {link.effective}"))
        for key in _link_keys(link):
            if key in seen:
                errors.append(_fail(row, "predecessor", "duplicate-link",
                                    f"{link.predecessor} already continues on {link.effective} "
                                    f"for {key[2]} (line {seen[key]})"))
            seen[key] = row.line
    return errors + _cycles(links)


def _link_keys(link: SuccessorLink) -> list[tuple[str, dt.date, str]]:
    if link.is_default:
        return [(link.predecessor, link.effective, "everything else")]
    return ([(link.predecessor, link.effective, f"procedure {p}") for p in link.procedures]
            + [(link.predecessor, link.effective, f"field {f}") for f in link.fields])


def _cycles(links: list[tuple[SuccessorLink, Row]]) -> list[DataFileError]:
    """A cycle in the graph of all links (whatever their dates or scope): work handed on must
    never come back to an agency that handed it on."""
    graph: dict[str, list[tuple[str, Row]]] = {}
    for link, row in links:
        graph.setdefault(link.predecessor, []).append((link.successor, row))
    errors, reported = [], set()

    def walk(code: str, path: list[str]) -> None:
        for nxt, row in graph.get(code, ()):
            if nxt in path:
                loop = path[path.index(nxt):] + [nxt]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    errors.append(_fail(row, "successor", "cycle", " → ".join(loop)))
            elif len(path) < 64:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return errors
