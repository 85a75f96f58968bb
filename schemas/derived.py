"""Derived events: what the pipeline publishes for sinks, dashboards and downstream systems."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Annotated

from schemas.fields import AgencyCode, DossierCode, FieldCode, ProcedureCode, ShortText, Text
from schemas.model import Rule

__all__ = [
    "AgencyTime", "Classification", "DeadLettered", "DossierAtRisk", "DossierClassified",
    "DossierFlagsWithdrawn", "DossierOverdue", "FlagScope", "LetterDrafted", "MetricSnapshot",
]

_frozen = dataclasses.dataclass(frozen=True, slots=True)
DueVersion = Annotated[int, Rule("1 for the original due moment, + 1 after the one reschedule "
                                 "and after every re-derivation by a calendar change", minimum=1)]
Minutes = Annotated[int, Rule("Working minutes", minimum=0)]
DueEstimate = Annotated[str, Rule(
    "Why the due moment is an estimate: the holiday windows it crosses that the government has "
    "not announced yet (None: every day is announced)", max_length=2000)]


class FlagScope(enum.StrEnum):
    """Whether a flag is about the whole dossier or one liên thông step's own allowance."""

    DOSSIER = "dossier"
    STEP = "step"


class Classification(enum.StrEnum):
    """Biểu 06 (Circular 01/2020) result classes."""

    TRUOC_HAN = "truoc_han"   # resolved before the due moment
    DUNG_HAN = "dung_han"     # resolved at the due moment
    QUA_HAN = "qua_han"       # resolved (or still open) after it
    TRONG_HAN = "trong_han"   # in progress, still within the deadline


@_frozen
class DossierAtRisk:
    """The apology deadline (one working day before due) has come and no apology was issued.

    Emitted once per (dossier, due version). ``responsible_agency`` holds the dossier now.
    """

    dossier_code: DossierCode
    due_version: DueVersion
    due_at: dt.datetime
    apology_deadline: dt.datetime
    responsible_agency: AgencyCode
    responsible_agency_name: ShortText
    procedure_code: ProcedureCode
    procedure_name: ShortText
    received_at: dt.datetime
    due_estimate: DueEstimate | None = None


@_frozen
class DossierOverdue:
    """The due moment has passed with the dossier unresolved (quá hạn).

    Scope ``dossier``: once per (dossier, due version). Scope ``step``: the agency holding liên
    thông step ``step`` used more than its own allowance; once per (dossier, step).
    """

    dossier_code: DossierCode
    scope: FlagScope
    due_version: DueVersion
    due_at: dt.datetime
    responsible_agency: AgencyCode
    responsible_agency_name: ShortText
    procedure_code: ProcedureCode
    procedure_name: ShortText
    received_at: dt.datetime
    step: Annotated[int, Rule(minimum=1)] | None = None
    due_estimate: DueEstimate | None = None


@_frozen
class DossierFlagsWithdrawn:
    """A calendar change re-issued the dossier's due moment as ``new_due_version``: the flags of
    ``due_version`` are withdrawn (``withdrawn``: the kinds already raised, possibly none) and
    the new version's flags follow when their moments come. Once per (dossier, due version).
    """

    dossier_code: DossierCode
    due_version: DueVersion
    new_due_version: DueVersion
    previous_due_at: dt.datetime
    due_at: dt.datetime
    withdrawn: tuple[Annotated[str, Rule(pattern=r"^(at_risk|overdue)$")], ...]
    reason: ShortText
    due_estimate: DueEstimate | None = None


@_frozen
class AgencyTime:
    """Time one agency of the chain held the dossier vs its allowance."""

    agency: AgencyCode
    step: Annotated[int, Rule(minimum=0)]
    used_minutes: Minutes
    allowance_minutes: Minutes | None = None


@_frozen
class DossierClassified:
    """A dossier ended (resolved, returned, rejected, withdrawn or suspended) and was graded.

    Graded against the appointment the record carried (NgayHenTra, as the national portal
    grades) when there was one, else against the statutory duration; ``statutory_due_at`` keeps
    the latter so a report can show appointments that promised more time than the law allows.
    """

    dossier_code: DossierCode
    procedure_code: ProcedureCode
    handling_agency: AgencyCode
    classification: Classification
    ended_at: dt.datetime
    due_at: dt.datetime
    due_version: DueVersion
    used_minutes: Minutes
    statutory_minutes: Minutes
    supplement_requests: Annotated[int, Rule(minimum=0)]
    agencies: tuple[AgencyTime, ...] = ()
    end_status: Annotated[int, Rule("TrangThaiHoSo of the ending event", minimum=3, maximum=10)] = 9
    statutory_due_at: Annotated[dt.datetime, Rule(
        "The catalog's statutory due at receipt (kept beside the printed appointment)")] | None = None
    due_basis: Annotated[str, Rule(
        "What due_at was graded against: the printed appointment (NgayHenTra) or the "
        "statutory duration", pattern=r"^(appointment|statutory)$")] | None = None


@_frozen
class MetricSnapshot:
    """Rolling compliance metrics of one scope over one window, as of ``as_of``.

    Keyed by ``{scope}:{key}:{window}``; the latest snapshot per key supersedes the others.
    """

    scope: Annotated[str, Rule(pattern=r"^(province|agency|procedure|field|channel)$")]
    key: ShortText
    window: Annotated[str, Rule(pattern=r"^(day|rolling_30d|month_to_date|quarter_to_date)$")]
    period_start: dt.datetime
    period_end: dt.datetime
    as_of: dt.datetime
    values: dict[str, Annotated[float, Rule("metric value")]]


@_frozen
class LetterDrafted:
    """An apology letter (Mẫu 04 or the 118/2025 form) was drafted for an at-risk dossier."""

    letter_id: ShortText
    dossier_code: DossierCode
    due_version: DueVersion
    form: ShortText
    causing_agency: AgencyCode
    previous_appointment_at: dt.datetime
    proposed_appointment_at: dt.datetime


@_frozen
class DeadLettered:
    """A record the pipeline could not apply, with the reason and where it came from.

    ``original_value`` is the record's bytes, base64; nothing is dropped silently.
    """

    reason: Annotated[str, Rule("Machine-readable reason code", pattern=r"^[a-z_]+$")]
    detail: Text
    source_topic: ShortText
    source_partition: Annotated[int, Rule(minimum=0)]
    source_offset: Annotated[int, Rule(minimum=-1)]
    original_value: Annotated[str, Rule("base64 of the record value", max_length=2_000_000)]
    original_key: Annotated[str, Rule("base64 of the record key")] | None = None
    original_headers: dict[str, Annotated[str, Rule("base64 header value")]] | None = None
