"""GRADE rules (../shared/grade-rules.md): statement wording and certainty computed from its domains.

Pure functions; the validator turns what they return into problems.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from .schema import GRADE_DOMAINS, GRADE_UPGRADES
from .vocabulary import scales

# The certainty scale, least certain first, and its symbols: both from evidence/scales.yaml.
LEVELS = tuple(reversed(scales().ranked("certainty")))
SYMBOLS = {level: scales().terms("certainty")[level]["symbol"] for level in LEVELS}

VERY_UNCERTAIN = re.compile(r"\bthe evidence is very uncertain\b", re.I)
PROBABLY = re.compile(r"\b(probably|likely)\b", re.I)
MAY = re.compile(r"\bmay\b", re.I)
HEDGE = re.compile(r"\b(may|probably|likely|very uncertain)\b", re.I)
NO_DIFFERENCE = re.compile(r"\blittle (to|or) no (difference|effect)\b", re.I)

# What Santesso et al. (2020) expect for each certainty, as said to the curator.
EXPECTED = {
    "high": "no hedge ('may', 'probably', 'likely', 'very uncertain')",
    "moderate": "'probably' or 'likely'",
    "low": "'may', without 'probably'/'likely'",
    "very_low": "'the evidence is very uncertain'",
}


# re.IGNORECASE also matches these letters to ASCII ones (İ, ı: i; ſ: s; K: k); mapped so that the
# lowered statement contains each pattern's key word whenever the pattern can match (read_statement).
_AS_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def read_statement(statement: str, certainty: Optional[str]) -> tuple[bool, Optional[str]]:
    """(whether the wording fits the certainty, the direction it reads as or None): one pass.

    Each pattern is searched only when its key word is in the statement at all, which most
    statements settle for most patterns (no pattern can match without its key word).
    """
    lowered = statement.translate(_AS_ASCII).lower()
    very_uncertain = "uncertain" in lowered and bool(VERY_UNCERTAIN.search(statement))
    probably = ("probabl" in lowered or "likely" in lowered) and bool(PROBABLY.search(statement))
    may = "may" in lowered and bool(MAY.search(statement))
    if certainty == "very_low":
        fits = very_uncertain
    elif very_uncertain:
        fits = False
    elif certainty == "high":  # HEDGE: may, probably, likely or very uncertain
        fits = not (may or probably or ("uncertain" in lowered and bool(HEDGE.search(statement))))
    elif certainty == "moderate":
        fits = probably
    elif certainty == "low":
        fits = may and not probably
    else:
        fits = True
    if certainty == "very_low" or very_uncertain:
        return fits, "uncertain"
    no_difference = "little" in lowered and bool(NO_DIFFERENCE.search(statement))
    return fits, "little_or_no_difference" if no_difference else None


def wording_fits(statement: str, certainty: str) -> bool:
    """Does the statement use the informative-statement wording for its certainty?"""
    return read_statement(statement, certainty)[0]


def direction_from_wording(statement: str, certainty: Optional[str]) -> Optional[str]:
    """The direction a GRADE statement reads as, or None when the wording does not settle it."""
    return read_statement(statement, certainty)[1]


def computed_certainty(start: Optional[str], finding: Mapping) -> Optional[str]:
    """Certainty from the starting level and the five domains, or None when any domain is unrecorded.

    ``start`` is the certainty the body of evidence starts at (the ``grade_start`` of its design in
    the vocabulary: randomised evidence high, other evidence low); each domain rates down 0, 1 or 2
    levels and large effect, dose-response and plausible confounding rate up; the result is bounded.
    """
    if start is None or any(finding.get(d) is None for d in GRADE_DOMAINS):
        return None
    level = LEVELS.index(start)
    level += sum(finding[d] for d in GRADE_DOMAINS)
    level += sum(finding.get(u) or 0 for u in GRADE_UPGRADES)
    return LEVELS[max(0, min(level, len(LEVELS) - 1))]
