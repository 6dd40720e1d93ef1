"""Which WARC reader babelfeed uses: warcio against fastwarc (design: Sources, shards).

Writes, with warcio, a Common Crawl-like archive: --records response records of about
--page-kb KB of HTML each (every response followed by its request record), once as .warc.gz
with one gzip member per record and once uncompressed. Then, per reader and per file:
  read   a full iteration that parses every response's HTTP headers and reads its body
         (what `sources.warc.records` does)
  scan   the offset scan: every record's type and offset, bodies skipped
         (what `sources.shards.scan` does before a container is split into shards)
Both readers get the same open Python file object, as babelfeed gives them (it hashes and
seeks the file itself). Reports the best of --repeat runs in seconds, records/s, and
fastwarc's speed-up over warcio. (babelfeed reads with warcio all the same: speed is not all
a reader must have; sources/warc.py says why.)

Usage: .venv/bin/python benchmarks/warc_readers.py [--records 2000] [--page-kb 60] [--repeat 2]
(fastwarc is not a dependency: `.venv/bin/pip install fastwarc` first.)
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator as WarcioIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def _pages(count: int, size: int) -> list[bytes]:
    """HTML pages of real prose (the seed corpus), so gzip compresses them as it does news."""
    from random_argos import seed_lines

    lines, rng = seed_lines(), random.Random(0)
    pages = []
    for i in range(count):
        parts = [f"<!doctype html><html><head><title>Story {i}</title></head><body><article>"]
        length = len(parts[0])
        while length < size:
            paragraph = f"<p>{' '.join(rng.sample(lines, 3))}</p>\n"
            parts.append(paragraph)
            length += len(paragraph.encode("utf-8"))
        parts.append("</article></body></html>")
        pages.append("".join(parts).encode("utf-8"))
    return pages


def write_warc(path: Path, pages: list[bytes], gzip_it: bool) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzip_it)
        for i, body in enumerate(pages):
            uri = f"https://news.example.org/{i}.html"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers))
            writer.write_record(writer.create_warc_record(
                uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))


def warcio_read(path: Path) -> int:
    count = 0
    with open(path, "rb") as f:
        for record in WarcioIterator(f):
            if record.rec_type == "response":
                record.http_headers.get_header("Content-Type")
                record.content_stream().read()
                count += 1
    return count


def warcio_scan(path: Path) -> int:
    offsets = []
    with open(path, "rb") as f:
        records = WarcioIterator(f, no_record_parse=True)
        for record in records:
            offsets.append((records.get_record_offset(), record.rec_type))
    return sum(kind == "response" for _, kind in offsets)


def fastwarc_read(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.record_type == WarcRecordType.response:
                record.http_headers.get("Content-Type")
                record.reader.read()
                count += 1
    return count


def fastwarc_scan(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    with open(path, "rb") as f:
        offsets = [(r.stream_pos, r.record_type) for r in ArchiveIterator(f, parse_http=False)]
    return sum(kind == WarcRecordType.response for _, kind in offsets)


def best_of(repeat: int, work: Callable[[Path], int], path: Path, expected: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        found = work(path)
        times.append(time.perf_counter() - start)
        if found != expected:
            raise SystemExit(f"{work.__name__} found {found} responses in {path.name}, "
                             f"expected {expected}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    try:
        import fastwarc  # noqa: F401 - is it installed?
    except ImportError:
        raise SystemExit("fastwarc is not installed: run `.venv/bin/pip install fastwarc` "
                         "first") from None
    from importlib.metadata import version

    work = Path(tempfile.mkdtemp(prefix="babelfeed-bench-"))
    start = time.perf_counter()
    pages = _pages(args.records, args.page_kb * 1024)
    files = {"warc.gz": work / "news.warc.gz", "warc": work / "news.warc"}
    write_warc(files["warc.gz"], pages, gzip_it=True)
    write_warc(files["warc"], pages, gzip_it=False)
    print(f"wrote {args.records} responses of ~{args.page_kb} KB with warcio in "
          f"{time.perf_counter() - start:.1f} s: " + ", ".join(
              f"{name} {path.stat().st_size / 2**20:.0f} MiB" for name, path in files.items()))
    print(f"warcio {version('warcio')}, fastwarc {version('fastwarc')}, best of {args.repeat}\n")

    print(f"{'file':<8} {'task':<5} {'warcio s':>9} {'rec/s':>8} {'fastwarc s':>11} {'rec/s':>8} "
          f"{'speed-up':>9}")
    tasks = (("read", warcio_read, fastwarc_read), ("scan", warcio_scan, fastwarc_scan))
    for name, path in files.items():
        for task, slow, fast in tasks:
            a = best_of(args.repeat, slow, path, args.records)
            b = best_of(args.repeat, fast, path, args.records)
            print(f"{name:<8} {task:<5} {a:>9.2f} {args.records / a:>8.0f} {b:>11.2f} "
                  f"{args.records / b:>8.0f} {a / b:>8.1f}x")
    for path in files.values():
        path.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
