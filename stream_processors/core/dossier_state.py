"""The per-dossier state the worker keeps in its Table, as an immutable value.

:class:`DossierState` converts to a dict of JSON types (:meth:`~DossierState.to_dict`) and back,
exactly. It holds what the lifecycle state machine needs — status, the receipt snapshot, the
deadline engine's :class:`~stream_processors.core.clock.DossierClock`, agency names, end, apology,
emitted flags — plus the ingest bookkeeping: recent event ids (dedupe), the event history (for
reordering out-of-order arrivals: a checkpoint state plus the events a reorder may still need, see
:mod:`stream_processors.core.lifecycle`) and the metric facts last published with their sequence
number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stream_processors.core.clock import DossierClock
from stream_processors.core.clock_records import from_iso, iso

__all__ = ["DossierState", "Receipt", "Apology"]


@dataclass(frozen=True)
class Receipt:
    """What the desk recorded at tiếp nhận (DossierReceived), minus the applicant."""
    procedure_code: str
    procedure_name: str
    field_code: str
    receiving_agency: str
    handling_agency: str
    level: str
    channel: str
    four_step: bool
    appointment_at: str
    pauses_on_financial_obligation: bool = False

    def to_dict(self) -> dict[str, Any]:
        # flat fields of JSON types: a shallow dict is asdict()'s result without its deep copy
        return {f: getattr(self, f) for f in _RECEIPT_FIELDS}


_RECEIPT_FIELDS = tuple(f.name for f in dataclasses.fields(Receipt))


@dataclass(frozen=True)
class Apology:
    """The one apology (Mẫu 04): when it was issued vs the apology deadline of due version 1."""
    issued_at: datetime
    deadline: datetime | None
    causing_agency: str

    @property
    def on_time(self) -> bool:
        return self.deadline is None or self.issued_at <= self.deadline

    def to_dict(self) -> dict[str, Any]:
        return {"issued_at": iso(self.issued_at), "deadline": iso(self.deadline),
                "causing_agency": self.causing_agency}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Apology":
        return cls(from_iso(d["issued_at"]), from_iso(d["deadline"]), d["causing_agency"])


@dataclass(frozen=True)
class DossierState:
    """One dossier. ``status`` is the TrangThaiHoSo (None before any status event)."""
    code: str
    partition: int = 0
    status: int | None = None
    receipt: Receipt | None = None
    clock: DossierClock | None = None
    names: dict[str, str] = field(default_factory=dict)
    holder: str | None = None  # agency holding the dossier now (current liên thông step)
    ended_at: datetime | None = None
    end_status: int | None = None
    resolved_at: datetime | None = None
    apology: Apology | None = None
    flags: tuple[str, ...] = ()  # flag keys already emitted, see core.deadlines.flag_key
    classified: bool = False
    grade: dict[str, Any] | None = None  # {"class", "used", "statutory"} once classified
    satisfaction: str | None = None
    complaint: bool = False
    last_time: datetime | None = None
    ids: tuple[str, ...] = ()
    history: tuple[dict[str, Any], ...] = ()
    seq: int = 0
    facts: dict[str, Any] | None = None
    #: What Decision 766 counts beyond the clock (fees, payment, digitisation, VNeID, result
    #: link), JSON values; a key is absent when no event reported it.
    services: dict[str, Any] = field(default_factory=dict)
    #: the state (transitions only) after the events trimmed from ``history``; None: nothing
    #: trimmed. Read back from the Table it stays a dict until a reorder needs it (decoding it on
    #: every read cost more than the trim saved); equality ignores it (see checkpoint_state)
    checkpoint: "DossierState | dict[str, Any] | None" = field(default=None, compare=False)

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def responsible_agency(self) -> str | None:
        """The agency answerable for a delay now: the open step's agency, else the handler."""
        if self.clock is not None and self.clock.current_step is not None:
            return self.clock.current_step.agency
        return self.holder or (self.receipt.handling_agency if self.receipt else None)

    def evolve(self, **changes: Any) -> "DossierState":
        """A copy with ``changes`` (field names). What ``dataclasses.replace`` gives, without
        its call of ``__init__`` over every field: the state changes several times per event,
        and it has no ``__post_init__`` to run."""
        if not changes.keys() <= _STATE_FIELDS:
            raise TypeError(f"not fields of DossierState: {sorted(changes.keys() - _STATE_FIELDS)}")
        copy = object.__new__(DossierState)
        vars(copy).update(vars(self), **changes)
        return copy

    def name_of(self, agency: str | None) -> str:
        return self.names.get(agency or "", agency or "?")

    def to_dict(self) -> dict[str, Any]:
        d = {"code": self.code, "partition": self.partition, "status": self.status,
             "receipt": self.receipt.to_dict() if self.receipt else None,
             "clock": self.clock.to_dict() if self.clock else None, "names": self.names,
             "holder": self.holder, "ended_at": iso(self.ended_at),
             "end_status": self.end_status, "resolved_at": iso(self.resolved_at),
             "apology": self.apology.to_dict() if self.apology else None,
             "flags": list(self.flags), "classified": self.classified, "grade": self.grade,
             "satisfaction": self.satisfaction, "complaint": self.complaint,
             "last_time": iso(self.last_time), "ids": list(self.ids),
             "history": list(self.history), "seq": self.seq, "facts": self.facts,
             "services": self.services, "checkpoint": None}
        cp = self.checkpoint
        if cp is not None:
            d["checkpoint"] = _checkpoint_delta(cp.to_dict() if isinstance(cp, DossierState) else cp, d)
        return d

    def checkpoint_state(self) -> "DossierState | None":
        """The checkpoint as a state (decoded here if it was read back from the Table)."""
        cp = self.checkpoint
        return cp if cp is None or isinstance(cp, DossierState) else DossierState.from_dict(cp)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DossierState":
        return cls(
            code=d["code"], partition=d["partition"], status=d["status"],
            receipt=Receipt(**d["receipt"]) if d["receipt"] else None,
            clock=DossierClock.from_dict(d["clock"]) if d["clock"] else None,
            names=dict(d["names"]), holder=d["holder"], ended_at=from_iso(d["ended_at"]),
            end_status=d["end_status"], resolved_at=from_iso(d["resolved_at"]),
            apology=Apology.from_dict(d["apology"]) if d["apology"] else None,
            flags=tuple(d["flags"]), classified=d["classified"], grade=d["grade"], satisfaction=d["satisfaction"],
            complaint=d["complaint"], last_time=from_iso(d["last_time"]), ids=tuple(d["ids"]),
            history=tuple(d["history"]), seq=d["seq"], facts=d["facts"],
            services=dict(d.get("services") or {}),
            checkpoint=_checkpoint_of(d))


_STATE_FIELDS = frozenset(f.name for f in dataclasses.fields(DossierState))
#: what a checkpoint never holds (it is the transitions' part of a state, see core.lifecycle)
_BOOKKEEPING = {"flags": [], "classified": False, "grade": None, "seq": 0, "facts": None,
                "ids": [], "history": [], "last_time": None, "checkpoint": None}


def _checkpoint_delta(checkpoint: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint as stored: only the fields where it differs from the state holding it
    (the receipt and agency names rarely change, so they are not stored twice)."""
    return {k: v for k, v in checkpoint.items() if k not in _BOOKKEEPING and v != state[k]}


def _checkpoint_of(d: dict[str, Any]) -> dict[str, Any] | None:
    """The stored checkpoint made whole again (as a dict: see DossierState.checkpoint)."""
    delta = d.get("checkpoint")
    if delta is None:
        return None
    return {**d, **_BOOKKEEPING, **delta}
