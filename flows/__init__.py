"""Prefect flows that wire babelfeed's stages into tasks (installed as `babelfeed_flows`)."""

import os

# babelfeed's own log lines (model installs, skipped packages, per-input failures) belong in
# the Prefect run log next to the flow's. Must be set before Prefect configures logging.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "babelfeed")
