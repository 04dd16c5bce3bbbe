"""Faults planted in evidence/files.py that its other tests let through (bench/mutation.py, group files):
what each refusal and failure says, where temporaries go and what they are called, which leftovers count
as a killed build's, and which existing files a target check lets a command write over."""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import tempfile
from pathlib import Path

import pytest

from evidence import files
from evidence.problems import EvidenceError


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(EvidenceError) as e:
        call(*args, **kwargs)
    return str(e.value)


def full_disk(path):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_staged_file_is_written_beside_its_target_as_a_hidden_temporary_with_mode_644(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # not the target's folder
    target, seen = tmp_path / "out.csv", []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("a", encoding="utf-8")

    files.atomic_write(target, write)
    [tmp] = seen
    assert tmp.parent == tmp_path and tmp.name.startswith(".out.csv.") and tmp.name.endswith(".tmp")
    assert target.read_text(encoding="utf-8") == "a" and os.stat(target).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["out.csv"]


def test_what_a_failed_write_says(tmp_path, monkeypatch):
    assert refused(files.atomic_write, tmp_path / "no" / "x.csv", full_disk) == f"{tmp_path / 'no'}: the folder does not exist"
    assert refused(files.atomic_write, tmp_path / "x.csv", full_disk) == \
        f"{tmp_path / 'x.csv'}: could not write (No space left on device); it is unchanged"
    folder = tmp_path / "taken"
    (folder / "inside").mkdir(parents=True)  # os.replace cannot put a file over a folder
    assert refused(files.atomic_write, folder, lambda tmp: tmp.write_text("a")) == \
        f"{folder}: could not replace it (Is a directory)"
    assert os.listdir(tmp_path) == ["taken"]  # no temporary left

    def no_temporary(*args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", no_temporary)
    assert refused(files.atomic_write, tmp_path / "x.csv", full_disk) == \
        f"{tmp_path / 'x.csv'}: could not write (Permission denied); it is unchanged"


def test_a_device_is_written_in_place_and_its_failure_named(tmp_path):
    written = []
    files.atomic_write(Path(os.devnull), written.append)
    assert written == [Path(os.devnull)]
    assert refused(files.atomic_write, Path(os.devnull), full_disk) == f"{os.devnull}: could not write (No space left on device)"


def test_devices_fifos_and_sockets_are_special_and_files_are_not(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        assert [files.is_special(p) for p in (Path(os.devnull), fifo, tmp_path / "sock")] == [True, True, True]
    finally:
        sock.close()
    (tmp_path / "file").write_text("x")
    assert [files.is_special(p) for p in (tmp_path / "file", tmp_path, tmp_path / "missing")] == [False, False, False]


def test_a_discarded_staging_writes_nothing_and_forgets_what_it_staged(tmp_path):
    with files.Staged() as staged:
        staged.write(tmp_path / "a.txt", lambda tmp: tmp.write_text("a"))
        [(tmp, _, _)] = staged.pending
        tmp.unlink()  # already gone: discarding is still quiet
        staged.discard()
        staged.commit()  # nothing left to commit
    assert os.listdir(tmp_path) == []


def test_only_this_tools_temporaries_older_than_the_time_given_are_stale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)
    target = tmp_path / "evidence.db"
    names = [".evidence.db.k9_x.tmp", ".evidence.db.k9_x.tmp-journal", ".evidence.db.k9_x.tmp-wal",
             ".evidence.db.k9_x.tmp-shm"]
    others = [".evidence.db.a-b.tmp", ".evidence.db..tmp", ".other.db.k9_x.tmp", ".evidence.db.k9_x.tmp-other",
              ".evidence.db.new.tmp"]
    for name in names + others:
        (tmp_path / name).write_text("x")
    os.symlink(tmp_path / names[0], tmp_path / ".evidence.db.link.tmp")
    old = 1_000_000_000
    for name in names + others[:-1]:
        os.utime(tmp_path / name, (old, old))
    os.utime(tmp_path / ".evidence.db.link.tmp", (old, old), follow_symlinks=False)  # a link is never one
    os.utime(tmp_path / ".evidence.db.new.tmp", (old + 10, old + 10))
    assert files.stale_temporaries(target, old + 10) == sorted(tmp_path / n for n in names)
    assert files.stale_temporaries(target, old) == []


# --- which existing files a command may write over -----------------------------------------------


def sqlite_file(path: Path, sql: str) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    return path


def test_a_database_with_build_infos_three_columns_is_one_this_tool_built(tmp_path):
    built = sqlite_file(tmp_path / "built.db", "create table build_info (content_hash, package_version, row_counts)")
    files.check_target(built, "--db", "database", "database")
    other = sqlite_file(tmp_path / "other.db", "create table build_info (content_hash, package_version)")
    assert refused(files.check_target, other, "--db", "database", "database") == (
        f"{other}: exists and is not a database this tool built (no SQLite header or no build_info table); refusing "
        "to overwrite it: give --db another file, or remove it yourself")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)  # a header and nothing SQLite can read
    assert "is not a database this tool built" in refused(files.check_target, broken, "--db", "database", "database")


def test_an_existing_file_of_another_kind_is_refused_and_of_the_kind_written_is_not(tmp_path):
    bib = tmp_path / "old.bib"
    bib.write_text("@article{a, title={A}}\n")
    files.check_target(bib, "-o", "bib export", "bibtex")
    text = tmp_path / "notes.txt"
    text.write_text("plain text\n")
    files.check_target(text, "-o", "bib export", "bibtex")
    assert refused(files.check_target, bib, "-o", "CSV export") == \
        f"{bib}: exists and is a BibTeX file; refusing to overwrite it with the CSV export: give -o another file, or remove it yourself"


def test_standard_output_passes_whatever_a_file_named_dash_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sqlite_file(tmp_path / "-", "create table t (a)")
    files.check_target(Path("-"), "-o", "CSV export")
    files.check_target("-", "-o", "CSV export")


def test_what_a_refused_target_says(tmp_path):
    assert refused(files.check_target, tmp_path, "-o", "CSV export") == f"{tmp_path}: is a folder; give -o a file"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert refused(files.check_target, fifo, "--db", "database", "database") == \
        f"{fifo}: is not a regular file; a database is written to a file: give --db another one"
    files.check_target(fifo, "-o", "CSV export")  # an export may go to a FIFO
    files.check_target(fifo, "-o", "bib export", "bibtex")
