"""Rendering a letter to HTML and PDF from the template files in ``templates/``.

Jinja2 with autoescape on: every interpolated value is HTML-escaped. The form template is chosen
by rule version and extends either the HTML layout or the PDF layout; the PDF is drawn by fpdf2
from that (escaped) markup with the bundled DejaVu Serif fonts, which carry Vietnamese diacritics
(Bitstream Vera / DejaVu licence in ``fonts/LICENSE-DejaVu.txt``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from sinks.letters.content import LetterContent

__all__ = ["render_html", "render_pdf", "TEMPLATES_DIR", "FONTS_DIR", "FORM_TEMPLATES",
           "APOLOGY", "STOP_NOTICE", "form_name"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
APOLOGY, STOP_NOTICE = "apology", "stop_notice"
#: (rule version, form kind) -> (template, printed form name). The rule version is the dossier's,
#: fixed at receipt: dossiers received before 2025-07-01 keep the Circular 01/2018 forms, which
#: had no stop notice.
FORM_TEMPLATES = {
    ("nd61-2018", APOLOGY): ("nd61-2018.html", "Mẫu số 04 — Phiếu xin lỗi và hẹn lại ngày trả "
                                               "kết quả (Thông tư 01/2018/TT-VPCP)"),
    ("nd118-2025", APOLOGY): ("nd118-2025.html", "Mẫu số 04 — Văn bản xin lỗi và đề nghị gia hạn "
                                                 "thời gian giải quyết (Thông tư 03/2025/TT-VPCP)"),
    ("nd118-2025", STOP_NOTICE): ("nd118-2025-stop.html", "Mẫu số 05 — Thông báo dừng giải "
                                                          "quyết hồ sơ (Thông tư 03/2025/TT-VPCP)"),
}


def form_name(rule_version: str, kind: str = APOLOGY) -> str:
    """The printed name of the form for a dossier under ``rule_version``; ValueError if none."""
    return _form(rule_version, kind)[1]


def _form(rule_version: str, kind: str) -> tuple[str, str]:
    try:
        return FORM_TEMPLATES[(rule_version, kind)]
    except KeyError:
        raise ValueError(f"rule_version {rule_version!r} has no {kind} form") from None


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _render(content: LetterContent, layout: str) -> str:
    template = _environment().get_template(_form(content.rule_version, content.form)[0])
    return template.render(layout=layout, **content.template_values())


def render_html(content: LetterContent) -> str:
    """The letter as a standalone HTML page (UTF-8, every value escaped)."""
    return _render(content, "html_layout.html")


def render_pdf(content: LetterContent) -> bytes:
    """The letter as an A4 PDF with embedded Vietnamese-capable TrueType fonts."""
    from fpdf import FPDF  # local: only the letter sink and CLI draw PDFs

    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 15)  # Decree 30/2020: left 30–35 mm, right 15–20 mm (A4 printers)
    for style, file in (("", "DejaVuSerif.ttf"), ("B", "DejaVuSerif-Bold.ttf"),
                        ("I", "DejaVuSerif-Italic.ttf"), ("BI", "DejaVuSerif-Bold.ttf")):
        pdf.add_font("DejaVuSerif", style, str(FONTS_DIR / file))
    pdf.set_font("DejaVuSerif", size=11)
    pdf.set_title(f"{content.letter_id}")
    pdf.add_page()
    pdf.write_html(_render(content, "pdf_layout.html"))
    return bytes(pdf.output())
