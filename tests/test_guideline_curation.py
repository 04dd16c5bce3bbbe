"""Curation of the guideline's questions, recommendations and considerations (data/guideline.yaml).

The seed text of the guideline (../shared/seeds/002_9160572386489848.txt) is parsed here directly,
independently of the YAML: its six *Uitgangsvraag* sections, the paragraphs and bullets under each
*Aanbeveling* heading, and the *Laatst beoordeeld*/*Laatst geautoriseerd* dates per module. The checks:

- every question of the seed is in guideline.yaml (by quote, whitespace collapsed), in seed order;
- every recommendation paragraph/bullet of the seed is contained in a recommendation quote of the same
  question;
- every quote (and every verbatim Dutch field) in guideline.yaml occurs verbatim in the seed;
- dates, vocabularies, identifiers and linked findings are consistent.

Without ../shared/seeds the module is skipped with a reason; with CI set it fails instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_NAME = "002_9160572386489848.txt"
SEED = SEEDS / SEED_NAME
GUIDELINE = ROOT / "data" / "guideline.yaml"
STUDIES = ROOT / "data" / "studies.yaml"

if not SEED.is_file():
    reason = f"{SEED} not found: the guideline curation checks need the seed text beside the repository"
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

AUDIENCES = {"all", "medical_specialist", "treatment_team", "institution", "professional_association",
             "patient_organisation"}
KINDS = {"recommendation", "policy_recommendation", "good_practice_statement"}
CRITERIA = {"certainty_of_evidence", "benefits_and_harms", "patient_values", "professional_perspective",
            "resources", "acceptability", "feasibility", "equity", "organisation", "rationale",
            "evidence_basis", "practical_information", "scope", "research", "justification"}

# Audience sub-headings inside the last module's Aanbeveling section (headings, not recommendations).
AUDIENCE_HEADING = re.compile(r"^(Aanbeveling(en)? voor |Beleidsaanbeveling voor )")
# Superscript letters ("2e/3e") that the PDF text extraction dropped on a line of their own.
STRAY_SUPERSCRIPTS = re.compile(r"^(e\s*)+$")
# Cross-references printed under Aanbeveling that point to other text and recommend nothing themselves.
POINTERS = ("Extra informatie en praktische handvatten bij deze aanbevelingen",)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
SEED_TEXT = collapse("\n".join(SEED_LINES))

with GUIDELINE.open(encoding="utf-8") as f:
    QUESTIONS = yaml.load(f, Loader=yaml.CSafeLoader)


def heading_index(lines: list[str], heading: str, start: int, stop: int) -> int:
    for i in range(start, stop):
        if lines[i].strip() == heading:
            return i
    raise AssertionError(f"heading {heading!r} not found in lines {start}-{stop}")


def parse_seed_modules() -> list[dict]:
    """Per module (in seed order): title, question, recommendation units and dates, from the seed text."""
    starts = [i for i, line in enumerate(SEED_LINES) if line.strip() == "Uitgangsvraag"]
    titles = []
    for i in starts:
        j = i - 1
        while not SEED_LINES[j].strip():
            j -= 1
        titles.append(j)
    modules = []
    for k, (title, u) in enumerate(zip(titles, starts)):
        end = titles[k + 1] if k + 1 < len(titles) else len(SEED_LINES)
        a = heading_index(SEED_LINES, "Aanbeveling", u + 1, end)
        o = heading_index(SEED_LINES, "Overwegingen", a + 1, end)
        span = "\n".join(SEED_LINES[title:end])
        assessed = re.findall(r"Laatst beoordeeld\s*:\s*(\d\d)-(\d\d)-(\d{4})", span)
        authorised = re.findall(r"Laatst geautoriseerd\s*:\s*(\d\d)-(\d\d)-(\d{4})", span)
        modules.append({
            "title": SEED_LINES[title].strip(),
            "question": collapse("\n".join(SEED_LINES[u + 1:a])),
            "units": recommendation_units(SEED_LINES[a + 1:o]),
            "last_assessed": [f"{y}-{m}-{d}" for d, m, y in assessed],
            "last_authorised": [f"{y}-{m}-{d}" for d, m, y in authorised],
            "has_conclusions": any(line.strip() == "Conclusies" for line in SEED_LINES[title:end]),
            "text": collapse("\n".join(SEED_LINES[title:end])),
        })
    return modules


def recommendation_units(lines: list[str]) -> list[str]:
    """Paragraphs (blank-line separated) of an Aanbeveling section, split further at bullet marks."""
    units, block = [], []
    for line in lines + [""]:
        text = line.strip()
        if text and not STRAY_SUPERSCRIPTS.match(text):
            if not block and AUDIENCE_HEADING.match(text):
                continue
            block.append(text)
        elif not text and block:
            paragraph = collapse(" ".join(block))
            units += [collapse(part) for part in paragraph.split("•") if collapse(part)]
            block = []
    return [u for u in units if not u.startswith(POINTERS)]


SEED_MODULES = parse_seed_modules()
SEED_SQUEEZED = re.sub(r"\s+", "", SEED_TEXT)  # for text the PDF hyphenated across a line ("non-\npharmacological")


def all_quotes():
    """(where, field, value) for every verbatim Dutch field in guideline.yaml."""
    for q in QUESTIONS:
        for field in ("quote", "question"):
            yield q["id"], field, q[field]
        for r in q.get("recommendations", []):
            for field in ("quote", "text", "evidence_basis_quote"):
                if field in r:
                    yield f"{q['id']}-{r['id']}", field, r[field]
        for c in q["considerations"]:
            yield f"{q['id']}-{c['id']}", "quote", c["quote"]
        for m in q.get("literature", []):
            yield f"{q['id']}-{m['id']}", "quote", m["quote"]
        if q.get("overall_certainty_quote"):
            yield q["id"], "overall_certainty_quote", q["overall_certainty_quote"]


def test_the_seed_has_six_modules_with_a_question_and_recommendations():
    assert len(SEED_MODULES) == 6
    for module in SEED_MODULES:
        assert module["question"].endswith("?") or "Deze vraag omvat:" in module["question"], module["title"]
        assert module["units"], module["title"]


def test_one_question_per_seed_module_in_seed_order():
    assert [q["id"] for q in QUESTIONS] == [f"q{i}" for i in range(1, len(SEED_MODULES) + 1)]
    for q, module in zip(QUESTIONS, SEED_MODULES):
        assert q["module"] == module["title"]
        assert collapse(q["quote"]) == module["question"], q["id"]
        assert collapse(q["question"]) == module["question"], q["id"]
        assert q["source_document"] == SEED_NAME


def test_every_seed_question_is_curated_by_quote():
    curated = {collapse(q["quote"]) for q in QUESTIONS}
    assert [m["title"] for m in SEED_MODULES if m["question"] not in curated] == []


BY_ID = {q["id"]: q for q in QUESTIONS}


def shared(q: dict) -> dict:
    """The module whose recommendations and conclusions a question has: its parent's for a sub-module."""
    return BY_ID[q["parent"]] if q.get("parent") else q


