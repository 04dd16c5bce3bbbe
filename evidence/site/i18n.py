"""English and Dutch: ?lang=nl (or en) switches the interface and is remembered in a cookie; every page
sets <html lang> from it. Interface words are translated here; the names of terms come from the
vocabulary (name, name_nl). Templates call ``t(…)`` with the English text; text without a Dutch translation
stays English (tests/test_site_pages.py checks that every text the templates translate has a translation).

The wrapper also answers the old search address (/-/search) with the site's search page (/search).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, parse_qsl, urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

LANGUAGES = ("en", "nl")
DEFAULT = "en"
COOKIE = "lang"
_lang: ContextVar[str] = ContextVar("evidence_lang", default=DEFAULT)


def current() -> str:
    return _lang.get()


def choose(query_string: bytes, cookie_header: str) -> tuple[str, bool]:
    """The language of a request and whether to remember it: ?lang= first, then the cookie."""
    asked = parse_qs(query_string.decode("latin-1")).get("lang", [None])[0]
    if asked in LANGUAGES:
        return asked, True
    cookie = SimpleCookie()
    try:
        cookie.load(cookie_header)
    except Exception:  # a malformed cookie header is not the visitor's fault
        return DEFAULT, False
    stored = cookie.get(COOKIE)
    return (stored.value, False) if stored and stored.value in LANGUAGES else (DEFAULT, False)


NL = {
    # navigation and page furniture
    "Work participation evidence": "Kennisbank arbeidsparticipatie",
    "Skip to content": "Naar de inhoud",
    "Conditions": "Aandoeningen",
    "Guideline": "Richtlijn",
    "Findings": "Bevindingen",
    "Gap map": "Kennishiaten",
    "Evidence gap map": "Kennishiatenkaart",
    "Downloads and API": "Downloads en API",
    "Search": "Zoeken",
    "Search findings, recommendations and sources": "Zoek in bevindingen, aanbevelingen en bronnen",
    "Language": "Taal",
    "Main": "Hoofdmenu",
    "Data licence": "Licentie van de gegevens",
    "Data source": "Bron van de gegevens",
    "Built": "Gebouwd",
    "Database, tables and SQL": "Database, tabellen en SQL",
    # front page
    "What is known, how certain, and from which source": "Wat bekend is, hoe zeker, en uit welke bron",
    "Find what is known for a condition": "Wat is bekend voor een aandoening",
    "Choose a condition: what is known, how certain, the recommendations that apply and the gaps.":
        "Kies een aandoening: wat bekend is, hoe zeker, de aanbevelingen die gelden en de kennishiaten.",
    "Read the guideline's recommendations": "Lees de aanbevelingen van de richtlijn",
    "Each module of the guideline: its recommendations, the evidence basis of each, and the conclusions of its literature summary.":
        "Elke module van de richtlijn: de aanbevelingen, de onderbouwing van elke aanbeveling en de conclusies van de literatuursamenvatting.",
    "See the gaps": "Bekijk de kennishiaten",
    "Conditions × intervention types: where findings are, how certain, and where nothing has been curated yet.":
        "Aandoeningen × soorten interventies: waar bevindingen zijn, hoe zeker, en waar nog niets is verzameld.",
    "Reuse the data": "Hergebruik de gegevens",
    "Every table as CSV, Excel and JSON, the Summary-of-Findings tables, BibTeX and RIS, and SQL.":
        "Elke tabel als CSV, Excel en JSON, de Summary-of-Findings-tabellen, BibTeX en RIS, en SQL.",
    "Condition": "Aandoening",
    "GRADE-rated": "met GRADE beoordeeld",
    "Economic evaluations": "Economische evaluaties",
    "Sources": "Bronnen",
    "Where the evidence comes from": "Waar het bewijs vandaan komt",
    "Every finding and evaluation carries a verbatim quote with its document and page or section:":
        "Elke bevinding en evaluatie heeft een letterlijk citaat met het document en de pagina of sectie:",
    "How to cite": "Hoe te citeren",
    "New since the previous build": "Nieuw sinds de vorige versie",
    "Last built": "Laatst gebouwd",
    "Cite the original sources of the findings you use as well; each finding links to its source and DOI.":
        "Citeer ook de oorspronkelijke bronnen van de bevindingen die u gebruikt; elke bevinding verwijst naar haar bron en DOI.",
    "content hash": "inhoudshash",
    "licensed": "licentie",
    "Main source": "Hoofdbron",
    # counting
    "finding": "bevinding", "findings": "bevindingen",
    "economic evaluation": "economische evaluatie", "economic evaluations": "economische evaluaties",
    "source": "bron", "sources": "bronnen",
    "record": "record", "records": "records",
    "recommendation": "aanbeveling", "recommendations": "aanbevelingen",
    "consideration": "overweging", "considerations": "overwegingen",
    "conclusion": "conclusie", "conclusions": "conclusies",
    "study": "studie", "studies": "studies",
    "result": "resultaat", "results": "resultaten",
    "row": "rij", "rows": "rijen",
    "module": "module", "modules": "modules",
    # condition page
    "What is known": "Wat bekend is",
    "per comparison, most certain first": "per vergelijking, de zekerste eerst",
    "Recommendations that apply": "Aanbevelingen die gelden",
    "Recommendations that rest on findings for this condition": "Aanbevelingen die rusten op bevindingen voor deze aandoening",
    "Recommendations for every condition": "Aanbevelingen voor alle aandoeningen",
    "These modules rest on no condition-specific finding; they apply to every condition.":
        "Deze modules rusten niet op een bevinding voor een specifieke aandoening; ze gelden voor alle aandoeningen.",
    "Ongoing and awaiting studies": "Lopende en nog te beoordelen studies",
    "Gaps": "Kennishiaten",
    "Searched for, but no evidence found": "Gezocht, maar geen bewijs gevonden",
    "Intervention types without curated findings for this condition": "Soorten interventies zonder verzamelde bevindingen voor deze aandoening",
    "An empty cell means nothing has been curated yet, not that there is no evidence.":
        "Een lege cel betekent dat er nog niets is verzameld, niet dat er geen bewijs is.",
    "No findings curated yet for this condition.": "Nog geen bevindingen verzameld voor deze aandoening.",
    "None recorded.": "Niets vastgelegd.",
    "All findings for this condition in the table": "Alle bevindingen voor deze aandoening in de tabel",
    "The search matches": "De zoekopdracht vindt",
    "Best matches among the first": "Beste resultaten uit de eerste",
    "this page lists, counts and filters the first": "deze pagina toont, telt en filtert de eerste",
    "in the order they were added": "in de volgorde waarin ze zijn toegevoegd",
    "Add words or filters to narrow it; the CSV download holds every match.":
        "Voeg woorden of filters toe om te verfijnen; de CSV-download bevat alle resultaten.",
    "Counting took too long; not shown": "Tellen duurde te lang; niet getoond",
    "All findings of this comparison, most certain first": "Alle bevindingen van deze vergelijking, de zekerste eerst",
    "Broader condition": "Bredere aandoening",
    "Narrower conditions": "Nauwere aandoeningen",
    "versus": "versus",
    "Effect (95% CI)": "Effect (95%-BI)",
    "Outcome": "Uitkomst",
    "Timepoint": "Meetmoment",
    "Certainty": "Zekerheid",
    "Statement": "Conclusie",
    "Intervention": "Interventie",
    "Intervention type": "Soort interventie",
    "Comparator": "Vergelijking",
    "Source": "Bron",
    "Design": "Opzet",
    "Status": "Status",
    "Conclusion": "Conclusie",
    "Measure": "Maat",
    "Value": "Waarde",
    "Perspective": "Perspectief",
    "Population": "Populatie",
    "Direction": "Richting",
    "Year": "Jaar",
    "Title": "Titel",
    "Authors": "Auteurs",
    "Journal": "Tijdschrift",
    "Price year": "Prijsjaar",
    "Currency": "Valuta",
    "not stated": "niet vermeld",
    "not reported": "niet gerapporteerd",
    # finding, source and evaluation pages
    "Question": "Vraag",
    "Effect": "Effect",
    "What the source says": "Wat de bron zegt",
    "Read in": "Gelezen in",
    "Certainty of the evidence": "Zekerheid van het bewijs",
    "Overall": "Totaal",
    "Reasons": "Redenen",
    "More about this finding": "Meer over deze bevinding",
    "Other findings from this source": "Andere bevindingen uit deze bron",
    "Recommendations that rest on this finding": "Aanbevelingen die op deze bevinding rusten",
    "statement translated from the Dutch quote below": "conclusie vertaald uit het Nederlandse citaat hieronder",
    "Relative effect (95% CI)": "Relatief effect (95%-BI)",
    "Studies (participants)": "Studies (deelnemers)",
    "Note": "Noot",
    "Cite as": "Citeer als",
    "Findings from this source": "Bevindingen uit deze bron",
    "Economic evaluations from this source": "Economische evaluaties uit deze bron",
    "This source": "Deze bron",
    "Covers": "Betreft",
    "Record": "Record",
    "what was read of the published paper": "wat van het gepubliceerde artikel is gelezen",
    "This record as": "Dit record als",
    "Quoted from this document": "Geciteerd uit dit document",
    "Guideline text quoted from this document": "Richtlijntekst geciteerd uit dit document",
    # tables
    "Show all columns": "Toon alle kolommen",
    "Show the compact view": "Toon het compacte overzicht",
    "Download": "Downloaden",
    "Download these": "Download deze",
    "all": "alle",
    "Apply": "Toepassen",
    "Filter": "Filteren",
    "Sort": "Sorteren",
    "What the columns mean": "Wat de kolommen betekenen",
    "Next page": "Volgende pagina",
    "not GRADE-rated": "niet met GRADE beoordeeld",
    "More than": "Meer dan",
    "downloads hold the first": "downloads bevatten de eerste",
    "use the CSV, which holds them all, or the command line.":
        "gebruik de CSV, die ze allemaal bevat, of de opdrachtregel.",
    "Most certain first": "Zekerste eerst",
    "Show SQL": "Toon SQL",
    "Hide SQL": "Verberg SQL",
    "Run": "Uitvoeren",
    "No results.": "Geen resultaten.",
    "Ready-made queries": "Kant-en-klare zoekvragen",
    "Custom SQL query": "Eigen SQL-zoekvraag",
    "Tables": "Tabellen",
    # search
    "Search results": "Zoekresultaten",
    "Guideline recommendations": "Aanbevelingen uit de richtlijn",
    "Guideline considerations": "Overwegingen uit de richtlijn",
    "Nothing found for": "Niets gevonden voor",
    "Search tips": "Zoektips",
    "Words are found in English and Dutch, with or without accents; end a word with * to find every word that begins with it (rehab*); put words in quotes to find them side by side.":
        "Woorden worden in het Engels en Nederlands gevonden, met of zonder accenten; eindig een woord met * om elk woord te vinden dat ermee begint (rehab*); zet woorden tussen aanhalingstekens om ze naast elkaar te vinden.",
    "Show all": "Toon alle",
    "Did you mean": "Bedoelt u", "Each word on its own": "Elk woord apart", "Related terms": "Verwante termen",
    "Browse by condition": "Zoek per aandoening",
    # gap map
    "Conditions × intervention types, grouped by family.": "Aandoeningen × soorten interventies, gegroepeerd per familie.",
    "Each cell gives the number of findings and the highest GRADE certainty among them (by symbol and colour); follow a cell to its findings.":
        "Elke cel geeft het aantal bevindingen en de hoogste GRADE-zekerheid daarvan (met symbool en kleur); volg een cel naar de bevindingen.",
    "marks ongoing studies and studies awaiting classification.": "markeert lopende en nog te beoordelen studies.",
    "nothing curated yet": "nog niets verzameld",
    "highest certainty": "hoogste zekerheid",
    "Legend": "Legenda", "This map as": "Deze kaart als",
    # guideline
    "Guideline modules": "Modules van de richtlijn",
    "Recommendations": "Aanbevelingen",
    "Considerations": "Overwegingen",
    "The evidence it rests on": "Het bewijs waarop het rust",
    # data page
    "Every table, every filtered set and every page of this site is also JSON and CSV.":
        "Elke tabel, elke gefilterde selectie en elke pagina van deze site is ook JSON en CSV.",
    "Tables to download": "Tabellen om te downloaden",
    "Table": "Tabel",
    "Rows": "Rijen",
    "Formats": "Formaten",
    "The API": "De API",
    "On the command line and in a notebook": "Op de opdrachtregel en in een notebook",
    "Documents": "Documenten",
    "Document": "Document",
    "Page not found": "Pagina niet gevonden",
    # more words of the pages
    "Add .json to the address of any table, row or query; filters are the same as on the page.":
        "Voeg .json toe aan het adres van een tabel, rij of zoekvraag; de filters zijn dezelfde als op de pagina.",
    "Audience": "Doelgroep", "Build": "Versie", "Certainty judgement": "Oordeel over de zekerheid", "Change": "Wijziging",
    "Changes": "Wijzigingen", "Column": "Kolom", "Column descriptions (metadata)": "Beschrijving van de kolommen (metadata)",
    "Consideration": "Overweging", "Criterion": "Criterium", "Design of the source": "Opzet van de bron",
    "Difference": "Verschil",
    "Dutch as printed; English translations by the curators are marked":
        "Nederlands zoals gepubliceerd; Engelse vertalingen van de samenstellers zijn gemarkeerd met",
    "Each module of the guideline answers one clinical question (uitgangsvraag) with recommendations, the considerations behind them and the conclusions they rest on.":
        "Elke module van de richtlijn beantwoordt één uitgangsvraag met aanbevelingen, de overwegingen erachter en de conclusies waarop ze rusten.",
    "Economic evaluation": "Economische evaluatie",
    "Filter a table first (by condition, certainty, …): its download links then hold the filtered set.":
        "Filter eerst een tabel (op aandoening, zekerheid, …): de downloadlinks bevatten dan de gefilterde selectie.",
    "Findings and economic evaluations": "Bevindingen en economische evaluaties",
    "Findings behind the guideline": "Bevindingen achter de richtlijn", "Findings with their names": "Bevindingen met hun namen",
    "For the panel to consider": "Ter overweging voor de werkgroep",
    "Forest plot of the studies behind this finding": "Forest plot van de studies achter deze bevinding",
    "GRADE assessment by": "GRADE-beoordeling door", "Guideline module": "Module van de richtlijn",
    "Guideline modules with conclusions from this source in their literature summary":
        "Modules van de richtlijn met conclusies uit deze bron in hun literatuursamenvatting",
    "Intervention family": "Familie van interventies", "Intervention types": "Soorten interventies", "Kind": "Soort",
    "Links from other tables": "Verwijzingen uit andere tabellen", "On this page": "Op deze pagina", "Operator": "Bewerking",
    "Outcomes": "Uitkomsten", "Pooled at build from the study-level results": "Gepoold uit de resultaten per studie",
    "Recommendation": "Aanbeveling", "Remove filter": "Filter verwijderen", "Risk with comparator": "Risico met de vergelijking",
    "Risk with intervention (95% CI)": "Risico met de interventie (95%-BI)", "Status of the source": "Status van de bron",
    "Study results": "Resultaten per studie", "The module links to no curated conclusion.": "De module verwijst naar geen verzamelde conclusie.",
    "What was read of the published papers: their abstracts, PubMed records and Cochrane Summary-of-Findings tables, or a secondary summary where a record's locator says so. Each record below is cited by the paper it concerns.":
        "Wat van de gepubliceerde artikelen is gelezen: hun samenvattingen, PubMed-records en Cochrane Summary-of-Findings-tabellen, of een secundaire samenvatting waar de vindplaats van een record dat zegt. Elk record hieronder wordt geciteerd met het artikel waarover het gaat.",
    "The whole module": "De hele module", "Views": "Views", "Vocabulary": "Vocabulaire", "Wording": "Formulering",
    "all rows": "alle rijen", "and": "en", "any column": "elke kolom", "column": "kolom", "from": "uit", "in": "in",
    "last assessed": "laatst beoordeeld", "last authorised": "laatst geautoriseerd", "many rows": "veel rijen",
    "of the guideline": "van de richtlijn", "ongoing or awaiting study": "lopende of nog te beoordelen studie",
    "ongoing or awaiting studies": "lopende of nog te beoordelen studies", "remove filter": "filter verwijderen",
    "rests on": "rust op", "Rests on": "Rust op", "for this condition": "voor deze aandoening", "strength": "sterkte",
    "suggestions from the pooled studies, not judgements": "suggesties uit de gepoolde studies, geen oordelen",
    "the evidence it rests on": "het bewijs waarop het rust", "up to": "tot", "…": "…",
    "added": "toegevoegd", "removed": "verwijderd", "changed": "gewijzigd",
    "guideline recommendation": "aanbeveling uit de richtlijn", "guideline recommendations": "aanbevelingen uit de richtlijn",
    "guideline consideration": "overweging uit de richtlijn", "guideline considerations": "overwegingen uit de richtlijn",
    "release": "versie", "Pages": "Pagina's", "Each result": "Elk resultaat", "listed once": "één keer vermeld",
    "Dutch": "Nederlands", "English": "Engels", "What changed (releases)": "Wat er veranderde (versies)",
    "This is release": "Dit is versie", "This is a build of": "Dit is een bouw van", "not a release": "geen versie",
    "Cite it as": "Citeer als", "content hash": "inhoudshash", "What changed": "Wat er veranderde",
    "New since the last release": "Nieuw sinds de vorige versie",
    "What changed, release by release": "Wat er veranderde, per versie",
    # the guideline: modules, sub-modules, each recommendation's own evidence basis
    "Guideline modules with this conclusion in their literature summary":
        "Modules van de richtlijn met deze conclusie in hun literatuursamenvatting",
    "Modules whose literature summary has conclusions for this condition":
        "Modules met conclusies voor deze aandoening in hun literatuursamenvatting",
    "for this condition in its literature summary": "voor deze aandoening in de literatuursamenvatting",
    "The guideline attaches conclusions to a module's literature summary, not to a single recommendation. The module's recommendations, each with its own evidence basis:":
        "De richtlijn verbindt conclusies met de literatuursamenvatting van een module, niet met een afzonderlijke aanbeveling. De aanbevelingen van de module, elk met de eigen onderbouwing:",
    "own evidence basis": "eigen onderbouwing", "Its own evidence basis": "Eigen onderbouwing",
    "the guideline states none": "de richtlijn noemt er geen",
    "These modules have no conclusions for a specific condition; their recommendations apply to every condition.":
        "Deze modules hebben geen conclusies voor een bepaalde aandoening; hun aanbevelingen gelden voor elke aandoening.",
    "conclusions in this module's literature summary": "conclusies in de literatuursamenvatting van deze module",
    "The guideline attaches these conclusions to the module's literature summary, not to a single recommendation; what each recommendation rests on is its own evidence basis, above.":
        "De richtlijn verbindt deze conclusies met de literatuursamenvatting van de module, niet met een afzonderlijke aanbeveling; waarop elke aanbeveling rust, is de eigen onderbouwing hierboven.",
    "The guideline gives this module no literature summary with GRADE conclusions.":
        "De richtlijn geeft deze module geen literatuursamenvatting met GRADE-conclusies.",
    "The guideline states no strength or direction for these recommendations.":
        "De richtlijn noemt geen sterkte of richting voor deze aanbevelingen.",
    "Sub-module of": "Submodule van", "Sub-modules": "Submodules",
    "It shares that module's question, recommendations and literature summary; its own text is its considerations.":
        "Zij deelt de uitgangsvraag, aanbevelingen en literatuursamenvatting van die module; de eigen tekst zijn de overwegingen.",
    "They share this module's question, recommendations and literature summary, and each has its own considerations.":
        "Zij delen de uitgangsvraag, aanbevelingen en literatuursamenvatting van deze module en hebben elk eigen overwegingen.",
    "Sub-modules, with the same question, recommendations and literature summary and their own considerations":
        "Submodules, met dezelfde uitgangsvraag, aanbevelingen en literatuursamenvatting en eigen overwegingen",
    "The recommendations of": "De aanbevelingen van", "The literature summary of": "De literatuursamenvatting van",
    "printed there once": "daar één keer opgenomen", "a task table": "een takentabel",
    "The module's task table, as printed": "De takentabel van de module, zoals gepubliceerd",
    "justification": "onderbouwing",
    "New since this module was authorised": "Nieuw sinds deze module werd geautoriseerd",
    "Findings added or changed in a release after": "Bevindingen toegevoegd of gewijzigd in een versie na",
    "the parent module's authorisation": "de autorisatie van de hoofdmodule",
    "for a condition and an intervention family of the module's conclusions":
        "voor een aandoening en een familie van interventies uit de conclusies van de module",
    "in release": "in versie", "New evidence for this module as a feed (Atom)": "Nieuw bewijs voor deze module als feed (Atom)",
    "Overall certainty of the evidence, as the guideline states it": "Algehele zekerheid van het bewijs, zoals de richtlijn die noemt",
    "In the order the guideline prints them, under its sub-headings; each marked with what kind of consideration it is.":
        "In de volgorde van de richtlijn, onder de eigen tussenkoppen; bij elke overweging staat wat voor overweging het is.",
    "Each module of the guideline answers one clinical question (uitgangsvraag) with recommendations, the considerations behind them and, where it has one, a literature summary with conclusions.":
        "Elke module van de richtlijn beantwoordt één uitgangsvraag met aanbevelingen, de overwegingen erachter en, waar die er is, een literatuursamenvatting met conclusies.",
    "This copy of the data was built on": "Deze gegevens zijn samengesteld op",
    "and is not a numbered release.": "en zijn geen genummerde versie.", "data version": "gegevensversie",
    "the data version is computed from the data itself: the same code, the same data":
        "de gegevensversie is berekend uit de gegevens zelf: dezelfde code, dezelfde gegevens",
    # metadata.yml: the ready-made queries and the tables' descriptions
    "Everything known for a condition": "Alles wat bekend is voor een aandoening",
    "Every finding and economic evaluation for one condition, most certain first, with its source and the quote behind it. Choose the condition; without one, the condition with the most GRADE-rated findings is shown.":
        "Elke bevinding en economische evaluatie voor één aandoening, de zekerste eerst, met de bron en het citaat erachter. Kies de aandoening; zonder keuze ziet u de aandoening met de meeste met GRADE beoordeelde bevindingen.",
    "Cost-effectiveness overview": "Overzicht van de kosteneffectiviteit",
    "Every economic evaluation with its condition, perspective, measure, value, conclusion and source.":
        "Elke economische evaluatie met de aandoening, het perspectief, de maat, de waarde, de conclusie en de bron.",
    "Conclusions with moderate or high certainty": "Conclusies met redelijke of hoge zekerheid",
    "GRADE-rated findings whose certainty of evidence is moderate or high, from included sources (a result read in two documents listed once).":
        "Met GRADE beoordeelde bevindingen met een redelijke of hoge zekerheid van bewijs, uit geïncludeerde bronnen (een resultaat dat in twee documenten staat één keer).",
    "Ongoing studies and studies awaiting classification": "Lopende en nog te beoordelen studies",
    "Known gaps being filled, with the conditions and intervention types they cover.":
        "Bekende kennishiaten die worden ingevuld, met de aandoeningen en soorten interventies die ze betreffen.",
    "Findings per source": "Bevindingen per bron",
    "How many findings and economic evaluations each source contributes, and how many are GRADE-rated.":
        "Hoeveel bevindingen en economische evaluaties elke bron bijdraagt, en hoeveel daarvan met GRADE zijn beoordeeld.",
    "One conclusion for one population × intervention × comparator × outcome × timepoint.":
        "Eén conclusie voor één populatie × interventie × vergelijking × uitkomst × meetmoment.",
    "One review, trial, report or protocol, with its bibliographic record from references.bib.":
        "Eén review, trial, rapport of protocol, met de bibliografische gegevens uit references.bib.",
    "Cost-effectiveness and cost-benefit results.": "Resultaten over kosteneffectiviteit en kosten en baten.",
    "Health conditions, with English and Dutch names (from data/vocabulary/).": "Aandoeningen, met Engelse en Nederlandse namen (uit data/vocabulary/).",
    "Kinds of intervention, with English and Dutch names (from data/vocabulary/).": "Soorten interventies, met Engelse en Nederlandse namen (uit data/vocabulary/).",
    "Work outcomes, with English and Dutch names (from data/vocabulary/).": "Uitkomsten voor werk, met Engelse en Nederlandse namen (uit data/vocabulary/).",
    "Every controlled vocabulary with its labels and attributes (evidence/scales.yaml, data/vocabulary/).":
        "Elke gecontroleerde woordenlijst met de namen en kenmerken (evidence/scales.yaml, data/vocabulary/).",
    "When and from what the database was built.": "Wanneer en waaruit de database is samengesteld.",
    "The documents quotes were read in: the source documents and the published papers' abstracts.":
        "De documenten waarin de citaten zijn gelezen: de brondocumenten en de samenvattingen van de gepubliceerde artikelen.",
    "What changed since the previous build: records added, removed, and changed field by field.":
        "Wat er veranderde sinds de vorige keer: records toegevoegd, verwijderd en per veld gewijzigd.",
    "Each study behind a pooled finding: its data, effect with 95% CI and weight, computed at build.":
        "Elke studie achter een gepoolde bevinding: de gegevens, het effect met 95%-BI en het gewicht, berekend bij het samenstellen.",
    "The guideline's clinical questions (Uitgangsvragen), one per module, in module order.":
        "De uitgangsvragen van de richtlijn, één per module, in de volgorde van de modules.",
    "The guideline's recommendations, each with its audience and verbatim text.":
        "De aanbevelingen van de richtlijn, elk met de doelgroep en de letterlijke tekst.",
    "The considerations (Overwegingen) behind each question's recommendations, by EtD criterion.":
        "De overwegingen achter de aanbevelingen bij elke uitgangsvraag, per EtD-criterium.",
    "The findings each question's recommendations rest on.": "De bevindingen waarop de aanbevelingen bij elke uitgangsvraag rusten.",
    # the changes pages
    "What changed in": "Wat er veranderde in", "All releases": "Alle versies", "Released": "Uitgebracht op",
    "Atom feed": "Atom-feed", "Release": "Versie", "Date": "Datum", "Added": "Toegevoegd", "Removed": "Verwijderd",
    "Each release is a version of the database you can cite; subscribe with the":
        "Elke versie is een uitgave van de database die u kunt citeren; volg de wijzigingen met de",
    "This database is a build, not a release: it has no release history yet.":
        "Deze database is (nog) geen genummerde versie: er is nog geen geschiedenis van versies.",
    "Guideline questions": "Uitgangsvragen van de richtlijn", "Changed": "Gewijzigd",
    "rated only in sources that do not count in overviews": "alleen beoordeeld in bronnen die niet meetellen in overzichten",
    "A broader condition's row includes its narrower conditions; a result read in two documents is counted once.":
        "De rij van een bredere aandoening bevat ook de nauwere aandoeningen; een resultaat dat in twee documenten staat, telt één keer.",
    "Findings, each result counted once": "Bevindingen, elk resultaat één keer geteld",
    "Economic evaluations, each result counted once": "Economische evaluaties, elk resultaat één keer geteld",
    "Conditions and their broader conditions": "Aandoeningen en hun bredere aandoeningen",
    "Best match first": "Beste overeenkomst eerst",
    "per": "per", "pooled at build from the study-level results": "gepoold uit de resultaten per studie",
    "The map is wider than the screen: scroll it sideways to see every intervention type; the conditions stay in view.":
        "De kaart is breder dan het scherm: schuif haar opzij om alle soorten interventies te zien; de aandoeningen blijven in beeld.",
    "same result as": "zelfde resultaat als", "counted once, there": "daar één keer geteld",
    # error pages (error_message)
    "Error": "Fout", "No condition": "Geen aandoening", "No release": "Geen versie", "No question": "Geen uitgangsvraag",
    "No such document": "Dit document bestaat niet", "Record not found": "Record niet gevonden",
    "Table not found": "Tabel niet gevonden", "Database not found": "Database niet gevonden", "Row not found": "Rij niet gevonden",
    "The descriptions come from the schema, in English.": "De beschrijvingen komen uit het schema, in het Engels.",
    # Datasette's filter operators (table.html) and its database page
    "contains": "bevat", "ends with": "eindigt op", "starts with": "begint met", "like": "volgens patroon met % en _",
    "not like": "niet volgens patroon met % en _", "glob": "volgens patroon met * en ?", "not in": "niet in", "array contains": "lijst bevat",
    "array does not contain": "lijst bevat niet", "date": "datum", "is null": "is leeg", "is not null": "is niet leeg",
    "is blank": "is blanco", "is not blank": "is niet blanco", "History": "Geschiedenis", "Input blocks": "Invoerblokken",
    "Format SQL": "SQL opmaken", "Study results per finding": "Resultaten per studie",
    # metadata.yml: the site's description and source
    "Federatie Medisch Specialisten, Arbeidsparticipatie voor medisch specialistische richtlijnen (2024), and the studies it cites":
        "Federatie Medisch Specialisten, Arbeidsparticipatie voor medisch specialistische richtlijnen (2024), en de studies die zij citeert",
    "<p>Open evidence database on interventions that help people with a health condition stay in or return to work: GRADE-rated conclusions, trial and review results and cost-effectiveness, each traceable to a verbatim quote in its source.</p>":
        "<p>Open kennisbank over interventies die mensen met een aandoening helpen aan het werk te blijven of weer aan het werk te gaan: conclusies met een GRADE-beoordeling, resultaten van trials en reviews en kosteneffectiviteit, elk herleidbaar tot een letterlijk citaat in de bron.</p>",
    # column titles (table_pages.column_title) and the GRADE domains
    "Id": "Id", "Citation key": "Citatiesleutel", "Doi": "DOI", "Pmid": "PMID", "Pmcid": "PMCID", "Bibtex": "BibTeX",
    "Follow up months min": "Follow-up in maanden (kortste)", "Follow up months max": "Follow-up in maanden (langste)",
    "Effect measure": "Effectmaat", "Ci lower": "BI ondergrens", "Ci upper": "BI bovengrens", "Studies n": "Aantal studies",
    "Participants n": "Aantal deelnemers", "Effect source document": "Document van het effect",
    "Effect source locator": "Vindplaats van het effect", "Effect quote": "Citaat van het effect",
    "Evidence design": "Opzet van het bewijs", "Risk of bias": "Risico op vertekening",
    "Risk of bias note": "Toelichting risico op vertekening", "Inconsistency": "Inconsistentie",
    "Inconsistency note": "Toelichting inconsistentie", "Indirectness": "Indirectheid",
    "Indirectness note": "Toelichting indirectheid", "Imprecision": "Onnauwkeurigheid",
    "Imprecision note": "Toelichting onnauwkeurigheid", "Publication bias": "Publicatiebias",
    "Publication bias note": "Toelichting publicatiebias", "Large effect": "Groot effect",
    "Dose response": "Dosis-responsrelatie", "Plausible confounding": "Plausibele confounding",
    "Comparator risk": "Risico in de controlegroep", "Comparator risk source document": "Document van het risico in de controlegroep",
    "Comparator risk source locator": "Vindplaats van het risico in de controlegroep",
    "Comparator risk quote": "Citaat van het risico in de controlegroep", "Pooling method": "Poolingmethode",
    "Same result as": "Zelfde resultaat als", "Grade assessor": "GRADE-beoordelaar",
    "Wording justification": "Reden voor de formulering", "Certainty justification": "Reden voor de zekerheid",
    "Statement translated": "Conclusie vertaald", "Source document": "Brondocument", "Source locator": "Vindplaats",
    "Quote": "Citaat", "Quote language": "Taal van het citaat", "Certainty rank": "Rang van de zekerheid",
    "Pooled k": "Gepoolde studies", "Pooled effect": "Gepoold effect", "Pooled ci lower": "Gepoold BI ondergrens",
    "Pooled ci upper": "Gepoold BI bovengrens", "Pooled i2": "Gepoolde I²", "Pooled tau2": "Gepoolde tau²",
    "Pooled pi lower": "Voorspellingsinterval ondergrens", "Pooled pi upper": "Voorspellingsinterval bovengrens",
    "Grade suggestions": "GRADE-suggesties", "Intervention risk": "Risico met de interventie",
    "Intervention risk ci lower": "Risico met de interventie, BI ondergrens",
    "Intervention risk ci upper": "Risico met de interventie, BI bovengrens", "Risk difference": "Risicoverschil",
    "Risk difference ci lower": "Risicoverschil, BI ondergrens", "Risk difference ci upper": "Risicoverschil, BI bovengrens",
    "Finding id": "Bevinding", "Position": "Positie", "Events int": "Gebeurtenissen interventie", "N int": "N interventie",
    "Events ctl": "Gebeurtenissen controle", "N ctl": "N controle", "Mean int": "Gemiddelde interventie",
    "Sd int": "SD interventie", "Mean ctl": "Gemiddelde controle", "Sd ctl": "SD controle", "Weight": "Gewicht",
    "Module": "Module", "Module en": "Module (Engels)", "Question en": "Vraag (Engels)", "Last assessed": "Laatst beoordeeld",
    "Last authorised": "Laatst geautoriseerd", "Text": "Tekst", "Text en": "Tekst (Engels)", "Strength": "Sterkte",
    "Evidence basis": "Bewijsbasis", "Evidence basis quote": "Citaat van de bewijsbasis", "Summary en": "Samenvatting (Engels)",
    "The source does not report the reasons for its certainty rating (GRADE domains).":
        "De bron vermeldt niet waarom de zekerheid zo is beoordeeld (GRADE-domeinen).",
}


def t(text: str) -> str:
    """``text`` in the current language (English when there is no translation)."""
    return NL.get(text, text) if current() == "nl" else text


# How the presenter's numbers and effects read in Dutch (evidence/presenter.py, synthesis/absolute.py write
# them in English): the words between the numbers, then a decimal comma.
NUMBER_WORDS_NL = {"to": "tot", "from": "van", "more": "meer", "fewer": "minder", "higher": "hoger", "lower": "lager",
                   "study": "studie", "studies": "studies", "not reported": "niet gerapporteerd",
                   "prediction interval": "voorspellingsinterval", "standard deviations": "standaarddeviaties",
                   "standard deviation": "standaarddeviatie", "points": "punten", "months": "maanden",
                   "weeks": "weken", "years": "jaar", "days": "dagen"}
_NUMBER_WORDS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NUMBER_WORDS_NL), key=len, reverse=True)) + r")\b")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def localised(text: object) -> str:
    """An effect, interval or count as it reads in the current language: "RR 1.23 (1.08 to 1.39)" is
    "RR 1,23 (1,08 tot 1,39)" in Dutch, and "47 fewer per 1000" "47 minder per 1000"."""
    if text is None:
        return ""
    text = str(text)
    if current() != "nl":
        return text
    return _DECIMAL_POINT.sub(",", _NUMBER_WORDS.sub(lambda m: NUMBER_WORDS_NL[m.group(1)], text))


MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def day(value: object) -> str:
    """The date of an ISO timestamp as it reads: "7 December 2026", "7 december 2026"."""
    found = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not found:
        return str(value or "")
    year, month, date = (int(x) for x in found.groups())
    return f"{date} {(MONTHS_NL if current() == 'nl' else MONTHS_EN)[month - 1]} {year}"


ERROR_PREFIXES = ("No condition", "No release", "No question", "No such document", "Record not found",
                  "Table not found", "Database not found", "Row not found")


def error_message(message: object) -> str:
    """An error's message in the current language: its known beginning translated, the name after it kept
    ("No condition kanker" is "Geen aandoening kanker")."""
    text = str(message or "")
    for prefix in ERROR_PREFIXES:
        if text.startswith(prefix):
            return t(prefix) + text[len(prefix):]
    return t(text)


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """"1 finding", "2 findings", "1.234 bevindingen" in the current language."""
    n = count or 0
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{number(n)} {t(word)}"


def number(value: object) -> str:
    """A count as it reads: 1,234 in English, 1.234 in Dutch."""
    if not isinstance(value, int):
        return "" if value is None else str(value)
    text = f"{value:,}"
    return text.replace(",", ".") if current() == "nl" else text


def other_language_url(request) -> tuple[str, str]:
    """The current page in the other language, and that language's code."""
    other = "nl" if current() == "en" else "en"
    if request is None:
        return f"/?lang={other}", other
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', other)])}", other


