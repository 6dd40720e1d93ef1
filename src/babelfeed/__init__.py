"""babelfeed: multilingual news in, English-aligned Parquet tables out.

The package is a set of plain stages (sources, extract, normalize, language, segment,
translate, warehouse) with no orchestration import, so each can be tested alone and run under
any executor. The Prefect layer lives in `flows/` (installed as `babelfeed_flows`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("babelfeed")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

PIPELINE_VERSION = __version__
