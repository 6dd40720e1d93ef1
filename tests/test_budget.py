"""No input can stall a run (issue 17).

Every text stage runs in time linear in its input (a property test over generated
pathological text, timed as a ratio within the test, never against a wall clock); a megabyte
line of each awkward kind goes through a real `babelfeed ingest` as an article or a reject and
the next input is processed; a stage that hangs costs its input a `stage_timeout` reject, not
the run; and a command killed with SIGKILL leaves no process of its own behind.
"""

from __future__ import annotations

import gc
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from babelfeed.article import Article, SourceItem
from babelfeed.dedup import fingerprint
from babelfeed.extract import extract
from babelfeed.language import UndetectableError, detect, label_sentences
from babelfeed.normalize import clean
from babelfeed.segment import segment
from babelfeed.translate import quality
from conftest import BABELFEED, SEEDS, cli_env, left_behind, table_rows, write_article

SMALL = 4_000  # characters; the large input is ten times this
SENTENCES = [s for p in sorted(SEEDS.glob("*.txt")) for s in p.read_text(encoding="utf-8").split(". ") if s]

#: One of each class of character the issue names, as a unit to repeat without spaces.
UNITS = [
    "word", "a/", ".", "7", "!?", "/", "中文新闻报道", "日本語のニュース", "مرحبا", "שלום", "ข่าววันนี้",
    "e\u0301", "a\u200b", "\u200b", "\u0301", "-", "…", "。", "।", "http://x.org/a?b=c&", "«»", "_",
]


def _article(text: str, language: str = "en") -> Article:
    return Article("id", "file:///x.txt", "file", datetime.now(UTC), "h", text, language=language)


def _language(text: str) -> str:
    try:
        return detect(text).language
    except UndetectableError:
        return "und"


#: Each text stage, as a function of the (normalized) text it reads.
STAGES = {
    "extract": lambda text: extract(SourceItem("file:///x.txt", "file", text.encode(), datetime.now(UTC))),
    "normalize": clean,
    "language": _language,
    "segment": lambda text: segment(_article(text)),
    "sentence language": lambda text: label_sentences(segment(_article(text, _language(text))), 40),
    "fingerprint": lambda text: fingerprint(_article(text)),
    "translation checks": lambda text: quality.flags(text, text, text.split(), text.split(), 10**9),
}


