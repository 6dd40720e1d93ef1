"""Where translation runs: device and compute type selection, and the refusal when CUDA is
asked for and absent. The GPU itself cannot exist on the development machines: where a test
needs CTranslate2 to see one, it is the one thing mocked; the real CUDA test is skipped there."""

from __future__ import annotations

import ctranslate2
import pytest
from typer.testing import CliRunner

from babelfeed.cli import app
from babelfeed.translate import device as dev


@pytest.fixture
def fake_gpu(monkeypatch):
    """CTranslate2 reporting one CUDA device with the compute types an H100 supports."""
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    real = ctranslate2.get_supported_compute_types

    def supported(device, *args):
        if device == "cuda":
            return {"float32", "float16", "bfloat16", "int8", "int8_float16", "int8_float32", "int8_bfloat16"}
        return real(device, *args)

    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", supported)
    monkeypatch.setattr(dev, "preload_cuda_libraries", lambda: True)


@pytest.mark.skipif(ctranslate2.get_cuda_device_count() > 0, reason="this machine has a GPU")
def test_auto_picks_the_cpu_and_int8_here():
    device = dev.resolve("auto", "auto", threads=2, cores=2)
    assert device == dev.Device("cpu", "int8", translators=1, threads=2)


def test_auto_picks_cuda_and_float16_where_ctranslate2_sees_a_gpu(fake_gpu):
    assert dev.resolve("auto", "auto", threads=0, cores=16) == dev.Device("cuda", "float16")
    assert dev.resolve("cuda", "int8_float16", threads=0, cores=16).compute_type == "int8_float16"


def test_a_gpu_without_cublas_falls_back_to_the_cpu_under_auto_and_is_refused_under_cuda(fake_gpu, monkeypatch):
    monkeypatch.setattr(dev, "preload_cuda_libraries", lambda: False)
    assert dev.resolve("auto", "auto", threads=0, cores=4).name == "cpu"
    with pytest.raises(dev.DeviceError, match=r"pip install 'babelfeed\[gpu\]'"):
        dev.resolve("cuda", "auto", threads=0, cores=4)


def test_many_cpu_threads_are_split_into_translators_of_four():
    device = dev.resolve("cpu", "auto", threads=16, cores=16)
    assert (device.translators, device.threads) == (4, 4)
    device = dev.resolve("cpu", "auto", threads=0, cores=6)
    assert (device.translators, device.threads) == (1, 6)


def test_a_compute_type_the_device_lacks_is_refused_with_the_ones_it_has():
    with pytest.raises(dev.DeviceError, match="int8") as caught:
        dev.resolve("cpu", "float16", threads=1, cores=1)
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(ctranslate2.get_cuda_device_count() > 0, reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_refused_in_one_line_before_any_work(tmp_path, monkeypatch):
    with pytest.raises(dev.DeviceError, match="CUDA"):
        dev.resolve("cuda", "auto", threads=0, cores=2)
    monkeypatch.setenv("BABELFEED_TRANSLATE_DEVICE", "cuda")
    wh = tmp_path / "wh"
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--warehouse", str(wh)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "CUDA" in lines[0] and "BABELFEED_TRANSLATE_DEVICE" in lines[0]
    assert "Traceback" not in result.output and not wh.exists()


def test_an_invalid_device_setting_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("BABELFEED_TRANSLATE_DEVICE", "gpu")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--warehouse", str(tmp_path / "wh")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "BABELFEED_TRANSLATE_DEVICE='gpu'" in lines[0]


@pytest.mark.skipif(ctranslate2.get_cuda_device_count() == 0, reason="needs an NVIDIA GPU")
def test_translation_runs_on_cuda(installed_model, tmp_path):
    from datetime import UTC, datetime

    from babelfeed import translate as tr
    from babelfeed.article import Article
    from babelfeed.segment import segment
    from babelfeed.settings import Settings

    settings = Settings(warehouse=str(tmp_path / "wh"), online_models=False, translate_device="cuda")
    text = "Das Pentagon hat bestätigt, dass es ein System schickt. Beamte sagen, dass es hilft."
    article = segment(Article("a", "a", "file", datetime.now(UTC), "h", text, language="de"))
    out, stats = tr.translate_articles([article], settings, tr.TranslationCache(tmp_path / "c.sqlite"))
    assert stats.device == "cuda" and stats.compute_type in ("float16", "int8_float16", "bfloat16", "int8", "float32")
    assert all(s.text_english and s.translation_score is not None for s in out[0].segments)


def test_cublas_is_loaded_from_the_gpu_extra_when_installed():
    """With the `gpu` extra, cuBLAS loads from the nvidia-cublas-cu12 wheel (no GPU needed to
    load it); without it, and without a system cuBLAS, the answer is no."""
    import ctypes
    import ctypes.util

    try:
        import nvidia.cublas  # noqa: F401
        extra = True
    except ImportError:
        extra = False
    loadable = dev.preload_cuda_libraries.__wrapped__()
    if extra:
        assert loadable
        ctypes.CDLL("libcublas.so.12")  # what CTranslate2 asks for now resolves to the wheel's
    elif ctypes.util.find_library("cublas") is None:
        assert not loadable