def test_every_recommendation_paragraph_and_bullet_is_in_a_recommendation_of_its_question():
    missing = []
    for q, module in zip(QUESTIONS, SEED_MODULES):
        quotes = [collapse(r["quote"]) for r in shared(q).get("recommendations", [])]
        missing += [f"{q['id']}: {unit[:70]!r}" for unit in module["units"] if not any(unit in x for x in quotes)]
    assert missing == []


def test_every_quote_is_verbatim_in_the_seed():
    missing = [f"{where}.{field}: {value[:70]!r}" for where, field, value in all_quotes()
               if collapse(value) not in SEED_TEXT and squeeze(value) not in SEED_SQUEEZED]
    assert missing == []


def test_recommendation_text_equals_its_quote():
    for q in QUESTIONS:
        for r in q.get("recommendations", []):
            assert collapse(r["text"]) == collapse(r["quote"]), f"{q['id']}-{r['id']}"


def test_dates_are_those_printed_in_each_module():
    for q, module in zip(QUESTIONS, SEED_MODULES):
        for field in ("last_assessed", "last_authorised"):
            printed = sorted(set(module[field]))
            assert len(printed) <= 1, f"{q['id']}: several {field} dates in the module"
            curated = [str(q[field])] if field in q else []
            assert curated == printed, f"{q['id']} {field}: curated {curated}, seed {printed}"


