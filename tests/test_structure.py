"""The house in wings: the engine, the teaching views, the Python API and the server each import only the wings
below them. The contracts are in pyproject.toml ([tool.importlinter]); import-linter holds the code to them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(root)}, check=False)


def test_every_wing_imports_only_the_wings_below_it():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_an_engine_module_that_imports_the_server_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    forward = tmp_path / "app" / "engine" / "forward.py"
    forward.write_text(forward.read_text(encoding="utf-8") + "\nfrom ..server import workers  # noqa\n",
                       encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0 and "app.engine.forward -> app.server.workers" in done.stdout, done.stdout[-3000:]
