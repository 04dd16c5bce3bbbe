"""`evidence add` never loses data: it never overwrites a file, undoes exactly what it wrote (byte for
byte, line endings and mode kept, a symlinked references.bib still a symlink), removes only files it
created, and turns bad input and a full disk into a message."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import BIB

NEW = "@article{jones2023,\n  author = {Jones, Ann and Li, B.},\n  title = {Work-focused therapy},\n  year = {2023},\n  doi = {10.1000/new.1},\n}\n"
INVALID = ("--condition", "not_a_condition")  # makes the new stub fail validation: the add is undone


def add(*args: str, stdin: str | bytes = NEW):
    return CliRunner().invoke(cli, ["add", "-", *args], input=stdin)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.is_symlink(), p.read_bytes() if p.is_file() else None,
                                                stat.S_IMODE(p.lstat().st_mode))
            for p in sorted(folder.rglob("*"))}


def test_an_existing_file_under_the_new_name_is_never_overwritten(project):
    taken = project.write("jones-2023.yaml", "# kept as it is\n[]\n")
    result = add()
    assert result.exit_code == 0, result.output
    assert taken.read_text() == "# kept as it is\n[]\n"
    assert "- id: jones-2023b\n" in (project.data / "jones-2023b.yaml").read_text()


def test_the_undo_restores_references_bib_byte_for_byte_with_its_line_endings_and_mode(project):
    bib = project.data / "references.bib"
    bib.write_bytes(BIB.replace("\n", "\r\n").encode())
    os.chmod(bib, 0o600)
    before = snapshot(project.data)
    result = add(*INVALID)
    assert result.exit_code == 1 and "'not_a_condition' is not a known condition" in result.output
    assert snapshot(project.data) == before


def test_an_entry_is_appended_in_the_file_s_line_endings_and_mode(project):
    bib = project.data / "references.bib"
    original = BIB.replace("\n", "\r\n").encode()
    bib.write_bytes(original)
    os.chmod(bib, 0o640)
    assert add().exit_code == 0
    after = bib.read_bytes()
    assert after.startswith(original) and b"@article{jones2023,\r\n" in after and b"\n" not in after.replace(b"\r\n", b"")
    assert stat.S_IMODE(bib.stat().st_mode) == 0o640


def test_a_symlinked_references_bib_is_written_through_and_stays_a_symlink(project):
    shared = project.root / "shared.bib"
    (project.data / "references.bib").rename(shared)
    os.symlink("../shared.bib", project.data / "references.bib")
    before = snapshot(project.data), shared.read_bytes()
    assert add(*INVALID).exit_code == 1
    assert (snapshot(project.data), shared.read_bytes()) == before
    assert add().exit_code == 0
    assert (project.data / "references.bib").is_symlink() and "@article{jones2023," in shared.read_text()


def test_a_key_with_a_hash_is_refused_and_nothing_is_written(project):
    before = snapshot(project.data)
    result = add(stdin=NEW.replace("jones2023", "jones#2023"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("<stdin>:1: jones#2023: a BibTeX key cannot contain '#': BibTeX misreads it; use letters, digits and - _ : ."
            in result.output)
    assert snapshot(project.data) == before


def test_a_key_yaml_would_read_as_something_else_is_quoted(project):
    result = add(stdin=NEW.replace("jones2023", "2023"))
    assert result.exit_code == 0, result.output
    assert '  citation_key: "2023"\n' in (project.data / "jones-2023.yaml").read_text()


def test_a_full_disk_after_the_stub_undoes_the_stub(project, monkeypatch):
    before = snapshot(project.data)
    real = Path.write_bytes

    def write_bytes(self, data):
        if self.name.startswith(".references.bib."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    result = add()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"Error: {(project.data / 'references.bib').resolve()}: could not write (No space left on device); it is unchanged; "
            "nothing was added (the files written were undone)") in result.output
    assert snapshot(project.data) == before


def test_an_interrupt_while_validating_undoes_everything(project, monkeypatch):
    from evidence import scaffold

    before = snapshot(project.data)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(scaffold, "check", interrupted)
    result = add()
    assert result.exit_code == 1  # click: Aborted!
    assert snapshot(project.data) == before


def test_standard_input_that_is_not_utf8_is_a_message(project):
    before = snapshot(project.data)
    result = add(stdin=b"@article{x,\n  title = {caf\xe9},\n  year = {2020},\n}\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "<stdin>:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8" in result.output
    assert snapshot(project.data) == before


def test_an_uncited_key_of_another_publication_is_refused_not_dropped(project):
    bib = project.data / "references.bib"
    bib.write_text(BIB + "\n@article{spare2019,\n  author = {Spare, S.},\n  title = {Something else},\n  year = {2019},\n}\n")
    before = snapshot(project.data)
    result = add(stdin=NEW.replace("jones2023", "spare2019"))
    assert result.exit_code == 1
    assert ("<stdin>:1: spare2019: the key is already in data/references.bib (line 10) for another "
            "publication; give the new entry a key of its own") in result.output
    assert snapshot(project.data) == before
    same = "@article{spare2019,\n  author = {Spare, S.},\n  title = {Something  else},\n  year = {2019},\n}\n"
    result = add(stdin=same)  # the same publication under its key: the stub cites the entry already there
    assert result.exit_code == 0, result.output
    assert bib.read_bytes() == before["references.bib"][1] and "already in" in result.output


def test_the_undo_never_deletes_a_file_it_did_not_create(project):
    bib = project.data / "references.bib"
    bib.write_bytes(b"")  # present but empty: the undo must leave it, not remove it
    before = snapshot(project.data)
    assert add(*INVALID).exit_code == 1
    assert snapshot(project.data) == before and bib.exists()
