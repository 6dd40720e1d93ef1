"""Damaged state heals: `babelfeed check` finds each kind of damage, `babelfeed repair` moves it
aside and sends the sources it held back to the next ingest, which then leaves exactly the
state a clean run over the same sources leaves. Real files, real flows, real SIGKILLs.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from babelfeed.cli import app
from babelfeed.settings import Settings
from babelfeed.warehouse.repair import repair
from conftest import SEEDS, ingest, table_rows, write_article
from newsroom import ENGLISH, page, warc_bytes

pytestmark = pytest.mark.usefixtures("prefect_server", "packages_dir")

SEED_DAY, REJECT_DAY, WARC_DAY = "2026-10-01", "2026-10-02", "2026-09-15"  # WARC-Date of warc_bytes
TABLES = ("articles", "segments", "rejects")


def make_landing(folder: Path) -> Path:
    """The seeds, an empty file (a reject) and a WARC of three pages, each on its own day."""
    for seed in sorted(SEEDS.glob("*.txt")):
        write_article(folder / seed.name, seed.read_text(encoding="utf-8"), SEED_DAY)
    write_article(folder / "empty.txt", "", REJECT_DAY)
    pages = [(f"https://news.example.org/{i}", "text/html; charset=utf-8",
              page(f"Story {i}", [p.replace("Ministers", f"Ministers {i}") for p in ENGLISH]).encode())
             for i in range(3)]
    (folder / "day.warc.gz").write_bytes(warc_bytes(pages))
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory, prefect_server) -> tuple[Path, Path]:
    """A landing folder and the warehouse one clean run made of it."""
    root = tmp_path_factory.mktemp("clean")
    landing = make_landing(root / "landing")
    ingest(landing, root / "wh")
    return landing, root / "wh"


@pytest.fixture
def damaged(clean, tmp_path) -> tuple[Path, Path]:
    """A copy of the clean warehouse, for a test to damage (the landing folder is shared)."""
    landing, wh = clean
    shutil.copytree(wh, tmp_path / "wh")
    return landing, tmp_path / "wh"


def rows(wh: Path, skip_ids: set[str] = frozenset()) -> dict[str, list[tuple]]:
    out = {}
    for table in TABLES:
        found = table_rows(wh, table)
        out[table] = [r for r in found if not skip_ids & set(map(str, r))]
    return out


def one_file(wh: Path, table: str, day: str) -> Path:
    found = sorted((wh / table).glob(f"*={day}/*.parquet"))
    assert len(found) == 1, found
    return found[0]


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zero_the_middle(path: Path) -> None:
    """Damage that leaves the footer whole: only reading the pages finds it."""
    data = bytearray(path.read_bytes())
    start, end = 64, len(data) // 2
    data[start:end] = bytes(end - start)
    path.write_bytes(bytes(data))


def check(wh: Path):
    return CliRunner().invoke(app, ["check", "--warehouse", str(wh)])


def run_repair(wh: Path):
    return CliRunner().invoke(app, ["repair", "--warehouse", str(wh)])


def quarantined(wh: Path) -> list[str]:
    return sorted(str(p.relative_to(next((wh / "_quarantine").iterdir()))) for p in (wh / "_quarantine").rglob("*")
                  if p.is_file())


DAMAGES = {
    # name: (table, day, how, sources the repair must send back to the next ingest)
    "articles cut in half": ("articles", SEED_DAY, cut_in_half, [s.name for s in sorted(SEEDS.glob("*.txt"))]),
    "segments with zeroed pages": ("segments", WARC_DAY, zero_the_middle, ["day.warc.gz"]),
    "rejects cut in half": ("rejects", REJECT_DAY, cut_in_half, ["empty.txt"]),
}


@pytest.mark.parametrize("name", DAMAGES)
def test_check_finds_a_damaged_table_file_repair_moves_it_and_the_next_ingest_equals_a_clean_run(damaged, clean, name):
    table, day, damage, sources = DAMAGES[name]
    landing, wh = damaged
    target = one_file(wh, table, day)
    damage(target)

    found = check(wh)
    assert found.exit_code == 1 and str(target) in found.output and "babelfeed repair" in found.output

    fixed = run_repair(wh)
    assert fixed.exit_code == 0, fixed.output
    assert f"{target}:" in fixed.output  # the damaged file, named
    listed = [line.strip() for line in fixed.output.splitlines() if line.startswith("  ")]
    assert listed == sorted((landing / s).as_uri() for s in sources)  # what the next ingest reads again
    assert str(target.relative_to(wh)) in quarantined(wh)  # moved, not deleted
    assert not target.exists()
    assert check(wh).exit_code == 0

    report = ingest(landing, wh)
    assert report["counts"]["unchanged"] == 7 - len(sources)  # all but those read again
    assert rows(wh) == rows(clean[1])
    assert check(wh).exit_code == 0


def test_a_cut_ledger_is_rebuilt_from_the_tables_and_nothing_is_processed_again(damaged, clean):
    landing, wh = damaged
    buckets = sorted((wh / "_state" / "ledger").glob("*.parquet"))
    for bucket in buckets:
        cut_in_half(bucket)

    found = check(wh)
    assert found.exit_code == 1 and all(str(b) in found.output for b in buckets)
    fixed = run_repair(wh)
    assert fixed.exit_code == 0, fixed.output
    assert "rebuilt from the tables" in fixed.output
    # Single inputs come back from their rows; a container's shard layout does not: it is read again.
    assert [line.strip() for line in fixed.output.splitlines() if line.startswith("  ")] == [
        (landing / "day.warc.gz").as_uri()
    ]
    assert len(quarantined(wh)) == len(buckets)  # the damaged originals are kept

    report = ingest(landing, wh)
    assert report["counts"]["unchanged"] == 6 and report["counts"]["new"] == 3  # seeds and reject; WARC records
    assert rows(wh) == rows(clean[1])


def test_a_damaged_ledger_of_the_old_single_file_layout_is_rebuilt_into_buckets(damaged, clean):
    landing, wh = damaged
    shutil.rmtree(wh / "_state" / "ledger")
    legacy = wh / "_state" / "sources.parquet"  # what versions before the buckets wrote
    legacy.write_bytes(b"PAR1" + bytes(300))

    found = check(wh)
    assert found.exit_code == 1 and str(legacy) in found.output
    fixed = run_repair(wh)
    assert fixed.exit_code == 0 and "moved aside to" in fixed.output and "6 entries rebuilt" in fixed.output
    assert not legacy.exists() and "_state/sources.parquet" in quarantined(wh)

    report = ingest(landing, wh)
    assert report["counts"]["unchanged"] == 6 and report["counts"]["new"] == 3
    assert rows(wh) == rows(clean[1])


def test_a_run_rebuilds_a_damaged_ledger_itself_but_stops_at_a_damaged_table_file(damaged, clean):
    landing, wh = damaged
    bucket = sorted((wh / "_state" / "ledger").glob("*.parquet"))[0]
    cut_in_half(bucket)
    report = ingest(landing, wh)  # the ledger only: nothing can be lost, so the run heals it
    assert report["counts"]["discovered"] == 7
    assert rows(wh) == rows(clean[1]) and check(wh).exit_code == 0
    assert quarantined(wh) == [str(bucket.relative_to(wh))]

    from babelfeed.errors import WarehouseDamagedError

    target = one_file(wh, "articles", SEED_DAY)
    cut_in_half(target)
    before = {p: p.stat().st_mtime_ns for p in wh.rglob("*") if p.is_file() and p.name != "lock"}
    with pytest.raises(WarehouseDamagedError, match="babelfeed repair") as stopped:
        ingest(landing, wh)
    assert stopped.value.path == str(target)
    after = {p: p.stat().st_mtime_ns for p in wh.rglob("*") if p.is_file() and p.name != "lock"}
    assert after == before  # stopped before writing anything


def test_the_scan_a_run_makes_opens_only_files_written_or_changed_since_the_last(damaged, monkeypatch):
    from babelfeed.warehouse import health
    from babelfeed.warehouse.storage import resolve

    _, wh = damaged
    store, record = resolve(wh), wh / "_state" / health.RECORD
    record.unlink(missing_ok=True)
    every = [path for path, *_ in health.parquet_files(store)]
    opened: list[str] = []
    verify = health._verify_parquet
    monkeypatch.setattr(health, "_verify_parquet", lambda st, path, *rest: opened.append(path) or verify(st, path, *rest))

    assert health.scan(store, full=False, record=record) == [] and sorted(opened) == sorted(every)
    opened.clear()
    assert health.scan(store, full=False, record=record) == [] and opened == []  # nothing changed
    target = one_file(wh, "rejects", REJECT_DAY)
    cut_in_half(target)
    assert [p.path for p in health.scan(store, full=False, record=record)] == [str(target)]
    assert opened == [str(target)]
    opened.clear()
    assert [p.path for p in health.scan(store, full=True)] == [str(target)] and len(opened) == len(every)


def test_sources_that_no_longer_exist_are_named_lost_and_the_rest_heals(tmp_path):
    landing = make_landing(tmp_path / "landing")
    wh = tmp_path / "wh"
    ingest(landing, wh)
    gone = landing / "000_829fa38a8808de3c.txt"
    gone.unlink()
    cut_in_half(one_file(wh, "articles", SEED_DAY))

    from babelfeed.article import stable_id

    lost_id = stable_id(gone.as_uri())
    survivors = [r for r in table_rows(wh, "segments") if r[0] == lost_id]
    assert survivors  # its segments were in an undamaged file
    fixed = run_repair(wh)
    assert fixed.exit_code == 0, fixed.output
    lines = fixed.output.splitlines()
    lost_at = next(i for i, line in enumerate(lines) if line.startswith("lost:"))
    assert lines[lost_at + 1].strip() == gone.as_uri()
    assert gone.as_uri() not in "\n".join(lines[:lost_at])  # not promised for re-ingest

    # Every segment row left has its article; the lost source's surviving rows are in the
    # quarantine, beside the damaged file, readable by pyarrow, and repair names the file.
    article_ids = {r[0] for r in table_rows(wh, "articles")}
    assert {r[0] for r in table_rows(wh, "segments")} <= article_ids
    aside = sorted((wh / "_quarantine").glob(f"*/segments/observed_date={SEED_DAY}/*.parquet"))
    assert len(aside) == 1 and str(aside[0]) in fixed.output
    mine = [r for r in pq.read_table(aside[0]).to_pylist() if r["article_id"] == lost_id]
    assert sorted((r["paragraph_index"], r["sentence_index"]) for r in mine) == sorted(r[1:3] for r in survivors)
    assert check(wh).exit_code == 0

    ingest(landing, wh)
    ingest(landing, tmp_path / "clean")  # the same sources, less the lost one
    assert rows(wh) == rows(tmp_path / "clean")
    assert lost_id not in {r[0] for r in table_rows(wh, "articles")}


def test_runs_history_is_moved_aside_and_nothing_is_read_again(damaged):
    landing, wh = damaged
    target = sorted((wh / "runs").glob("*/*.parquet"))[-1]
    cut_in_half(target)
    assert check(wh).exit_code == 1
    fixed = run_repair(wh)
    assert fixed.exit_code == 0 and "reads these" not in fixed.output
    report = ingest(landing, wh)
    assert report["counts"]["unchanged"] == 7


def test_a_file_of_a_newer_babelfeed_is_reported_left_alone_and_stops_runs(damaged):
    landing, wh = damaged
    target = one_file(wh, "articles", SEED_DAY)
    table = pq.read_table(target)
    meta = {**table.schema.metadata, b"babelfeed.schema_version": b"99"}
    pq.write_table(table.replace_schema_metadata(meta), target)

    found = check(wh)
    assert found.exit_code == 1 and "newer babelfeed" in found.output
    fixed = run_repair(wh)
    assert "left in place" in fixed.output and target.exists()
    result = CliRunner().invoke(app, ["stats", "--warehouse", str(wh)])
    assert result.exit_code == 4 and "newer babelfeed" in result.output


def test_a_damaged_or_incompatible_translation_cache_is_moved_aside_without_a_repair(
        damaged, clean, caplog, installed_model):
    landing, wh = damaged
    cache = wh / "_state" / "translations.sqlite"
    for name in ("translations.sqlite-wal", "translations.sqlite-shm"):
        (wh / "_state" / name).unlink(missing_ok=True)
    cache.write_bytes(b"this is no database" * 200)
    ingest(landing, wh)  # the model translates the German seed: the cache is used
    assert "moved it to" in caplog.text
    kept, = (wh / "_quarantine").glob("*/_state/translations.sqlite")
    assert kept.read_bytes().startswith(b"this is no database")
    with sqlite3.connect(cache) as db:  # recreated, and filled by the run
        assert db.execute("select count(*) from sentences").fetchone()[0] > 0

    # A cache of another layout (a newer babelfeed, say) is not guessed at either.
    with sqlite3.connect(cache) as db:
        db.execute("PRAGMA user_version = 7")
    caplog.clear()
    ingest(landing, wh)
    assert len(list((wh / "_quarantine").glob("*/_state/translations.sqlite"))) == 2
    assert check(wh).exit_code == 0


def _repair_in_child(warehouse: str) -> None:
    """The child leaves with `os._exit`: the test process it was forked from holds a Prefect
    server and threads whose clean-up is not the child's to run."""
    try:
        repair(Settings(warehouse=warehouse))
    except BaseException:
        os._exit(2)
    os._exit(0)


