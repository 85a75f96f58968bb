"""Where a letter's header, signature and copy list come from: the agency registry.

The letter is issued by the agency responsible *on the letter's date*: the causing agency named
by the flag, followed through the registry's successor links (a department merged away while the
dossier was open hands its letters to its successor). Its authority, place, signer title and
one-stop desk name are that agency's registry values on that date; the receiving desk is named
as the registry had it on the day the dossier was received. Codes never appear in the text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from stream_processors.core.registry import AgencyRegistry

__all__ = ["LetterHeader", "letter_header"]


@dataclasses.dataclass(frozen=True)
class LetterHeader:
    agency: str  # the issuing agency's code (for the record, never printed)
    agency_name: str
    authority: str
    place: str
    signer_title: str
    receiving_unit: str
    recipients: tuple[str, ...]


def letter_header(registry: AgencyRegistry, causing_agency: str, receiving_agency: str,
                  received_on: dt.date, dated: dt.date) -> LetterHeader:
    """The header of a letter dated ``dated``; UnknownAgencyError for a code the registry lacks."""
    code = registry.continuing(causing_agency, dated)
    issuer = registry.version(code, dated)
    receiver = registry.continuing(receiving_agency, received_on)
    desk = registry.version(receiver, received_on).desk_name
    copies = ["Như trên", issuer.desk_name]
    if issuer.parent is not None:
        copies.append(f"{registry.version(issuer.parent, dated).name} (để báo cáo)")
    return LetterHeader(code, issuer.name, issuer.authority, issuer.place, issuer.head_title,
                        desk, (*copies, "Lưu: VT"))
