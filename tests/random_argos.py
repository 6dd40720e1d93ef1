"""Build small argos packages with random weights.

No real translation model can be downloaded where babelfeed is developed, so tests (and
benchmarks) make their own: a SentencePiece vocabulary trained on a handful of sentences and a
CTranslate2 Transformer with random weights, zipped as a `.argosmodel` exactly as argos ships
them. Its output is nonsense; what it proves is structure: the package installs, the model
loads through the same code path as a real one, and every sentence comes back aligned.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import TransformerSpec


@dataclass(frozen=True)
class ModelSize:
    layers: int
    d_model: int
    heads: int
    ffn: int
    vocab_size: int


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_lines(*names: str) -> list[str]:
    """The non-blank lines of the named seed files (all of them by default).

    The seeds are the corpus every random package's vocabulary is trained on, and the text
    tests and benchmarks build their inputs from.
    """
    paths = [SEEDS / n for n in names] if names else sorted(SEEDS.glob("*.txt"))
    return [line for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


#: A few MB; loads in milliseconds. For tests.
TINY = ModelSize(layers=2, d_model=64, heads=4, ffn=128, vocab_size=300)
#: transformer-base, the shape of real argos models; for benchmarks.
BASE = ModelSize(layers=6, d_model=512, heads=8, ffn=2048, vocab_size=8000)


def _train_sentencepiece(corpus: list[str], vocab_size: int, prefix: Path) -> spm.SentencePieceProcessor:
    text_file = prefix.with_suffix(".txt")
    # Repeat the corpus so the trainer has enough material for the requested vocabulary.
    text_file.write_text("\n".join(corpus * 3) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text_file),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_file=str(prefix) + ".model")


def _linear(spec, rng: np.random.Generator, out_dim: int, in_dim: int) -> None:
    spec.weight = (rng.standard_normal((out_dim, in_dim)) * 0.05).astype(np.float32)
    spec.bias = np.zeros(out_dim, dtype=np.float32)


def _norm(spec, dim: int) -> None:
    spec.gamma = np.ones(dim, dtype=np.float32)
    spec.beta = np.zeros(dim, dtype=np.float32)


def _ffn(spec, rng: np.random.Generator, size: ModelSize) -> None:
    _norm(spec.layer_norm, size.d_model)
    _linear(spec.linear_0, rng, size.ffn, size.d_model)
    _linear(spec.linear_1, rng, size.d_model, size.ffn)


def _random_spec(size: ModelSize, vocab: list[str], seed: int) -> TransformerSpec:
    rng = np.random.default_rng(seed)
    d, v = size.d_model, len(vocab)
    spec = TransformerSpec.from_config(size.layers, size.heads)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = (rng.standard_normal((v, d)) * 0.1).astype(np.float32)
    _norm(enc.layer_norm, d)
    for layer in enc.layer:
        _norm(layer.self_attention.layer_norm, d)
        _linear(layer.self_attention.linear[0], rng, 3 * d, d)
        _linear(layer.self_attention.linear[1], rng, d, d)
        _ffn(layer.ffn, rng, size)
    dec.embeddings.weight = (rng.standard_normal((v, d)) * 0.1).astype(np.float32)
    _norm(dec.layer_norm, d)
    _linear(dec.projection, rng, v, d)
    for layer in dec.layer:
        _norm(layer.self_attention.layer_norm, d)
        _linear(layer.self_attention.linear[0], rng, 3 * d, d)
        _linear(layer.self_attention.linear[1], rng, d, d)
        _norm(layer.attention.layer_norm, d)
        _linear(layer.attention.linear[0], rng, d, d)
        _linear(layer.attention.linear[1], rng, 2 * d, d)
        _linear(layer.attention.linear[2], rng, d, d)
        _ffn(layer.ffn, rng, size)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def build_argos_package(
    out_dir: Path,
    corpus: list[str],
    from_code: str = "de",
    to_code: str = "en",
    version: str = "1.0",
    size: ModelSize = TINY,
    seed: int = 0,
) -> Path:
    """Write `translate-<from>_<to>-<version>.argosmodel` into `out_dir` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        root.mkdir()
        sp = _train_sentencepiece(corpus, size.vocab_size, Path(tmp) / "sp")
        shutil.copy(Path(tmp) / "sp.model", root / "sentencepiece.model")
        vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        spec = _random_spec(size, vocab, seed=seed)
        spec.validate()
        (root / "model").mkdir()
        spec.save(str(root / "model"))
        metadata = {
            "package_version": version,
            "argos_version": "1.0",
            "from_code": from_code,
            "from_name": from_code,
            "to_code": to_code,
            "to_name": to_code,
            "type": "translate",
        }
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        (root / "README.md").write_text("Random weights, for tests only.\n", encoding="utf-8")
        target = out_dir / f"{name}.argosmodel"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                zf.write(path, path.relative_to(Path(tmp)))
    return target
