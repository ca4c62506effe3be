"""The house rules that lint checks hold, and fail when broken: the layers contract of import-linter refuses an upward
import (run on a copy of the package with one such import added), deptry refuses an import of a package the project
does not declare (one the dev tools bring, which an installed wheel lacks), and the rules kept in one home agree with
the vocabularies that only label them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paritrana.registry.choices import Segment
from paritrana.rules.contributions import SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DEPTRY = Path(sys.executable).with_name("deptry")


def _lint_imports(src: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with the project's contract, on the package found first in ``src``."""
    shutil.copy(ROOT / "pyproject.toml", workdir / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(  # noqa: S603 - the project's own tool on its own copy
        [str(LINT_IMPORTS), "--no-cache"], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is in the dev group")
def test_the_layers_contract_refuses_an_upward_import(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "paritrana", copy / "paritrana", ignore=shutil.ignore_patterns("__pycache__"))
    kept = _lint_imports(copy, tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "KEPT" in kept.stdout
    dates = copy / "paritrana" / "core" / "dates.py"
    dates.write_text(dates.read_text() + "\nfrom paritrana.award import scoring as _upward  # noqa: E402\n")
    broken = _lint_imports(copy, tmp_path)
    assert broken.returncode != 0 and "BROKEN" in broken.stdout
    assert "paritrana.core.dates -> paritrana.award" in broken.stdout


@pytest.mark.skipif(not DEPTRY.exists(), reason="deptry is in the dev group")
def test_the_dependency_check_refuses_an_undeclared_import(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    copy = tmp_path / "src" / "paritrana"
    shutil.copytree(ROOT / "src" / "paritrana", copy, ignore=shutil.ignore_patterns("__pycache__"))

    def deptry() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the project's own tool on its own copy
            [str(DEPTRY), "src"], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    kept = deptry()
    assert kept.returncode == 0, kept.stdout + kept.stderr
    dates = copy / "core" / "dates.py"
    dates.write_text(dates.read_text() + "\nimport locust as _dev_only  # noqa: E402\n")  # a dev tool, not declared
    broken = deptry()
    assert broken.returncode != 0
    assert "locust" in broken.stdout + broken.stderr


def test_the_segments_of_the_registry_are_the_laws() -> None:
    """The law's segments live in the rules (``rules.contributions.SEGMENTS``); the registry's choices only label
    them, so they must name the same ones."""
    assert set(Segment.values) == set(SEGMENTS)
