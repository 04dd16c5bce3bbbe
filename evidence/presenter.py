"""One presenter for a finding: how its effect, confidence interval, studies and participants,
certainty and GRADE domain judgements read, wherever a finding is shown (the finding page,
Summary-of-Findings tables, the FHIR narrative). Words and symbols come from the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .columns import GRADE_DOMAINS, GRADE_UPGRADES
from .vocabulary import Vocabulary, scales

NOT_RATED = "not GRADE-rated"
NOT_REPORTED = "not reported"
DOMAINS_NOT_REPORTED = "The source does not report the reasons for its certainty rating (GRADE domains)."


def number(value: Optional[float]) -> str:
    """A number as it reads in a table: 0.95, 1.8, 1652 (no trailing zeros, no exponent for counts)."""
    return "" if value is None else f"{value:g}"


def effect_text(f: Mapping) -> str:
    """"RR 0.95 (0.85 to 1.05)", or "not reported"."""
    if f["effect"] is None:
        return NOT_REPORTED
    return f"{f['effect_measure']} {number(f['effect'])}{ci_text(f)}"


def ci_text(f: Mapping) -> str:
    return f" ({number(f['ci_lower'])} to {number(f['ci_upper'])})" if f["ci_lower"] is not None else ""


def studies_text(f: Mapping) -> str:
    """Studies with participants in brackets, as GRADEpro prints them: "4 (434)"."""
    studies, people = f["studies_n"], f["participants_n"]
    if studies is None and people is None:
        return NOT_REPORTED
    return f"{studies if studies is not None else '?'} ({people if people is not None else '?'})"


def certainty_text(value: Optional[str], vocab: Vocabulary | None = None) -> str:
    """"⊕⊕⊕◯ moderate", or "not GRADE-rated"."""
    term = (vocab or scales()).term("certainty", value)
    return f"{term['symbol']} {term['name']}" if term else NOT_RATED


def domains_reported(f: Mapping) -> bool:
    return any(f.get(d) is not None for d in (*GRADE_DOMAINS, *GRADE_UPGRADES))


def domain_rows(f: Mapping, vocab: Vocabulary | None = None) -> list[dict]:
    """Each GRADE domain with its judgement in words and its footnote; none when no domain is reported
    (the page then says once that the source does not report them)."""
    vocab = vocab or scales()
    if not domains_reported(f):
        return []
    rows = []
    for name in GRADE_DOMAINS:
        value = f.get(name)
        rows.append({"domain": name.replace("_", " "), "value": value, "note": f.get(f"{name}_note"),
                     "judgement": vocab.name("domain_rating", value) if value is not None else NOT_REPORTED})
    for name in GRADE_UPGRADES:
        if f.get(name) is not None:
            rows.append({"domain": name.replace("_", " "), "value": f[name], "note": None,
                         "judgement": vocab.name("upgrade_rating", f[name])})
    return rows


def domain_footnotes(f: Mapping, vocab: Vocabulary | None = None) -> list[str]:
    """Why the certainty was rated down (or up), in the vocabulary's words."""
    vocab = vocab or scales()
    notes = []
    for domain in GRADE_DOMAINS:
        if f[domain] is not None and f[domain] < 0:
            text = f"{domain.replace('_', ' ').capitalize()}: rated down {vocab.term('domain_rating', f[domain])['footnote']}"
            notes.append(f"{text}. {f[domain + '_note']}" if f[domain + "_note"] else f"{text}.")
    for upgrade in GRADE_UPGRADES:
        if f[upgrade]:
            notes.append(f"{upgrade.replace('_', ' ').capitalize()}: rated up {f[upgrade]} level(s).")
    return notes


def effect_source_note(f: Mapping) -> Optional[str]:
    """Where the effect estimate was read."""
    if not f["effect_quote"]:
        return None
    return f"Effect estimate read in {f['effect_source_locator'] or f['effect_source_document']}."


def footnotes(f: Mapping, vocab: Vocabulary | None = None) -> list[str]:
    """Why the certainty was rated down (or up), and where the effect estimate was read."""
    note = effect_source_note(f)
    return [*domain_footnotes(f, vocab), *([note] if note else [])]


