"""The guideline as a document a working group can circulate: `evidence export guideline --format
md|html|docx [--lang nl|en]`.

One document model (``document``: a title page, a table of contents, then per module its question,
recommendations with each one's own evidence basis, considerations in source order under their printed
sub-headings with the task table where it stands, and its justification with the conclusions of its
literature summary; sub-modules under their parent, shared content once; then every work the document
cites) is rendered to every format, so the three carry the same text (tests/test_guideline.py compares
them). Headings and fixed sentences come from the vocabulary (``guideline_document``, Dutch by default);
the guideline's own text is Dutch as printed, with the curators' English marked [EN]. Filters select
the conclusions shown; modules, recommendations and considerations are always all there.
"""

from __future__ import annotations

import datetime
import html
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import IO, Optional

import yaml

from ..languages import language, name_column
from ..presenter import certainty_text
from ..read import Filters, records, select, sql
from ..vocabulary import scales
from . import Format, Output, register, text

SITE_METADATA = Path(__file__).resolve().parents[1] / "site" / "metadata.yml"


@dataclass
class Block:
    """One piece of the document. kind: heading, para, item, quote, table, toc, pagebreak."""

    kind: str
    text: str = ""
    level: int = 1  # heading level, or list depth for items
    style: str = ""  # para/item: "", "translation", "provenance", "label", "title", "subtitle", "meta"
    rows: list[list[list[str]]] = field(default_factory=list)  # table: rows of cells, each cell a list of items
    anchor: str = ""


@dataclass
class Document:
    lang: str
    title: str
    meta: dict[str, str]
    blocks: list[Block]
    modules: int = 0

    def headings(self, deepest: int = 2) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading" and b.level <= deepest and b.anchor]


class Words:
    """The document's headings and fixed sentences in its language, from the vocabulary."""

    def __init__(self, lang: str):
        self.lang, self.vocab = lang, scales()

    def __call__(self, key: str) -> str:
        return self.term("guideline_document", key)

    def term(self, kind: str, value: Optional[str]) -> str:
        found = self.vocab.term(kind, value) if value else None
        return found[name_column(self.lang)] if found else ""


def _chosen(conn: sqlite3.Connection, filters: Filters):
    query, params = select("findings", filters, "id")

    def chosen(conclusions: list[dict]) -> set[str]:  # those that match the filters (no set of every finding)
        ids = json.dumps([c["id"] for c in conclusions])
        return {row[0] for row in conn.execute(
            f"select id from ({query}) where id in (select value from json_each(?))", [*params, ids])}
    return chosen


def document(conn: sqlite3.Connection, filters: Filters, lang: str = "nl") -> Document:
    w = Words(lang)
    chosen = _chosen(conn, filters)
    build = records(conn, "select * from build_info")[0]
    site = yaml.safe_load(SITE_METADATA.read_text(encoding="utf-8")) if SITE_METADATA.is_file() else {}
    date = (build["released_at"] or build["built_at"])[:10]
    meta = {
        w("release"): build["release"] or w("no_release"), w("date"): date, w("content_hash"): build["content_hash"],
        w("licence"): " ".join(x for x in (site.get("license"), site.get("license_url")) if x),
        w("source"): " ".join(x for x in (site.get("source"), site.get("source_url")) if x),
    }
    blocks = [Block("para", w("title"), style="title"), Block("para", w("translations"), style="subtitle")]
    blocks += [Block("para", f"{k}: {v}", style="meta") for k, v in meta.items()]
    blocks += [Block("pagebreak"), Block("toc", w("contents")), Block("pagebreak")]
    questions = records(conn, sql("guideline_questions"))
    children = {k: list(g) for k, g in groupby(sorted((q for q in questions if q["parent"]),
                                                      key=lambda q: (q["parent"], q["position"])), key=lambda q: q["parent"])}
    cited: list[str] = []
    tops = [q for q in questions if not q["parent"]]
    for q in tops:
        blocks += _module(conn, q, w, chosen, cited, level=1)
        for sub in children.get(q["id"], []):
            blocks.append(Block("heading", f"{w('submodule')}: {sub['module']}", level=2, anchor=sub["id"]))
            blocks.append(Block("para", f"{w('shares')} {q['module']}.", style="provenance"))
            blocks += _considerations(conn, sub, w, level=3)
    blocks.append(Block("heading", w("references"), level=1, anchor="references"))
    for ref in records(conn, sql("guideline_references"), {"ids": json.dumps(cited)}):
        blocks.append(Block("item", citation(ref)))
    return Document(lang, w("title"), meta, blocks, len(questions))


