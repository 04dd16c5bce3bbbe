"""The guideline chain: questions → recommendations → the conclusions they rest on, and back."""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from evidence.build import check
from evidence.cli import cli
from evidence.problems import ordered
from tests.conftest import ROOT, line_of, query

QUESTION = """\
- id: q1
  module: Module een
  question: Wat werkt?
  source_document: 002_9160572386489848.txt
  source_locator: Module een > Uitgangsvraag
  quote: Wat werkt?
  findings: [smith-2020-f1]
  recommendations:
    - id: r1
      audience: all
      kind: recommendation
      text: Vraag naar werk.
      source_locator: Module een > Aanbeveling
      quote: Vraag naar werk.
  considerations:
    - id: c1
      criterion: patient_values
      quote: Patiënten vinden werk belangrijk.
      source_locator: Module een > Overwegingen
"""


def problems() -> list[str]:
    return [str(p) for p in ordered(check(Path("data"))[1].problems)]  # as the CLI prints them


def test_a_valid_guideline_file_validates(project):
    project.write("guideline.yaml", QUESTION)
    assert problems() == []


def test_unknown_findings_audiences_and_empty_quotes_are_file_line_errors(project):
    text = QUESTION.replace("[smith-2020-f1]", "[smith-2020-f9]").replace("audience: all", "audience: everyone")
    text = text.replace("      quote: Patiënten vinden werk belangrijk.", "      quote: ' '")
    project.write("guideline.yaml", text)
    assert problems() == [
        f"data/guideline.yaml:{line_of(text, 'findings:')}: q1.findings: 'smith-2020-f9' is not a finding",
        f"data/guideline.yaml:{line_of(text, 'audience:')}: q1-r1.audience: 'everyone' is not a known audience",
        f"data/guideline.yaml:{line_of(text, chr(39) + ' ' + chr(39))}: q1-c1.quote: the quote is empty",
    ]


def test_an_evidence_basis_needs_the_text_that_says_so(project):
    text = QUESTION.replace("      quote: Vraag naar werk.\n", "      quote: Vraag naar werk.\n      evidence_basis: no_evidence_found\n")
    project.write("guideline.yaml", text)
    assert problems() == [f"data/guideline.yaml:{line_of(text, 'evidence_basis')}: q1-r1.evidence_basis: "
                          "an evidence basis needs evidence_basis_quote: the text that says so"]


SUB_MODULE = """\
- id: q2
  module: Deelmodule
  question: Wat werkt?
  source_document: 002_9160572386489848.txt
  source_locator: Deelmodule > Uitgangsvraag
  quote: Wat werkt?
  parent: q1
  considerations:
    - id: c1
      criterion: practical_information
      heading: Basisvragen
      quote: Vraag naar werk.
      source_locator: Deelmodule > Overwegingen > Basisvragen
"""


def test_a_sub_module_names_an_earlier_top_level_module_and_shares_its_recommendations(project):
    project.write("guideline.yaml", QUESTION + SUB_MODULE)
    assert problems() == []
    text = QUESTION + SUB_MODULE.replace("parent: q1", "parent: q9") + SUB_MODULE.replace("id: q2", "id: q3").replace(
        "parent: q1", "parent: q2\n  findings: [smith-2020-f1]  # its own")
    project.write("guideline.yaml", text)
    assert problems() == [
        f"data/guideline.yaml:{line_of(text, 'parent: q9')}: q2.parent: 'q9' is not a module listed before q2",
        f"data/guideline.yaml:{line_of(text, 'parent: q2')}: q3.parent: 'q2' is itself a sub-module; name its parent 'q9'",
        f"data/guideline.yaml:{line_of(text, '# its own')}: q3.findings: "
        "a sub-module shares its parent's findings; list them under 'q2' only",
    ]


