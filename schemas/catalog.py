"""Procedure catalog records: what each procedure requires, for public disclosure (niêm yết)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Annotated

from schemas.fields import AgencyCode, FieldCode, ProcedureCode, ShortText, Text
from schemas.model import Rule

__all__ = ["OnlineLevel", "ProcedurePublished"]

_frozen = dataclasses.dataclass(frozen=True, slots=True)


class OnlineLevel(enum.StrEnum):
    """Online public service level: toàn trình (full), một phần (partial) or none."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@_frozen
class ProcedurePublished:
    """A procedure of the catalog and its public-disclosure details (niêm yết công khai).

    Published on the compacted ``procedure-catalog`` topic keyed by procedure code. v2 adds the
    parts of Decree 63/2010 art. 8(2) the record lacked (``steps``, ``method``, ``applicant``;
    name, components, time limit and agency were there), the online service level, fees and
    payment integration, and the publication decision with its dates (Decision 766 group 1).
    """

    procedure_code: ProcedureCode
    name: ShortText
    field_code: FieldCode
    agency: AgencyCode
    four_step: bool
    components: Text | None = None
    fees: Text | None = None
    legal_basis: Text | None = None
    result: Text | None = None
    processing_time: Text | None = None
    ended: Annotated[bool, Rule("The procedure was withdrawn from the catalog")] = False
    steps: Annotated[Text | None, Rule("Trình tự thực hiện")] = None
    method: Annotated[Text | None, Rule("Cách thức thực hiện")] = None
    applicant: Annotated[Text | None, Rule("Đối tượng thực hiện: who may apply")] = None
    online_level: OnlineLevel | None = None
    has_fees: bool | None = None
    payment_integrated: bool | None = None
    decision: Annotated[Text | None, Rule("The publication decision (quyết định công bố)")] = None
    effective_on: Annotated[dt.date | None, Rule("The decision takes effect")] = None
    published_on: Annotated[dt.date | None, Rule("Publicised at the desk / provincial portal")] = None
    national_published_on: Annotated[dt.date | None, Rule(
        "Published on the national TTHC database")] = None
