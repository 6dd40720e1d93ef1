"""The page-dirt evaluation set: its committed labels are well formed, its loader refuses a text
that is not the labelled one, and the benchmark runs (and passes) without the texts.

No test here reads the git-ignored cache: the fixtures are pages written for the tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

import evalset_build  # noqa: E402
import evalset_labels as evalset  # noqa: E402
import html_sets  # noqa: E402

HEX = re.compile(r"^[0-9a-f]+$")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return evalset.read_labels()


def test_every_page_is_labelled_whole_and_well_formed(records):
    assert len({r["id"] for r in records}) == len(records) == len({r["url"] for r in records})
    for r in records:
        where = f"{r.get('id')} {r.get('url')}"
        assert len(r["id"]) == 12 and HEX.match(r["id"]) and r["id"] == evalset.page_id(r["url"]), where
        assert urlsplit(r["url"]).scheme in ("http", "https"), where
        assert r["site"] == evalset_build.site_of(r["url"]), where
        assert re.fullmatch(r"[a-z]{2}", r["language"]), where
        assert r["script"] in evalset.SCRIPTS and r["script"] == evalset_build.SCRIPT_OF[r["language"]], where
        assert r["split"] in evalset.SPLITS, where
        assert len(r["sha256"]) == 64 and HEX.match(r["sha256"]), where
        assert r["lines"], where
        for line_hash, label in r["lines"]:
            assert len(line_hash) == evalset.LINE_HASH_CHARS and HEX.match(line_hash), where
            assert label in evalset.LABEL_NAMES, f"{where}: {label!r} is not a documented kind"


def test_the_set_is_as_wide_as_the_issue_asks_and_split_by_site(records):
    assert len(records) >= 200
    assert len({r["language"] for r in records}) >= 15
    assert len({r["script"] for r in records}) >= 5
    splits_of_site: dict[str, set[str]] = {}
    for r in records:
        splits_of_site.setdefault(r["site"], set()).add(r["split"])
    assert all(len(parts) == 1 for parts in splits_of_site.values()), "a site is in both parts"
    held = Counter(r["language"] for r in records if r["split"] == "heldout")
    assert len(held) >= 15
    assert sum(1 for parts in Counter(r["site"] for r in records).values() if parts >= 2) >= 10  # sites seen twice+


def test_the_readme_documents_every_kind_and_no_other():
    readme = (REPO / "benchmarks" / "evalset" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", readme, re.MULTILINE))
    assert documented == set(evalset.KINDS)


PAGE = "Главная\nМинистр заявил во вторник, что переговоры продолжатся.\nФото: Иван Петров\n\nЧитайте также\n"


def write_set(folder: Path, text: str, stored: str | None = None) -> tuple[Path, Path]:
    """A one-page labels file for `text` and a texts folder holding `stored` (default: `text`)."""
    lines = evalset.split_lines(text)
    labels = ["menu", "body", "credit", "related_links"]
    record = {"id": evalset.page_id("https://example.org/a"), "url": "https://example.org/a",
              "site": "example.org", "language": "ru", "script": "Cyrillic", "split": "heldout",
              "source": "test", "sha256": evalset.text_hash(text),
              "lines": [[evalset.line_hash(line), label] for line, label in zip(lines, labels, strict=True)]}
    labels_file, texts = folder / "labels.jsonl", folder / "texts"
    labels_file.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    texts.mkdir()
    (texts / f"{record['id']}.txt").write_bytes((text if stored is None else stored).encode("utf-8"))
    return labels_file, texts


def test_the_loader_joins_labels_to_the_text(tmp_path):
    labels, texts = write_set(tmp_path, PAGE)
    [page] = evalset.load(labels, texts)
    assert page.lines == ("Главная", "Министр заявил во вторник, что переговоры продолжатся.",
                          "Фото: Иван Петров", "Читайте также")
    assert page.labels == ("menu", "body", "credit", "related_links")
    assert page.raw == PAGE


@pytest.mark.parametrize("stored", [
    PAGE.replace("вторник", "среду"),  # another text
    PAGE.replace("\n", "\r\n"),  # the same words, other bytes: still not the labelled text
])
def test_the_loader_refuses_a_text_whose_hash_differs(tmp_path, stored):
    labels, texts = write_set(tmp_path, PAGE, stored=stored)
    with pytest.raises(evalset.EvalSetError, match=r"SHA-256 .* not the labelled one"):
        evalset.load(labels, texts)


def test_the_loader_says_where_to_get_a_missing_text(tmp_path):
    labels, texts = write_set(tmp_path, PAGE)
    next(texts.iterdir()).unlink()
    assert not evalset.texts_present(labels, texts)
    with pytest.raises(evalset.EvalSetError, match="README"):
        evalset.load(labels, texts)


def test_the_benchmark_without_texts_says_how_to_get_them_and_succeeds(tmp_path):
    labels, texts = write_set(tmp_path, PAGE)
    next(texts.iterdir()).unlink()
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "boilerplate_eval.py"), "--no-html",
                          "--labels", str(labels), "--texts", str(texts)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "not here" in run.stdout and "README" in run.stdout


def test_dirt_specs_name_lines_by_their_start():
    lines = ["Menu", "News", "Sport", "Headline", "Body text.", "Headline", "Foto: A", "Foto: B"]
    assert evalset_build.labels_of(lines, ["menu: Menu ... Sport", "repeated@2: Headline", "credit: Foto: B"]) == [
        "menu", "menu", "menu", "body", "body", "repeated", "body", "credit"]
    with pytest.raises(evalset_build.SpecError, match="no line starts with"):
        evalset_build.labels_of(lines, ["menu: Weather"])
    with pytest.raises(evalset_build.SpecError, match="unknown kind"):
        evalset_build.labels_of(lines, ["navigation: Menu"])
    with pytest.raises(evalset_build.SpecError, match="already menu"):
        evalset_build.labels_of(lines, ["menu: Menu", "other: Menu"])


def test_the_newest_round_is_held_out_and_a_site_seen_before_is_not():
    pages = [{"site": f"{lang}{n}.example", "language": lang, "round": 1} for lang in ("ar", "ja") for n in range(3)]
    pages += [{"site": f"{lang}{n}.example", "language": lang, "round": 2} for lang in ("ar", "ja") for n in range(3, 5)]
    pages.append({"site": "ar0.example", "language": "ar", "round": 2})  # seen in round 1
    split = evalset_build.assign_splits(pages)
    assert split == evalset_build.assign_splits(list(reversed(pages)))  # order of input does not matter
    assert {site for site, part in split.items() if part == "heldout"} == {
        f"{lang}{n}.example" for lang in ("ar", "ja") for n in range(3, 5)}
    assert split["ar0.example"] == "dev"
    assert set(evalset_build.assign_splits(pages[:6]).values()) == {"heldout"}  # one round: all of it held out


def test_the_html_sets_metrics_score_as_their_benchmarks_do():
    truth = "one two three four five six"
    # Shingles of 4 tokens: the truth has 3; an extract with one extra word shares 3 and adds 1.
    tp, fp, fn = html_sets.shingle_counts(truth, truth + " seven")
    assert (tp, fp, fn) == pytest.approx((3 / 4, 1 / 4, 0))
    scores = html_sets.shingle_scores([(tp, fp, fn), html_sets.shingle_counts(truth, "")])
    assert scores["precision"] == pytest.approx(0.75) and scores["recall"] == pytest.approx(0.5)
    page = html_sets.Page("trafilatura", "k", None, b"", with_=("kept  line", "lost line"), without=("menu",))
    assert html_sets.snippet_counts(page, "a kept line\nand the menu") == (1, 1, 1, 0)
    assert html_sets.snippet_counts(page, None) == (0, 0, 2, 1)


def test_the_html_sets_halves_follow_the_page_key_alone():
    """Half A (where HTML options and rules are chosen) and half B (where the choice is checked)
    depend only on the page's key: the same key lands in the same half whatever its content, and
    a set's keys spread over both halves."""
    def page(key: str, html: bytes = b"") -> html_sets.Page:
        return html_sets.Page("aeb", key, None, html)

    keys = [f"{i:040x}" for i in range(200)]
    halves = [html_sets.half(page(k)) for k in keys]
    assert halves == [html_sets.half(page(k, b"<p>other content</p>")) for k in keys]
    assert 60 <= halves.count("A") <= 140 and set(halves) == {"A", "B"}
    expected = ["A" if hashlib.sha256(k.encode()).digest()[0] % 2 == 0 else "B" for k in keys]
    assert halves == expected