def is_ratio(f: Mapping) -> bool:
    term = scales().term("effect_measure", f.get("effect_measure"))
    return bool(term and term["scale"] == "ratio")


def ratio_number(value: Optional[float]) -> str:
    """A ratio as GRADEpro prints it, with two decimals (1.80), or more where the data has more (0.845)."""
    if value is None:
        return ""
    fixed = f"{value:.2f}"
    return fixed if float(fixed) == value else number(value)


def relative_text(f: Mapping) -> Optional[str]:
    """The relative effect for a SoF table: ratio measures only (MD and SMD are absolute), "RR 1.80 (1.20 to 2.70)"."""
    if f["effect"] is None or not is_ratio(f):
        return None
    ci = f" ({ratio_number(f['ci_lower'])} to {ratio_number(f['ci_upper'])})" if f["ci_lower"] is not None else ""
    return f"{f['effect_measure']} {ratio_number(f['effect'])}{ci}"


def continuous_text(f: Mapping) -> Optional[str]:
    """MD and SMD in GRADE's plain wording (SMD in standard deviations)."""
    if f["effect"] is None or is_ratio(f) or f["effect_measure"] not in ("MD", "SMD"):
        return None
    if f["ci_lower"] is None:
        return f"{f['effect_measure']} {number(f['effect'])}"
    from .synthesis.absolute import md_text, smd_text

    return (smd_text if f["effect_measure"] == "SMD" else md_text)(f["effect"], f["ci_lower"], f["ci_upper"])


def better_text(f: Mapping) -> Optional[str]:
    """"lower is better" / "higher is better" from the outcome's ``desirable`` attribute (GRADEpro prints it
    beside a continuous outcome); None where the vocabulary does not say."""
    desirable = f.get("outcome_desirable")
    return f"{desirable} is better" if desirable else None


def favoured(f: Mapping) -> Optional[str]:
    """"intervention" or "control": the arm the effect and its whole 95% CI favour, read with the outcome's
    ``desirable`` direction (outcome vocabulary); None where the CI includes no effect or the direction is
    not known. A finding whose direction says benefit must not favour the control."""
    desirable, estimate = f.get("outcome_desirable"), f.get("effect")
    if desirable not in ("higher", "lower") or estimate is None or f.get("ci_lower") is None:
        return None
    null = 1.0 if is_ratio(f) else 0.0
    if f["ci_lower"] > null and estimate > null:
        higher = True
    elif f["ci_upper"] < null and estimate < null:
        higher = False
    else:
        return None
    return "intervention" if higher == (desirable == "higher") else "control"


def participants_text(f: Mapping) -> Optional[str]:
    """"434 (4 studies)" as GRADEpro's № of participants (studies); None when neither is known."""
    studies, people = f["studies_n"], f["participants_n"]
    if studies is None and people is None:
        return None
    counted = f"({studies} stud{'y' if studies == 1 else 'ies'})" if studies is not None else ""
    return " ".join(str(x) for x in (people, counted) if x not in (None, ""))


# Fields the finding page lays out in its own sections; every other schema field with a value is
# listed under "More about this finding", so a new field shows without editing the template.
LAID_OUT = frozenset({
    "condition", "population", "intervention_type", "intervention", "comparator", "outcome", "timepoint",
    "certainty", "direction", "statement", "statement_translated", "effect_measure", "effect", "ci_lower",
    "ci_upper", "studies_n", "participants_n", "effect_source_document", "effect_source_locator", "effect_quote",
    "grade_assessor", "wording_justification", "certainty_justification", "source_document", "source_locator",
    "quote", "quote_language", "note", "comparator_risk", "comparator_risk_source_document",
    "comparator_risk_source_locator", "comparator_risk_quote", "pooling_method", *GRADE_DOMAINS, *(f"{d}_note" for d in GRADE_DOMAINS), *GRADE_UPGRADES,
})


