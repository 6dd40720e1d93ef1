import json
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from babelfeed import models
from babelfeed.cli import app


def test_install_file_makes_the_model_findable(packages_dir, model_file):
    assert models.find("de") is None
    model = models.install_file(model_file)
    assert model == models.find("de", "en")
    assert model.model_id == "argos/de-en@1.0"
    assert (model.path / "model" / "model.bin").is_file()
    assert [p.name for p in packages_dir.iterdir()] == [model.path.name]  # no staging left


def test_newest_version_wins_and_reinstall_replaces(packages_dir, model_file, model_file_v2):
    models.install_file(model_file)
    models.install_file(model_file_v2)
    assert models.find("de").version == "2.0"
    models.install_file(model_file_v2)
    assert len(models.installed()) == 2


def test_model_dirs_are_searched_on_first_need(packages_dir, model_file, model_file_v2):
    model = models.ensure("de", "en", [model_file.parent, model_file_v2.parent], online=False)
    assert model is not None and model.version == "2.0"
    assert models.ensure("fr", "en", [model_file.parent], online=False) is None


@pytest.mark.parametrize("kind", ["not-a-zip", "no-metadata", "zip-slip"])
def test_bad_package_files_are_refused_with_a_reason(packages_dir, tmp_path, kind):
    bad = tmp_path / "bad.argosmodel"
    if kind == "not-a-zip":
        bad.write_bytes(b"hello")
    else:
        with zipfile.ZipFile(bad, "w") as zf:
            if kind == "no-metadata":
                zf.writestr("pkg/model/model.bin", b"")
            else:
                zf.writestr("pkg/metadata.json", json.dumps({"from_code": "de", "to_code": "en"}))
                zf.writestr("pkg/../../escape.txt", b"x")
    with pytest.raises(models.ModelInstallError):
        models.install_file(bad)
    assert list(packages_dir.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


@pytest.fixture
def package_index(model_file, tmp_path, monkeypatch):
    """A real Argos-style package index served over HTTP on 127.0.0.1."""
    site = tmp_path / "index-site"
    site.mkdir()
    (site / model_file.name).write_bytes(model_file.read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_port}"
    index = [{"type": "translate", "from_code": "de", "to_code": "en", "package_version": "1.0",
              "links": [f"{base}/{model_file.name}"]}]
    (site / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base + "/")
    yield base
    server.shutdown()


def test_missing_pair_is_installed_from_the_package_index(packages_dir, package_index):
    model = models.ensure("de", "en", [], online=True)
    assert model is not None and models.find("de") == model
    assert models.install_from_index("fr", "en") is None  # not listed


def test_unreachable_index_means_offline_not_crash(packages_dir):
    assert models.install_from_index("de", "en", timeout=2) is None


def test_cli_lists_and_installs(packages_dir, model_file):
    runner = CliRunner()
    empty = runner.invoke(app, ["models", "list"])
    assert empty.exit_code == 0 and "babelfeed models install" in empty.output
    installed = runner.invoke(app, ["models", "install", str(model_file)])
    assert installed.exit_code == 0, installed.output
    listed = runner.invoke(app, ["models", "list"])
    assert "argos/de-en@1.0" in listed.output


def test_cli_install_by_name_when_offline_says_what_to_do(packages_dir):
    result = CliRunner().invoke(app, ["models", "install", "de-en"])
    assert result.exit_code == 6  # a missing model
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert "babelfeed models install /path/to/translate-de_en.argosmodel" in result.output


def test_cli_install_by_name_from_the_index(packages_dir, package_index):
    result = CliRunner().invoke(app, ["models", "install", "translate-de_en"])
    assert result.exit_code == 0, result.output
    assert models.find("de") is not None
