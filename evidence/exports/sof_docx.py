"""Summary-of-Findings tables as a Word document a working group can paste into a guideline, laid out
as GRADEpro lays them out: landscape; per table a fixed grid with the widths below (``w:tblGrid``), two
header rows (the spanning "Anticipated absolute effects (95% CI)" over the two risk columns) repeated
on every page (``w:tblHeader``), rows that never split across pages (``w:cantSplit``); superscript
footnote marks; GRADEpro's note on the intervention risk, the abbreviations and the footnotes under
each table; the GRADE certainty definitions as a legend. A title block and the document's properties
say which release the tables come from.

python-docx makes the rest of the document (styles, section, headings, legend); the tables are written
as WordprocessingML directly, one at a time, to a temporary file and spliced in where a marker
paragraph stood: a table of 100,000 rows streams at the speed of string formatting.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
import zipfile
from typing import IO, Iterable, Optional
from xml.sax.saxutils import escape

from . import PROJECT, Format, Output, provenance, provenance_text, register
from .sof import HEADERS, NOTHING, RISK_NOTE, SPANNING, counted, definitions, iter_tables

FIXED = datetime.datetime(2000, 1, 1)  # a plain build's document date: the same data gives the same bytes
WIDTHS_CM = (3.6, 2.6, 3.4, 3.0, 2.6, 3.0, 7.0)  # 25.2 cm: an A4 landscape page less 2 cm margins
TWIPS_PER_CM = 1440 / 2.54
WIDTHS = tuple(round(cm * TWIPS_PER_CM) for cm in WIDTHS_CM)  # the grid, in twentieths of a point
SIZE = 16  # half-points: 8 pt in the tables and their notes
MARKER = "evidence-sof-tables-go-here"
DOCUMENT_XML = "word/document.xml"
INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _text(value: object) -> str:
    """Text for a w:t element: escaped, characters XML cannot hold dropped, newlines as line breaks."""
    escaped = escape(INVALID.sub("", str(value)))
    return escaped.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')


def _run(text: object, bold: bool = False, superscript: bool = False, size: Optional[int] = SIZE) -> str:
    props = ("<w:b/>" if bold else "") + (f'<w:sz w:val="{size}"/>' if size else "") + \
        ('<w:vertAlign w:val="superscript"/>' if superscript else "")
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


def _marks(notes: list[int]) -> str:
    return _run(",".join(map(str, notes)), superscript=True) if notes else ""


def _paragraph(runs: str, style: Optional[str] = None, tight: bool = False) -> str:
    props = (f'<w:pStyle w:val="{style}"/>' if style else "") + \
        ('<w:spacing w:before="0" w:after="0"/>' if tight else "")
    return f'<w:p>{f"<w:pPr>{props}</w:pPr>" if props else ""}{runs}</w:p>'


def _cell(width: int, runs: str, merge: str = "", span: int = 1) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + merge
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_paragraph(runs, tight=True)}</w:tc>"


BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
                  for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
TABLE_START = (
    f'<w:tbl><w:tblPr><w:tblW w:w="{sum(WIDTHS)}" w:type="dxa"/><w:tblBorders>{BORDERS}</w:tblBorders>'
    '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
    '</w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
    'w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    '<w:tblGrid>' + "".join(f'<w:gridCol w:w="{w}"/>' for w in WIDTHS) + '</w:tblGrid>'
)
HEADER_ROW = '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>'
ROW = '<w:tr><w:trPr><w:cantSplit/></w:trPr>'
RESTART, CONTINUE = '<w:vMerge w:val="restart"/>', "<w:vMerge/>"
# two header rows, repeated on every page: the spanning header over the two risk columns
HEADER = (
    HEADER_ROW + _cell(WIDTHS[0], _run(HEADERS[0], bold=True), RESTART)
    + _cell(WIDTHS[1] + WIDTHS[2], _run(SPANNING, bold=True), span=2)
    + "".join(_cell(w, _run(h, bold=True), RESTART) for w, h in zip(WIDTHS[3:], HEADERS[3:])) + "</w:tr>"
    + HEADER_ROW + _cell(WIDTHS[0], "", CONTINUE)
    + _cell(WIDTHS[1], _run(HEADERS[1], bold=True)) + _cell(WIDTHS[2], _run(HEADERS[2], bold=True))
    + "".join(_cell(w, "", CONTINUE) for w in WIDTHS[3:]) + "</w:tr>"
)


def table_xml(table) -> str:
    """One SoF table as WordprocessingML: its heading, the population block, the table and its notes."""
    parts = [_paragraph(_run(table.title, size=None), style="Heading2")]
    block = [("Patient or population", table.population), ("Setting", table.setting),
             ("Intervention", table.intervention), ("Comparison", table.comparison)]
    parts.append(_paragraph('<w:r><w:br/></w:r>'.join(_run(f"{label}: ", bold=True, size=None) + _run(value, size=None)
                                                      for label, value in block)))
    parts.append(TABLE_START + HEADER)
    for row in table.rows:
        comments = row.comments + (f" [{row.status}]" if row.status else "")
        cells = [(row.outcome, []), (row.comparator_risk, []), (row.intervention_risk, row.intervention_notes),
                 (row.relative, row.relative_notes), (row.participants, []),
                 (row.certainty_text, row.certainty_notes), (comments, [])]
        parts.append(ROW + "".join(_cell(w, _run(text) + _marks(notes)) for w, (text, notes) in zip(WIDTHS, cells))
                     + "</w:tr>")
    parts.append("</w:tbl>")
    parts.append(_paragraph(_run(RISK_NOTE), tight=True))
    parts.append(_paragraph(_run(table.abbreviations), tight=True))
    for number, note in enumerate(table.footnotes, 1):
        parts.append(_paragraph(_run(str(number), superscript=True) + _run(f" {note}"), tight=True))
    return "".join(parts)


def _date(info: dict) -> datetime.datetime:
    """The document's date: the release's, or a fixed one for a plain build (never the time of export)."""
    try:
        return datetime.datetime.fromisoformat(str(info.get("released_at")))
    except ValueError:
        return FIXED


def _skeleton(definitions, info: dict, out: IO[bytes]) -> bytes:
    """Everything but the tables, with a marker paragraph where they go; the marker's XML."""
    from docx import Document  # python-docx loads when a document is written
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    properties = document.core_properties
    properties.title = "Summary of findings"
    properties.author = properties.last_modified_by = PROJECT
    properties.subject = provenance_text(info)
    properties.comments = f"Content hash {info.get('content_hash')}"
    properties.created = properties.modified = _date(info)
    properties.revision = 1
    document.add_heading("Summary of findings", level=1)
    document.add_paragraph(provenance_text(info))
    marker = document.add_paragraph(MARKER)
    document.add_heading("GRADE certainty of the evidence", level=2)
    for symbol, text in definitions:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{symbol}: ").bold = True
        paragraph.add_run(text)
    document.save(out)
    return f"<w:p><w:r><w:t>{MARKER}</w:t></w:r></w:p>".encode() if marker.text == MARKER else b""


