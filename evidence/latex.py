"""BibTeX's LaTeX as plain text: accents decoded, braces dropped (von B{\\"u}low → von Bülow)."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text()


def plain(value: Optional[str]) -> Optional[str]:
    """Plain text of a BibTeX value, whitespace collapsed; None stays None."""
    if value is None:
        return None
    if "\\" not in value and "{" not in value and "$" not in value and "~" not in value:
        return " ".join(value.split()) or None
    return " ".join(_converter().latex_to_text(str(value)).split()) or None
