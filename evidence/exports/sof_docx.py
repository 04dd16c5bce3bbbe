"""Summary-of-Findings tables as a Word document a working group can paste into a guideline: landscape,
fixed column widths, footnote marks as superscripts, the GRADE certainty definitions as a legend."""

from __future__ import annotations

import datetime
import io


HEADERS = ("Outcomes", "Risk with comparator", "Risk with intervention (95% CI)", "Relative effect (95% CI)",
           "№ of participants (studies)", "Certainty of the evidence (GRADE)", "Comments")
FIXED = datetime.datetime(2000, 1, 1)
WIDTHS_CM = (3.6, 2.6, 3.4, 3.0, 2.6, 3.0, 7.0)  # 25.2 cm: an A4 landscape page less 2 cm margins


def _cell(cell, text: str, notes: list[int] = (), bold: bool = False) -> None:
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(8)
    if notes:
        mark = paragraph.add_run(",".join(map(str, notes)))
        mark.font.superscript = True
        mark.font.size = Pt(8)


def docx_bytes(tables, definitions) -> bytes:
    from docx import Document  # python-docx loads when a document is written
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    document.core_properties.created = document.core_properties.modified = FIXED  # reproducible bytes
    document.add_heading("Summary of findings", level=1)
    for table in tables:
        document.add_heading(table.title, level=2)
        document.add_paragraph(f"Patient or population: {table.population}\nIntervention: {table.intervention}\n"
                               f"Comparison: {table.comparison}")
        grid = document.add_table(rows=1, cols=len(HEADERS))
        grid.style = "Table Grid"
        grid.autofit = False
        for cell, header, width in zip(grid.rows[0].cells, HEADERS, WIDTHS_CM):
            _cell(cell, header, bold=True)
            cell.width = Cm(width)
        for row in table.rows:
            cells = grid.add_row().cells
            values = [(row.outcome, []), (row.comparator_risk, []), (row.intervention_risk, []),
                      (row.relative, row.relative_notes), (row.participants, []),
                      (row.certainty_text, row.certainty_notes),
                      (row.comments + (f" [{row.status}]" if row.status else ""), [])]
            for cell, (text, notes), width in zip(cells, values, WIDTHS_CM):
                _cell(cell, text, notes)
                cell.width = Cm(width)
        for number, note in enumerate(table.footnotes, 1):
            paragraph = document.add_paragraph()
            mark = paragraph.add_run(str(number))
            mark.font.superscript = True
            paragraph.add_run(f" {note}").font.size = Pt(8)
    document.add_heading("GRADE certainty of the evidence", level=2)
    for symbol, text in definitions:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{symbol}: ").bold = True
        paragraph.add_run(text)
    out = io.BytesIO()
    document.save(out)
    from .tables import fixed_zip_times

    return fixed_zip_times(out.getvalue())
