"""metadata.yml: table and column descriptions drawn from the schema, everything else by hand.

``evidence metadata`` rewrites the generated part; tests fail when the file and the schema drift.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Optional

import yaml

from .columns import DESCRIPTIONS

DATABASE = "evidence"
COLUMNS_FILE = Path(__file__).with_name("columns.py")  # generated from the schema (`evidence metadata`)
HEADER = (
    "# Datasette metadata. Table and column descriptions are generated from evidence/schema.py by\n"
    "# `evidence metadata`; edit everything else here by hand (facets, canned queries, settings).\n"
)


def described_tables() -> dict[str, dict[str, Any]]:
    """{table: {"description": …, "columns": {column: description}}} from the SQLModel classes (through
    evidence/columns.py, generated from them)."""
    return copy.deepcopy(DESCRIPTIONS)


def read(path: Path) -> dict[str, Any]:
    """metadata.yml, parsed as strictly as the data (a duplicated key is an error, not the last value)."""
    from .yaml_safe import Loader
    from .problems import EvidenceError

    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=Loader) or {}
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise EvidenceError(f"{path}:{mark.line + 1 if mark else 1}: {e.problem or e}") from None
    except UnicodeDecodeError:
        raise EvidenceError(f"{path}: not UTF-8 text (a Datasette metadata file is YAML)") from None
    except yaml.YAMLError as e:
        raise EvidenceError(f"{path}: {e}") from None


def synced(metadata: dict[str, Any], described: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The metadata with its descriptions replaced by the schema's (``described``, by default as
    evidence/columns.py has them); hand-written keys are kept."""
    tables = metadata.setdefault("databases", {}).setdefault(DATABASE, {}).setdefault("tables", {})
    for name, described in (described or described_tables()).items():
        table = tables.setdefault(name, {})
        table["description"] = described["description"]
        table["columns"] = described["columns"]
    return metadata


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (canned-query SQL) as readable | blocks, as a person would."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def dump(metadata: dict[str, Any]) -> str:
    return HEADER + yaml.dump(metadata, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def write(path: Path) -> bool:
    """Write the descriptions into metadata.yml at ``path``, and evidence/columns.py (the tables' columns and
    descriptions the read layer and exports use) when it is not the schema's; whether columns.py changed."""
    from . import schema
    from .files import write_text

    columns, text = COLUMNS_FILE, schema.columns_module()
    changed = not columns.is_file() or columns.read_text(encoding="utf-8") != text
    if changed:
        write_text(columns, text)
    path.write_text(dump(synced(read(path) if path.exists() else {}, schema.described_tables())), encoding="utf-8")
    return changed


def settings(metadata: dict[str, Any]) -> dict[str, Any]:
    """Datasette settings kept in metadata.yml (Datasette 0.65 reads them from the command line)."""
    return dict(metadata.get("settings") or {})