def citation(ref: dict) -> str:
    """Label. Authors. Title. Journal. doi:…. PMID …. — each part once, as references.bib gives it."""
    parts = [ref["label"], ref["authors"], ref["title"], ref["journal"],
             f"doi:{ref['doi']}" if ref["doi"] else None, f"PMID {ref['pmid']}" if ref["pmid"] else None]
    return " ".join(p.strip().rstrip(".") + "." for p in parts if p and p.strip())


def _module(conn, q: dict, w: Words, chosen, cited: list[str], level: int) -> list[Block]:
    from ..guideline import list_items
    out = [Block("heading", q["module"], level=level, anchor=q["id"]),
           Block("para", f"{w('question')}: {q['question']}")]
    if q["question_en"]:
        out.append(Block("para", f"[EN] {q['question_en']}", style="translation"))
    if q["last_authorised"]:
        out.append(Block("para", f"{w('last_authorised')} {q['last_authorised']}", style="provenance"))
    recommendations = records(conn, sql("question_recommendations"), {"id": q["id"]})
    out.append(Block("heading", w("recommendations"), level=level + 1))
    if recommendations and not any(r["strength"] or r["direction"] for r in recommendations):
        out.append(Block("para", w("no_strength"), style="provenance"))
    for audience, items in groupby(recommendations, key=lambda r: r["audience"]):
        out.append(Block("heading", w.term("audience", audience), level=level + 2))
        for r in items:
            if r["items"]:  # the lists and question flows the guideline prints as such
                out += [Block("item", item, level=depth) for depth, item in list_items(json.loads(r["items"]))]
            else:
                out.append(Block("item", r["text"]))
            if r["text_en"]:
                out.append(Block("item", f"[EN] {r['text_en']}", level=2, style="translation"))
            basis = (f"{w.term('evidence_basis', r['evidence_basis'])} — “{r['evidence_basis_quote']}”"
                     if r["evidence_basis"] else w("none_stated"))
            out.append(Block("item", f"{w('own_evidence_basis')}: {basis}", level=2, style="provenance"))
    out += _considerations(conn, q, w, level=level + 1)
    out += _justification(conn, q, w, chosen, cited, level=level + 1)
    cited += [s["source_id"] for s in records(conn, "select source_id from question_citations where question_id = :id "
                                                    "order by position", {"id": q["id"]})]
    return out


def _considerations(conn, q: dict, w: Words, level: int) -> list[Block]:
    from ..guideline import consideration_sections, list_items
    out = [Block("heading", w("considerations"), level=level)]
    tasks = records(conn, sql("module_tasks"), {"id": q["id"]})
    for section in consideration_sections(records(conn, sql("question_considerations"), {"id": q["id"]})):
        if section["heading"]:
            out.append(Block("heading", section["heading"], level=level + 1))
        for item in section["items"]:
            c = item["c"]
            out += [Block("heading", text, level=level + 1 + depth) for depth, text in item["subheadings"]]
            out.append(Block("para", w.term("criterion", c["criterion"]).capitalize(), style="label"))
            if c["items"]:  # a checklist or list of questions, as printed
                out += [Block("item", item, level=depth) for depth, item in list_items(json.loads(c["items"]))]
            else:
                out.append(Block("quote", c["quote"]))
            if c["summary_en"]:
                out.append(Block("para", f"[EN] {c['summary_en']}", style="translation"))
            if tasks and c["id"] == f"{q['id']}-{q['tasks_after']}":
                out.append(Block("para", w("tasks"), style="label"))
                header = [["Taak/activiteit"], ["Deeltaken/rollen"], ["Expertise/competenties"], ["Informatie/tools, bijvoorbeeld"]]
                out.append(Block("table", rows=[header] + [[[t["task"]], [t["subtask"]], json.loads(t["expertise"]),
                                                             json.loads(t["tools"])] for t in tasks]))
    return out