def test_every_curated_recommendation_reaches_the_database(real_db):
    curated = yaml.load((ROOT / "data" / "guideline.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert query(real_db, "select count(*) from questions")[0][0] == len(curated) == 6
    assert query(real_db, "select count(*) from recommendations")[0][0] == sum(len(q.get("recommendations", [])) for q in curated)
    assert query(real_db, "select count(*) from considerations")[0][0] == sum(len(q["considerations"]) for q in curated)
    assert query(real_db, "select count(*) from module_tasks")[0][0] == sum(len(q.get("tasks", [])) for q in curated) == 19


def test_the_guideline_pages_go_from_question_to_finding_and_back(real_db, site):
    front = site("/guideline").text
    assert 'href="/guideline/q2"' in front and "Arbeid in de spreekkamer" in front
    page = site("/guideline/q2").text
    # recommendations come first, grouped by audience; considerations are folded; then the conclusions
    assert page.index('class="recommendation"') < page.index('<details class="consideration-section"') < page.index('class="conclusions"')
    [(finding,)] = query(real_db, "select finding_id from question_findings where question_id = 'q2' and finding_id = 'kumar-2017-f3'")
    assert f'href="/evidence/findings/{finding}"' in page
    back = site(f"/evidence/findings/{finding}").text
    assert 'href="/guideline/q2#q2-r1"' in back
    assert site("/guideline/nope").status_code == 404


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def test_no_page_says_a_recommendation_rests_on_a_conclusion(real_db, site):
    """The guideline attaches its conclusions to a module's literature summary (seed 002, Onderbouwing >
    Conclusies), and says of each q2 recommendation only that the question was not yet studied explicitly (q1's: that
    direct or indirect evidence is lacking): pages say so."""
    finding = text_of(site("/evidence/findings/kumar-2017-f3").text)
    assert "rest on this finding" not in finding
    assert "Guideline modules with this conclusion in their literature summary" in finding
    assert finding.count("own evidence basis: not studied directly, as the guideline says") == 4  # q2's four recommendations, once each
    condition = text_of(site("/condition/cancer").text)
    assert "Modules whose literature summary has conclusions for this condition" in condition
    assert "rest on findings for this condition" not in condition
    assert condition.count("own evidence basis: not studied directly, as the guideline says") == 4  # q2's four
    assert condition.count("own evidence basis: no evidence found") == 2  # q1's two, for every condition
    module = text_of(site("/guideline/q2").text)
    assert "conclusions in this module's literature summary" in module and "the evidence it rests on" not in module
    assert module.count("Its own evidence basis: not studied directly, as the guideline says") == 4
    search = text_of(site("/search?q=spreekkamer").text)
    assert "own evidence basis: not studied directly, as the guideline says" in search
    dutch = text_of(site("/evidence/findings/kumar-2017-f3?lang=nl").text)
    assert "Modules van de richtlijn met deze conclusie in hun literatuursamenvatting" in dutch
    # nor a source page or the front page: modules hold conclusions in their literature summary
    for page in ("/evidence/sources/kumar-2017", "/", "/?lang=nl", "/evidence/sources/kumar-2017?lang=nl"):
        shown = text_of(site(page).text)
        assert "rest on" not in shown and "waarop ze rusten" not in shown and "op deze bron rusten" not in shown, page
    assert "with conclusions from this source in their literature summary" in text_of(site("/evidence/sources/kumar-2017").text)


def test_sub_modules_sit_under_their_parent_and_print_shared_content_once(real_db, site):
    listing = site("/guideline").text
    top = listing.index('class="guideline-modules"')
    sub = listing.index('class="guideline-submodules"')
    assert listing.index('href="/guideline/q2"') < sub < listing.index('href="/guideline/q3"') < listing.index('href="/guideline/q6"')
    assert listing.count('href="/guideline/q3"') == 1 and top < sub
    q3 = text_of(site("/guideline/q3").text)
    assert "Sub-module of Arbeid in de spreekkamer" in q3 or "Sub-module of Work in the consulting room" in q3
    assert "Bespreek het thema werk" not in q3 and "Psycho-educational interventions" not in q3  # printed under q2 only
    q2 = site("/guideline/q2").text
    assert q2.count("Bespreek het thema werk") == 1
    for sub_id in ("q3", "q4", "q5"):
        assert f'href="/guideline/{sub_id}"' in q2


def test_the_task_table_is_on_the_module_page_after_the_consideration_that_announces_it(real_db, site):
    page = site("/guideline/q6").text
    assert page.index('id="q6-c3"') < page.index('class="module-tasks"') < page.index('id="q6-c4"')
    table = page[page.index('class="module-tasks"'):page.index("</table>")]
    assert table.count("<tr id=") == 19 and table.count('scope="rowgroup"') == 6
    assert "<li>Arbeids(genees-)kundige expertise</li>" in table
    assert "The guideline gives this module no literature summary with GRADE conclusions." in text_of(page)


def export(real_db, tmp_path, fmt: str, *args: str) -> Path:
    out = tmp_path / f"guideline-{fmt}-{len(args)}.{fmt}"
    result = CliRunner().invoke(cli, ["export", "guideline", "--format", fmt, "--db", str(real_db), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def md_words(path: Path) -> list[str]:
    """The text of the Markdown export: markup marks, table rules and escapes taken off."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.fullmatch(r"\|(---\|)+", line):
            continue
        line = re.sub(r"^(#+ |\s*- |> )", "", line).replace("**", "").strip("*")
        line = line.replace(" | ", " ").strip("| ").replace("\\|", "|")
        words += html.unescape(line).split()
    return words


def html_words(path: Path) -> list[str]:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.words, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "title")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "title")

        def handle_data(self, data):
            if not self.skip:
                self.words += data.split()

    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.words


def docx_words(path: Path) -> list[str]:
    """The body's text in document order (paragraphs and table cells; header and footer apart)."""
    from docx import Document
    from docx.oxml.ns import qn

    words = []
    for node in Document(str(path)).element.body.iterchildren():
        if node.tag in (qn("w:p"), qn("w:tbl")):
            for paragraph in node.iter(qn("w:p")):
                words += "".join(t.text or "" for t in paragraph.iter(qn("w:t"))).split()
    return words


def same(words: list[str]) -> list[str]:
    return [x for x in (w.replace(";", "") for w in words) if x]  # md joins a cell's items with "; "


def test_the_three_guideline_formats_carry_the_same_text(real_db, tmp_path):
    md, page, docx = (export(real_db, tmp_path, fmt) for fmt in ("md", "html", "docx"))
    words = same(md_words(md))
    assert words == same(html_words(page))
    assert words == same(docx_words(docx))
    text = " ".join(words)
    for (value,) in query(real_db, "select text_en from recommendations"):  # every English translation, once
        assert text.count(" ".join(same(value.split()))) == 1
    assert text.count("Bespreek het thema werk") == 1  # q2's recommendations once, not under each sub-module
    assert text.count("Eigen onderbouwing: geen bewijs gevonden") == 2  # q1's two
    assert text.count("Eigen onderbouwing: niet direct onderzocht, zegt de richtlijn") == 4  # q2's four
    assert "Geen conclusie voldoet" not in text


def test_the_guideline_document_is_a4_dutch_dated_and_numbered(real_db, tmp_path):
    from docx import Document

    [(built_at, content_hash)] = query(real_db, "select built_at, content_hash from build_info")
    docx = Document(str(export(real_db, tmp_path, "docx")))
    section = docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 (ISO 216)
    props = docx.core_properties
    assert props.language == "nl-NL" and props.created.date().isoformat() == built_at[:10] and props.created.year > 2000
    assert props.identifier == f"sha256:{content_hash}" and props.title == "Arbeidsparticipatie: aanbevelingen en onderbouwing"
    xml = docx.element.xml
    assert 'w:val="nl-NL"' in docx.styles.element.xml and "TOC \\o" in xml and '<w:tblHeader w:val="true"/>' in xml
    assert " PAGE " in section.footer._element.xml and " NUMPAGES " in section.footer._element.xml
    assert section.header.paragraphs[0].text == props.title
    text = " ".join(docx_words(export(real_db, tmp_path, "docx")))
    assert f"Inhoudshash: {content_hash}" in text and "Versie: een bouw, geen versie" in text and "Licentie: CC BY 4.0" in text
    headings = [p.text for p in docx.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == ["Inhoud", "Algemene bepaling van arbeidsgerichte zorg", "Arbeid in de spreekkamer",
                            "Organisatie van arbeidsgerichte zorg", "Referenties"]
    page = export(real_db, tmp_path, "html").read_text(encoding="utf-8")
    assert '<html lang="nl-NL">' in page and "size: A4" in page and "counter(page)" in page
    english = " ".join(md_words(export(real_db, tmp_path, "md", "--lang", "en")))
    assert "Recommendations" in english and "Its own evidence basis: no evidence found" in english
    assert "Aanbevelingen" not in english and "Bespreek het thema werk" in english  # the guideline's text stays Dutch


def test_the_guideline_document_lists_every_work_it_cites(real_db, tmp_path):
    text = " ".join(md_words(export(real_db, tmp_path, "md")))
    references = text[text.rindex("Referenties"):]
    cited = query(real_db, "select label from sources where id in (select source_id from question_citations) or id in "
                           "(select f.source_id from question_findings qf join findings f on f.id = qf.finding_id)")
    assert len(cited) == 24  # the 9 sources of q2's conclusions and 15 works the modules cite (seed 002's lists)
    assert {"Saunders 2018", "Zegers 2021", "Laurant 2014", "Butink 2023", "Kumar 2017"} <= {label for (label,) in cited}
    for (label,) in cited:
        assert f"{label}." in references, label


def test_a_filtered_guideline_document_says_how_many_conclusions_the_module_has(real_db, tmp_path):
    text = " ".join(md_words(export(real_db, tmp_path, "md", "--condition", "hand_eczema")))
    assert "Geen conclusie voldoet aan dit filter (21 in de module)." in text
    assert "Psycho-educational interventions" not in text
    cancer = " ".join(md_words(export(real_db, tmp_path, "md", "--condition", "cancer")))
    assert "Psycho-educational interventions probably result" in cancer and "Kumar 2017" not in cancer


def test_a_module_page_shows_its_justification_as_the_guideline_prints_it(real_db, site):
    """Seed 002, Arbeid in de spreekkamer > Onderbouwing: conclusions under population headings in printed
    order, 'The overall certainty of evidence is very low.', Zoeken en selecteren, research needs."""
    page = site("/guideline/q2").text
    text = text_of(page)
    order = [text.index(h) for h in ("Generic", "Cancer", "Coronary heart disease", "Chronic pain", "Traumatic brain injury",
                                     "Overall conclusions")]
    assert order == sorted(order) and text.index("Overwegingen") < order[0]
    assert "Overall certainty of the evidence, as the guideline states it: ⊕◯◯◯ very low" in text
    assert "Meer onderzoek met dergelijke uitkomstmaten is nodig." in text
    assert "The working group used a systematic literature review" in text
    q1 = text_of(site("/guideline/q1").text)
    assert "9 guidelines were considered most relevant and applicable" in q1
    assert "The guideline gives this module no literature summary with GRADE conclusions." in q1
    assert "Overall certainty" not in q1


def test_lists_stay_lists_and_cross_references_link_to_their_modules(real_db, site, tmp_path):
    page = site("/guideline/q2").text
    flow = page[page.index('id="q2-r1"'):page.index('id="q2-r2"')]
    assert flow.count("<ul>") == 5 and "<li>Wat voor werk doet u?</li>" in flow  # five levels of the question flow
    assert 'Sub module: <a href="/guideline/q5">Laagdrempelig verwijzen naar de bedrijfsarts</a>' in flow
    assert 'de module <a href="/guideline/q6">Organisatie van arbeidsgerichte zorg</a>' in flow
    assert '<a href="/guideline/q4">Information for the patient</a>' in page
    checklist = site("/guideline/q3").text
    checklist = checklist[checklist.index('id="q3-c1"'):checklist.index('id="q3-c2"')]
    assert checklist.count("<li>") == 5 and "<li>vragen of zorgen hebben over het werk(en);</li>" in checklist
    md = export(real_db, tmp_path, "md").read_text(encoding="utf-8")
    assert "\n  - Werkt u op dit moment of wilt u werken?\n" in md and "\n    - Wat voor werk doet u?\n" in md


def test_a_release_that_adds_a_finding_for_a_modules_condition_shows_on_its_page_and_feed(project):
    """Release 1 is the baseline; release 2 adds a cancer finding of the same intervention family
    (vocational and workplace, as smith-2020-f1 in the module's conclusions): the module's page, its Atom feed
    and `evidence release` report it; a finding for another condition or another family does not count."""
    import shutil

    import feedparser

    from tests.conftest import client_for
    from tests.test_releases import release

    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    project.write("guideline.yaml", QUESTION.replace("  quote: Wat werkt?\n", "  quote: Wat werkt?\n  last_authorised: 2025-05-30\n"))
    release("2026.1", "2026-01-15")
    new = ("    - id: f2\n      condition: cancer\n      population: adults with cancer\n      intervention_type: supported_employment\n"
           "      intervention: supported employment\n      comparator: usual care\n      outcome: return_to_work\n"
           "      certainty: low\n      direction: benefit\n      statement: Supported employment may increase return to work.\n"
           "      source_document: published-facts.md\n      source_locator: p. 2\n"
           "      quote: Supported employment may increase return to work.\n")
    other = new.replace("id: f2", "id: f3").replace("condition: cancer", "condition: chronic_pain").replace(
        "adults with cancer", "adults with chronic pain")
    family = new.replace("id: f2", "id: f4").replace("supported_employment", "psycho_educational")  # another family
    project.write("studies.yaml", (project.data / "studies.yaml").read_text(encoding="utf-8") + new + other + family)
    result = release("2026.2", "2026-06-01", "--previous", "2026.1.db")
    assert "New evidence for guideline module q1 (Module een): 1 finding(s)" in result.output
    get = client_for(project.root / "2026.2.db")
    page = get("/guideline/q1").text
    section = page[page.index('id="new-evidence"'):page.index("</section>", page.index('id="new-evidence"'))]
    assert '/findings/smith-2020-f2">' in section and "⊕⊕◯◯" in text_of(section)
    assert "smith-2020-f3" not in section and "smith-2020-f4" not in section and "smith-2020-f1" not in section
    feed = feedparser.parse(get("/guideline/q1.atom").text)
    assert not feed.bozo and [e.title for e in feed.entries] == ["Supported employment may increase return to work."]
    assert feed.entries[0].link.endswith("/evidence/findings/smith-2020-f2")
    first = client_for(project.root / "2026.1.db")("/guideline/q1").text
    assert 'id="new-evidence"' not in first  # the first release is the baseline, not news
