"""Configuration from BABELFEED_* environment variables (pydantic-settings).

Every knob has a default that works on a laptop with the seeds; operators override them in the
environment of the Prefect worker rather than in code.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BABELFEED_", extra="ignore")

    warehouse: str = Field("warehouse", description="Folder the Parquet tables are written to.")
    model_dirs: str = Field(
        "",
        description="Colon-separated folders holding .argosmodel files, installed on first need.",
    )
    online_models: bool = Field(
        True, description="When a language has no model, try the Argos package index."
    )
    max_bytes: int = Field(10 * 1024 * 1024, description="Inputs larger than this are rejected.")
    min_text_chars: int = Field(
        20, description="Fewer letters than this is too little text to detect a language."
    )
    batch_size: int = Field(
        50, ge=1, description="Inputs per Prefect task; records per shard of a WARC or JSONL file."
    )
    workers: int = Field(
        0, ge=0, description="Worker processes for the CPU-bound stages (0: one per core)."
    )
    max_in_flight: int = Field(
        0, ge=0, description="Batches submitted and not yet committed at most (0: one per worker)."
    )
    runner: str = Field(
        "process",
        pattern="^(process|thread)$",
        description="`process`: Prefect's ProcessPoolTaskRunner (every core); `thread`: a thread "
        "pool in the flow's process (one core for the pure-Python stages, no worker start-up).",
    )
    chunk_articles: int = Field(
        500, ge=1, description="A run commits whenever this many articles are waiting."
    )
    chunk_seconds: float = Field(
        60.0, gt=0, description="...or when this many seconds passed since its last commit."
    )
    beam_size: int = Field(4, ge=1, description="Beam width for translation (argos uses 4).")
    translate_device: str = Field(
        "auto",
        pattern="^(auto|cpu|cuda)$",
        description="Where models run: `auto` (CUDA when CTranslate2 sees a GPU, else the CPU), "
        "`cpu` or `cuda` (a run stops before any work when no GPU is usable).",
    )
    translate_compute_type: str = Field(
        "auto",
        description="CTranslate2 compute type; `auto`: int8 on CPU, float16 on CUDA (else the "
        "best the device supports), or one of CTranslate2's (int8_float16, float32...).",
    )
    translate_batch_size: int = Field(
        32, ge=1, description="Sentences per CTranslate2 sub-batch (sorted by length) inside one translate call."
    )
    translate_threads: int = Field(
        0, ge=0, description="CPU threads for translation per worker process (0: the cores shared "
        "among the workers); 8 or more are split into translators of 4 threads.",
    )
    max_decoding_length: int = Field(
        256, ge=1, description="Cap on a translation's tokens; each sentence's own bound is "
        "2 x its tokens + 10, at most this.",
    )
    no_repeat_ngram_size: int = Field(
        0, ge=0, description="CTranslate2: forbid repeating any n-gram of this many tokens in a "
        "translation (0: off; see the README before turning it on).",
    )
    repetition_penalty: float = Field(
        1.0, gt=0, description="CTranslate2: penalise tokens already generated (1: off, > 1 penalises).",
    )
    dedup_threshold: float = Field(
        0.5, gt=0, le=1, description="Articles whose English texts share at least this (estimated "
        "Jaccard) share of their 3-word shingles are near duplicates.",
    )
    sentence_language_min_letters: int = Field(
        40, ge=0, description="Sentences with at least this many letters get their own language "
        "when detection is sure; shorter ones take the article's (0: always the article's).",
    )
    allow_private_addresses: bool = Field(
        False, description="Fetch URLs on private, loopback and link-local addresses (off: refused)."
    )
    http_timeout: float = Field(20.0, description="Seconds to connect and between bytes when fetching.")
    http_retries: int = Field(3, description="Attempts per URL on 5xx answers and timeouts.")
    max_redirects: int = Field(5, description="Redirects followed per URL.")
    user_agent: str | None = Field(None, description="User-Agent for fetching (default: babelfeed/<version>).")
    respect_robots: bool = Field(
        True, description="Read robots.txt and keep out of what it disallows (false: only for your own sites; logged)."
    )
    robots_ttl: float = Field(
        86400.0, ge=0, description="Seconds a fetched robots.txt is kept in the state folder before it is asked again."
    )
    host_concurrency: int = Field(
        1, ge=1, description="Requests in flight to one host at most, across all worker processes."
    )
    host_delay: float = Field(
        1.0, ge=0, description="Seconds between two requests to one host at least (or its Crawl-delay when larger)."
    )
    max_retry_after: float = Field(
        120.0, ge=0, description="Longest wait for a host (Retry-After, Crawl-delay, its turn); beyond it the URL "
        "is a `rate_limited` reject that the next run retries.",
    )
    discovery_ttl: float = Field(
        86400.0, ge=0, description="Seconds the feeds and sitemaps found for a --site are reused before it is "
        "looked at again.",
    )
    extract_timeout: float = Field(
        30.0, ge=0, description="Seconds trafilatura may spend on one HTML page (0: no limit)."
    )
    input_timeout: float = Field(
        60.0, ge=0, description="Seconds one input may spend from extraction to its sentences' "
        "languages; past it the input is a `stage_timeout` reject (0: no limit).",
    )
    lock_timeout: float = Field(
        30.0, description="Seconds a run waits for another run to release the warehouse."
    )
    dask_address: str | None = Field(
        None,
        description="Run the flows' tasks on a Dask cluster (scheduler address, or `local` "
        "for a LocalCluster on this machine); unset: a thread pool in the flow's process.",
    )
    server_port: int = Field(
        4200, ge=1, le=65535, description="Port of the local Prefect server babelfeed starts for this "
        "PREFECT_HOME when PREFECT_API_URL is not set (Prefect's own default port).",
    )
    server_idle_minutes: float = Field(
        60.0, ge=0, description="The local Prefect server stops after this many minutes without a "
        "babelfeed command using it (0: it never stops by itself).",
    )
    state_dir: str | None = Field(
        None,
        description="Local folder for the translation cache and the lock; default "
        "<warehouse>/_state, or ~/.cache/babelfeed/<hash> for an object-store warehouse.",
    )

    @property
    def worker_count(self) -> int:
        """Worker processes to start: the setting, else the cores this process may use."""
        return self.workers or len(os.sched_getaffinity(0))

    @property
    def in_flight(self) -> int:
        return self.max_in_flight or self.worker_count

    def http_policy(self, run_id: str | None = None):
        """How to fetch; with `run_id`, politely (robots.txt and the per-host limiter, whose
        state lives in the state folder and whose slow-downs last for that run)."""
        from babelfeed.sources.http import USER_AGENT, HttpPolicy
        from babelfeed.sources.polite import Politeness

        polite = None
        if run_id is not None:
            polite = Politeness(
                state_dir=str(self.state_path), run_id=run_id, respect_robots=self.respect_robots,
                robots_ttl=self.robots_ttl, host_concurrency=self.host_concurrency, host_delay=self.host_delay,
                max_retry_after=self.max_retry_after,
            )
        return HttpPolicy(
            timeout=self.http_timeout, max_bytes=self.max_bytes, max_redirects=self.max_redirects,
            attempts=self.http_retries, allow_private=self.allow_private_addresses,
            user_agent=self.user_agent or USER_AGENT, max_retry_after=self.max_retry_after, polite=polite,
        )

    @property
    def model_dir_list(self) -> list[Path]:
        return [Path(p) for p in self.model_dirs.split(":") if p.strip()]

    @property
    def state_path(self) -> Path:
        """Local bookkeeping: `<warehouse>/_state`, or a cache folder for object stores."""
        if self.state_dir:
            return Path(self.state_dir)
        from babelfeed.warehouse.storage import resolve

        return resolve(self.warehouse).local_state_dir()