def _justification(conn, q: dict, w: Words, chosen, cited: list[str], level: int) -> list[Block]:
    from ..guideline import HEADING_SEPARATOR, conclusion_groups
    texts = records(conn, sql("module_texts"), {"id": q["id"]})
    out = [Block("heading", w("justification"), level=level)]

    def text_blocks(m: dict) -> list[Block]:
        heading = m["heading"].split(HEADING_SEPARATOR)[-1] if m["heading"] else w.term("module_text", m["kind"])
        blocks = [Block("heading", heading, level=level + 1), Block("quote", m["quote"])]
        return blocks + ([Block("para", f"[EN] {m['summary_en']}", style="translation")] if m["summary_en"] else [])

    for m in texts:
        if m["kind"] == "background":
            out += text_blocks(m)
    out.append(Block("heading", w("conclusions"), level=level + 1))
    conclusions = records(conn, sql("question_conclusions"), {"id": q["id"]})
    shown = chosen(conclusions) if conclusions else set()
    if not conclusions:
        out.append(Block("para", w("no_conclusions")))
    else:
        out.append(Block("para", w("attached_to_module"), style="provenance"))
        if q["overall_certainty"]:
            out.append(Block("para", f"{w('overall_certainty')}: {certainty_text(q['overall_certainty'])} — "
                                     f"“{q['overall_certainty_quote']}”"))
        kept = [c for c in conclusions if c["id"] in shown]
        if not kept:
            out.append(Block("para", f"{w('no_match')} ({len(conclusions)} {w('in_module')})."))
        for heading, group in conclusion_groups(kept):
            if heading:
                out.append(Block("heading", heading, level=level + 2))
            for c in group:
                status = "" if c["in_overviews"] else f" [{w.term('status', c['source_status'])}]"
                out.append(Block("item", f"{certainty_text(c['certainty'])} {c['statement']} ({c['source_label']}){status}"))
                cited.append(c["source_id"])
    for m in texts:
        if m["kind"] != "background":
            out += text_blocks(m)
    return out


# --- renderers -------------------------------------------------------------------------------------------

def _md_text(value: str) -> str:
    return " ".join(str(value).split()).replace("<", "&lt;").replace(">", "&gt;")


def markdown(doc: Document) -> str:
    lines: list[str] = []
    for b in doc.blocks:
        if b.kind == "heading":
            lines += [f"{'#' * b.level} {_md_text(b.text)}", ""]
        elif b.kind == "para":
            prefix = {"title": "# ", "translation": "*", "label": "**"}.get(b.style, "")
            suffix = {"translation": "*", "label": "**"}.get(b.style, "")
            lines += [f"{prefix}{_md_text(b.text)}{suffix}", ""]
        elif b.kind == "item":
            lines += [f"{'  ' * (b.level - 1)}- {_md_text(b.text)}", ""]
        elif b.kind == "quote":
            lines += [f"> {_md_text(b.text)}", ""]
        elif b.kind == "table":
            cells = [[_md_text("; ".join(cell)).replace("|", "\\|") for cell in row] for row in b.rows]
            lines += ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
            lines += ["| " + " | ".join(row) + " |" for row in cells[1:]] + [""]
        elif b.kind == "toc":
            lines += [f"**{_md_text(b.text)}**", ""]
            lines += [f"{'  ' * (h.level - 1)}- {_md_text(h.text)}" for h in doc.headings()] + [""]
    return "\n".join(lines)


