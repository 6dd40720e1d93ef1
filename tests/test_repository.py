"""The repository keeps its promises: seeds byte for byte, CI runs the README's command."""


import pytest

from conftest import REPO, SEEDS

SHARED_SEEDS = REPO.parent / "shared" / "seeds"


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared is not beside this checkout")
def test_seeds_are_a_byte_for_byte_copy_of_the_shared_seeds():
    shared = {p.name: p.read_bytes() for p in SHARED_SEEDS.iterdir()}
    ours = {p.name: p.read_bytes() for p in SEEDS.iterdir()}
    assert ours == shared


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text()
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_every_package_of_the_library_is_installed_by_a_wheel_not_only_by_an_editable_install():
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO / "src").parts) for p in (REPO / "src").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject.toml: {sorted(found - listed)}"
    assert "babelfeed_flows" in listed
