"""Every event type of the contract: its CloudEvents ``type``, model, topic and schema file."""

from __future__ import annotations

import dataclasses

from schemas import calendar, catalog, derived, feedback, lifecycle, topics
from schemas.codes import TrangThaiHoSo as S
from schemas.topics import Topic

__all__ = ["EVENT_TYPES", "EventType", "SCHEMA_BASE_URI", "by_model", "by_type"]

#: Where the published JSON Schemas live; a record's ``dataschema`` is this + the file name.
SCHEMA_BASE_URI = "https://raw.githubusercontent.com/motcua/motcua/main/schemas/json/"


@dataclasses.dataclass(frozen=True)
class EventType:
    type: str              # CloudEvents `type`, e.g. "dossier.received"
    model: type
    topic: Topic
    version: int = 1
    status: S | None = None  # the TrangThaiHoSo this event moves the dossier to, if any
    #: Older versions still read: their data is valid data of this version (fields were only
    #: added or made optional), and their frozen JSON Schema files stay published.
    reads: tuple[int, ...] = ()

    @property
    def schema_file(self) -> str:
        return f"{self.type}.v{self.version}.json"

    @property
    def readable_schema_files(self) -> tuple[str, ...]:
        return (self.schema_file, *(f"{self.type}.v{v}.json" for v in self.reads))

    @property
    def dataschema(self) -> str:
        return SCHEMA_BASE_URI + self.schema_file


_L, _F = topics.LIFECYCLE, topics.FLAGS
EVENT_TYPES: tuple[EventType, ...] = (
    EventType("dossier.submitted", lifecycle.DossierSubmitted, _L, version=2, reads=(1,),
              status=S.MOI_DANG_KY),
    EventType("dossier.received", lifecycle.DossierReceived, _L, version=2, reads=(1,),
              status=S.DUOC_TIEP_NHAN),
    EventType("dossier.rejected", lifecycle.DossierRejected, _L, status=S.KHONG_DUOC_TIEP_NHAN),
    EventType("dossier.transferred", lifecycle.DossierTransferred, _L, status=S.DANG_XU_LY),
    EventType("dossier.supplement_requested", lifecycle.SupplementRequested, _L,
              status=S.YEU_CAU_BO_SUNG),
    EventType("dossier.supplement_received", lifecycle.SupplementReceived, _L, status=S.DANG_XU_LY),
    EventType("dossier.financial_obligation_requested", lifecycle.FinancialObligationRequested, _L,
              status=S.YEU_CAU_NGHIA_VU_TAI_CHINH),
    EventType("dossier.financial_obligation_fulfilled", lifecycle.FinancialObligationFulfilled, _L,
              status=S.DANG_XU_LY),
    EventType("dossier.withdrawn", lifecycle.DossierWithdrawn, _L, status=S.CONG_DAN_RUT_HO_SO),
    EventType("dossier.suspended", lifecycle.DossierSuspended, _L, status=S.DUNG_XU_LY),
    EventType("dossier.resolved", lifecycle.DossierResolved, _L, version=2, reads=(1,),
              status=S.DA_XU_LY_XONG),
    EventType("dossier.result_returned", lifecycle.ResultReturned, _L, status=S.DA_TRA_KET_QUA),
    EventType("dossier.apology_issued", lifecycle.ApologyIssued, _L),
    EventType("dossier.feedback_given", lifecycle.FeedbackGiven, _L),
    EventType("dossier.fee_paid", lifecycle.FeePaid, _L),
    EventType("clock.heartbeat", lifecycle.ClockHeartbeat, _L),
    EventType("procedure.published", catalog.ProcedurePublished, topics.CATALOG, version=2,
              reads=(1,)),
    EventType("feedback.received", feedback.FeedbackReceived, topics.FEEDBACK),
    EventType("feedback.step_taken", feedback.FeedbackStepTaken, topics.FEEDBACK),
    EventType("dossier.at_risk", derived.DossierAtRisk, _F),
    EventType("dossier.overdue", derived.DossierOverdue, _F),
    EventType("dossier.flags_withdrawn", derived.DossierFlagsWithdrawn, _F),
    EventType("dossier.classified", derived.DossierClassified, topics.CLASSIFICATIONS),
    EventType("metrics.snapshot", derived.MetricSnapshot, topics.METRICS),
    EventType("letter.drafted", derived.LetterDrafted, topics.LETTERS),
    EventType("pipeline.dead_lettered", derived.DeadLettered, topics.DEAD_LETTERS),
    EventType("calendar.changed", calendar.CalendarChanged, topics.CALENDAR_CHANGES),
)

_BY_TYPE = {e.type: e for e in EVENT_TYPES}
_BY_MODEL = {e.model: e for e in EVENT_TYPES}


def by_type(ce_type: str) -> EventType:
    """The registered type for a CloudEvents ``type``; ``KeyError`` if unknown."""
    return _BY_TYPE[ce_type]


def by_model(model: type) -> EventType:
    """The registered type of a model class; ``KeyError`` if unregistered."""
    return _BY_MODEL[model]