HTML_STYLE = """
@page { size: A4; margin: 2cm 2cm 2.2cm; @bottom-center { content: "%(page)s " counter(page) " %(of)s " counter(pages); font-size: 9pt; } }
body { font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.45; }
.title { font-size: 1.8em; font-weight: 700; margin-top: 30vh; } .meta { margin: 0.2em 0; }
.translation, .provenance { color: #555; } .label { font-weight: 600; margin-bottom: 0.2em; }
blockquote { border-left: 4px solid #999; margin: 0.5em 0; padding: 0.2em 1em; background: #f7f7f7; }
table { border-collapse: collapse; width: 100%%; font-size: 0.9em; } thead { display: table-header-group; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
td ul { margin: 0; padding-left: 1.1em; } .pagebreak { break-after: page; }
ul.depth-1 { margin: 0.3em 0 0; } ul.depth-2 { margin: 0; padding-left: 3em; } ul.depth-3 { margin: 0; padding-left: 4.5em; }
ul.depth-4 { margin: 0; padding-left: 6em; } ul.depth-5 { margin: 0; padding-left: 7.5em; }
nav ol { list-style: none; padding-left: 1em; }
"""


def html_document(doc: Document) -> str:
    e = html.escape
    w = Words(doc.lang)
    out = [f'<!DOCTYPE html>\n<html lang="{language(doc.lang).locale}">\n<head>\n<meta charset="utf-8">',
           f"<title>{e(doc.title)}</title>", *(f'<meta name="{e(k)}" content="{e(v)}">' for k, v in doc.meta.items()),
           f"<style>{HTML_STYLE % {'page': w('page'), 'of': w('of')}}</style>\n</head>\n<body>"]
    for b in doc.blocks:
        lang = ' lang="en"' if b.style == "translation" else ""
        if b.kind == "heading":
            anchor = f' id="{e(b.anchor)}"' if b.anchor else ""
            out.append(f"<h{b.level}{anchor}>{e(b.text)}</h{b.level}>")
        elif b.kind == "para":
            out.append(f'<p class="{b.style or "text"}"{lang}>{e(b.text)}</p>')
        elif b.kind == "item":
            out.append(f'<ul class="depth-{b.level}"><li class="{b.style or "text"}"{lang}>{e(b.text)}</li></ul>')
        elif b.kind == "quote":
            out.append(f"<blockquote>{e(b.text)}</blockquote>")
        elif b.kind == "table":
            head, *body = b.rows
            out.append("<table><thead><tr>" + "".join(f"<th>{e(' '.join(c))}</th>" for c in head) + "</tr></thead><tbody>")
            out += ["<tr>" + "".join("<td>" + ("<ul>" + "".join(f"<li>{e(x)}</li>" for x in cell) + "</ul>" if cell else "")
                                     + "</td>" for cell in row) + "</tr>" for row in body]
            out.append("</tbody></table>")
        elif b.kind == "toc":
            out.append(f'<nav><p class="label">{e(b.text)}</p><ol>')
            out += [f'<li class="toc-{h.level}"><a href="#{e(h.anchor)}">{e(h.text)}</a></li>' for h in doc.headings()]
            out.append("</ol></nav>")
        elif b.kind == "pagebreak":
            out.append('<div class="pagebreak"></div>')
    return "\n".join(out) + "\n</body>\n</html>\n"


