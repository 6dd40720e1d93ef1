"""Where a warehouse lives: a local folder or an object store, through pyarrow's filesystems.

Atomic replacement differs by kind and is decided here, once. On a local filesystem a file is
written under a hidden temporary name, fsynced and renamed over the target (rename is atomic
on POSIX). On object storage a PUT is atomic by itself: an object becomes visible only when
its upload completes, so a killed writer leaves the old object in place and no temporary name
is needed (the file is encoded in memory first, so only a complete file is ever uploaded). S3 credentials and endpoint come from the usual AWS environment variables
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from babelfeed.errors import WarehouseDamagedError, explain

#: Where `quarantine` moves damaged files: `<warehouse>/_quarantine/<time>/<their path>`, out of
#: every table's folder, so no reader or glob of a table sees them, and never deleted.
QUARANTINE = "_quarantine"


def quarantine_stamp() -> str:
    """The `<time>` folder of one quarantine: UTC, sortable, one per repair or healing."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def set_aside(path: Path, state_dir: Path, warehouse: str, stamp: str | None = None) -> Path:
    """Move a local state file (an SQLite database, with its -wal and -shm files) into the
    quarantine, and return where it went.

    The default state folder is `<warehouse>/_state`: its files go to the warehouse's own
    `_quarantine/<time>/_state/`. A state folder elsewhere (an object-store warehouse, or
    BABELFEED_STATE_DIR) keeps its own `_quarantine/<time>/`. A WAL file left beside a new
    database would be replayed into it, so the companions always move with the database.
    """
    stamp = stamp or quarantine_stamp()
    store = resolve(warehouse)
    if store.is_local and Path(state_dir).resolve() == Path(store.root) / "_state":
        folder = Path(store.root) / QUARANTINE / stamp / "_state"
    else:
        folder = Path(state_dir) / QUARANTINE / stamp
    folder.mkdir(parents=True, exist_ok=True)
    for companion in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        if companion.exists():
            os.replace(companion, folder / companion.name)
    return folder / path.name


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _means_damage(exc: BaseException) -> bool:
    """A read error that says the file is damaged: not a missing file, nor a full disk, a
    denied permission or an unreachable object store (OSErrors too, which stay what they are)."""
    return not isinstance(exc, FileNotFoundError) and explain(exc) is None


@contextmanager
def reading(path: str) -> Iterator[None]:
    """Turn a read error that means "this file is damaged" into one that names the file.

    pyarrow reports a cut or overwritten Parquet file as ArrowInvalid or as a bare OSError
    (a page header that does not parse).
    """
    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        if not _means_damage(exc):
            raise
        raise WarehouseDamagedError(path, _first_line(exc)) from exc


