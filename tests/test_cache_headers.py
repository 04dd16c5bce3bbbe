"""HTTP caching of the site (evidence/site/cache_headers.py), on real responses of the real data's build.

What the headers mean is read in RFC 9111 (Cache-Control: max-age 5.2.2.1, public 5.2.2.9, private
5.2.2.7), RFC 8246 (immutable) and RFC 9110 (ETag 8.8.3, If-None-Match 13.1.2, 304 15.4.5).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ROOT


def client(db: Path, mutable: bool = False):
    from datasette.app import Datasette

    from evidence import metadata as md
    from evidence.serve import app

    if mutable:
        meta = md.read(ROOT / "metadata.yml")
        datasette = Datasette(files=[str(db)], metadata=meta, settings=md.settings(meta))
    else:
        datasette = app(db, ROOT / "metadata.yml")

    def get(path: str, **headers: str):
        return asyncio.run(datasette.client.get(path, headers=headers))

    return get


def stamped(real_db: Path, folder: Path, name: str, **columns: str) -> Path:
    """A copy of the real build with build_info's columns set (as a release stamps them)."""
    db = folder / f"{name}.db"
    shutil.copy(real_db, db)
    with sqlite3.connect(db) as conn:
        for column, value in columns.items():
            conn.execute(f"update build_info set {column} = ?", (value,))
    conn.close()
    return db


@pytest.fixture(scope="module")
def build_site(real_db):
    return client(real_db)


@pytest.fixture(scope="module")
def release_site(real_db, tmp_path_factory):
    return client(stamped(real_db, tmp_path_factory.mktemp("release"), "evidence", release="2026.1",
                          released_at="2026-06-01"))


PAGES = ["/", "/evidence/findings", "/evidence/findings.json?_size=5", "/gap-map", "/evidence/findings.csv?_stream=1"]


@pytest.mark.parametrize("path", PAGES)
def test_a_build_is_cached_briefly_and_revalidated_with_a_304(build_site, path):
    first = build_site(path)
    assert first.status_code == 200 and first.content
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('-en"')
    assert "Cookie" in first.headers["vary"].split(", ")
    again = build_site(path, **{"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = build_site(path, **{"if-none-match": '"something-else"'})
    assert other.status_code == 200 and other.content and other.headers["etag"] == etag  # (JSON times its query)


def test_a_release_is_immutable_with_its_own_etag(build_site, release_site):
    build, release = build_site("/evidence/findings"), release_site("/evidence/findings")
    assert release.status_code == 200 and "<table" in release.text
    assert release.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert release.headers["etag"] != build.headers["etag"]
    assert release_site("/evidence/findings", **{"if-none-match": build.headers["etag"]}).status_code == 200
    assert release_site("/evidence/findings", **{"if-none-match": release.headers["etag"]}).status_code == 304


def test_the_etag_is_addressed_by_the_content_hash(real_db, tmp_path, build_site):
    """Two databases that differ only in build_info.content_hash never share an ETag; the same
    content hash gives the same ETag in another server process's instance."""
    (tmp_path / "same").mkdir(), (tmp_path / "other").mkdir()
    same, other = (stamped(real_db, tmp_path / "same", "evidence"),
                   stamped(real_db, tmp_path / "other", "evidence", content_hash="0" * 64))
    etag = build_site("/").headers["etag"]
    assert client(same)("/").headers["etag"] == etag
    assert client(other)("/").headers["etag"] != etag


def test_a_visitor_with_a_cookie_is_cached_privately_per_language(build_site):
    english = build_site("/evidence/findings")
    dutch = build_site("/evidence/findings", cookie="lang=nl")
    assert "Bevindingen" in dutch.text and dutch.headers["cache-control"] == "private, max-age=60"
    assert dutch.headers["etag"] != english.headers["etag"] and dutch.headers["etag"].endswith('-nl"')
    # an English ETag does not answer for the Dutch page
    assert build_site("/evidence/findings", cookie="lang=nl", **{"if-none-match": english.headers["etag"]}).status_code == 200


def test_what_must_not_be_cached_is_left_alone(build_site, real_db):
    switch = build_site("/evidence/findings?lang=nl")  # sets the language cookie
    assert "set-cookie" in switch.headers and "etag" not in switch.headers
    missing = build_site("/evidence/no_such_table")
    assert missing.status_code == 404 and "etag" not in missing.headers
    versions = build_site("/-/versions.json")  # a /-/ page describes the server (the debug pages are off)
    assert versions.status_code == 200 and "etag" not in versions.headers
    static = build_site("/-/static/app.css")
    assert static.status_code == 200 and static.headers["cache-control"] == "public, max-age=60"
    mutable = client(real_db, mutable=True)("/evidence/findings")
    assert mutable.status_code == 200 and "etag" not in mutable.headers
    assert mutable.headers.get("cache-control") != "public, max-age=60"
