"""Where translation runs: CUDA when CTranslate2 sees a GPU, the CPU otherwise.

The choice is made once per run, before any work (`resolve`), so a run asked to use a GPU it
cannot use stops with one line instead of failing in every worker; worker processes resolve
the same, now concrete, settings again to load the CUDA libraries into their own process.

CTranslate2 4.x wheels load the CUDA 12 cuBLAS libraries at run time. The `gpu` extra
(`pip install 'babelfeed[gpu]'`) installs them as the `nvidia-cublas-cu12` wheel, whose files
are not on the loader's path; `preload_cuda_libraries` loads them by absolute path with global
symbols, and the loader then resolves CTranslate2's own `dlopen("libcublas.so.12")` to them,
so nobody has to set LD_LIBRARY_PATH.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babelfeed.errors import SettingError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
#: Compute types in order of preference. CPU: int8 is what argos models ship and the fastest.
#: CUDA: float16 measured ahead of int8_float16 on an H100 (about 1,440 vs 1,190 sentences/s,
#: transformer-base, beam 4); the others are for GPUs without fast float16.
PREFERRED = {
    "cpu": ("int8", "int8_float32", "float32"),
    "cuda": ("float16", "int8_float16", "bfloat16", "int8", "float32"),
}
#: On CPU, a translator wider than this many threads scales poorly: measured on 16 cores,
#: 4 translators x 4 threads gave 26 sentences/s where 1 x 16 gave 9.8.
THREADS_PER_TRANSLATOR = 4
CUBLAS_LIBRARIES = ("libcublasLt.so.12", "libcublas.so.12")


class DeviceError(SettingError):
    """The configured device cannot be used; the message says what to do instead."""


@dataclass(frozen=True, slots=True)
class Device:
    name: str  # "cpu" or "cuda"
    compute_type: str
    translators: int = 1  # CTranslate2 inter_threads: batches translated at once
    threads: int = 0  # CTranslate2 intra_threads per translator (0: its default)


def cuda_device_count() -> int:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count()
    except Exception:  # no driver, or a CTranslate2 built without CUDA
        return 0


@cache
def preload_cuda_libraries() -> bool:
    """Load cuBLAS 12 so CTranslate2 finds it; whether it is loadable (from the `gpu` extra's
    wheel, else from the system's library path)."""
    folders: list[Path] = []
    try:
        import nvidia.cublas  # the nvidia-cublas-cu12 wheel (`gpu` extra)

        folders = [Path(p) / "lib" for p in nvidia.cublas.__path__]
    except ImportError:
        pass
    for name in CUBLAS_LIBRARIES:
        candidates = [str(folder / name) for folder in folders if (folder / name).is_file()] + [name]
        for candidate in candidates:
            try:
                ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
                break
            except OSError:
                continue
        else:
            return False
    return True


def supported_compute_types(device: str) -> set[str]:
    import ctranslate2

    try:
        return set(ctranslate2.get_supported_compute_types(device))
    except Exception:
        return set()


def _cpu_layout(threads: int) -> tuple[int, int]:
    """(translators, threads per translator) for a worker with `threads` cores."""
    if threads < 2 * THREADS_PER_TRANSLATOR:
        return 1, threads
    translators = threads // THREADS_PER_TRANSLATOR
    return translators, threads // translators


def resolve(device: str, compute_type: str, threads: int, cores: int) -> Device:
    """The concrete device for the settings `BABELFEED_TRANSLATE_DEVICE` / `_COMPUTE_TYPE` /
    `_THREADS` (0: all `cores`). Raises DeviceError with what to do."""
    if device not in DEVICES:
        raise DeviceError(f"BABELFEED_TRANSLATE_DEVICE={device!r} is not one of {', '.join(DEVICES)}")
    name = device
    if device in ("auto", "cuda"):
        gpus = cuda_device_count()
        usable = gpus > 0 and preload_cuda_libraries()
        if device == "cuda" and gpus == 0:
            raise DeviceError(
                "BABELFEED_TRANSLATE_DEVICE=cuda but CTranslate2 sees no CUDA GPU (no NVIDIA GPU or "
                "driver here); set BABELFEED_TRANSLATE_DEVICE=cpu or auto, or run on a machine with one"
            )
        if device == "cuda" and not usable:
            raise DeviceError(
                "BABELFEED_TRANSLATE_DEVICE=cuda but the CUDA 12 cuBLAS library (libcublas.so.12) "
                "cannot be loaded; install it with: pip install 'babelfeed[gpu]'"
            )
        if device == "auto" and gpus > 0 and not usable:
            log.warning("a CUDA GPU is present but libcublas.so.12 is missing; translating on the CPU "
                        "(pip install 'babelfeed[gpu]' to use the GPU)")
        name = "cuda" if usable else "cpu"
    supported = supported_compute_types(name)
    if compute_type == "auto":
        chosen = next((t for t in PREFERRED[name] if t in supported), "default")
    elif supported and compute_type not in supported and compute_type != "default":
        raise DeviceError(
            f"BABELFEED_TRANSLATE_COMPUTE_TYPE={compute_type} is not supported on {name} here; "
            f"use auto or one of: {', '.join(sorted(supported))}"
        )
    else:
        chosen = compute_type
    if name == "cuda":
        return Device("cuda", chosen)
    translators, per_translator = _cpu_layout(threads or cores)
    return Device("cpu", chosen, translators, per_translator)
