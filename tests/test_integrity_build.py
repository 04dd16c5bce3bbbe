"""A build never loses or damages data: targets that are inputs are refused, two builds of one
database cannot interleave, a full disk or a kill at any point leaves the old database as it was,
temporary files of killed builds are cleaned up, and the database and its changelog are written
together or not at all."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence import build as builder
from evidence import files
from evidence.pipeline import write as writer
from evidence.cli import cli
from evidence.problems import EvidenceError, ValidationFailed
from tests.conftest import ROOT, leftovers

FULL = OSError(errno.ENOSPC, "No space left on device")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def built(project) -> Path:
    assert run("build").exit_code == 0
    return project.root / "evidence.db"


def lock_is_free(db: Path) -> bool:
    with open(db.parent / f".{db.name}.lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(f, fcntl.LOCK_UN)
        return True


def temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if ".tmp" in n)


# --- targets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--db", "data/studies.yaml"], "data/studies.yaml: refusing to write the db there: it is inside the data folder data; "
                                    "give --db another file"),
    (["--db", "data/references.bib"], "data/references.bib: refusing to write the db there: it is the bibliography; "
                                      "give --db another file"),
    (["--db", "data/new.db"], "data/new.db: refusing to write the db there: it is inside the data folder data; "
                              "give --db another file"),
    (["--changelog", "data/vocabulary/outcome.yaml"], "data/vocabulary/outcome.yaml: refusing to write the changelog there: "
                                                      "it is inside the data folder data; give --changelog another file"),
    (["--changelog", "evidence.db"], "evidence.db: the changelog cannot be the database"),
    (["--changelog", "missing/changes.md"], "missing: the folder for the changelog does not exist; nothing was written"),
])
def test_a_target_that_is_an_input_is_refused_before_anything_is_read(built, project, args, message):
    before = {p: p.read_bytes() for p in [built, *project.data.rglob("*")] if p.is_file()}
    result = run("build", "--force", *args)
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.output and "Loaded" not in result.stderr  # refused before reading
    assert {p: p.read_bytes() for p in before} == before


def test_a_symlink_to_an_input_is_an_input(built, project):
    os.symlink("data/studies.yaml", project.root / "link.db")
    result = run("build", "--db", "link.db")
    assert result.exit_code == 1 and "it is inside the data folder" in result.stderr


def test_an_existing_file_that_is_not_our_database_is_never_overwritten(project):
    notes = project.root / "notes.txt"
    notes.write_text("my notes\n")
    other = project.root / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table t (x)")
    for path in (notes, other):
        before = path.read_bytes()
        result = run("build", "--db", path.name)
        assert result.exit_code == 1, result.output
        assert (f"{path.name}: exists and is not a database this tool built (no SQLite header or no build_info table); "
                "refusing to overwrite it") in result.stderr
        assert path.read_bytes() == before
    (project.root / "empty.db").touch()  # nothing to lose
    assert run("build", "--db", "empty.db").exit_code == 0


def test_a_single_data_file_build_beside_its_database(project):
    assert run("build", "--data", "data/studies.yaml", "--db", "data/evidence.db").exit_code == 0
    result = run("build", "--data", "data/studies.yaml", "--db", "data/studies.yaml")
    assert result.exit_code == 1 and "it is the data file" in result.stderr


# --- the lock --------------------------------------------------------------------------------------


def test_a_second_build_refuses_while_one_holds_the_lock(built, project):
    before = built.read_bytes()
    with open(project.root / ".evidence.db.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run("build", "--force")
        assert result.exit_code == 1
        assert ("Error: evidence.db: another build is writing this database (it holds .evidence.db.lock); "
                "nothing was done: build again when it has finished") in result.stderr
    assert built.read_bytes() == before
    assert run("build", "--force").exit_code == 0 and lock_is_free(built)


# --- stale temporaries -----------------------------------------------------------------------------


def test_temporaries_of_killed_builds_are_removed_by_the_next_build(built, project):
    old = time.time() - 3600
    stale = [".evidence.db.abc_1234.tmp", ".evidence.db.abc_1234.tmp-journal", ".changes.md.zz9.tmp"]
    kept = [".evidence.db.backup", ".other.db.abc12345.tmp", "evidence.db.abc12345.tmp", ".evidence.db.x y.tmp"]
    for name in stale + kept:
        (project.root / name).write_text("left over")
        os.utime(project.root / name, (old, old))
    fresh = project.root / ".evidence.db.new12345.tmp"  # younger than the build: not ours to judge
    fresh.write_text("x")
    future = time.time() + 3600
    os.utime(fresh, (future, future))
    assert run("build", "--force", "--changelog", "changes.md").exit_code == 0
    assert not any((project.root / n).exists() for n in stale)
    assert all((project.root / n).exists() for n in kept) and fresh.exists()


# --- a full disk -------------------------------------------------------------------------------------


def test_a_full_disk_while_writing_the_database_names_it_and_changes_nothing(built, project, monkeypatch):
    before = built.read_bytes()

    def full(*args, **kwargs):
        raise FULL

    monkeypatch.setattr(writer, "_write_tables", full)
    result = run("build", "--force")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {built}: could not write (No space left on device); it is unchanged" in result.stderr
    assert built.read_bytes() == before and leftovers(project.root) == [] and lock_is_free(built)


def test_sqlite_reporting_a_full_disk_is_an_error_that_names_the_database(built, project, monkeypatch):
    before = built.read_bytes()

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(writer, "insert_rows", full)
    result = run("build", "--force")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {built}: could not write the database (database or disk is full); it is unchanged" in result.stderr
    assert built.read_bytes() == before and leftovers(project.root) == []


def test_the_database_and_its_changelog_are_written_together_or_not_at_all(built, project):
    before = built.read_bytes()
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")
    changelog = project.root / "changes.md"
    real_write_text = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name.startswith(".changes.md."):
            raise FULL
        return real_write_text(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as fault:  # not the fixture's monkeypatch: that one holds the chdir
        fault.setattr(Path, "write_text", write_text)
        result = run("build", "--changelog", "changes.md")
    assert result.exit_code == 1
    assert "Error: changes.md: could not write (No space left on device); it is unchanged" in result.stderr
    assert built.read_bytes() == before and not changelog.exists() and leftovers(project.root) == []
    result = run("build", "--changelog", "changes.md")  # the retry is not "up to date": it writes both
    assert result.exit_code == 0 and "Built evidence.db" in result.output
    assert "**certainty**: “low” → “moderate”" in changelog.read_text()


# --- the incremental build's copy of the database ------------------------------------------------------


def test_an_incremental_build_applies_its_plan_to_the_copy_made_while_it_parsed(built, project, monkeypatch):
    """The copy is made in a thread of its own (files.BackgroundCopy), started before the plan is made, and
    the write stage waits for it to be complete (here a slow copy) before it applies the plan to it."""
    copies = []
    real = writer.shutil.copyfile

    def slow(*args, **kwargs):
        copies.append(threading.current_thread().name)
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(writer.shutil, "copyfile", slow)
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")
    log: list[str] = []
    builder.build(project.data, built, log=log.append)
    assert any("incrementally" in line for line in log) and copies == ["evidence-copy"], (log, copies)
    assert builder.stored_hash(built) == builder.check(project.data)[2] and temporaries(project.root) == []


def test_the_copy_is_started_before_the_plan_only_for_a_database_of_this_code(built, project, monkeypatch):
    """The copy starts before the plan is made, when the database records being built by this code: a plan
    that then reads everything (a vocabulary changed) leaves it, and it is removed; a database of other
    code (the plan is "everything") starts none."""
    copies = []
    real = writer.shutil.copyfile

    def counted(*args, **kwargs):
        copies.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(writer.shutil, "copyfile", counted)
    project.edit("  name_nl: kanker\n", "  name_nl: kanker (ziekte)\n", "vocabulary/condition.yaml")
    log: list[str] = []
    builder.build(project.data, built, log=log.append)
    assert "Reading everything: a vocabulary file changed" in log and copies == ["evidence-copy"], (log, copies)
    assert builder.stored_hash(built) == builder.check(project.data)[2] and temporaries(project.root) == []
    copies.clear()
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")
    monkeypatch.setattr(builder, "code_fingerprint", lambda: b"other code")
    builder.build(project.data, built, log=log.append)
    assert "Reading everything: the code changed, or the database records no input blocks" in log and copies == []
    assert temporaries(project.root) == [] and lock_is_free(built)


@pytest.mark.parametrize("fault", ["error in the changed source", "full disk", "interrupted while copying",
                                   "interrupted while parsing"])
def test_an_incremental_build_that_stops_leaves_the_database_and_no_copy(built, project, monkeypatch, fault):
    before = built.read_bytes()
    if fault == "error in the changed source":
        project.edit("certainty: low", "certainty: sideways")
    else:
        project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")

        def failing(*args, **kwargs):
            raise FULL if fault == "full disk" else KeyboardInterrupt

        where = (builder, "parse_and_validate") if fault == "interrupted while parsing" else (writer.shutil, "copyfile")
        monkeypatch.setattr(*where, failing)
    try:
        builder.build(project.data, built)
    except (ValidationFailed, EvidenceError, KeyboardInterrupt) as e:
        assert fault != "full disk" or "No space left on device" in str(e)
    else:
        pytest.fail("the build went on")
    assert built.read_bytes() == before and temporaries(project.root) == [] and lock_is_free(built)


# --- killed at random points -----------------------------------------------------------------------

STEPS = [(writer, "_write_tables"), (writer, "insert_rows"), (writer, "_changes"), (writer.diff, "between"),
         (writer.diff, "rows"), (files.os, "replace"), (files, "_sync"), (builder, "remove_stale_temporaries"),
         (writer, "apply"), (writer, "search_index"), (writer, "relabel"),
         (writer.shutil, "copyfile"), (files.BackgroundCopy, "wait")]


def test_interrupted_in_process_at_random_points(built, project):
    rng = random.Random(20260101)
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")
    before = built.read_bytes()
    for _ in range(6):
        module, name = rng.choice(STEPS)
        real = getattr(module, name)
        after = rng.randint(0, 2)  # let the step run a few times first, where it runs several times
        calls = []

        def interrupted(*args, real=real, after=after, calls=calls, **kwargs):
            calls.append(1)
            if len(calls) > after:
                raise rng.choice([KeyboardInterrupt, SystemExit])
            return real(*args, **kwargs)

        with pytest.MonkeyPatch.context() as fault:  # not the fixture's monkeypatch: that one holds the chdir
            fault.setattr(module, name, interrupted)
            try:
                builder.build(project.data, built, changelog=project.root / "changes.md")
            except (KeyboardInterrupt, SystemExit):
                pass
        assert temporaries(project.root) == [] and lock_is_free(built), name
        if built.read_bytes() != before:  # interrupted after the database's rename: the new build is complete
            assert builder.stored_hash(built) == builder.check(project.data)[2], name
            assert (project.root / "changes.md").exists(), name  # renamed before the database
            before = built.read_bytes()
            project.edit("wording_justification: test", f"wording_justification: test {rng.random()}")


KILLER = """
import sys
from pathlib import Path
from evidence import build
build.build(Path(sys.argv[1]), Path(sys.argv[2]), force=True, changelog=Path(sys.argv[3]))
"""


def test_killed_with_sigkill_at_random_moments(tmp_path):
    """A real kill: no finally runs, temporaries are left, the lock dies with the process."""
    rng = random.Random(7)
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(ROOT / "data"), str(data)], check=True)
    db, changelog = tmp_path / "evidence.db", tmp_path / "changes.md"
    builder.build(data, db)
    started = time.monotonic()
    for _ in range(4):
        before = db.read_bytes()
        child = subprocess.Popen([sys.executable, "-c", KILLER, str(data), str(db), str(changelog)], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.returncode == -signal.SIGKILL and db.read_bytes() != before:
            # killed after the rename (the build had finished; the process had not yet exited): the new
            # database is complete, and the changelog, renamed before it, is there
            assert builder.stored_hash(db) == builder.quick_hash(data, None) and changelog.exists()
        with sqlite3.connect(db) as conn:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert lock_is_free(db)
        if time.monotonic() - started > 15:
            break
    builder.build(data, db, force=True, changelog=changelog)  # the next build cleans up after the killed ones
    assert temporaries(tmp_path) == [] and lock_is_free(db)