def test_vocabularies_and_unique_ids():
    for q in QUESTIONS:
        recs, cons = q.get("recommendations", []), q["considerations"]
        assert bool(recs) != bool(q.get("parent")), q["id"]  # a sub-module has its parent's
        assert len({r["id"] for r in recs}) == len(recs), q["id"]
        assert len({c["id"] for c in cons}) == len(cons), q["id"]
        for r in recs:
            assert r["audience"] in AUDIENCES and r["kind"] in KINDS, f"{q['id']}-{r['id']}"
            assert r["text_en"].strip() and r["source_locator"].startswith(q["module"] + " > Aanbeveling")
            assert ("evidence_basis" in r) == ("evidence_basis_quote" in r), f"{q['id']}-{r['id']}"
            # the basis says what its quote says: an absence of evidence, or a question not yet studied
            basis, quote = r.get("evidence_basis"), " ".join(r.get("evidence_basis_quote", "").split())
            assert basis in (None, "no_evidence_found", "not_studied"), f"{q['id']}-{r['id']}"
            if basis == "no_evidence_found":
                assert "ontbreken van direct of indirect bewijs" in quote, f"{q['id']}-{r['id']}"
            if basis == "not_studied":
                assert "nog niet expliciet werd onderzocht" in quote, f"{q['id']}-{r['id']}"
        for c in cons:
            assert c["criterion"] in CRITERIA, f"{q['id']}-{c['id']}"
            assert c["summary_en"].strip() and c["source_locator"].startswith(q["module"] + " > ")


def test_strength_and_direction_only_where_the_seed_states_a_strength():
    stated = re.search(r"\b(sterke|zwakke|conditionele) aanbeveling", SEED_TEXT, re.IGNORECASE)
    labelled = [f"{q['id']}-{r['id']}" for q in QUESTIONS for r in q.get("recommendations", [])
                if "strength" in r or "direction" in r]
    assert stated or labelled == []


def test_linked_findings_exist_and_come_from_this_guideline_where_it_has_conclusions():
    with STUDIES.open(encoding="utf-8") as f:
        studies = yaml.load(f, Loader=yaml.CSafeLoader)
    findings = {f"{s['id']}-{x['id']}": x for s in studies for x in s.get("findings") or []}
    for q in QUESTIONS:
        assert [i for i in q.get("findings", []) if i not in findings] == [], q["id"]
        assert len(set(q.get("findings", []))) == len(q.get("findings", [])), q["id"]
    conclusions = {i for i, x in findings.items()
                   if x.get("source_document") == SEED_NAME and "Conclusies" in x.get("source_locator", "")}
    assert conclusions, "no curated conclusions of the guideline in studies.yaml"
    for q, module in zip(QUESTIONS, SEED_MODULES):
        if module["has_conclusions"]:
            # the module's literature summary (the English Conclusies section): every curated conclusion
            assert sorted(conclusions - set(shared(q).get("findings", []))) == [], q["id"]
        else:
            assert q.get("findings", []) == [], q["id"]


PAGE_FOOTER = re.compile(r" ?Arbeidsparticipatie voor medisch specialistische richtlijnen PDF aangemaakt op [\d-]+ \d+/\d+ ?")


