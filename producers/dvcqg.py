"""National-portal sync records (``HoSoDongBoDVC``) → our lifecycle events. Pure.

Several records for one MaHoSo are successive *snapshots*. :func:`map_snapshot` takes the state
left by the previous snapshots of that dossier (a JSON dict, None for the first) and returns the
new state and the lifecycle events the snapshot reveals, ordered by event time. Each event
carries the time of the portal date that proves it, never the import time:

==========================================  ===============================================
snapshot shows                              event (time)
==========================================  ===============================================
NgayNopHoSo                                 dossier.submitted (NgayNopHoSo)
TrangThaiHoSo 3 / NgayTuChoi                dossier.rejected (NgayTuChoi)
NgayTiepNhan                                dossier.received (NgayTiepNhan; NgayHenTra)
DanhSachHoSoBoSung[i].NgayBoSung            dossier.supplement_requested (NgayBoSung)
DanhSachHoSoBoSung[i].NgayTiepNhanBoSung    dossier.supplement_received (…; NgayHenTraMoi)
TrangThaiHoSo 6                             dossier.financial_obligation_requested (NgayCapNhat)
6 → later status                            dossier.financial_obligation_fulfilled (NgayCapNhat
                                            or NgayKetThucXuLy)
NgayHenTra moved, no supplement explains    dossier.apology_issued (NgayCapNhat, else the old
                                            appointment)
TrangThaiHoSo 7 / 8                         dossier.withdrawn / dossier.suspended
                                            (NgayKetThucXuLy or NgayCapNhat)
TrangThaiHoSo 9 / 10                        dossier.resolved (NgayKetThucXuLy)
TrangThaiHoSo 10 / NgayTra                  dossier.result_returned (NgayTra)
DuocThanhToanTrucTuyen                      dossier.fee_paid (NgayCapNhat, else NgayTiepNhan;
                                            online when 1 or 2)
==========================================  ===============================================

The Decision 766 data keeps the national names: ``dossier.received`` carries the fees
(``DanhSachPhiLePhi``, or ``DanhSachLePhi``: ``TenPhiLePhi``, ``MaPhiLePhi``, ``Gia``), whether
the components were digitised (``HoSoCoThanhPhanSoHoa``, or any ``TaiLieuNop.DuocSoHoa``), reused
from the national store (any ``TaiLieuNop.DuocLayTuKhoDMQG``) and the VNeID-authenticated account
(``TaiKhoanDuocXacThucVoiVNeID``); ``dossier.resolved`` the electronic result link
(``DuongDanTepTinKetQua``, top level or in ``DanhSachGiayToKetQua``). A record without
``ChuHoSo`` is still imported (the applicant's name is not needed for statistics).

``NgayCapNhat`` (when the snapshot was taken) is not part of the published sync object; it is
accepted when present. Transfers between agencies are not mapped: the sync object carries no
Phiếu kiểm soát allowances. Event ids are uuid5 of (MaHoSo, type, occurrence), so importing the
same history twice yields the same ids and downstream dedupe absorbs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from producers.dvcqg_record import Record
from schemas import lifecycle as lc
from schemas.cloudevents import Event
from schemas.errors import ContractError
from schemas.fields import Applicant, Channel, Duration, Fee, Level

__all__ = ["DVCQG_NAMESPACE", "Lookup", "ProcedureInfo", "map_snapshot"]

DVCQG_NAMESPACE = uuid.UUID("6f1d3c52-5a41-4c0e-9d43-2f0b8f8e1a47")
_RETURN_METHODS = {Channel.IN_PERSON: "in_person", Channel.POST: "post", Channel.ONLINE: "electronic"}


@dataclasses.dataclass(frozen=True)
class ProcedureInfo:
    """What a ``dossier.received`` needs that the sync record does not carry."""

    name: str
    field_code: str
    handling_agency: str
    handling_agency_name: str
    duration: Duration
    four_step: bool = False
    level: Level = Level.PROVINCE
    cutoff: str | None = None
    pauses_on_financial_obligation: bool = False


#: (MaTTHC, record, received_at, appointment_at) -> ProcedureInfo; raises ContractError if unknown.
Lookup = Callable[[str, Record, dt.datetime, dt.datetime], ProcedureInfo]


def _initial_state() -> dict[str, Any]:
    return {"done": [], "supplements": [], "appointment": None, "financial": False,
            "agency": None}


class _Mapping:
    def __init__(self, record: Record, state: dict[str, Any], lookup: Lookup, source: str) -> None:
        self.r, self.state, self.lookup, self.source = record, state, lookup, source
        self.code = record.dossier_code()
        self.status = record.integer("TrangThaiHoSo", range(1, 11))
        self.events: list[Event] = []

    def emit(self, data: Any, time: dt.datetime, occurrence: int = 0) -> None:
        name = f"{type(data).__name__}:{occurrence}"
        event_id = str(uuid.uuid5(DVCQG_NAMESPACE, f"{self.code}:{name}"))
        self.events.append(Event(id=event_id, source=self.source, time=time, subject=self.code,
                                 data=data))

    def once(self, step: str) -> bool:
        """True the first time ``step`` is seen for this dossier."""
        if step in self.state["done"]:
            return False
        self.state["done"].append(step)
        return True

    def applicant(self) -> Applicant:
        r = self.r
        return Applicant(name=r.text("ChuHoSo", False), id_number=r.text("SoGiayToChuHoSo", False, 32),
                         address=r.text("DiaChiChuHoSo", False, 500),
                         phone=r.text("SoDienThoai", False, 20), email=r.text("Email", False, 254))

    def agency(self) -> str:
        return self.r.agency_code("DonViXuLy") or self.state["agency"] or self.code.rsplit("-", 2)[0]

    def run(self) -> None:
        self.submitted()
        self.rejected()
        self.received()
        self.supplements()
        self.financial()
        self.paid()
        self.rescheduled()
        self.ended()
        self.events.sort(key=lambda e: e.time)  # stable: same-moment events keep causal order

    def submitted(self) -> None:
        if self.r.has("NgayNopHoSo") and self.once("submitted"):
            data = lc.DossierSubmitted(self.code, self.r.procedure_code(), self.r.channel(),
                                       self.applicant())
            self.emit(data, self.r.date("NgayNopHoSo"))

    def rejected(self) -> None:
        if (self.status == 3 or self.r.has("NgayTuChoi")) and self.once("rejected"):
            reason = self.r.text("LyDoTuChoi", False) or "Không được tiếp nhận"
            self.emit(lc.DossierRejected(self.code, self.code.rsplit("-", 2)[0], reason),
                      self.r.date("NgayTuChoi"))

    def received(self) -> None:
        if self.status == 3 or not self.r.has("NgayTiepNhan") or not self.once("received"):
            return
        r = self.r
        at, due = r.date("NgayTiepNhan"), r.date("NgayHenTra")
        info = self.lookup(r.procedure_code(), r, at, due)
        self.state["agency"] = info.handling_agency
        self.state["appointment"] = due.isoformat()
        self.emit(lc.DossierReceived(
            dossier_code=self.code, procedure_code=r.procedure_code(),
            procedure_name=r.text("TenTTHC", False) or info.name,
            field_code=r.text("MaLinhVuc", False, 64) or info.field_code,
            receiving_agency=self.code.rsplit("-", 2)[0], handling_agency=info.handling_agency,
            handling_agency_name=info.handling_agency_name, level=info.level,
            channel=r.channel(), duration=info.duration, appointment_at=due,
            four_step=info.four_step, applicant=self.applicant(), cutoff=info.cutoff,
            pauses_on_financial_obligation=info.pauses_on_financial_obligation,
            fees=self.fees(), digitised=self.digitised(),
            reused_components=self.any_document("DuocLayTuKhoDMQG"),
            vneid_authenticated=r.flag("TaiKhoanDuocXacThucVoiVNeID")), at)

    def fees(self) -> tuple[Fee, ...] | None:
        name = "DanhSachPhiLePhi" if self.r.has("DanhSachPhiLePhi") else "DanhSachLePhi"
        if not self.r.has(name):
            return None
        return tuple(Fee(i.text("TenPhiLePhi", False) or "Phí, lệ phí", i.amount("Gia"),
                         i.text("MaPhiLePhi", False, 64)) for i in self.r.items(name))

    def any_document(self, flag: str) -> bool | None:
        values = [d.flag(flag) for d in self.r.items("TaiLieuNop")]
        known = [v for v in values if v is not None]
        return any(known) if known else None

    def digitised(self) -> bool | None:
        whole = self.r.flag("HoSoCoThanhPhanSoHoa")
        return whole if whole is not None else self.any_document("DuocSoHoa")

    def result_link(self) -> str | None:
        link = self.r.text("DuongDanTepTinKetQua", False, 2000)
        for item in self.r.items("DanhSachGiayToKetQua"):
            link = link or item.text("DuongDanTepTinKetQua", False, 2000)
        return link

    def paid(self) -> None:
        if self.r.has("DuocThanhToanTrucTuyen") and "received" in self.state["done"] \
                and self.once("paid"):
            online = self.r.integer("DuocThanhToanTrucTuyen", range(0, 10)) in (1, 2)
            received = self.r.date("NgayTiepNhan", False)
            at = self.r.date("NgayCapNhat", False) or received
            if at is None:
                raise ContractError("NgayCapNhat", "is required with DuocThanhToanTrucTuyen")
            self.emit(lc.FeePaid(self.code, online), max(at, received) if received else at)

    def supplements(self) -> None:
        seen = self.state["supplements"]
        for i, item in enumerate(self.r.items("DanhSachHoSoBoSung")):
            if i == len(seen):
                seen.append({"requested": False, "received": False})
            if not seen[i]["requested"]:
                seen[i]["requested"] = True
                reason = item.text("NoiDungBoSung", False) or "Yêu cầu bổ sung hồ sơ"
                self.emit(lc.SupplementRequested(self.code, self.agency(), reason),
                          item.date("NgayBoSung"), i)
            if item.has("NgayTiepNhanBoSung") and not seen[i]["received"]:
                seen[i]["received"] = True
                new_due = item.date("NgayHenTraMoi", required=False)
                item.date("NgayHenTraTruoc", required=False)  # validated; the old appointment
                if new_due is not None:
                    self.state["appointment"] = new_due.isoformat()
                self.emit(lc.SupplementReceived(self.code, new_due),
                          item.date("NgayTiepNhanBoSung"), i)
        if self.status == 5 and not seen:
            raise ContractError("DanhSachHoSoBoSung", "TrangThaiHoSo 5 needs an entry with NgayBoSung")

    def financial(self) -> None:
        if self.status == 6 and not self.state["financial"]:
            self.state["financial"] = True
            n = self.state["done"].count("financial")
            self.state["done"].append("financial")
            self.emit(lc.FinancialObligationRequested(self.code, self.agency(),
                                                      "Nghĩa vụ tài chính"),
                      self.r.date("NgayCapNhat"), n)
        elif self.status != 6 and self.state["financial"]:
            self.state["financial"] = False
            n = self.state["done"].count("financial") - 1
            at = self.r.date("NgayCapNhat", False) or self.r.date("NgayKetThucXuLy")
            self.emit(lc.FinancialObligationFulfilled(self.code), at, n)

    def rescheduled(self) -> None:
        old = self.state["appointment"]
        if old is None or not self.r.has("NgayHenTra"):
            return
        new = self.r.date("NgayHenTra")
        previous = dt.datetime.fromisoformat(old)
        if new <= previous:
            return  # unchanged, or a stale NgayHenTra behind a supplement's NgayHenTraMoi
        self.state["appointment"] = new.isoformat()
        if self.once("apology"):
            at = self.r.date("NgayCapNhat", False) or previous
            reason = self.r.text("LyDoGiaHan", False) or "Gia hạn thời gian giải quyết"
            self.emit(lc.ApologyIssued(self.code, self.agency(), reason, previous, new), at)

    def ended(self) -> None:
        r, s = self.r, self.status
        end = ("NgayKetThucXuLy" if r.has("NgayKetThucXuLy") else "NgayCapNhat")
        if s == 7 and self.once("withdrawn"):
            self.emit(lc.DossierWithdrawn(self.code, r.text("LyDoRut", False, 4000)), r.date(end))
        if s == 8 and self.once("suspended"):
            reason = r.text("LyDoDungXuLy", False) or "Dừng xử lý"
            self.emit(lc.DossierSuspended(self.code, self.agency(), reason), r.date(end))
        if s in (9, 10) and self.once("resolved"):
            link = self.result_link()
            self.emit(lc.DossierResolved(self.code, self.agency(), result_link=link,
                                         result_digitised=True if link else None),
                      r.date("NgayKetThucXuLy"))
        if (s == 10 or r.has("NgayTra")) and self.once("returned"):
            method = _RETURN_METHODS[r.channel()]
            self.emit(lc.ResultReturned(self.code, method), r.date("NgayTra"))


def map_snapshot(obj: Any, state: dict[str, Any] | None, lookup: Lookup,
                 source: str) -> tuple[dict[str, Any], list[Event]]:
    """Map one snapshot; returns (new state, events). Raises ContractError naming the field.

    ``state`` is not modified; on error nothing of the snapshot applies.
    """
    import copy

    record = Record(obj)
    mapping = _Mapping(record, copy.deepcopy(state) if state else _initial_state(), lookup, source)
    mapping.run()
    return mapping.state, mapping.events


def dossier_key(obj: Any) -> str:
    """The MaHoSo of a record (validated); the key of its mapping state."""
    return Record(obj).dossier_code()
