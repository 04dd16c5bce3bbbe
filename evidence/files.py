"""Writing files safely: through a temporary file beside the target, renamed over it when complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .problems import EvidenceError


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside ``path`` so a failure never leaves half a file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise EvidenceError(f"{path.parent}: the folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Atomically write ``text`` as UTF-8."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