def conclusions_text(module: dict) -> str:
    """The module's printed Conclusies section (from 'Conclusies' to 'Zoeken en selecteren'), collapsed."""
    text = PAGE_FOOTER.sub(" ", module["text"])
    return text[text.index(" Conclusies "):text.index(" Zoeken en selecteren ")] if " Conclusies " in text else ""


def test_a_sub_module_prints_its_parents_question_recommendations_and_conclusions():
    """Why q3-q5 share q2's: the seed prints the same Uitgangsvraag, the same Aanbeveling units and the
    same Conclusies under each of them (read from the seed, not from the YAML)."""
    seed = {m["title"]: m for m in SEED_MODULES}
    subs = [q for q in QUESTIONS if q.get("parent")]
    assert [q["id"] for q in subs] == ["q3", "q4", "q5"] and {q["parent"] for q in subs} == {"q2"}
    for q in subs:
        mine, parent = seed[q["module"]], seed[BY_ID[q["parent"]]["module"]]
        assert mine["question"] == parent["question"] and mine["units"] == parent["units"], q["id"]
        assert conclusions_text(mine) == conclusions_text(parent) != "", q["id"]


def test_consideration_headings_are_printed_and_considerations_in_source_order():
    for q in QUESTIONS:
        start = SEED_TEXT.index(collapse(q["considerations"][0]["quote"])) if q["considerations"] else 0
        at = start
        for c in q["considerations"]:
            where = f"{q['id']}-{c['id']}"
            for part in (c.get("heading") or "").split(" > "):
                assert not part or collapse(part) in SEED_TEXT, f"{where}: heading {part!r} is not in the seed"
            found = SEED_TEXT.find(collapse(c["quote"]), at)
            assert found >= at, f"{where} is not printed after the consideration before it"
            at = found


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u00ad", ""))


def test_the_task_table_is_the_seeds_table_cell_by_cell():
    """Read in order (header, then per row the task where it starts, the sub-task and the cells' items),
    the curated rows give exactly the seed's table text between its header and the next heading."""
    [q] = [q for q in QUESTIONS if q.get("tasks")]
    text = "\n".join(SEED_LINES)
    start = text.index("Taak/activiteit Deeltaken/rollen")
    table = text[start:text.index("Overwegingen ten aanzien van taken en samenwerking", start)]
    parts, previous = ["Taak/activiteit", "Deeltaken/rollen", "Expertise /competenties", "Informatie/tools,bijvoorbeeld"], None
    for row in q["tasks"]:
        if row["task"] != previous:
            parts.append(row["task"])
            previous = row["task"]
        parts += [row["subtask"], *row["expertise"], *row["tools"]]
    assert squeeze("".join(parts)) == squeeze(table)
    assert len(q["tasks"]) == 19 and len({r["task"] for r in q["tasks"]}) == 6
    assert q["tasks_after"] in {c["id"] for c in q["considerations"]}
    assert "onderstaande tabel" in [c for c in q["considerations"] if c["id"] == q["tasks_after"]][0]["quote"]


def test_notes_are_prose_without_field_names_or_record_ids():
    """Notes are shown on public pages: no curated field name (evidence_basis:, patient_values) and no
    record id (q1-c1, kluit-2022)."""
    leaks = re.compile(r"\b[a-z]+_[a-z_]+\b|\bq\d-[rc]\d+\b|\b[a-z]+-\d{4}[a-z]?(-[fe]\d+)?\b")
    notes = [(f"{q['id']}-{x.get('id', '')}", x["note"]) for q in QUESTIONS
             for x in [q, *q.get("recommendations", []), *q["considerations"], *q.get("tasks", [])] if x.get("note")]
    assert [(where, leaks.search(note).group(0)) for where, note in notes if leaks.search(note)] == []


