"""Duplicate groups: exact and near copies join the group of the first article, across runs,
and the groups never move once given."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from babelfeed import dedup
from babelfeed.article import Article, stable_id
from babelfeed.normalize import normalize_text
from conftest import SEEDS, ingest, write_article

DAY, LATER = "2026-10-01", "2026-10-02"


def groups(wh) -> dict[str, tuple[str, str | None]]:
    """source file name -> (duplicate_group, duplicate_kind)."""
    rows = duckdb.sql(
        f"select source_uri, duplicate_group, duplicate_kind from read_parquet('{wh}/articles/**/*.parquet')"
    ).fetchall()
    return {uri.rsplit("/", 1)[1]: (group, kind) for uri, group, kind in rows}


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def edited(text: str) -> str:
    """A copy as another outlet runs it: last paragraph cut, a few words changed."""
    paragraphs = [p for p in text.splitlines() if p.strip()][:-1]
    paragraphs[1] = paragraphs[1].replace("the", "a", 2)
    paragraphs[3] = paragraphs[3].replace("Israel", "the Israeli state")
    return "\n".join(paragraphs)


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    for seed in sorted(SEEDS.glob("*.txt")):
        write_article(folder / seed.name, seed.read_text(encoding="utf-8"), DAY)
    return folder


def uri_id(path) -> str:
    return stable_id(path.resolve().as_uri())


@pytest.mark.usefixtures("prefect_server")
def test_copies_in_later_runs_join_the_first_articles_group_and_groups_never_move(landing, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    ingest(landing, wh)
    first = groups(wh)
    seed_000 = next(landing.glob("000_*.txt"))
    assert first[seed_000.name] == (uri_id(seed_000), None)
    assert len({g for g, _ in first.values()}) == 5 and {k for _, k in first.values()} == {None}

    # A later run brings a copy with other spacing and punctuation, and an edited copy.
    exact = seed_text("000").replace(". ", ".  ").replace(",", " ,")
    write_article(landing / "wire-copy.txt", exact, LATER)
    write_article(landing / "edited-copy.txt", edited(seed_text("000")), LATER)
    ingest(landing, wh)
    now = groups(wh)
    assert now["wire-copy.txt"] == (uri_id(seed_000), "exact")
    assert now["edited-copy.txt"] == (uri_id(seed_000), "near")
    seed_003, seed_004 = (next(landing.glob(f"{p}_*.txt")) for p in ("003", "004"))
    assert now[seed_003.name] == (uri_id(seed_003), None) and now[seed_004.name] == (uri_id(seed_004), None)
    assert {k: v for k, v in now.items() if k in first} == first  # earlier articles keep theirs
    from typer.testing import CliRunner

    from babelfeed.cli import app

    shown = CliRunner().invoke(app, ["stats", "--warehouse", str(wh)], terminal_width=200)
    cells = [[c.strip() for c in line.split("│") if c.strip()] for line in shown.output.splitlines()]
    assert ["exact", "1"] in cells and ["near", "1"] in cells

    # A re-run and a backfill that re-processes everything change no group.
    ingest(landing, wh)
    from datetime import date

    from babelfeed_flows.backfill import backfill

    backfill(start=date.fromisoformat(DAY), end=date.fromisoformat(LATER), paths=[str(landing)], warehouse=str(wh))
    assert groups(wh) == now

    # A changed article is indexed anew; a removed one leaves the index.
    write_article(landing / "edited-copy.txt", seed_text("003"), LATER)  # now a copy of another seed
    write_article(landing / "wire-copy.txt", "ok 123", LATER)  # now a reject: its article goes
    ingest(landing, wh)
    after = groups(wh)
    assert after["edited-copy.txt"] == (uri_id(seed_003), "exact") and "wire-copy.txt" not in after
    index = dedup.DuplicateIndex(wh / "_state" / "dedup.sqlite", 0.5)
    assert index.group_of(uri_id(landing / "wire-copy.txt")) is None
    assert index.group_of(uri_id(landing / "edited-copy.txt")) == (uri_id(seed_003), "exact")
    index.close()

    # Lost: rebuilt from the articles table, with the same groups.
    (wh / "_state" / "dedup.sqlite").unlink()
    write_article(landing / "another-copy.txt", seed_text("004"), LATER)
    ingest(landing, wh)
    rebuilt = groups(wh)
    assert rebuilt["another-copy.txt"] == (uri_id(seed_004), "exact")
    assert {k: v for k, v in rebuilt.items() if k in after} == after
    assert (wh / "_state" / "dedup.sqlite").exists()


def article(article_id: str, text: str, english: str | None = None) -> Article:
    return Article(article_id, article_id, "file", datetime(2026, 10, 1, tzinfo=UTC), "h",
                   normalize_text(text), text_english=english)


def test_a_translation_is_grouped_on_its_english_text(tmp_path):
    index = dedup.DuplicateIndex(tmp_path / "dedup.sqlite", 0.5)
    english = seed_text("000")
    original, translated = index.assign([  # indexed oldest first, then by id: "a-en" first
        article("a-en", english, normalize_text(english)),
        article("b-de", "Das ist der deutsche Text.", normalize_text(english)),
    ])
    assert (original.duplicate_group, original.duplicate_kind) == ("a-en", None)
    assert (translated.duplicate_group, translated.duplicate_kind) == ("a-en", "exact")


def test_different_stories_about_one_event_stay_apart(tmp_path):
    index = dedup.DuplicateIndex(tmp_path / "dedup.sqlite", 0.5)
    out = index.assign([article(p, seed_text(p), normalize_text(seed_text(p))) for p in ("000", "001", "003", "004")])
    assert [(a.duplicate_group, a.duplicate_kind) for a in out] == [(a.article_id, None) for a in out]


def test_only_saved_changes_survive_and_a_new_threshold_rederives_the_bands(tmp_path):
    path = tmp_path / "dedup.sqlite"
    index = dedup.DuplicateIndex(path, 0.5)
    index.assign([article(f"a{i}", seed_text(p), normalize_text(seed_text(p))) for i, p in enumerate(("000", "003"))])
    index.save()
    index.assign([article("unsaved", seed_text("004"), normalize_text(seed_text("004")))])
    index.close()  # as a kill would: the last changes were never saved
    reopened = dedup.DuplicateIndex(path, 0.5)
    assert len(reopened) == 2 and reopened.group_of("unsaved") is None
    reopened.close()
    stricter = dedup.DuplicateIndex(path, 0.97)  # other bands: keys derived again from the signatures
    copy = stricter.assign([article("copy", seed_text("003"), normalize_text(seed_text("003")))])[0]
    assert (copy.duplicate_group, copy.duplicate_kind) == ("a1", "exact")
    edited_copy = stricter.assign([article("edit", edited(seed_text("000")), normalize_text(edited(seed_text("000"))))])[0]
    assert edited_copy.duplicate_kind is None  # 0.97 is stricter than this copy's similarity


@pytest.mark.usefixtures("prefect_server")
def test_a_damaged_index_is_moved_to_the_quarantine_and_rebuilt(landing, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    ingest(landing, wh)
    before = groups(wh)
    path = wh / "_state" / "dedup.sqlite"
    path.write_bytes(b"not a database" * 100)
    write_article(landing / "copy.txt", seed_text("001"), LATER)
    ingest(landing, wh)
    seed_001 = next(landing.glob("001_*.txt"))
    assert groups(wh)["copy.txt"] == (uri_id(seed_001), "exact")
    assert {k: v for k, v in groups(wh).items() if k in before} == before
    kept, = (wh / "_quarantine").glob("*/_state/dedup.sqlite")
    assert kept.read_bytes().startswith(b"not a database")


def _as_before_issue_20(path, wh) -> None:
    """Turn the index at `path` into one written before signatures had a scheme: datasketch's
    SHA-1 MinHash of the same shingles, bands to match, no scheme recorded."""
    from datasketch import MinHash

    from babelfeed.dedup.index import _band_keys
    from babelfeed.dedup.signature import NUM_PERM, SEED, SHINGLE_WORDS, words

    def sha1_signature(text: str):
        w = words(text)
        shingles = {" ".join(w[i : i + SHINGLE_WORDS]) for i in range(max(1, len(w) - SHINGLE_WORDS + 1))}
        minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
        minhash.update_batch([s.encode("utf-8") for s in shingles])
        return minhash.hashvalues.astype("uint32")

    texts = dict(duckdb.sql(f"select article_id, coalesce(text_english, text_original) "
                            f"from read_parquet('{wh}/articles/**/*.parquet')").fetchall())
    index = dedup.DuplicateIndex(path, 0.5)
    rows = index.db.execute("SELECT article_id, grp, kind, exact_key FROM entries ORDER BY rowid").fetchall()
    index.db.executescript("DELETE FROM entries; DELETE FROM bands; DELETE FROM scheme;")
    for article_id, group, kind, key in rows:
        values = sha1_signature(texts[article_id])
        index.db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", (article_id, group, kind, key, values.tobytes()))
        index.db.executemany("INSERT INTO bands VALUES (?, ?)", ((k, article_id) for k in _band_keys(values, index.ranges)))
    index.save()
    index.close()


@pytest.mark.usefixtures("prefect_server")
def test_an_index_of_another_signature_scheme_is_rebuilt_once_and_the_groups_stay(landing, tmp_path, packages_dir):
    """Issue 20 changed the signatures (rensa instead of datasketch's SHA-1): the values of two
    schemes cannot be compared, so an index from before is rebuilt from the articles table on the
    first run, once, and every group stays as it was."""
    from babelfeed.dedup.signature import SCHEME

    wh = tmp_path / "wh"
    # Observed later than the seeds: within one day the index takes articles by id, a hash of
    # the path, so the copy could come first and its original join the copy's group.
    write_article(landing / "edited-copy.txt", edited(seed_text("000")), LATER)
    ingest(landing, wh)
    before = groups(wh)
    seed_000 = next(landing.glob("000_*.txt"))
    assert before["edited-copy.txt"] == (uri_id(seed_000), "near")
    path = wh / "_state" / "dedup.sqlite"
    _as_before_issue_20(path, wh)
    old = dedup.DuplicateIndex(path, 0.5)
    assert old.scheme is None and old.stale
    with pytest.raises(RuntimeError, match="open_index"):
        old.assign([article("x", seed_text("001"))])  # never compared with signatures of another scheme
    old.close()

    # A later run brings another edited copy: found near its original only if the index was rebuilt.
    write_article(landing / "second-edit.txt", edited(seed_text("003")), LATER)
    ingest(landing, wh)
    after = groups(wh)
    assert {k: v for k, v in after.items() if k in before} == before
    seed_003 = next(landing.glob("003_*.txt"))
    assert after["second-edit.txt"] == (uri_id(seed_003), "near")
    rebuilt = dedup.DuplicateIndex(path, 0.5)
    assert rebuilt.scheme == SCHEME and not rebuilt.stale
    rebuilt.close()

    # Once: the next run opens the index as it is.
    inode = path.stat().st_ino
    write_article(landing / "third.txt", seed_text("004"), LATER)
    ingest(landing, wh)
    assert path.stat().st_ino == inode
    assert groups(wh)["third.txt"] == (uri_id(next(landing.glob("004_*.txt"))), "exact")
