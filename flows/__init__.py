"""Prefect flows that wire babelfeed's stages into tasks (installed as `babelfeed_flows`)."""
