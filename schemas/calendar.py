"""Calendar changes: an operator's decision that a date is off or worked, with its document."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from schemas.fields import ShortText
from schemas.model import Rule

__all__ = ["CalendarChanged", "CALENDAR_KINDS"]

#: The operators' words for the two kinds.
CALENDAR_KINDS = {"off": "day_off", "work": "working_day"}

_frozen = dataclasses.dataclass(frozen=True, slots=True)


@_frozen
class CalendarChanged:
    """``day`` is a day off (``day_off``) or a working day (``working_day``) for the civil
    service of ``scope``, as decided by ``source`` (the document number and date): a late
    official notice (the Tết swap) or a province's own closure (a storm day off).

    Published on the compacted ``calendar-changes`` topic keyed ``{day}:{scope}``: the latest
    change of a day wins; workers re-derive every open dossier's due moment that depends on it.
    """

    day: dt.date
    kind: Annotated[str, Rule("day_off or working_day", pattern=r"^(day_off|working_day)$")]
    source: ShortText
    name: ShortText = "Thay đổi lịch làm việc"
    scope: Annotated[str, Rule("province (the whole deployment) for now",
                               pattern=r"^province$")] = "province"

    @property
    def calendar_key(self) -> str:
        return f"{self.day.isoformat()}:{self.scope}"
