"""Every input that cannot become an article is a rejects row with a reason; the run goes on."""

import random

import pytest

from conftest import SEEDS, table_rows, write_article

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_bad_inputs_become_rejects_and_the_rest_is_written(tmp_path, packages_dir, monkeypatch):
    monkeypatch.setenv("BABELFEED_MAX_BYTES", "100000")
    landing = tmp_path / "landing"
    for seed in SEEDS.glob("*.txt"):
        write_article(landing / seed.name, seed.read_text(encoding="utf-8"), "2026-10-01")
    bad = {
        "empty.txt": b"",
        "blank.txt": b"  \n\t \r\n",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "garbage.txt": bytes(random.Random(1).randrange(128, 256) for _ in range(400)),
        "huge.txt": b"The Pentagon said. " * 6000,
        "short.txt": b"Hi there.",
        "numbers.txt": b"1234 5678 9012 3456 7890 1234 5678 9012 3456 7890",
        "nav.html": b"<html><head><title>x</title></head><body><script>var a;</script></body></html>",
    }
    for name, content in bad.items():
        (landing / name).write_bytes(content)
    report_file = landing / "notes.pdf"  # named explicitly: an unsupported kind is a reject, not a skip
    report_file.write_bytes(b"%PDF-1.7")

    from babelfeed_flows.ingest import ingest

    wh = tmp_path / "wh"
    report = ingest(paths=[str(landing), str(report_file)], warehouse=str(wh))
    assert report["counts"]["articles"] == 5
    rejects = {r[0].rsplit("/", 1)[1]: (r[1], r[2]) for r in table_rows(wh, "rejects")}
    assert {name: reason for name, (reason, _) in rejects.items()} == {
        "empty.txt": "empty",
        "blank.txt": "empty",
        "binary.txt": "binary",
        "garbage.txt": "undecodable",
        "huge.txt": "too_large",
        "short.txt": "too_short",
        "numbers.txt": "too_short",
        "nav.html": "no_text",
        "notes.pdf": "unsupported",
    }
    assert "BABELFEED_MAX_BYTES" in rejects["huge.txt"][1]
    assert "BABELFEED_MIN_TEXT_CHARS" in rejects["short.txt"][1]
    assert report["counts"]["rejected"] == 9 and report["reject_reasons"]["empty"] == 2
