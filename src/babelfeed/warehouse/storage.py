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
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq


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

    def parquet_metadata(self, path: str) -> pq.FileMetaData:
        """A Parquet file's footer, without reading its data."""
        return pq.read_metadata(path, filesystem=self.fs)

    def read_parquet(self, path: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(path, filesystem=self.fs, columns=columns)

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
