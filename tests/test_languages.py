"""Languages declared once (evidence/languages/): one file of strings a language, and name_<code> on the
terms; everything else follows from the declaration."""

import os
import re
import shutil
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

PACKAGE = ROOT / "evidence"


def test_the_declared_languages():
    from evidence.languages import codes, language, name_columns

    assert codes() == ("en", "nl")
    assert name_columns() == ("name", "name_nl")
    assert language("nl").strings["Search"] == "Zoeken" and language("en").strings == {}
    assert language("nl").months[11] == "december" and language("en").months[0] == "January"


def test_no_language_is_spelled_out_outside_its_declaration():
    """Every place reading a term's names goes through evidence/languages/: no literal name_nl elsewhere
    (code, templates, named queries). evidence/columns.py is generated from the schema, whose term columns
    come from that declaration (tests/test_one_home.py holds the file to the schema)."""
    generated = PACKAGE / "columns.py"
    found = [f"{path.relative_to(ROOT)}:{number}" for path in PACKAGE.rglob("*")
             if path.suffix in (".py", ".html", ".sql") and "languages" not in path.relative_to(PACKAGE).parts
             and path != generated
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\bname_nl\b|\bNL\s*=|_NL\b", line)]
    assert found == []


def test_the_interface_strings_are_the_declared_ones():
    from evidence.languages import language
    from evidence.site import i18n

    token = i18n._lang.set("nl")
    try:
        assert i18n.t("Search") == "Zoeken" and i18n.number(1234) == "1.234"
        assert i18n.day("2026-12-07T10:00:00") == "7 december 2026"
        assert i18n.localised("RR 1.23 (1.08 to 1.39)") == "RR 1,23 (1,08 tot 1,39)"
    finally:
        i18n._lang.reset(token)
    assert i18n.NL is language("nl").strings


THIRD = """\
name: Deutsch
english: German
locale: de-DE
decimal: ","
thousands: "."
months: [Januar, Februar, März, April, Mai, Juni, Juli, August, September, Oktober, November, Dezember]
number_words: {"to": "bis"}
strings:
  "Search": "Suchen"
"""

CHECKS = """\
import evidence
from pathlib import Path
assert Path(evidence.__file__).parent == Path({package!r}), evidence.__file__
from evidence.languages import codes, name_columns
assert codes() == ("en", "de", "nl") and name_columns() == ("name", "name_de", "name_nl")

# the vocabulary model asks every term for its German name, as a FILE:LINE problem
from evidence.vocabulary import check_kind, label
terms, problems = check_kind("outcome", {{"rtw": {{"name": "return to work", "name_nl": "werkhervatting"}}}}, "o.yaml",
                             lambda path: 7)
assert [(p.field, p.message, p.line) for p in problems] == [
    ("outcome.rtw.name_de", "required attribute is missing", 7)], problems
assert label({{"name": "cancer", "name_de": "Krebs", "name_nl": "kanker"}}) == "cancer (Krebs; kanker)"

# the database's term columns, in the vocabulary table and the term tables
from evidence.schema import Condition, Term
assert [c.name for c in Term.__table__.columns][2:5] == ["name", "name_de", "name_nl"]
assert [c.name for c in Condition.__table__.columns][1:4] == ["name", "name_de", "name_nl"]
assert Term.model_fields["name_de"].description == "German label."

# the search indexes read every name
from evidence.search_indexes import names, script
assert "ifnull(c.name_de, '')" in names("c") and "ifnull(c.name_nl, '')" in names("c")
assert "name_de" in script()

# the site: t(), numbers, dates, the language switch, the terms' names, ?lang=
from evidence.site import i18n
from evidence.site.labels import Terms
assert i18n.choose(b"lang=de", "") == ("de", True)
token = i18n._lang.set("de")
assert i18n.t("Search") == "Suchen" and i18n.t("Conditions") == "Conditions"  # untranslated: English
assert i18n.number(1234) == "1.234" and i18n.day("2026-03-07") == "7 März 2026"
assert i18n.localised("RR 1.23 (1.08 to 1.39)") == "RR 1,23 (1,08 bis 1,39)"
assert [(code, name) for _, code, name in i18n.other_languages(None)] == [("en", "English"), ("nl", "Nederlands")]
assert i18n.other_names({{"name": "cancer", "name_de": "Krebs", "name_nl": "kanker"}}) == [("en", "cancer"), ("nl", "kanker")]
terms = Terms(names={{("condition", "cancer"): ("cancer", "Krebs", "kanker")}})
assert terms.name("condition", "cancer") == "Krebs" and terms.name("condition", "cancer", "nl") == "kanker"
i18n._lang.reset(token)
assert terms.name("condition", "cancer") == "cancer"
print("followed")
"""


def test_a_third_language_is_one_file_and_names_on_the_terms(tmp_path):
    """Declaring a throwaway third language (German) in a copy of the package: the vocabulary model, the
    database's columns, the search indexes and the site's strings, numbers, dates, language switch and
    term names all follow from its one file."""
    package = tmp_path / "evidence"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "languages" / "de.yaml").write_text(THIRD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CHECKS.format(package=str(package)))],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "followed", done.stderr