def test_a_repair_killed_at_random_instants_leaves_the_warehouse_no_worse(clean, tmp_path):
    """Fork a repair (imports done, so the work starts at once) and SIGKILL it at a random
    instant of its run; then whatever state it left must still be repaired to the clean state."""
    landing, clean_wh = clean

    def damaged_copy(index: int) -> Path:
        wh = tmp_path / f"wh{index}"
        shutil.copytree(clean_wh, wh)
        cut_in_half(one_file(wh, "articles", SEED_DAY))
        cut_in_half(one_file(wh, "rejects", REJECT_DAY))
        for bucket in sorted((wh / "_state" / "ledger").glob("*.parquet"))[:2]:
            cut_in_half(bucket)
        return wh

    fork = multiprocessing.get_context("fork")
    probe = damaged_copy(99)
    started = time.monotonic()
    child = fork.Process(target=_repair_in_child, args=(str(probe),))
    child.start()
    child.join()
    duration = time.monotonic() - started
    assert child.exitcode == 0

    rng = random.Random(12)
    kills = 0
    for index in range(6):
        wh = damaged_copy(index)
        child = fork.Process(target=_repair_in_child, args=(str(wh),))
        child.start()
        time.sleep(rng.uniform(0.02, 1.0) * duration)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.join()
        # No worse: every table file is whole or one of the files that were damaged before.
        for path in (p for t in TABLES for p in (wh / t).rglob("*.parquet")):
            try:
                pq.read_table(path)
            except Exception:
                assert path.parent.name.endswith((SEED_DAY, REJECT_DAY)), path
        fixed = run_repair(wh)
        assert fixed.exit_code == 0, fixed.output
        assert check(wh).exit_code == 0
        if index % 3 == 0:  # a full run is slow: every third copy goes on to the next ingest
            ingest(landing, wh)
            assert rows(wh) == rows(clean_wh)
    assert kills >= 3