def write_docx(tables: Iterable, definitions, out: IO[bytes], info: Optional[dict] = None) -> None:
    """The document, streamed: each table's XML written to a temporary file as it is made, then the
    document's XML copied with the tables where the marker paragraph stood."""
    from .tables import FIXED_TIME, copy_with_fixed_times

    info = info or {}
    with tempfile.TemporaryFile() as middle, tempfile.TemporaryFile() as skeleton, \
            tempfile.TemporaryFile() as spliced:
        written = False
        for table in tables:
            middle.write(table_xml(table).encode("utf-8"))
            written = True
        if not written:
            middle.write(_paragraph(_run(NOTHING, size=None)).encode("utf-8"))
        marker = _skeleton(definitions, info, skeleton)
        skeleton.seek(0)
        middle.seek(0)
        with zipfile.ZipFile(skeleton) as zin, zipfile.ZipFile(spliced, "w", zipfile.ZIP_DEFLATED) as zout:
            for member in zin.infolist():
                target = zipfile.ZipInfo(member.filename, FIXED_TIME)
                target.compress_type = zipfile.ZIP_DEFLATED
                with zin.open(member) as src, zout.open(target, "w") as dst:
                    if member.filename != DOCUMENT_XML:
                        shutil.copyfileobj(src, dst, 1 << 20)
                        continue
                    head, found, tail = src.read().partition(marker)
                    if not found:
                        raise RuntimeError("the Summary-of-Findings marker is missing from the document")
                    dst.write(head)
                    shutil.copyfileobj(middle, dst, 1 << 20)
                    dst.write(tail)
        spliced.seek(0)
        copy_with_fixed_times(spliced, out, dates=None)


def docx_bytes(tables: Iterable, definitions, info: Optional[dict] = None) -> bytes:
    """The whole document in memory."""
    import io

    out = io.BytesIO()
    write_docx(tables, definitions, out, info)
    return out.getvalue()


def _write(conn, table: str, filters, options: dict, out: IO[bytes]) -> Output:
    count = [0]
    write_docx(counted(iter_tables(conn, filters, options.get("by") or "condition"), count), definitions(), out,
               provenance(conn))
    return Output(count[0], "Summary-of-Findings table(s)")


register(Format("sof", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
                _write, binary=True, site_tables=("findings",), title="Summary of Findings (Word)"))
