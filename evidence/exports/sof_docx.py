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


def _document():
    from docx import Document  # python-docx loads when a document is written
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    document.core_properties.created = document.core_properties.modified = FIXED  # reproducible bytes
    document.add_heading("Summary of findings", level=1)
    return document


def _add_table(document, table) -> None:
    from docx.shared import Cm, Pt

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


def _add_legend(document, definitions) -> None:
    document.add_heading("GRADE certainty of the evidence", level=2)
    for symbol, text in definitions:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{symbol}: ").bold = True
        paragraph.add_run(text)


def docx_bytes(tables, definitions) -> bytes:
    """The whole document in memory (python-docx's own tree): the reference ``write_docx`` streams."""
    document = _document()
    for table in tables:
        _add_table(document, table)
    _add_legend(document, definitions)
    out = io.BytesIO()
    document.save(out)
    from .tables import fixed_zip_times

    return fixed_zip_times(out.getvalue())


MARKER = "evidence-sof-tables-go-here"
DOCUMENT_XML = "word/document.xml"


def write_docx(tables, definitions, out) -> None:
    """The document ``docx_bytes`` makes, streamed: each table is built in python-docx's tree, written
    out as XML to a temporary file and removed from the tree; the document's XML is then the rest of
    the document with the tables' XML where a marker paragraph stood."""
    import re
    import shutil
    import tempfile
    import zipfile

    from lxml import etree

    from .tables import FIXED_TIME, copy_with_fixed_times

    document = _document()
    marker = document.add_paragraph(MARKER)._p
    body = document.element.body
    declarations = re.compile(r'^(<[^\s>/]+)((?:\s+xmlns(?::[A-Za-z0-9_.-]+)?="[^"]*")*)')
    with tempfile.TemporaryFile() as middle, tempfile.TemporaryFile() as skeleton, tempfile.TemporaryFile() as spliced:
        for table in tables:
            before = len(body)
            _add_table(document, table)
            added = list(body)[before - 1:len(body) - 1]  # the sectPr stays last
            for element in added:
                xml = etree.tostring(element, encoding="unicode")
                # in the document the root declares every namespace: the element's own declarations go
                middle.write(declarations.sub(r"\1", xml, count=1).encode("utf-8"))
                body.remove(element)
        _add_legend(document, definitions)
        document.save(skeleton)
        skeleton.seek(0)
        middle.seek(0)
        with zipfile.ZipFile(skeleton) as zin, zipfile.ZipFile(spliced, "w", zipfile.ZIP_DEFLATED) as zout:
            for member in zin.infolist():
                info = zipfile.ZipInfo(member.filename, FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                with zin.open(member) as src, zout.open(info, "w") as dst:
                    if member.filename != DOCUMENT_XML:
                        shutil.copyfileobj(src, dst, 1 << 20)
                        continue
                    xml = src.read()
                    paragraph = etree.tostring(marker, encoding="unicode")
                    paragraph = declarations.sub(r"\1", paragraph, count=1).encode("utf-8")
                    head, found, tail = xml.partition(paragraph)
                    if not found:
                        raise RuntimeError("the Summary-of-Findings marker is missing from the document")
                    dst.write(head)
                    shutil.copyfileobj(middle, dst, 1 << 20)
                    dst.write(tail)
        spliced.seek(0)
        copy_with_fixed_times(spliced, out)
