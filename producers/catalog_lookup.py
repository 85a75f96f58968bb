"""Procedure facts for imported dossiers, from the deadline engine's catalog.

A procedure missing from the catalog is still imported when the record names it (TenTTHC,
MaLinhVuc): its duration is taken as the working days between the clock start and the printed
NgayHenTra (rounded up), so the pipeline's due moment matches the one the desk printed.
"""

from __future__ import annotations

import datetime as dt

from producers.dvcqg import ProcedureInfo
from producers.dvcqg_record import Record
from schemas.errors import ContractError
from schemas.fields import Duration, DurationUnit
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.catalog import Catalog, Procedure
from stream_processors.core.durations import clock_start
from stream_processors.core.exceptions import DeadlineError, UnknownProcedureError
from stream_processors.core.office_hours import DEFAULT_HOURS, working_minutes_between

__all__ = ["CatalogLookup", "contract_duration"]


def contract_duration(procedure: Procedure) -> Duration:
    """The catalog's statutory duration as the contract's :class:`Duration`."""
    return Duration(float(procedure.duration.amount), DurationUnit(procedure.duration.unit.value))


class CatalogLookup:
    """A :data:`producers.dvcqg.Lookup` over a catalog and a working calendar."""

    def __init__(self, catalog: Catalog, calendar: WorkingCalendar) -> None:
        self.catalog, self.calendar = catalog, calendar

    def __call__(self, code: str, record: Record, received_at: dt.datetime,
                 appointment_at: dt.datetime) -> ProcedureInfo:
        try:
            return self._known(self.catalog.procedure(code), record)
        except UnknownProcedureError:
            return self._unknown(record, received_at, appointment_at)

    def _agency_name(self, code: str, record: Record) -> str:
        try:
            return self.catalog.agency(code).name
        except UnknownProcedureError:
            return record.text("TenDonViXuLy", False) or code

    def _known(self, p: Procedure, record: Record) -> ProcedureInfo:
        agency = record.agency_code("DonViXuLy") or p.agency.code
        return ProcedureInfo(
            name=p.name, field_code=p.field, handling_agency=agency,
            handling_agency_name=self._agency_name(agency, record), duration=contract_duration(p),
            four_step=p.four_step, cutoff=p.cutoff.strftime("%H:%M") if p.cutoff else None,
            pauses_on_financial_obligation=bool(p.pauses_on_financial_obligation))

    def _unknown(self, record: Record, received_at: dt.datetime,
                 appointment_at: dt.datetime) -> ProcedureInfo:
        name, field = record.text("TenTTHC"), record.text("MaLinhVuc", max_length=64)
        agency = record.agency_code("DonViXuLy") or record.dossier_code().rsplit("-", 2)[0]
        try:
            start = clock_start(received_at, self.calendar)
            minutes = working_minutes_between(start, max(start, appointment_at), self.calendar)
        except DeadlineError as exc:
            raise ContractError("NgayHenTra", str(exc)) from None
        days = max(1, -(-minutes // DEFAULT_HOURS.minutes_per_day))
        return ProcedureInfo(name=name, field_code=field, handling_agency=agency,
                             handling_agency_name=self._agency_name(agency, record),
                             duration=Duration(float(days), DurationUnit.WORKING_DAYS))
