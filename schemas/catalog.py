"""Procedure catalog records: what each procedure requires, for public disclosure (niêm yết)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from schemas.fields import AgencyCode, FieldCode, ProcedureCode, ShortText, Text
from schemas.model import Rule

__all__ = ["ProcedurePublished"]

_frozen = dataclasses.dataclass(frozen=True, slots=True)


@_frozen
class ProcedurePublished:
    """A procedure of the catalog and its public-disclosure details (niêm yết công khai).

    Published on the compacted ``procedure-catalog`` topic keyed by procedure code.
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
