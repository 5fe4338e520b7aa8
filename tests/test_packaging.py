"""What the code imports is what pyproject.toml declares, the lock holds it, and the wheel works alone.

An import that only works because some other package happens to bring its distribution breaks the
day that package stops; a wheel that forgets its migrations or the tab's assets installs fine and
fails in production. Both are found here, not by the first person who installs the bot.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import sqlite3
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from storage.db.migrate import head_revision

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = ROOT / "requirements.lock"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"  # what a server installs (docs/deployment.md)
# The packages the wheel ships (pyproject's [tool.setuptools.packages.find]).
SHIPPED = ("bot", "dialogs", "storage", "manifest")

# Declared, never imported by name: each is loaded some other way.
LOADED_WITHOUT_AN_IMPORT = {
    "aiosqlite": "SQLAlchemy's driver for sqlite+aiosqlite:// URLs",
    "asyncpg": "SQLAlchemy's driver for postgresql+asyncpg:// URLs",
    "tzdata": "zoneinfo's time zones where the system has none (Windows, slim images)",
}


def _requirements(names: list[str]) -> list[Requirement]:
    return [Requirement(line) for line in names]


def declared_runtime() -> list[Requirement]:
    return _requirements(PYPROJECT["project"]["dependencies"])


def imported_modules() -> dict[str, set[str]]:
    """Every absolute import in the shipped packages (inside functions too), and where it is."""
    found: dict[str, set[str]] = {}
    for package in SHIPPED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in SHIPPED:
                        continue
                    found.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return found


def module_owners() -> dict[str, str]:
    """Dotted module name → the installed distribution whose files hold it.

    From each distribution's own file list, so namespace packages (botbuilder.core and
    botbuilder.schema come from different distributions) are told apart.
    """
    owners: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        for file in distribution.files or ():
            parts = file.parts
            if not parts or ".." in parts or any(part.endswith(".dist-info") for part in parts):
                continue
            if not (file.name.endswith((".py", ".so", ".pyd"))):
                continue
            stem = file.name.split(".")[0]
            dotted = [*parts[:-1], stem] if stem != "__init__" else list(parts[:-1])
            if dotted and all(part.isidentifier() for part in dotted):
                owners.setdefault(".".join(dotted), name)
    return owners


def owner_of(module: str, owners: dict[str, str]) -> str | None:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        owner = owners.get(".".join(parts[:end]))
        if owner:
            return owner
    return None


def test_every_direct_import_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(requirement.name) for requirement in declared_runtime()}
    owners = module_owners()
    problems = []
    for module, files in sorted(imported_modules().items()):
        owner = owner_of(module, owners)
        where = ", ".join(sorted(files))
        if owner is None:
            problems.append(f"{module} ({where}): no installed distribution holds it")
        elif owner not in declared:
            problems.append(
                f"{module} ({where}) comes from {owner}, which pyproject.toml's "
                "[project].dependencies does not name: add it (and run `make lock`)"
            )
    assert not problems, "\n".join(problems)


def test_every_declared_dependency_is_imported_or_says_how_it_is_loaded() -> None:
    owners = module_owners()
    imported = {owner_of(module, owners) for module in imported_modules()}
    declared = {canonicalize_name(requirement.name) for requirement in declared_runtime()}
    assert declared - imported == set(LOADED_WITHOUT_AN_IMPORT), (
        "a dependency nothing imports: remove it, or say in LOADED_WITHOUT_AN_IMPORT how it is used"
    )


def test_botbuilder_is_pinned_to_its_final_release_and_dialogs_stay_out_of_the_install() -> None:
    runtime = {canonicalize_name(r.name): r for r in declared_runtime()}
    sdk = {
        name: r for name, r in runtime.items() if name.startswith(("botbuilder", "botframework"))
    }
    assert sdk, "the Bot Framework SDK is a dependency"
    for name, requirement in sdk.items():
        assert str(requirement.specifier) == "==4.17.1", f"{name}: {requirement.specifier}"
    assert "botbuilder-dialogs" not in runtime
    dev = {
        canonicalize_name(r.name)
        for r in _requirements(PYPROJECT["project"]["optional-dependencies"]["dev"])
    }
    assert "botbuilder-dialogs" in dev


def locked_pins(lock: Path = LOCK) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_the_lock_holds_every_requirement_of_pyproject_with_hashes() -> None:
    pins = locked_pins()
    wanted = declared_runtime() + [
        requirement
        for extra in ("dev", "sdk-tests")
        for requirement in _requirements(PYPROJECT["project"]["optional-dependencies"][extra])
    ]
    stale = [
        f"{requirement} (lock: {pins.get(canonicalize_name(requirement.name), 'missing')})"
        for requirement in wanted
        if canonicalize_name(requirement.name) not in pins
        or not requirement.specifier.contains(
            pins[canonicalize_name(requirement.name)], prereleases=True
        )
    ]
    assert not stale, "requirements.lock is behind pyproject.toml; run `make lock`:\n" + "\n".join(
        stale
    )
    assert not _unhashed(LOCK)


def _unhashed(lock: Path) -> list[str]:
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8").split("\n", 2)[2])
    return [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]


def test_the_runtime_lock_is_the_tested_versions_of_what_the_bot_needs_and_nothing_more() -> None:
    """A server installs requirements-runtime.lock (Dockerfile, docs/deployment.md): each package at
    the version the tests ran with, hashed, and no test tool. The wheel test below installs it alone
    with `--no-deps` under the wheel, so a dependency missing from it fails there."""
    runtime, tested = locked_pins(RUNTIME_LOCK), locked_pins()
    drifted = {name: (version, tested.get(name)) for name, version in runtime.items()}
    assert not {n: v for n, v in drifted.items() if v[0] != v[1]}, "run `make lock`"
    for requirement in declared_runtime():
        name = canonicalize_name(requirement.name)
        assert name in runtime and requirement.specifier.contains(runtime[name], prereleases=True)
    dev_only = {
        canonicalize_name(requirement.name)
        for requirement in _requirements(PYPROJECT["project"]["optional-dependencies"]["dev"])
    } - {canonicalize_name(requirement.name) for requirement in declared_runtime()}
    assert dev_only and not dev_only & set(runtime), sorted(dev_only & set(runtime))
    assert not _unhashed(RUNTIME_LOCK)


def test_the_virtualenv_was_installed_from_the_lock() -> None:
    """`make` installs .venv from requirements.lock; a package at another version means it did not."""
    differ = []
    for name, version in locked_pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # another platform's (colorama on Windows)
        if installed != version:
            differ.append(f"{name}: installed {installed}, locked {version}")
    assert not differ, "run `make deps-python`:\n" + "\n".join(differ)


# --- the wheel, installed on its own -------------------------------------------------------------


def _shipped_data_files() -> list[str]:
    """The files besides Python modules the bot needs at run time, as they lie in the checkout."""
    wanted: list[str] = []
    for folder, pattern in (
        ("storage/db/migrations", "*"),
        ("storage/content", "*.yaml"),
        ("bot/tab/static", "*"),
    ):
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                wanted.append(path.relative_to(ROOT).as_posix())
    return wanted


def _clean_environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
        and not key.startswith(("BOT_", "Microsoft"))
    }
    environment["UV_PYTHON_DOWNLOADS"] = "never"
    environment.update(extra)
    return environment


@pytest.mark.packaging
def test_the_wheel_installs_alone_and_migrates_from_outside_the_checkout(tmp_path: Path) -> None:
    """Built as a release would be (sdist, then the wheel from it), installed as a server installs it
    (requirements-runtime.lock with its hashes, then the wheel with `--no-deps`) into a virtualenv of
    its own, checked to have every dependency it declares, and run from elsewhere."""
    started = time.monotonic()
    uv = Path(sys.executable).parent / "uv"
    assert uv.exists(), "uv comes with the dev extras: run `make deps-python`"
    required = [
        "bot/tab/static/app.js",
        "bot/tab/static/app.css",
        "bot/tab/static/charts.js",
        "storage/content/question_bank.yaml",
        "storage/content/prompts.yaml",
        "storage/db/migrations/env.py",
    ]
    shipped = _shipped_data_files()
    assert set(required) <= set(shipped)
    assert any(name.startswith("storage/db/migrations/versions/") for name in shipped)

    dist = tmp_path / "dist"
    subprocess.run(
        [str(uv), "build", "--quiet", "--out-dir", str(dist), str(ROOT)],
        cwd=ROOT,
        env=_clean_environment(),
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("trivselsbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in shipped if name not in names]
    assert not missing, f"not in the wheel: {missing}"

    venv = tmp_path / "venv"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    subprocess.run(
        [str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)],
        cwd=outside,
        env=_clean_environment(),
        check=True,
        timeout=120,
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--python", str(python), "--require-hashes"]
        + ["--no-deps", "-r", str(RUNTIME_LOCK)],
        cwd=outside,
        env=_clean_environment(),
        check=True,
        timeout=300,
    )
    subprocess.run(  # the wheel alone: everything it needs must already be there from the lock
        [str(uv), "pip", "install", "--quiet", "--python", str(python), "--no-deps", str(wheel)],
        cwd=outside,
        env=_clean_environment(),
        check=True,
        timeout=300,
    )
    satisfied = subprocess.run(  # the wheel's own metadata against what the lock put there
        [str(uv), "pip", "check", "--python", str(python)],
        cwd=outside,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert satisfied.returncode == 0, satisfied.stdout + satisfied.stderr

    where = subprocess.run(
        [str(python), "-c", "import bot, storage; print(bot.__file__); print(storage.__file__)"],
        cwd=outside,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for line in where.stdout.splitlines():
        assert Path(line).is_relative_to(venv), f"imported from {line}, not the fresh virtualenv"
    site = Path(where.stdout.splitlines()[1]).parents[1]
    assert not [name for name in shipped if not (site / name).is_file()]

    trivselsbot = venv / "bin" / "trivselsbot"
    helped = subprocess.run(
        [str(trivselsbot), "--help"],
        cwd=outside,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helped.returncode == 0, helped.stderr
    assert "usage: trivselsbot" in helped.stdout and "migrate" in helped.stdout

    database = tmp_path / "data" / "bot.db"
    database.parent.mkdir()
    migrated = subprocess.run(
        [str(trivselsbot), "migrate"],
        cwd=outside,
        env=_clean_environment(
            BOT_DEV_MODE="true", BOT_DATABASE_URL=f"sqlite+aiosqlite:///{database}"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as connection:
        revisions = sorted(
            row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
        )
    assert ",".join(revisions) == head_revision()
    assert list(outside.iterdir()) == [], "nothing is written where the command runs"
    print(f"wheel built, installed and run in {time.monotonic() - started:.1f} s")
