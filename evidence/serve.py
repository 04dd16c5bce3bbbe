"""Serving the database with Datasette: immutable, with metadata.yml and its settings."""

from __future__ import annotations

from pathlib import Path

from . import metadata as md


def app(db: Path, metadata_path: Path):
    """The Datasette instance the tests query, configured as `evidence serve` runs it: immutable."""
    from datasette.app import Datasette  # heavy import: the CLI only needs the argument builders

    meta = md.read(metadata_path)
    return Datasette(immutables=[str(db)], metadata=meta, settings=md.settings(meta))


def setting_args(metadata_path: Path) -> list[str]:
    """--setting NAME VALUE for each setting in metadata.yml."""
    return [arg for name, value in md.settings(md.read(metadata_path)).items() for arg in ("--setting", name, str(value))]


def serve_args(db: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """Arguments for `datasette serve` with the same configuration as ``app``."""
    return ["serve", "-i", str(db), "-m", str(metadata_path), "--host", host, "--port", str(port),
            *setting_args(metadata_path)]


def publish_args(db: Path, metadata_path: Path, service: str, wheel: Path) -> list[str]:
    """Arguments for `datasette publish cloudrun`: the immutable database, metadata and settings,
    with this package installed from its wheel (shipped as a static folder, copied before pip runs)."""
    return ["publish", "cloudrun", str(db), "--metadata", str(metadata_path), "--service", service,
            "--static", f"wheels:{wheel.parent}", "--install", f"wheels/{wheel.name}",
            "--extra-options", " ".join(setting_args(metadata_path))]
