"""GRADE rules (../shared/grade-rules.md): statement wording and certainty computed from its domains.

Pure functions; the validator turns what they return into problems.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from .columns import GRADE_DOMAINS, GRADE_UPGRADES
from .vocabulary import scales

# The certainty scale, least certain first, and its symbols: both from evidence/scales.yaml.
LEVELS = tuple(reversed(scales().ranked("certainty")))
SYMBOLS = {level: scales().terms("certainty")[level]["symbol"] for level in LEVELS}

VERY_UNCERTAIN = re.compile(r"\bthe evidence is very uncertain\b", re.I)
PROBABLY = re.compile(r"\b(probably|likely)\b", re.I)
MAY = re.compile(r"\bmay\b", re.I)
HEDGE = re.compile(r"\b(may|probably|likely|very uncertain)\b", re.I)
NO_DIFFERENCE = re.compile(r"\blittle (to|or) no (difference|effect)\b", re.I)

# Each cue a certainty's wording names (evidence/scales.yaml: wording_needs, wording_excludes; vocabulary.CUES):
# its pattern and the key words, one of which the lowered statement holds whenever the pattern matches.
CUES = {
    "may": (MAY, ("may",)),
    "probably or likely": (PROBABLY, ("probabl", "likely")),
    "very uncertain": (re.compile(r"\bvery uncertain\b", re.I), ("uncertain",)),
    "the evidence is very uncertain": (VERY_UNCERTAIN, ("uncertain",)),
}
OUT_OF_PLACE = ("the evidence is very uncertain",)  # the cues a statement of no certainty on the scale must not hold

# What GRADE expects at each certainty, as said to the curator; what a statement needs and must not hold.
EXPECTED = {level: term["wording"] for level, term in scales().terms("certainty").items()}
WORDING = {level: (tuple(term["wording_needs"] or ()), tuple(term["wording_excludes"] or ()))
           for level, term in scales().terms("certainty").items()}


# re.IGNORECASE also matches these letters to ASCII ones (İ, ı: i; ſ: s; K: k); mapped so that the
# lowered statement contains each pattern's key word whenever the pattern can match (read_statement).
_AS_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def read_statement(statement: str, certainty: Optional[str]) -> tuple[bool, Optional[str]]:
    """(whether the wording fits the certainty, the direction it reads as or None): one pass.

    The wording fits when the statement holds one of the certainty's wording_needs (if it names any) and
    none of its wording_excludes. Each cue is searched only when its key word is in the statement at all,
    which most statements settle for most cues (no cue can match without its key word).
    """
    lowered = statement.translate(_AS_ASCII).lower()
    found: dict[str, bool] = {}

    def holds(cue: str) -> bool:
        if cue not in found:
            pattern, keys = CUES[cue]
            found[cue] = any(key in lowered for key in keys) and bool(pattern.search(statement))
        return found[cue]

    needs, excludes = WORDING.get(certainty, ((), OUT_OF_PLACE))
    fits = (not needs or any(map(holds, needs))) and not any(map(holds, excludes))
    if certainty == "very_low" or holds("the evidence is very uncertain"):
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
