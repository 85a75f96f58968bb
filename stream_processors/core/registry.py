"""The effective-dated agency registry: who existed when, who continues whom, what letters print.

Loaded by :func:`stream_processors.core.registry_loader.load_registry` from two data files a
province edits (formats and validation rules there), default ``data/registry/``:

* ``agencies.csv`` — one row per *version* of an agency (a code may have several rows, e.g. a
  renamed department; their validity intervals never overlap): name, short name, level
  (province / district / commune), parent, ``valid_from`` .. ``valid_to`` (inclusive Vietnam
  dates, empty ``valid_to`` = still valid), and what its letters print: issuing authority
  (cơ quan chủ quản), place name, the head's title, the one-stop desk's name.
* ``successors.csv`` — ``predecessor → successor`` from an effective date, optionally only for
  some procedures (mã TTHC) or fields (lĩnh vực); a row with neither is the default link.

Guarantees: lookups never guess. An unknown code raises
:class:`~stream_processors.core.exceptions.UnknownAgencyError`; the continuing agency follows
successor links only (procedure match before field match before the default), as of a given day.
Pure: dates are passed in, nothing is read after loading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from stream_processors.core.datafile import DATA_DIR
from stream_processors.core.exceptions import UnknownAgencyError

__all__ = ["AgencyVersion", "SuccessorLink", "AgencyRegistry",
           "DEFAULT_REGISTRY_DIR", "LEVELS", "DISTRICT_ABOLISHED"]

DEFAULT_REGISTRY_DIR = DATA_DIR / "registry"
LEVELS = ("province", "district", "commune")
#: Law 72/2025/QH15: two-level local government from this day; no district agency after it.
DISTRICT_ABOLISHED = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class AgencyVersion:
    """One agency as it was during ``[valid_from, valid_to]`` (``valid_to`` None = open)."""
    code: str  # mã định danh (Decision 20/2020/QĐ-TTg, QCVN 102 style)
    name: str
    short_name: str
    level: str  # one of LEVELS
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    authority: str  # cơ quan chủ quản printed above the agency on its letters
    place: str  # địa danh of the place-and-date line
    head_title: str  # chức danh of the signer (thủ trưởng)
    desk_name: str  # the one-stop desk (Bộ phận Một cửa / Trung tâm Phục vụ HCC), by name
    confirmed: bool
    source: str
    note: str = ""

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class SuccessorLink:
    """From ``effective`` on, ``predecessor``'s work (all of it, or only ``procedures`` /
    ``fields``) continues at ``successor``."""
    predecessor: str
    successor: str
    effective: dt.date
    procedures: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    confirmed: bool = True
    source: str = ""

    @property
    def is_default(self) -> bool:
        return not self.procedures and not self.fields

    def rank(self, procedure: str | None, field: str | None) -> int | None:
        """How specifically this link matches (2 procedure, 1 field, 0 default), None if not."""
        if procedure is not None and procedure in self.procedures:
            return 2
        if field is not None and field in self.fields:
            return 1
        return 0 if self.is_default else None


class AgencyRegistry:
    """Read-only lookups over validated agency versions and successor links."""

    def __init__(self, versions: Iterable[AgencyVersion], links: Iterable[SuccessorLink]) -> None:
        self._versions: dict[str, list[AgencyVersion]] = {}
        for v in sorted(versions, key=lambda v: (v.code, v.valid_from)):
            self._versions.setdefault(v.code, []).append(v)
        self._links: dict[str, list[SuccessorLink]] = {}
        for link in sorted(links, key=lambda k: k.effective, reverse=True):
            self._links.setdefault(link.predecessor, []).append(link)

    def knows(self, code: str) -> bool:
        return code in self._versions

    def versions(self, code: str) -> list[AgencyVersion]:
        try:
            return list(self._versions[code])
        except KeyError:
            raise UnknownAgencyError(f"agency code {code!r} is not in the registry") from None

    def version(self, code: str, on: dt.date) -> AgencyVersion:
        """The version valid on ``on``; outside every interval the nearest one (the last before
        ``on``, else the first) so that a record of a dissolved agency still has a name."""
        versions = self.versions(code)
        exact = [v for v in versions if v.valid_on(on)]
        if exact:
            return exact[-1]
        earlier = [v for v in versions if v.valid_from <= on]
        return earlier[-1] if earlier else versions[0]

    def valid_on(self, code: str, on: dt.date) -> bool:
        return any(v.valid_on(on) for v in self.versions(code))

    def links_from(self, code: str) -> list[SuccessorLink]:
        return list(self._links.get(code, ()))

    def links_to(self, code: str) -> list[SuccessorLink]:
        return [k for links in self._links.values() for k in links if k.successor == code]

    def successor(self, code: str, on: dt.date, procedure: str | None = None,
                  field: str | None = None) -> SuccessorLink | None:
        """The link in force on ``on`` for this procedure/field (latest effective date first;
        within it the most specific match), or None."""
        for effective in sorted({k.effective for k in self._links.get(code, ())}, reverse=True):
            if effective > on:
                continue
            ranked = [(k.rank(procedure, field), k) for k in self._links[code]
                      if k.effective == effective]
            matches = sorted(((r, k) for r, k in ranked if r is not None), key=lambda p: -p[0])
            if matches:
                return matches[0][1]
        return None

    def continuing(self, code: str, on: dt.date, procedure: str | None = None,
                   field: str | None = None) -> str:
        """The agency that carries ``code``'s work on ``on`` (``code`` itself if no link is in
        force). Raises UnknownAgencyError for a code the registry does not know."""
        self.versions(code)
        seen = [code]
        while (link := self.successor(seen[-1], on, procedure, field)) is not None:
            if link.successor in seen:  # the loader refuses cycles; this guards hand-made ones
                raise UnknownAgencyError(f"successor cycle {' → '.join([*seen, link.successor])}")
            seen.append(link.successor)
        return seen[-1]

    def on(self, day: dt.date, level: str | None = None) -> list[AgencyVersion]:
        """Every agency valid on ``day`` (optionally of one level), by code."""
        out = [v for vs in self._versions.values() for v in vs if v.valid_on(day)]
        return sorted((v for v in out if level in (None, v.level)), key=lambda v: v.code)

    def existing_between(self, start: dt.date, end: dt.date) -> list[AgencyVersion]:
        """Agencies valid on at least one day of ``[start, end]`` (latest version each)."""
        out = {}
        for code, versions in self._versions.items():
            for v in versions:
                if v.valid_from <= end and (v.valid_to is None or v.valid_to >= start):
                    out[code] = v
        return [out[c] for c in sorted(out)]

    def codes(self) -> list[str]:
        return sorted(self._versions)