def test_curated_english_is_marked_on_a_dutch_page_and_said_once(site):
    """A curator's note and time point are data, not translated: on a Dutch page they are marked lang="en",
    and the page says once, in Dutch, that they are English. The English page marks nothing."""
    from evidence.languages import language

    said = language("nl").strings["The curators' own text (statements, populations, interventions, comparators, notes, time points) is in English."]
    dutch = site("/evidence/findings/tamminga-2019-f1?lang=nl").text
    assert '<td><span lang="en">2 years</span></td>' in dutch
    assert re.search(r'<strong>Noot:</strong> <span lang="en">Coded as work-directed care', dutch)
    assert dutch.count(said) == 1
    # the population, intervention and comparator are the curators' English too
    assert re.search(r'<th scope="row">Populatie</th><td><span lang="en">', dutch)
    assert re.search(r'<th scope="row">Interventie</th><td><span lang="en">', dutch)
    evaluation = site("/evidence/economic_evaluations/ruijgrok-2013-e2?lang=nl").text
    assert '<h1 class="finding-statement" lang="en">' in evaluation and evaluation.count(said) == 1
    assert re.search(r'<th scope="row">Interventie</th><td><span lang="en">', evaluation)
    source = site("/evidence/sources/nfk?lang=nl").text
    assert '<span lang="en">Cited as' in source and source.count(said) == 1
    english = site("/evidence/findings/tamminga-2019-f1?lang=en").text
    assert "<td>2 years</td>" in english and said not in english


def test_download_names_are_translated(site):
    page = site("/data?lang=nl").text
    assert ">Summary-of-Findings-tabel (Word, Engelstalig)</a>" in page and ">Summary-of-Findings-tabel (Engelstalig)</a>" in page  # the tables are in English
    assert ">Summary of Findings (Word)</a>" in site("/data?lang=en").text


def test_a_term_page_shows_its_names_in_the_other_languages_marked_with_theirs(site):
    dutch = site("/condition/cancer?lang=nl").text
    assert re.search(r'<h1>Kanker <span class="translation" lang="en">cancer</span></h1>', dutch)
    assert re.search(r'<h1>Cancer <span class="translation" lang="nl">kanker</span></h1>', site("/condition/cancer").text)
    document = site("/documents/001_2af952145c35c2fe").text
    assert '<span class="translation" lang="nl">Verkenning klinische arbeidsgeneeskunde, eindrapportage juli 2015</span></h1>' \
        in document


def test_an_english_quote_does_not_lead_an_english_page(site):
    """Only a page in another language than English leads with a quote in its language: tamminga-2019-f1
    was read in an English passage ("We found no differences …"), and its English page and search card lead
    with the statement ("No differences between …"), as every English page does."""
    page = site("/evidence/findings/tamminga-2019-f1?lang=en").text
    assert page.index("<h2>Question</h2>") < page.index('class="quote source-quote"')
    card = site("/search?q=differences&lang=en").text.split('href="/evidence/findings/tamminga-2019-f1"')[1].split("</a>")[0]
    assert "No <mark>differences</mark> between" in card and "We found" not in card


def test_a_dutch_module_page_does_not_repeat_its_dutch_headings(site):
    """The guideline's headings are Dutch; the small translation beside each is for readers of another
    language, so a Dutch page does not repeat them ('Onderbouwing onderbouwing'; walk-through, Dutch physician)."""
    text = " ".join(re.sub(r"<[^>]+>", " ", site("/guideline/q2?lang=nl").text).split())
    for heading in ("Aanbevelingen", "Overwegingen", "Onderbouwing"):
        assert f"{heading} {heading.lower()}" not in text and f"{heading} {heading}" not in text
    assert "Conclusies (in de literatuursamenvatting van deze module)" in text
    english = " ".join(re.sub(r"<[^>]+>", " ", site("/guideline/q2?lang=en").text).split())
    assert "Aanbevelingen recommendations" in english
