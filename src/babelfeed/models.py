"""Where translation models come from: argos packages, installed offline-first.

argostranslate owns the package format (a zip of metadata.json, a CTranslate2 `model/` and a
tokenizer) and its metadata parsing; we add what an unattended pipeline needs on top:
installs that are atomic (a worker killed mid-install must not leave a half package that
breaks every later load), installs from `.argosmodel` files dropped in BABELFEED_MODEL_DIRS,
and downloads from the package index with timeouts. Packages live in ARGOS_PACKAGES_DIR,
read at call time so one process can switch folders.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx
from packaging.version import InvalidVersion, Version

from babelfeed.errors import ModelError

log = logging.getLogger(__name__)

TARGET_LANGUAGE = "en"
# langdetect's codes where argos names the language differently.
_ARGOS_CODES = {"zh-cn": "zh", "zh-tw": "zt"}
_install_lock = threading.Lock()


class ModelInstallError(ModelError):
    """A package could not be installed; the message says what to do instead."""


@dataclass(frozen=True, slots=True)
class Model:
    from_code: str
    to_code: str
    version: str
    path: Path

    @property
    def model_id(self) -> str:
        """Names the exact weights: translations are cached and re-done per model id."""
        return f"argos/{self.from_code}-{self.to_code}@{self.version}"

    @property
    def package_name(self) -> str:
        return f"translate-{self.from_code}_{self.to_code}"


def argos_code(language: str) -> str:
    return _ARGOS_CODES.get(language, language.split("-")[0])


def packages_dir() -> Path:
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        path = Path(env)
    else:
        from argostranslate import settings as argos_settings

        path = Path(argos_settings.package_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _version_key(model: Model) -> tuple[int, Version | str]:
    try:
        return (1, Version(model.version))
    except InvalidVersion:
        return (0, model.version)


def installed() -> list[Model]:
    """Installed translation packages, sorted by language pair then version."""
    from argostranslate.package import Package

    models = []
    for path in sorted(packages_dir().iterdir()):
        if path.name.startswith(".") or not (path / "metadata.json").is_file():
            continue
        try:
            pkg = Package(path)
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable argos package %s: %s", path, exc)
            continue
        if pkg.type == "translate" and pkg.from_code and pkg.to_code:
            models.append(Model(pkg.from_code, pkg.to_code, pkg.package_version or "0", path))
    return sorted(models, key=lambda m: (m.from_code, m.to_code, _version_key(m)))


def find(from_code: str, to_code: str = TARGET_LANGUAGE) -> Model | None:
    """The newest installed package for a language pair."""
    matches = [m for m in installed() if (m.from_code, m.to_code) == (from_code, to_code)]
    return max(matches, key=_version_key) if matches else None


def archive_metadata(path: Path) -> dict:
    """Read metadata.json from a `.argosmodel` without extracting it."""
    if not zipfile.is_zipfile(path):
        raise ModelInstallError(f"{path} is not an .argosmodel (zip) file")
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if PurePosixPath(n).name == "metadata.json"]
        top_level = [n for n in names if len(PurePosixPath(n).parts) == 2]
        if not top_level:
            raise ModelInstallError(f"{path} has no <package>/metadata.json: not an argos package")
        return json.loads(zf.read(top_level[0]))


def install_file(path: Path) -> Model:
    """Install a `.argosmodel` file atomically: extract beside the target, then rename."""
    path = Path(path)
    meta = archive_metadata(path)
    target_root = packages_dir()
    with zipfile.ZipFile(path) as zf:
        roots = {PurePosixPath(n).parts[0] for n in zf.namelist()}
        for name in zf.namelist():
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts:
                raise ModelInstallError(f"{path} contains an unsafe path {name!r}; not installing it")
        if len(roots) != 1:
            raise ModelInstallError(f"{path} must contain exactly one top-level folder")
        root = roots.pop()
        with _install_lock:
            staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=target_root))
            try:
                zf.extractall(staging)
                if not (staging / root / "model").is_dir():
                    raise ModelInstallError(f"{path} has no model/ folder: not a translation package")
                final = target_root / root
                if final.exists():
                    old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=target_root))
                    final.rename(old / root)
                    shutil.rmtree(old, ignore_errors=True)
                (staging / root).rename(final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    log.info("installed argos package %s from %s", root, path)
    return Model(meta["from_code"], meta["to_code"], str(meta.get("package_version", "0")), final)


def install_from_dirs(from_code: str, to_code: str, dirs: list[Path]) -> Model | None:
    """Install the newest matching `.argosmodel` found in `dirs`, if any."""
    candidates = []
    for folder in dirs:
        for file in sorted(Path(folder).glob("*.argosmodel")):
            try:
                meta = archive_metadata(file)
            except (ModelInstallError, zipfile.BadZipFile, json.JSONDecodeError, KeyError) as exc:
                log.warning("ignoring %s: %s", file, exc)
                continue
            if (meta.get("from_code"), meta.get("to_code")) == (from_code, to_code):
                candidates.append((Model(from_code, to_code, str(meta.get("package_version", "0")), file), file))
    if not candidates:
        return None
    _, best = max(candidates, key=lambda c: _version_key(c[0]))
    return install_file(best)


def package_index_url() -> str:
    env = os.environ.get("ARGOS_PACKAGE_INDEX")
    if env:
        return env.rstrip("/") + "/index.json"
    from argostranslate import settings as argos_settings

    return argos_settings.remote_package_index


def install_from_index(from_code: str, to_code: str, timeout: float = 30.0) -> Model | None:
    """Download and install a package from the Argos index; None when offline or not listed."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            index = client.get(package_index_url()).raise_for_status().json()
            entry = next(
                (
                    e
                    for e in index
                    if e.get("type", "translate") == "translate"
                    and (e.get("from_code"), e.get("to_code")) == (from_code, to_code)
                ),
                None,
            )
            if entry is None:
                return None
            with tempfile.TemporaryDirectory() as tmp:
                file = Path(tmp) / f"translate-{from_code}_{to_code}.argosmodel"
                for link in entry.get("links", []):
                    try:
                        with client.stream("GET", link) as response, open(file, "wb") as out:
                            response.raise_for_status()
                            for chunk in response.iter_bytes():
                                out.write(chunk)
                        return install_file(file)
                    except httpx.HTTPError as exc:
                        log.warning("download of %s failed: %s", link, exc)
    except (httpx.HTTPError, ValueError) as exc:
        log.info("argos package index not reachable (%s); staying offline", exc)
    return None


def ensure(from_code: str, to_code: str, model_dirs: list[Path], online: bool) -> Model | None:
    """Find an installed model, else install one from model_dirs, else from the index."""
    return (
        find(from_code, to_code)
        or install_from_dirs(from_code, to_code, model_dirs)
        or (install_from_index(from_code, to_code) if online else None)
    )


def install_hint(from_code: str, to_code: str = TARGET_LANGUAGE) -> str:
    return (
        f"babelfeed models install {from_code}-{to_code}  "
        f"(offline: babelfeed models install /path/to/translate-{from_code}_{to_code}.argosmodel, "
        f"or put that file in a folder named by BABELFEED_MODEL_DIRS)"
    )
