"""Citizen feedback (phản ánh, kiến nghị — PAKN) about administrative procedures.

Published on the ``citizen-feedback`` topic keyed by the feedback id. Each step of its handling
has a limit in working days (Decision 766: reject or return 2, request information 5, handle
15 from receipt; publish the answer 2 after handling), checked by the evaluation.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated

from schemas.fields import AgencyCode, DossierCode, ShortText
from schemas.model import Rule

__all__ = ["FeedbackAction", "FeedbackReceived", "FeedbackStepTaken"]

_frozen = dataclasses.dataclass(frozen=True, slots=True)
FeedbackId = Annotated[str, Rule("The feedback's id in the PAKN system", pattern=r"^[A-Za-z0-9._:-]{1,100}$")]


class FeedbackAction(enum.StrEnum):
    """A step of PAKN handling."""

    REJECTED = "rejected"              # từ chối tiếp nhận
    RETURNED = "returned"              # trả lại / chuyển không đúng thẩm quyền
    INFO_REQUESTED = "info_requested"  # yêu cầu bổ sung thông tin
    HANDLED = "handled"                # đã xử lý, có văn bản trả lời
    PUBLISHED = "published"            # công khai kết quả


@_frozen
class FeedbackReceived:
    """A citizen's feedback reached the agency that must handle it; its limits start now."""

    feedback_id: FeedbackId
    agency: AgencyCode
    subject: ShortText
    dossier_code: DossierCode | None = None


@_frozen
class FeedbackStepTaken:
    """One step of the feedback's handling; ``satisfied`` is the citizen's rating of the answer
    when it comes with the step (usually after ``handled`` or ``published``)."""

    feedback_id: FeedbackId
    agency: AgencyCode
    action: FeedbackAction
    satisfied: bool | None = None
