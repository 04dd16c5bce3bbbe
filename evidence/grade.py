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


def wording_fits(statement: str, certainty: str) -> bool:
    """Does the statement use the informative-statement wording for its certainty?"""
    very_uncertain = bool(VERY_UNCERTAIN.search(statement))
    probably = bool(PROBABLY.search(statement))
    may = bool(MAY.search(statement))
    if certainty == "very_low":
        return very_uncertain
    if very_uncertain:
        return False
    if certainty == "high":
        return not HEDGE.search(statement)
    if certainty == "moderate":
        return probably
    if certainty == "low":
        return may and not probably
    return True


def direction_from_wording(statement: str, certainty: Optional[str]) -> Optional[str]:
    """The direction a GRADE statement reads as, or None when the wording does not settle it."""
    if certainty == "very_low" or VERY_UNCERTAIN.search(statement):
        return "uncertain"
    if NO_DIFFERENCE.search(statement):
        return "little_or_no_difference"
    return None


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