def docx_bytes(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    w = Words(doc.lang)
    locale = language(doc.lang).locale
    d = Docx()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(20)
    defaults = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        defaults.append(lang)
    lang.set(qn("w:val"), locale)
    d.styles["Normal"].font.size = Pt(10.5)

    def field(paragraph, instruction: str, cached: str = "") -> None:
        for kind, value in (("begin", None), ("instr", instruction), ("separate", None), ("text", cached), ("end", None)):
            run = paragraph.add_run()
            if kind == "instr":
                node = OxmlElement("w:instrText")
                node.set(qn("xml:space"), "preserve")
                node.text = f" {value} "
            elif kind == "text":
                node = OxmlElement("w:t")
                node.text = value or ""
            else:
                node = OxmlElement("w:fldChar")
                node.set(qn("w:fldCharType"), kind)
            run._r.append(node)

    section.header.paragraphs[0].text = doc.title  # repeats on every page
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{w('page')} ")
    field(footer, "PAGE", "1")
    footer.add_run(f" {w('of')} ")
    field(footer, "NUMPAGES", "1")
    for b in doc.blocks:
        if b.kind == "heading":
            d.add_heading(b.text, level=min(b.level, 9))
        elif b.kind == "para":
            if b.style == "title":
                d.add_heading(b.text, level=0)
                continue
            p = d.add_paragraph()
            run = p.add_run(b.text)
            run.italic = b.style in ("translation", "subtitle")
            run.bold = b.style == "label"
        elif b.kind == "item":
            p = d.add_paragraph(b.text, style="List Bullet" if b.level == 1 else f"List Bullet {min(b.level, 3)}")
            if b.level > 3:  # Word's built-in list styles go three levels deep; deeper items are indented further
                p.paragraph_format.left_indent = Mm(6.35 * (b.level + 1))
            p.runs[0].italic = b.style == "translation"
        elif b.kind == "quote":
            d.add_paragraph(b.text, style="Quote")
        elif b.kind == "table":
            table = d.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            table.style = "Table Grid"
            for i, row in enumerate(b.rows):
                for j, cell in enumerate(row):
                    target = table.cell(i, j)  # one paragraph per item of the cell
                    target.text = cell[0] if cell else ""
                    for item in cell[1:]:
                        target.add_paragraph(item)
            header = table.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            header.append(repeat)
        elif b.kind == "toc":
            d.add_heading(b.text, level=1)
            p = d.add_paragraph()
            field(p, 'TOC \\o "1-2" \\h \\z \\u', "")
            for h in doc.headings():  # the table's entries as cached text, so every reader sees them before Word updates it
                d.add_paragraph(h.text, style="List Bullet" if h.level == 1 else "List Bullet 2")
        elif b.kind == "pagebreak":
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    when = datetime.datetime.fromisoformat(doc.meta[w("date")])
    props = d.core_properties
    props.title, props.subject, props.language = doc.title, doc.meta[w("source")][:255], locale
    props.author = props.last_modified_by = "Work participation evidence"
    props.created = props.modified = when
    props.identifier = f"sha256:{doc.meta[w('content_hash')]}"
    props.version = doc.meta[w("release")]
    props.revision = 1
    props.keywords = "richtlijn; arbeidsparticipatie; GRADE"
    props.comments = f"{w('licence')}: {doc.meta[w('licence')]}"
    out = io.BytesIO()
    d.save(out)
    return _fixed_member_times(out.getvalue())


def _fixed_member_times(data: bytes) -> bytes:
    """The same document gives the same bytes: zip member times fixed (the document's own dates stay)."""
    from .tables import FIXED_TIME

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in zin.infolist():
            info = zipfile.ZipInfo(member.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, zin.read(member))
    return out.getvalue()


def _writer(fmt: str):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
        doc = document(conn, filters, options.get("lang") or "nl")  # the guideline: its size does not grow with findings
        if fmt == "docx":
            out.write(docx_bytes(doc))
        else:
            with text(out) as f:
                f.write(markdown(doc) if fmt == "md" else html_document(doc))
        return Output(doc.modules, "guideline modules")
    return write


register(Format("guideline", "md", "text/markdown; charset=utf-8", "md", _writer("md"), default=True))
register(Format("guideline", "html", "text/html; charset=utf-8", "html", _writer("html")))
register(Format("guideline", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx", _writer("docx"), binary=True))
