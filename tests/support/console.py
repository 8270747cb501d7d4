"""Run the real ``crm-bot`` console script (the one pip installed) in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def console_script() -> str:
    """The installed ``crm-bot`` entry point beside this Python (``pip install -e .``)."""
    beside = Path(sys.executable).with_name("crm-bot")
    found = str(beside) if beside.exists() else shutil.which("crm-bot")
    if found is None:
        raise RuntimeError("the crm-bot console script is not installed: pip install -e .")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any CRM_ setting of the developer's, plus ``extra``. The
    console script imports this checkout's code (PYTHONPATH), not whichever one pip
    installed in editable mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def crm_bot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
