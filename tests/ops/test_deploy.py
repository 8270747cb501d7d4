"""deploy/: the Dockerfile, compose.yaml, the env file and the systemd unit stay true to the
project. No container engine or registry is reachable here, so the images are not built:
these tests read the files (and ``systemd-analyze verify`` checks the unit when present)."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings
from tests.support.console import ROOT, console_script

DEPLOY = ROOT / "deploy"
SETTINGS = {f"CRM_{name.upper()}" for name in Settings.model_fields}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def crm_variables(names: object) -> set[str]:
    return {str(n) for n in names if str(n).startswith("CRM_")}  # type: ignore[attr-defined]


def test_dockerfile() -> None:
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    for word, args in steps:
        if word == "COPY":
            *sources, _target = args.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the project"
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "VOLUME" and "/data" in args for word, args in steps)
    cmd = [json.loads(args) for word, args in steps if word == "CMD"]
    assert cmd == [["crm-bot", "run"]]
    env_words = " ".join(args for word, args in steps if word == "ENV").split()
    names = {w.split("=", 1)[0] for w in env_words if "=" in w}
    assert crm_variables(names) <= SETTINGS
    assert "CRM_DATABASE_URL" in names
    # Every package the wheel needs is copied before `pip install`.
    packages = re.findall(r"include = \[(.*?)\]", (ROOT / "pyproject.toml").read_text())[0]
    for name in re.findall(r'"(\w+)\*"', packages):
        assert ("COPY", f"{name} ./{name}") in steps


def test_compose_file() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot, postgres = compose["services"]["bot"], compose["services"]["postgres"]
    assert postgres["image"] == "postgres:15"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    context = (DEPLOY / bot["build"]["context"]).resolve()
    assert context == ROOT and (context / bot["build"]["dockerfile"]).is_file()
    assert bot["command"][0] == "crm-bot" and bot["command"][1] == "run"
    assert (DEPLOY / f"{bot['env_file']}.example").is_file()
    assert crm_variables(bot["environment"]) <= SETTINGS
    assert bot["environment"]["CRM_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in bot["environment"]["CRM_DATABASE_URL"]
    named = {v.split(":")[0] for v in bot["volumes"] + postgres["volumes"]}
    assert {n for n in named if not n.startswith(".")} <= set(compose["volumes"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_env_example_names_only_real_settings() -> None:
    text = (DEPLOY / "crm-bot.env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^#?\s*(CRM_[A-Z_]+)=", text, flags=re.M))
    assert "CRM_BOT_TOKEN" in names
    assert names <= SETTINGS, names - SETTINGS


def test_systemd_unit() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "crm-bot.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"]
    assert service["ExecStart"].split()[0].endswith("/crm-bot")
    assert service["ExecStart"].split()[1:] == ["run"]
    assert service["User"] != "root"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # The unit names the production path; verify it against this installation's script.
    text = (DEPLOY / "crm-bot.service").read_text(encoding="utf-8")
    copy = tmp_path / "crm-bot.service"
    copy.write_text(text.replace("/srv/crm-bot/.venv/bin/crm-bot", console_script()))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "crm-bot.service" not in result.stderr, result.stderr
