"""How many examples a property test tries. By default a small share, so the suite stays quick; every
one with ``EVIDENCE_HYPOTHESIS=full`` (``make test-full``, the scheduled job's command)."""

from __future__ import annotations

import os

FULL = os.environ.get("EVIDENCE_HYPOTHESIS") == "full"


def examples(full: int) -> int:
    """``full`` examples under the full profile, an eighth of them (at least 20) by default."""
    return full if FULL else max(20, full // 8)