def _text(unit: str, mixed: bool) -> str:
    """About SMALL characters: `unit` repeated; `mixed`: runs of it between the seeds' sentences
    (taken across every seed, so ten copies read like the same text ten times longer)."""
    if not mixed:
        return unit * (SMALL // len(unit))
    out, i = [], 0
    while sum(map(len, out)) < SMALL:
        out.append(SENTENCES[(i * 7) % len(SENTENCES)] + ". " + unit * (500 // len(unit) + 1) + " ")
        i += 1
    return "".join(out)


def _best_seconds(fn, text: str, repeats: int) -> float:
    """The least CPU time of `repeats` calls: CPU time, not wall time, so other processes on a
    busy machine do not count; the least, so a pause (a page fault, a cache miss) does not."""
    best = float("inf")
    for _ in range(repeats):
        gc.disable()
        start = time.process_time()
        try:
            fn(text)
        finally:
            gc.enable()
        best = min(best, time.process_time() - start)
    return best


#: 10x the input may cost at most this much more time: linear with room for noise and caches;
#: quadratic would be 100x. Below FLOOR seconds a measurement is noise, not a cost.
MAX_GROWTH, FLOOR = 20, 0.002


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.one_of(st.sampled_from(UNITS), st.text(min_size=1, max_size=4).filter(lambda u: u.strip())),
       mixed=st.booleans())
@example(unit="word", mixed=False)
@example(unit="a/", mixed=False)
@example(unit=".", mixed=False)
@example(unit="7", mixed=False)
@example(unit="中文新闻报道", mixed=False)
@example(unit="word", mixed=True)
def test_every_text_stage_takes_time_linear_in_its_input(unit, mixed):
    small = _text(unit, mixed)
    large = small * 10  # the same text, ten times over: only its length differs
    for name, stage in STAGES.items():
        short, long = _best_seconds(stage, small, 5), _best_seconds(stage, large, 3)
        assert long <= MAX_GROWTH * max(short, FLOOR), (
            f"{name}: {len(large)} characters of {unit!r} (mixed={mixed}) took {long:.4f} s, "
            f"{len(small)} took {short:.4f} s: {long / max(short, 1e-9):.0f}x for 10x the input"
        )


# --- a real command -----------------------------------------------------------------------------

MEGABYTE = 1_000_000
AWKWARD = {  # the inputs, a megabyte each, on one line
    "spaced": "word ", "unspaced": "word", "slashes": "a/", "dots": ".", "digits": "7", "chinese": "中文新闻报道",
}


def _ingest(landing: Path, wh: Path, api: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([BABELFEED, "ingest", str(landing), "--warehouse", str(wh)],
                          env=cli_env(api, **env), capture_output=True, text=True, timeout=900)


def test_a_megabyte_line_of_each_awkward_kind_is_an_article_or_a_reject_and_the_run_goes_on(
        tmp_path, prefect_server, packages_dir):
    landing = tmp_path / "landing"
    for name, unit in AWKWARD.items():
        write_article(landing / f"{name}.txt", unit * (MEGABYTE // len(unit)), "2026-10-01")
    # Sorted last in the same batch: processed after every awkward input.
    write_article(landing / "zz-story.txt", (SEEDS / "000_829fa38a8808de3c.txt").read_text(encoding="utf-8"), "2026-10-01")
    done = _ingest(landing, tmp_path / "wh", prefect_server, BABELFEED_WORKERS="1")
    assert done.returncode == 0, done.stderr[-3000:]
    articles = {Path(r[1]).name for r in table_rows(tmp_path / "wh", "articles")}
    rejects = {Path(r[0]).name: r[1] for r in table_rows(tmp_path / "wh", "rejects")}
    assert articles | set(rejects) == {f"{n}.txt" for n in AWKWARD} | {"zz-story.txt"}
    assert "zz-story.txt" in articles
    assert "stage_timeout" not in rejects.values()  # each one finished within its budget
    assert rejects == {"dots.txt": "too_short", "digits.txt": "too_short"}


def test_a_stage_that_hangs_costs_its_input_a_stage_timeout_reject_and_the_run_completes(
        tmp_path, prefect_server, packages_dir):
    landing = tmp_path / "landing"
    for seed in sorted(SEEDS.glob("*.txt")):
        write_article(landing / seed.name, seed.read_text(encoding="utf-8"), "2026-10-01")
    write_article(landing / "stalls.txt", " ".join(SENTENCES[:20]), "2026-10-01")
    done = _ingest(landing, tmp_path / "wh", prefect_server, BABELFEED_WORKERS="1",
                   BABELFEED_INPUT_TIMEOUT="3", BABELFEED_TEST_STALL="normalize:stalls.txt")
    assert done.returncode == 0, done.stderr[-3000:]
    (uri, reason, detail, stage), = [r[:4] for r in table_rows(tmp_path / "wh", "rejects")]
    assert uri.endswith("stalls.txt") and reason == "stage_timeout" and stage == "normalize"
    assert "BABELFEED_INPUT_TIMEOUT" in detail
    assert len(table_rows(tmp_path / "wh", "articles")) == len(list(SEEDS.glob("*.txt")))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the lifeline needs /proc (Linux)")
def test_a_command_killed_with_sigkill_leaves_no_process_of_its_own_behind(tmp_path, prefect_server, packages_dir):
    landing = tmp_path / "landing"
    for i in range(4):
        write_article(landing / f"stalls-{i}.txt", " ".join(SENTENCES[i:i + 20]), "2026-10-01")
    command = subprocess.Popen(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(tmp_path / "wh"), "--batch-size", "1"],
        env=cli_env(prefect_server, BABELFEED_WORKERS="2", BABELFEED_TEST_STALL="language:stalls"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        # Workers and their helpers (spawned by the workers, stuck in a stage) are running.
        while len(left_behind(command.pid)) < 4 and time.monotonic() < deadline:
            assert command.poll() is None, "the command ended before it could be killed"
            time.sleep(0.5)
        assert len(left_behind(command.pid)) >= 4
    finally:
        command.send_signal(signal.SIGKILL)
        command.wait()
    deadline = time.monotonic() + 20
    while left_behind(command.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left_behind(command.pid) == []
