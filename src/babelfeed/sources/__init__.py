"""Readers that turn user-named inputs into `SourceItem`s (raw bytes + provenance).

Discovery is cheap (names and sizes) so a flow can batch it; reading happens inside the
batch so bytes never travel between workers.
"""

from babelfeed.sources.files import SUPPORTED_SUFFIXES, discover, read

__all__ = ["SUPPORTED_SUFFIXES", "discover", "read"]
