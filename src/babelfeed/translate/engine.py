"""One CTranslate2 model with its package's tokenizer: bounded, scored, checked decoding.

Three things a bare `translate_batch` call does not give a pipeline that runs unattended:
- **A length bound that follows the source.** A model that loops would otherwise fill the
  fixed `max_decoding_length` (256 tokens for a 10-token sentence). Sentences are sorted by
  length and cut into sub-batches; each sub-batch may decode `LENGTH_RATIO` x its longest
  source + `LENGTH_EXTRA` tokens, capped by BABELFEED_MAX_DECODING_LENGTH, and a sentence's
  output is cut at its own bound. Sub-batches are submitted asynchronously, so CTranslate2's
  translators (inter_threads) work on them at once.
- **A score.** The mean log-probability of the chosen hypothesis's tokens, derived from the
  length-normalised score CTranslate2 returns (`return_scores`): no second pass.
- **Flags** for what looks wrong (`quality.flags`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from babelfeed import models
from babelfeed.settings import Settings
from babelfeed.translate.device import Device, resolve
from babelfeed.translate.quality import flags

#: A translation may have this many tokens per source token, plus LENGTH_EXTRA...
LENGTH_RATIO = 2
LENGTH_EXTRA = 10
#: Beam search's length penalty (what argostranslate uses): the score CTranslate2 returns is
#: the hypothesis's log-probability divided by its length to this power.
LENGTH_PENALTY = 0.2


@dataclass(frozen=True, slots=True)
class Translation:
    english: str
    score: float | None  # mean token log-probability; None where no model decoded it
    tokens: int  # output tokens (weights the article's mean score)
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decoding:
    """The settings that shape a translation; they are part of its cache key."""

    beam_size: int
    max_batch_size: int
    max_length: int  # the cap on any sentence's bound
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    def limit(self, source_tokens: int) -> int:
        return max(1, min(self.max_length, LENGTH_RATIO * source_tokens + LENGTH_EXTRA))

    @property
    def key(self) -> str:
        return (
            f"beam={self.beam_size} lp={LENGTH_PENALTY} len={LENGTH_RATIO}x+{LENGTH_EXTRA}<={self.max_length}"
            f" nrng={self.no_repeat_ngram_size} rp={self.repetition_penalty}"
        )


def mean_log_prob(score: float, tokens: int, finished: bool) -> float:
    """Undo the length normalisation: a finished hypothesis also scored its end token."""
    length = max(1, tokens + (1 if finished else 0))
    return score * length**LENGTH_PENALTY / length


class Engine:
    """A model on a device; build it with `load_engine` so each process loads it once."""

    def __init__(self, model: models.Model, device: Device, decoding: Decoding) -> None:
        import ctranslate2
        from argostranslate.package import Package

        package = Package(model.path)
        if getattr(package, "tokenizer", None) is None:
            raise models.ModelInstallError(
                f"{model.path} has neither sentencepiece.model nor bpe.model; reinstall the package"
            )
        self.model = model
        self.device = device
        self.decoding = decoding
        self.tokenizer = package.tokenizer
        self.target_prefix = package.target_prefix
        self.translator = ctranslate2.Translator(
            str(model.path / "model"), device=device.name, compute_type=device.compute_type,
            inter_threads=device.translators, intra_threads=device.threads,
        )
        self.calls = 0
        self.sentences = 0
        self.tokens = 0
        self.seconds = 0.0

    def translate(self, sentences: Sequence[str]) -> list[Translation]:
        """Translate many sentences in one call: sorted by length, in bounded sub-batches."""
        if not sentences:
            return []
        start = time.perf_counter()
        self.calls += 1
        d = self.decoding
        sources = [self.tokenizer.encode(s) for s in sentences]
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        size = d.max_batch_size or len(order)
        jobs = []
        for begin in range(0, len(order), size):
            chunk = order[begin : begin + size]
            limit = d.limit(max(len(sources[i]) for i in chunk))
            batch = [sources[i] for i in chunk]
            jobs.append((chunk, limit, self.translator.translate_batch(
                batch,
                target_prefix=[[self.target_prefix]] * len(batch) if self.target_prefix else None,
                beam_size=d.beam_size,
                max_decoding_length=limit,
                no_repeat_ngram_size=d.no_repeat_ngram_size,
                repetition_penalty=d.repetition_penalty,
                length_penalty=LENGTH_PENALTY,
                replace_unknowns=True,
                return_scores=True,
                asynchronous=True,
            )))
        out: list[Translation | None] = [None] * len(sources)
        for chunk, limit, pending in jobs:
            for i, job in zip(chunk, pending, strict=True):
                out[i] = self._translation(sentences[i], sources[i], job.result(), limit)
        self.sentences += len(sources)
        self.tokens += sum(t.tokens for t in out)
        self.seconds += time.perf_counter() - start
        return out

    def _translation(self, source: str, source_tokens: list[str], result, limit: int) -> Translation:
        """One sentence's translation. Its sub-batch's bound may exceed its own (a longer
        sentence set it): what runs past its own bound is cut, and the score stays the one
        CTranslate2 gave the decoded hypothesis."""
        hypothesis = result.hypotheses[0]
        finished = len(hypothesis) < limit
        score = mean_log_prob(result.scores[0], len(hypothesis), finished)
        own_limit = self.decoding.limit(len(source_tokens))
        kept = hypothesis[:own_limit]
        text = self.tokenizer.decode(kept)
        if self.target_prefix and text.startswith(self.target_prefix):
            text = text[len(self.target_prefix) :]
        text = text.strip()
        return Translation(
            english=text,
            score=round(score, 6),
            tokens=len(kept),
            flags=flags(source, text, source_tokens, kept, own_limit),
        )


_engine_lock = threading.Lock()


@lru_cache(maxsize=8)
def _engine(model: models.Model, device: Device, decoding: Decoding) -> Engine:
    return Engine(model, device, decoding)


def decoding_for(settings: Settings) -> Decoding:
    return Decoding(
        beam_size=settings.beam_size,
        max_batch_size=settings.translate_batch_size,
        max_length=settings.max_decoding_length,
        no_repeat_ngram_size=settings.no_repeat_ngram_size,
        repetition_penalty=settings.repetition_penalty,
    )


def device_for(settings: Settings) -> Device:
    """The device the settings name, resolved (raises `DeviceError` with what to do)."""
    return resolve(
        settings.translate_device, settings.translate_compute_type, settings.translate_threads,
        len(os.sched_getaffinity(0)),
    )


def load_engine(model: models.Model, settings: Settings) -> Engine:
    """One engine per (package version, device, decoding settings) per worker process."""
    with _engine_lock:
        return _engine(model, device_for(settings), decoding_for(settings))