def test_module_texts_and_the_overall_certainty_are_what_the_seed_prints():
    """Background, search and selection, studies awaiting classification and research needs: each under a
    heading printed in the seed; the overall certainty only where the seed states it, in its words."""
    for q in QUESTIONS:
        for m in q.get("literature", []):
            for part in m["heading"].split(" > "):
                assert collapse(part) in SEED_TEXT, f"{q['id']}-{m['id']}: heading {part!r}"
        if q.get("overall_certainty"):
            words = {"very_low": "very low", "low": "low", "moderate": "moderate", "high": "high"}[q["overall_certainty"]]
            assert f"overall certainty of evidence is {words}" in q["overall_certainty_quote"]
    stated = re.findall(r"overall certainty of (?:the )?evidence is (very low|low|moderate|high)", SEED_TEXT)
    assert set(stated) == {"very low"}  # printed once per module sharing the literature summary
    assert [q["id"] for q in QUESTIONS if q.get("overall_certainty")] == ["q2"]
    assert "Meer onderzoek met dergelijke uitkomstmaten is nodig." in " ".join(
        collapse(m["quote"]) for m in BY_ID["q2"]["literature"] if m["kind"] == "research_needs")


def test_conclusions_are_listed_in_printed_order():
    with STUDIES.open(encoding="utf-8") as f:
        studies = yaml.load(f, Loader=yaml.CSafeLoader)
    quotes = {f"{s['id']}-{x['id']}": squeeze(x["quote"]) for s in studies for x in s.get("findings") or []}
    module = [m for m in SEED_MODULES if m["title"] == BY_ID["q2"]["module"]][0]
    text = squeeze(module["text"])
    positions = [text.find(quotes[i][:60]) for i in BY_ID["q2"]["findings"]]
    assert -1 not in positions and positions == sorted(positions)


CITED = ROOT / "data" / "guideline-cited.yaml"


def test_works_the_module_cites_are_copied_from_its_reference_lists():
    """Each related source of data/guideline-cited.yaml: its title and every identifier of its BibTeX entry
    are printed in the seed (the module's own reference lists); a module that cites it lists it."""
    import bibtexparser

    entries = {e.key: e for e in bibtexparser.parse_file(str(ROOT / "data" / "references.bib")).entries}
    with CITED.open(encoding="utf-8") as f:
        sources = yaml.load(f, Loader=yaml.CSafeLoader)
    plain = re.compile(r"[{}\\\\\"]")
    seed = SEED_SQUEEZED.lower()
    for source in sources:
        assert source["status"] == "related", source["id"]
        fields = {k.lower(): plain.sub("", v.value) for k, v in entries[source["citation_key"]].fields_dict.items()}
        for name in ("title", "doi", "pmid", "pmcid"):
            if name in fields:
                value = fields[name].replace("Reumatoide", "Reumatoïde")  # {\"i} read without its accent
                assert squeeze(value).lower() in seed, f"{source['id']}.{name}: {fields[name]!r}"
    cited = {s for q in QUESTIONS for s in q.get("cites", [])}
    intro_only = {"msr-2012", "oosting-2023", "vooijs-2018", "who-2014"}  # cited in the introduction, no module
    assert {s["id"] for s in sources} - cited == intro_only


def flatten(items: list) -> list[str]:
    return [x for item in items for x in (flatten(item) if isinstance(item, list) else [item])]


def test_lists_are_stored_as_printed_and_say_exactly_the_recommendation_text():
    """q1-r1, q1-r2 and q2-r1 are printed as (nested) lists and question flows: their items, read in order,
    are the recommendation's text word for word (bullet marks aside), and every item is in the seed."""
    listed = {f"{q['id']}-{r['id']}": r for q in QUESTIONS for r in q.get("recommendations", []) + q["considerations"]
              if r.get("items")}
    assert sorted(listed) == ["q1-r1", "q1-r2", "q2-r1", "q3-c1", "q3-c2"]  # the Kernboodschap's checklist and questions
    for where, r in listed.items():
        assert collapse(" ".join(flatten(r["items"]))) == collapse(r.get("text", r["quote"]).replace("•", " ")), where
        assert all(collapse(item) in SEED_TEXT for item in flatten(r["items"])), where
        assert isinstance(r["items"][1], list), where  # a lead-in with the items under it