def bilingual(dutch: object, english: object = None, length: int | None = None) -> Markup:
    """Guideline text (Dutch as printed, with the curators' English translation) in the page's language,
    marked with its own lang attribute."""
    lang, text = ("en", english) if current() == "en" and english else ("nl", dutch)
    text = str(text or "")
    if length and len(text) > length:
        text = text[: length - 1].rsplit(" ", 1)[0] + " …"
    return Markup(f'<span lang="{lang}">{escape(text)}</span>')


def sentence(text: object) -> str:
    """Text with its first letter a capital, the rest as written ("cancer" -> "Cancer", "e-health" -> "E-health")."""
    text = str(text or "")
    return text[:1].upper() + text[1:]


def _with_cookie(send, lang: str):
    async def wrapped(event):
        if event["type"] == "http.response.start":
            headers = list(event.get("headers") or [])
            headers.append((b"set-cookie", f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode()))
            headers.append((b"vary", b"Cookie"))
            event = {**event, "headers": headers}
        await send(event)
    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def language_app(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            if scope.get("path") in ("/-/search", "/-/search.json"):  # datasette-search-all's address:
                path = scope["path"].replace("/-/search", "/search")     # the site's one search page
                scope = {**scope, "path": path, "raw_path": path.encode("latin-1")}
            cookies = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
            lang, remember = choose(scope.get("query_string", b""), cookies)
            if remember:  # ?lang= is for this wrapper only: Datasette would read it as a column filter
                parts = scope["query_string"].split(b"&")
                scope = {**scope, "query_string": b"&".join(p for p in parts if p.split(b"=")[0] != b"lang")}
            # what the wrappers inside this one (cache_headers) need: the language and whether a cookie is set
            scope = {**scope, "evidence.lang": lang, "evidence.sets_cookie": remember}
            token = _lang.set(lang)
            try:
                await app(scope, receive, _with_cookie(send, lang) if remember else send)
            finally:
                _lang.reset(token)
        return language_app
    return wrap


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["sentence"] = sentence
    env.filters["local"] = localised
    env.filters["day"] = day
    env.globals.update(t=t, plural=plural, ui_lang=current, count=number, other_language_url=other_language_url,
                       bilingual=bilingual, error_message=error_message)
