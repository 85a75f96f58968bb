"""Loading and validating the catalog files into a :class:`~stream_processors.core.catalog.Catalog`.

Two data files, loaded and validated once at start (a bad row raises
:class:`~stream_processors.core.exceptions.DataFileError` naming file, line and field):

* ``data/agencies.csv`` — ``code,name,name_en``; code in the QCVN 102 style ``000.00.15.H47``.
* ``data/procedures.csv`` — one row per procedure: ``code`` (mã TTHC ``d.dddddd`` with an optional
  local suffix ``.Hnn``), ``name``, ``field`` (lĩnh vực), ``agency_code``, ``duration`` + ``unit``
  (statutory), ``four_step`` (yes/no: decided at the centre, quy trình 4 bước / tại chỗ),
  ``cutoff`` (HH:MM or empty), ``pauses_on_financial_obligation`` (yes/no, empty = rule-set
  default), ``chain`` (liên thông steps, empty if none) and the public-disclosure fields
  ``applicant, method, components, fees, legal_basis, result`` (lists separated by ``;``).
  Chain format: ``AGENCY=AMOUNT UNIT`` steps joined by ``>``, e.g.
  ``000.00.16.H47=12 working_days > 000.00.40.H47=5 working_days``.
* ``data/procedure_services.csv`` (optional; Decision 766 needs it) — per procedure code its
  ``steps`` (trình tự thực hiện), ``online_level`` (``full`` toàn trình / ``partial`` một phần /
  ``none``), ``payment_integrated`` (yes/no/empty), the publication ``decision`` and the dates it
  takes effect (``effective_on``), was publicised (``published_on``) and published on the
  national TTHC database (``national_published_on``), with its ``source`` and ``confirmed``.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

from stream_processors.core.catalog import (DISCLOSURE_FIELDS, ONLINE_LEVELS, Agency, Catalog,
                                            ChainStep, Disclosure, Procedure, ProcedureService)
from stream_processors.core.datafile import DATA_DIR, Row, read_rows
from stream_processors.core.durations import Duration, DurationUnit
from stream_processors.core.exceptions import UnknownUnitError
from stream_processors.core.vntime import parse_hhmm

__all__ = ["MA_TTHC", "AGENCY_CODE", "DEFAULT_AGENCIES", "DEFAULT_PROCEDURES", "DEFAULT_SERVICES",
           "load_catalog", "read_agencies", "read_procedures", "read_services"]

DEFAULT_PROCEDURES = DATA_DIR / "procedures.csv"
DEFAULT_AGENCIES = DATA_DIR / "agencies.csv"
DEFAULT_SERVICES = DATA_DIR / "procedure_services.csv"

MA_TTHC = re.compile(r"\d\.\d{6}(\.H\d{2})?")
AGENCY_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.H\d{2}")
_BOOLS = {"yes": True, "no": False}
_PROCEDURE_COLUMNS = ("code", "name", "field", "agency_code", "duration", "unit", "four_step",
                      "cutoff", "pauses_on_financial_obligation", "chain", *DISCLOSURE_FIELDS)


def load_catalog(procedures: Path = DEFAULT_PROCEDURES, agencies: Path = DEFAULT_AGENCIES,
                 services: Path | None = DEFAULT_SERVICES) -> Catalog:
    """Load and validate the files (defaults: the shipped Quảng Nam catalog); ``services`` None
    or a missing file leaves every procedure without online/publication data."""
    agency_map = read_agencies(Path(agencies))
    procedure_map = read_procedures(Path(procedures), agency_map)
    if services is not None and Path(services).exists():
        procedure_map = read_services(Path(services), procedure_map)
    return Catalog(procedure_map, agency_map)


def read_agencies(path: Path) -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for row in read_rows(path, ("code", "name", "name_en")):
        code = row.match("code", AGENCY_CODE, "000.00.15.H47")
        if code in agencies:
            row.fail("code", f"{code} is listed twice")
        agencies[code] = Agency(code, row.get("name"), row.get("name_en"))
    return agencies


def read_procedures(path: Path, agencies: dict[str, Agency]) -> dict[str, Procedure]:
    procedures: dict[str, Procedure] = {}
    for row in read_rows(path, _PROCEDURE_COLUMNS):
        procedure = _procedure(row, agencies)
        if procedure.code in procedures:
            row.fail("code", f"{procedure.code} is listed twice")
        procedures[procedure.code] = procedure
    return procedures


def _procedure(row: Row, agencies: dict[str, Agency]) -> Procedure:
    code = row.match("code", MA_TTHC, "1.004227 or 1.000948.H47")
    duration = _duration(row, row.get("duration"), row.get("unit"), "duration", "unit")
    chain = _chain(row, agencies, duration)
    return Procedure(
        code=code, name=row.get("name"), field=row.get("field"), agency=_agency(row, "agency_code", agencies),
        duration=duration, four_step=_bool(row, "four_step", required=True),
        cutoff=row.parse("cutoff", lambda t: parse_hhmm(t, "cutoff"), required=False),
        pauses_on_financial_obligation=_bool(row, "pauses_on_financial_obligation"),
        chain=chain, disclosure=_disclosure(row))


def _duration(row: Row, amount: str, unit: str, amount_field: str, unit_field: str) -> Duration:
    if not amount.isdigit() or int(amount) == 0:
        row.fail(amount_field, f"{amount!r} is not a positive whole number")
    try:
        return Duration(int(amount), DurationUnit.parse(unit, unit_field))
    except UnknownUnitError as exc:
        row.fail(unit_field, str(exc))
        raise  # fail() always raises; this keeps type checkers content


def _agency(row: Row, field: str, agencies: dict[str, Agency], code: str | None = None) -> Agency:
    code = code if code is not None else row.get(field)
    if code not in agencies:
        row.fail(field, f"agency {code!r} is not in agencies.csv")
    return agencies[code]


def _bool(row: Row, field: str, required: bool = False) -> bool | None:
    raw = row.get(field, required=required).lower()
    if raw and raw not in _BOOLS:
        row.fail(field, f"{raw!r} must be yes or no" + ("" if required else " (or empty)"))
    return _BOOLS.get(raw)


def _chain(row: Row, agencies: dict[str, Agency], total: Duration) -> tuple[ChainStep, ...]:
    text = row.get("chain", required=False)
    if not text:
        return ()
    steps = []
    for part in text.split(">"):
        code, _, allowance = part.strip().partition("=")
        amount, _, unit = allowance.strip().partition(" ")
        steps.append(ChainStep(_agency(row, "chain", agencies, code.strip()),
                               _duration(row, amount, unit.strip(), "chain", "chain")))
    _check_allowances(row, steps, total)
    return tuple(steps)


def _check_allowances(row: Row, steps: list[ChainStep], total: Duration) -> None:
    limit = total.working_minutes()
    minutes = [s.allowance.working_minutes() for s in steps]
    if limit is None or any(m is None for m in minutes):
        return  # calendar-day allowances are not comparable with working time
    used = sum(m for m in minutes if m is not None)
    if used > limit:
        row.fail("chain", f"step allowances ({used // 60} working hours) exceed the "
                          f"statutory {total}")


def _disclosure(row: Row) -> Disclosure:
    def items(field: str) -> tuple[str, ...]:
        return tuple(i.strip() for i in row.get(field, required=False).split(";") if i.strip())

    return Disclosure(applicant=row.get("applicant", required=False),
                      method=row.get("method", required=False), components=items("components"),
                      fees=items("fees"), legal_basis=items("legal_basis"),
                      result=row.get("result", required=False))


_SERVICE_COLUMNS = ("code", "steps", "online_level", "payment_integrated", "decision",
                    "effective_on", "published_on", "national_published_on", "source", "confirmed")


def read_services(path: Path, procedures: dict[str, Procedure]) -> dict[str, Procedure]:
    """``procedures`` with the rows of procedure_services.csv attached (steps into disclosure)."""
    out = dict(procedures)
    for row in read_rows(path, _SERVICE_COLUMNS):
        code = row.get("code")
        if code not in out:
            row.fail("code", f"{code!r} is not in procedures.csv")
        level = row.get("online_level")
        if level not in ONLINE_LEVELS:
            row.fail("online_level", f"{level!r}: expected one of {', '.join(ONLINE_LEVELS)}")
        row.get("source")
        service = ProcedureService(
            level, _bool(row, "payment_integrated"), row.get("decision", required=False),
            *(row.parse(f, date.fromisoformat, required=False)
              for f in ("effective_on", "published_on", "national_published_on")))
        p = out[code]
        out[code] = dataclasses.replace(
            p, service=service,
            disclosure=dataclasses.replace(p.disclosure, steps=row.get("steps", required=False)))
    return out
