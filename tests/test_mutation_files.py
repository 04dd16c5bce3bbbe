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


def test_a_fifo_is_written_in_place_and_its_failure_named(tmp_path):
    """A FIFO in the test's own folder, never a real device: a fault that renamed over the target must not
    replace /dev/null."""
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    written = []

    def write(path: Path) -> None:
        written.append(path)
        path.write_bytes(b"through the pipe")

    files.atomic_write(fifo, write)
    reader.join(10)
    assert written == [fifo] and received == [b"through the pipe"] and files.is_special(fifo)
    assert refused(files.atomic_write, fifo, full_disk) == f"{fifo}: could not write (No space left on device)"
    assert os.listdir(tmp_path) == ["fifo"]


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


def test_a_staged_file_gets_mode_644_by_default(tmp_path):
    with files.Staged() as staged:
        staged.write(tmp_path / "a.txt", lambda tmp: tmp.write_text("a"))
        staged.commit()
    assert os.stat(tmp_path / "a.txt").st_mode & 0o777 == 0o644


@pytest.mark.parametrize("hard_links", [True, False])
def test_create_new_writes_once_and_never_over_a_file(tmp_path, monkeypatch, hard_links):
    linked = []
    real_link = os.link

    def link(src, dst):
        linked.append(Path(src))
        if not hard_links:  # a file system without hard links: the exclusive create instead
            raise OSError(errno.EPERM, "Operation not permitted")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    target = tmp_path / "new.yaml"
    assert files.create_new(target, b"first\n", 0o600) is True
    assert files.create_new(target, b"second\n") is False
    assert target.read_bytes() == b"first\n" and os.stat(target).st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["new.yaml"]
    assert all(p.parent == tmp_path and p.name.startswith(".new.yaml.") and p.name.endswith(".tmp") for p in linked)


def test_what_a_failed_create_says(tmp_path, monkeypatch):
    def broken(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "link", broken)
    assert refused(files.create_new, tmp_path / "a.yaml", b"x") == f"{tmp_path / 'a.yaml'}: could not write (Input/output error)"

    def no_temporary(*args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", no_temporary)
    assert refused(files.create_new, tmp_path / "a.yaml", b"x") == f"{tmp_path / 'a.yaml'}: could not write (Permission denied)"


def test_a_bibtex_file_is_known_by_its_first_character_after_a_bom_and_space(tmp_path):
    bib = tmp_path / "refs.txt"
    bib.write_bytes(b"\xef\xbb\xbf\n  @article{a, title={A}}\n")
    assert "exists and is a BibTeX file" in refused(files.check_target, bib, "-o", "CSV export")
    other = tmp_path / "other.txt"
    other.write_bytes(b"X@not a bibliography\n")
    files.check_target(other, "-o", "CSV export")


def test_each_kind_of_input_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "studies.yaml"
    data.write_text("[]\n")
    (tmp_path / "vocabulary").mkdir()
    reasons = {
        "data file": files.input_reason(data, data),
        "vocabulary": files.input_reason(tmp_path / "vocabulary" / "x.yaml", data),
        "read": files.input_reason(tmp_path / "out.csv", data, reading=[tmp_path / "out.csv"]),
        "bib": files.input_reason(tmp_path / "mine.bib", tmp_path / "data", bib=tmp_path / "mine.bib"),
        "input": files.input_reason(tmp_path / "x.yml", tmp_path / "data", inputs=[tmp_path / "x.yml"]),
    }
    assert reasons["data file"] == "it is the data file" and reasons["read"] == "it is the file being read"
    assert reasons["vocabulary"].startswith("it is an input in ") and str(tmp_path.name) in reasons["vocabulary"] \
        or reasons["vocabulary"] == "it is an input in ."
    assert reasons["bib"] == "it is the bibliography" and reasons["input"] == "it is an input (x.yml)"
    assert "it is the bibliography" in refused(files.check_target, tmp_path / "mine.bib", "-o", "bib export", "bibtex",
                                               bib=tmp_path / "mine.bib")
    assert "it is an input (x.yml)" in refused(files.check_target, tmp_path / "x.yml", "-o", "x", inputs=[tmp_path / "x.yml"])
    assert files.input_reason(tmp_path / "studies.yaml", tmp_path / "data") is None


def test_a_new_file_gets_mode_644_by_default(tmp_path):
    assert files.create_new(tmp_path / "stub.yaml", b"x") is True
    assert os.stat(tmp_path / "stub.yaml").st_mode & 0o777 == 0o644
