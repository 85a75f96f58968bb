"""The procedure catalog (danh mục TTHC) of the seed, published by the former Quảng Nam province
(code H47). The agency that does a procedure's work on a given day is the catalog agency followed
through the agency registry (:mod:`stream_processors.core.registry`).

The model only: agencies, procedures and read-only lookups. The data files and their validation
are in :mod:`stream_processors.core.catalog_loader` (``load_catalog``).

Public disclosure (công khai) is complete when the seven parts of Decree 63/2010/NĐ-CP art. 8(2)
are present (:data:`DISCLOSURE_PARTS`): name, steps, method, dossier components and quantity,
time limit, who may apply, implementing agency. :class:`ProcedureService` is how a procedure is
offered (online level, payment, publication; Decision 766).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time

from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import UnknownProcedureError
from stream_processors.core.rules import RuleSet

__all__ = ["Agency", "ChainStep", "Disclosure", "Procedure", "ProcedureService", "Catalog",
           "DISCLOSURE_FIELDS", "DISCLOSURE_PARTS", "ONLINE_LEVELS"]

#: The disclosure columns of procedures.csv.
DISCLOSURE_FIELDS = ("applicant", "method", "components", "fees", "legal_basis", "result")
#: Decree 63/2010/NĐ-CP art. 8(2): the parts a published procedure must contain.
DISCLOSURE_PARTS = ("name", "steps", "method", "components", "time_limit", "applicant", "agency")
ONLINE_LEVELS = ("full", "partial", "none")


@dataclass(frozen=True)
class Agency:
    code: str  # mã định danh điện tử (QCVN 102:2016/BTTTT style)
    name: str  # Vietnamese name
    name_en: str  # short English name


@dataclass(frozen=True)
class ChainStep:
    """One agency of a liên thông chain and its allowance (the Phiếu kiểm soát sub-deadline)."""
    agency: Agency
    allowance: Duration


@dataclass(frozen=True)
class Disclosure:
    """Public-disclosure fields (công khai TTHC). Empty text / tuple = not disclosed."""
    applicant: str = ""
    method: str = ""
    components: tuple[str, ...] = ()
    fees: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    result: str = ""
    steps: str = ""  # trình tự thực hiện (procedure_services.csv)

    def missing(self) -> tuple[str, ...]:
        """The parts of :data:`DISCLOSURE_PARTS` this record holds that are empty (name, time
        limit and agency are required catalog columns, so never missing)."""
        return tuple(name for name in DISCLOSURE_PARTS
                     if name in ("steps", "method", "components", "applicant")
                     and not getattr(self, name))


@dataclass(frozen=True)
class ProcedureService:
    """How a procedure is offered (Decision 766 groups 1, 3, 4); None = not known."""
    online_level: str = "none"
    payment_integrated: bool | None = None
    decision: str = ""
    effective_on: date | None = None
    published_on: date | None = None
    national_published_on: date | None = None


@dataclass(frozen=True)
class Procedure:
    code: str  # mã TTHC
    name: str
    field: str  # lĩnh vực
    agency: Agency  # lead agency (cơ quan giải quyết)
    duration: Duration  # statutory thời hạn giải quyết
    four_step: bool
    cutoff: time | None
    pauses_on_financial_obligation: bool | None  # None = follow the rule set
    chain: tuple[ChainStep, ...]
    disclosure: Disclosure
    service: ProcedureService = ProcedureService()

    @property
    def has_fees(self) -> bool:
        return bool(self.disclosure.fees)

    @property
    def is_lien_thong(self) -> bool:
        return bool(self.chain)

    def pauses_for_financial_obligation(self, rules: RuleSet) -> bool:
        """Whether status 6 pauses the clock: the procedure's flag, else the rule default."""
        if self.pauses_on_financial_obligation is None:
            return rules.financial_obligation_pauses_by_default
        return self.pauses_on_financial_obligation


class Catalog:
    """Read-only lookups over validated procedures and agencies."""

    def __init__(self, procedures: Mapping[str, Procedure], agencies: Mapping[str, Agency]) -> None:
        self._procedures, self._agencies = dict(procedures), dict(agencies)

    def procedure(self, code: str) -> Procedure:
        try:
            return self._procedures[code]
        except KeyError:
            raise UnknownProcedureError(f"procedure code {code!r} is not in the catalog") from None

    def agency(self, code: str) -> Agency:
        try:
            return self._agencies[code]
        except KeyError:
            raise UnknownProcedureError(f"agency code {code!r} is not in the catalog") from None

    def by_agency(self, code: str) -> list[Procedure]:
        return [p for p in self._procedures.values() if p.agency.code == code]

    @property
    def agencies(self) -> list[Agency]:
        return list(self._agencies.values())

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._procedures.values())

    def __len__(self) -> int:
        return len(self._procedures)