def absolute_effects(f: Mapping) -> Optional[dict]:
    """GRADE's anticipated absolute effects per 1000, as the SoF columns read them; None without them."""
    if f.get("intervention_risk") is None:
        return None
    from .synthesis.absolute import capped, more_fewer, per_1000

    acr, measure = f["comparator_risk"], f.get("effect_measure")
    relative = (f["effect"], f["ci_lower"], f["ci_upper"]) if f.get("effect") is not None else \
        (f.get("pooled_effect"), f.get("pooled_ci_lower"), f.get("pooled_ci_upper"))
    marks = [CAPPED_MARK if capped(acr, measure, x) else "" for x in relative]
    risk = [f"{per_1000(f[c])}{m}" for c, m in zip(RISK_COLUMNS, marks)]
    diff = [f"{more_fewer(f[c])}{m}" for c, m in zip(DIFFERENCE_COLUMNS, marks)]
    out = {
        "comparator": f"{per_1000(acr)} per 1000",
        "intervention": f"{risk[0]} per 1000 ({risk[1]} to {risk[2]})",
        "difference": f"{diff[0]} per 1000 (from {diff[1]} to {diff[2]})",
        "capped": None,
    }
    if any(marks):
        top = max(x for x, m in zip(relative, marks) if m)
        out["capped"] = (f"{CAPPED_MARK} Capped at 1000 per 1000: the risk ratio applied to a comparator risk of "
                         f"{per_1000(acr)} per 1000 gives up to {per_1000(acr * top)} per 1000, which no risk can "
                         "be; the relative effect cannot hold at this comparator risk.")
    return out


CAPPED_MARK = "†"
RISK_COLUMNS = ("intervention_risk", "intervention_risk_ci_lower", "intervention_risk_ci_upper")
DIFFERENCE_COLUMNS = ("risk_difference", "risk_difference_ci_lower", "risk_difference_ci_upper")


def pooled_text(f: Mapping) -> Optional[str]:
    """"RR 0.49 (0.34 to 0.70); 13 studies; I² 92%; prediction interval 0.15 to 1.55"."""
    if f.get("pooled_k") is None:
        return None
    text = f"{f['effect_measure']} {f['pooled_effect']:.2f} ({f['pooled_ci_lower']:.2f} to {f['pooled_ci_upper']:.2f}); "
    text += f"{f['pooled_k']} stud{'y' if f['pooled_k'] == 1 else 'ies'}"
    if f.get("pooled_i2") is not None:
        text += f"; I² {f['pooled_i2']:.0f}%"
    if f.get("pooled_pi_lower") is not None:
        text += f"; prediction interval {f['pooled_pi_lower']:.2f} to {f['pooled_pi_upper']:.2f}"
    return text


@dataclass
class FindingView:
    effect: str
    studies: str
    certainty: str
    domains: list[dict]
    domains_note: Optional[str]
    footnotes: list[str]
    details: list[tuple[str, str, Any]] = field(default_factory=list)  # (field, description, value)
    absolute: Optional[dict] = None
    pooled: Optional[str] = None


def details(f: Mapping, model: Optional[type] = None) -> list[tuple[str, str, Any]]:
    """Schema fields the page does not lay out itself that have a value, with their descriptions (the
    fields of ``model``, by default a finding's: the schema is loaded when a page or file shows them)."""
    if model is None:
        from .schema import FindingFields as model
    return [(name, info.description or name, f[name]) for name, info in model.model_fields.items()
            if name not in LAID_OUT and f.get(name) not in (None, "", False)]


def present(f: Mapping, model: Optional[type] = None, vocab: Vocabulary | None = None) -> FindingView:
    """Everything a page or table shows of a finding, formatted once."""
    vocab = vocab or scales()
    graded = f.get("certainty") is not None
    return FindingView(
        effect=effect_text(f),
        studies=studies_text(f),
        certainty=certainty_text(f.get("certainty"), vocab),
        domains=domain_rows(f, vocab),
        domains_note=DOMAINS_NOT_REPORTED if graded and not domains_reported(f) else None,
        footnotes=footnotes(f, vocab),
        details=details(f, model),
        absolute=absolute_effects(f),
        pooled=pooled_text(f),
    )
