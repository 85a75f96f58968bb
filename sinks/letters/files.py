"""Letter files under ``STATE_DIR/letters/``: ``{dossier code}-v{due version}.html`` and ``.pdf``.

Names are built only from validated dossier codes (:func:`~sinks.letters.content.letter_id`) and
every path is checked to resolve inside the directory, so no input can steer a file elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sinks.letters.content import DEFAULT_REASON, LetterContent, letter_id, safe_file_stem
from sinks.letters.header import letter_header
from sinks.letters.render import APOLOGY, render_html, render_pdf
from stream_processors.core.registry import AgencyRegistry
from stream_processors.core.registry_loader import load_registry
from stream_processors.core.vntime import to_vn

__all__ = ["LetterFiles", "NO_NAME", "content_of"]

#: Printed where an imported dossier had no ChuHoSo; such a letter is not delivered (it waits).
NO_NAME = "(chưa có tên chủ hồ sơ)"


def content_of(letter: dict[str, Any], dossier: Any, registry: AgencyRegistry,
               estimate_note: str | None = None, form: str = APOLOGY) -> LetterContent:
    """The printed values of ``letter`` (a ``letters`` row as a dict) for ``dossier``; header,
    signature and copy list from the registry (:mod:`sinks.letters.header`)."""
    applicant = dossier.applicant
    issued = letter.get("issued_at")
    dated = to_vn(issued or letter["drafted_at"], "dated").date()
    header = letter_header(registry, letter["causing_agency"], dossier.receiving_agency,
                           to_vn(dossier.received_at, "received_at").date(), dated)
    return LetterContent(
        letter_id=letter["letter_id"], dossier_code=letter["dossier_code"],
        rule_version=letter["rule_version"], draft=issued is None, authority=header.authority,
        agency_name=header.agency_name, number=letter.get("letter_number") or "……/PXL",
        place=header.place, dated=dated,
        applicant_name=applicant.get("name") or NO_NAME, applicant_address=applicant.get("address"),
        applicant_phone=applicant.get("phone"), received_at=dossier.received_at,
        receiving_unit=header.receiving_unit,
        procedure_name=dossier.procedure_name, original_appointment=letter["due_at"],
        reason=letter.get("reason") or DEFAULT_REASON,
        new_appointment=letter.get("new_appointment_at") or letter["proposed_appointment_at"],
        recipients=header.recipients, signer_title=header.signer_title,
        estimate_note=estimate_note, form=form)


class LetterFiles:
    """Writes letters under ``directory``; their header values come from ``registry``
    (default: the shipped registry)."""

    def __init__(self, directory: Path, registry: AgencyRegistry | None = None) -> None:
        self.directory = Path(directory)
        self.registry = registry or load_registry()

    @staticmethod
    def letter_id(dossier_code: str, due_version: int) -> str:
        return letter_id(dossier_code, due_version)

    def path(self, letter_id: str, suffix: str) -> Path:
        """The file of ``letter_id``; ValueError if it would leave the letters directory."""
        root = self.directory.resolve()
        path = (root / f"{safe_file_stem(letter_id)}.{suffix}").resolve()
        if path.parent != root:
            raise ValueError(f"{letter_id!r} does not name a file inside {root}")
        return path

    def write(self, letter: dict[str, Any], dossier: Any, estimate_note: str | None = None,
              form: str = APOLOGY) -> tuple[Path, Path]:
        content = content_of(letter, dossier, self.registry, estimate_note, form)
        html_path = self.path(letter["letter_id"], "html")
        pdf_path = self.path(letter["letter_id"], "pdf")
        _atomic_write(html_path, render_html(content).encode())
        _atomic_write(pdf_path, render_pdf(content))
        return html_path, pdf_path


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
