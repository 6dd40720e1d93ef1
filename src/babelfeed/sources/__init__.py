"""Readers that turn user-named inputs into `SourceItem`s (raw bytes + provenance).

Discovery is cheap (names, sizes, times) so a flow can plan and batch it; reading happens
inside the batch so bytes never travel between workers.
"""

from babelfeed.sources.files import SUPPORTED_SUFFIXES, SourceNotFoundError, discover, read

__all__ = ["SUPPORTED_SUFFIXES", "SourceNotFoundError", "discover", "read"]