@dataclass(frozen=True)
class Storage:
    fs: pafs.FileSystem
    root: str  # path inside `fs`, without a trailing slash
    uri: str  # the warehouse as the user named it

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type == pafs.FileType.File

    def subdirs(self, path: str) -> list[str]:
        """Names of the folders directly under `path` (none if it does not exist)."""
        infos = self.fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
        return sorted(i.base_name for i in infos if i.type == pafs.FileType.Directory)

    def files(self, path: str, suffix: str) -> list[tuple[str, int]]:
        """(path, size) of the files directly under `path` ending in `suffix`, by name; hidden
        names (a leading dot: temporary files being written) are not listed."""
        infos = self.fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
        return sorted(
            (i.path, i.size) for i in infos
            if i.type == pafs.FileType.File and i.base_name.endswith(suffix) and not i.base_name.startswith(".")
        )

    def temporaries(self, path: str) -> list[str]:
        """Temporary files a killed writer left under `path` (at any depth): never part of the
        warehouse, since only a complete file is renamed into place."""
        infos = self.fs.get_file_info(pafs.FileSelector(path, allow_not_found=True, recursive=True))
        return sorted(
            i.path for i in infos
            if i.type == pafs.FileType.File and i.base_name.startswith(".") and i.base_name.endswith(".tmp")
        )

    def parquet_metadata(self, path: str) -> pq.FileMetaData:
        """A Parquet file's footer, without reading its data."""
        with reading(path):
            return pq.read_metadata(path, filesystem=self.fs)

    def read_parquet(self, path: str, columns: list[str] | None = None) -> pa.Table:
        with reading(path):
            return pq.read_table(path, filesystem=self.fs, columns=columns)

    @contextmanager
    def reading_all(self, paths: Iterable[str]) -> Iterator[None]:
        """`reading` for a read of many files at once (a dataset), whose errors do not always
        name the file: on failure each file is read again alone, row group by row group, to
        find the damaged one."""
        paths = list(paths)
        try:
            yield
        except (pa.ArrowException, OSError) as exc:
            if not _means_damage(exc):
                raise
            for path in paths:
                try:
                    self.read_through(path)
                except WarehouseDamagedError as damaged:
                    raise damaged from exc
            raise

    def read_through(self, path: str, checksums: bool = False) -> int:
        """Read every page of a Parquet file, one row group at a time (so memory stays that of
        a row group), verifying page checksums if asked; returns the rows read. A damaged file
        raises `WarehouseDamagedError` naming it."""
        with reading(path), self.fs.open_input_file(path) as source:
            batches = pq.ParquetFile(source, page_checksum_verification=checksums).iter_batches()
            return sum(batch.num_rows for batch in batches)

    def quarantine(self, path: str, stamp: str, keep_original: bool = False) -> str:
        """Move a file of the warehouse to `_quarantine/<stamp>/` under the same relative path
        and return where it went; with `keep_original`, copy it (for a file about to be
        rebuilt under its own name, such as a ledger bucket). Locally a move is a rename
        (atomic); on an object store a copy, then the delete: a move killed half-way leaves the
        file in both places, never in neither."""
        relative = path[len(self.root) + 1 :] if path.startswith(self.root + "/") else path.lstrip("/")
        target = self.path(QUARANTINE, stamp, relative)
        if self.is_local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        if keep_original:
            self.fs.copy_file(path, target)
        elif self.is_local:
            os.replace(path, target)
        else:
            self.fs.copy_file(path, target)
            self.fs.delete_file(path)
        return target

    def write_parquet(self, table: pa.Table, path: str, **options) -> None:
        """Replace `path` with `table` so readers only ever see the old or the new file."""
        if not self.is_local:
            # Encode fully in memory first: an error while encoding must not reach the store,
            # where closing a half-written stream would publish it.
            buffer = pa.BufferOutputStream()
            pq.write_table(table, buffer, **options)
            with self.fs.open_output_stream(path) as sink:
                sink.write(buffer.getvalue())
            return
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A leading dot and a .tmp suffix keep half-written files out of `**/*.parquet` globs
        # and out of pyarrow datasets.
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as sink:
                pq.write_table(table, sink, **options)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # make the rename itself durable
        finally:
            os.close(fd)

    def delete(self, path: str) -> None:
        """Delete a file and, locally, its folder if that is now empty."""
        if self.fs.get_file_info(path).type == pafs.FileType.File:
            self.fs.delete_file(path)
        if self.is_local:
            try:
                Path(path).parent.rmdir()
            except OSError:
                pass

    def local_state_dir(self) -> Path:
        """A local folder for what cannot live in an object store (SQLite cache, lock)."""
        if self.is_local:
            return Path(self.root) / "_state"
        digest = hashlib.sha256(self.uri.encode()).hexdigest()[:16]
        return Path.home() / ".cache" / "babelfeed" / digest


def resolve(warehouse: str | Path) -> Storage:
    """A warehouse named by a local path or a URI such as s3://bucket/prefix."""
    text = str(warehouse)
    if "://" in text and not text.startswith("file://"):
        fs, root = pafs.FileSystem.from_uri(text)
        return Storage(fs, root.rstrip("/"), text)
    local = Path(text.removeprefix("file://")).expanduser().resolve()
    return Storage(pafs.LocalFileSystem(), str(local), text)
