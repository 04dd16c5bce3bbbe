"""Serving the database with Datasette: immutable, with metadata.yml and its settings."""

from __future__ import annotations

from pathlib import Path

from datasette.app import Datasette

from . import metadata as md


def app(db: Path, metadata_path: Path) -> Datasette:
    """The Datasette instance the CLI serves and the tests query; read-only (immutable)."""
    meta = md.read(metadata_path)
    return Datasette(immutables=[str(db)], metadata=meta, settings=md.settings(meta))


def serve_args(db: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """Arguments for `datasette serve` with the same configuration as ``app``."""
    args = ["serve", "-i", str(db), "-m", str(metadata_path), "--host", host, "--port", str(port)]
    for name, value in md.settings(md.read(metadata_path)).items():
        args += ["--setting", name, str(value)]
    return args
