"""The three services meet only through core, and core imports none of them (import-linter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = ("The three services meet only through core", "core imports no service")


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_contracts_are_kept() -> None:
    result = lint_imports()
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for contract in CONTRACTS:
        assert f"{contract} KEPT" in report, report
    assert "0 broken" in report


def test_the_linter_catches_a_broken_contract(tmp_path: Path) -> None:
    """Guards the guard: a contract the code certainly breaks must fail the run."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "veza"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "api without core (false on purpose)"\n'
        'type = "forbidden"\n'
        'source_modules = ["veza.api"]\n'
        'forbidden_modules = ["veza.core"]\n'
    )
    result = lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout + result.stderr
