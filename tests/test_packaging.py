"""Packaging: metadata, licence, dependencies, and the built sdist and wheel.

The fast tests read pyproject.toml and the sources. The slow ones build with ``python -m
build``, check with ``twine check``, install the wheel into new virtual environments (at the
latest dependency versions, and at the lowest that pyproject.toml allows) and run the bundled
examples from another folder; and run the README's Quick start verbatim in a copy of the
checkout. They need ``build`` and ``twine`` (and ``uv`` for the lowest versions), which .ci/run
installs; without them they skip.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def names(requirements: list[str]) -> dict[str, str]:
    out = {}
    for requirement in requirements:
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
        out[match.group(1).lower().replace("_", "-")] = match.group(3)
    return out


def test_license_is_a_pep_639_expression_with_the_apache_text():
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639: the expression replaces them
    requires = names(PYPROJECT["build-system"]["requires"])
    assert requires["setuptools"] == ">=77"  # the first setuptools that reads license expressions and license-files


def test_urls_classifiers_and_python_version():
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(PROJECT["urls"])
    assert PROJECT["requires-python"] == ">=3.11"
    assert "Programming Language :: Python :: 3.11" in PROJECT["classifiers"]


def third_party_imports(folders: list[Path]) -> set[str]:
    found = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "kpi_advisor"}


# Import name -> distribution, where they differ; and imports that belong to an extra.
# starlette comes with fastapi; httptools is used only when present (server._http_protocol).
DISTRIBUTIONS = {"yaml": "pyyaml", "starlette": "fastapi"}
OPTIONAL = {"fastapi": "server", "starlette": "server", "uvicorn": "server", "anyio": "server", "pyspark": "spark", "pyarrow": "spark",
            "pandas": "spark", "fastexcel": "excel"}
GUARDED = {"httptools"}


def test_every_runtime_import_is_a_declared_dependency_and_jsonschema_is_only_for_tests():
    runtime = names(PROJECT["dependencies"])
    extras = {extra: names(reqs) for extra, reqs in PROJECT["optional-dependencies"].items()}
    for module in sorted(third_party_imports([ROOT / "engine", ROOT / "plugins"])):
        dist = DISTRIBUTIONS.get(module, module)
        if module in GUARDED:
            continue
        if module in OPTIONAL:
            assert dist in extras[OPTIONAL[module]], f"{module} is imported but not in the {OPTIONAL[module]} extra"
        else:
            assert dist in runtime, f"{module} is imported by the engine but is not a dependency"
    assert "jsonschema" not in runtime and "jsonschema" in extras["test"]
    assert "jsonschema" not in third_party_imports([ROOT / "engine", ROOT / "plugins"])


def test_every_dependency_has_a_lower_bound():
    for extra, requirements in [("runtime", PROJECT["dependencies"]), *PROJECT["optional-dependencies"].items()]:
        for name, spec in names(requirements).items():
            if name == "kpi-advisor":
                continue
            assert ">=" in spec, f"{extra}: {name} has no lower bound"


def test_polars_floor_allows_streaming_collect():
    # engine code calls collect(engine="streaming") and collect(engine="in-memory") (chosen by
    # engine_for), which polars accepts from 1.25 on; the floor is 1.34, as older ones panic on a
    # constant condition inside a peer window (tests/test_trend_chance.py's account of 30
    # campaigns without customer counts).
    assert names(PROJECT["dependencies"])["polars"] == ">=1.34"
    chooser = (ROOT / "engine" / "data" / "engines.py").read_text(encoding="utf-8")
    assert '"streaming"' in chooser and '"in-memory"' in chooser
    uses = [p for p in (ROOT / "engine").rglob("*.py") if "engine=engine_for(" in p.read_text(encoding="utf-8")]
    assert uses


def test_the_ci_script_runs_the_suite_at_the_minimums_and_latest_and_checks_the_build():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--resolution lowest-direct" in script
    assert "pip install -e '.[test]' && pytest" in script
    assert "pytest -m slow" in script
    assert "twine" in script and "build" in script


# --- the built distribution -----------------------------------------------------------------


def _tool(module: str) -> None:
    import importlib.util

    # A namespace package is no tool: setuptools leaves a build/ folder in the checkout, which
    # would otherwise pass for the build package and fail the test instead of skipping it.
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin in (None, "namespace"):
        pytest.skip(f"needs {module} (pip install build twine uv; .ci/run installs them)")


def _copy_checkout(dest: Path) -> None:
    """What git tracks (so a developer's stray files cannot leak in); without git, the tree
    less virtual environments, caches and build output."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        ignore = shutil.ignore_patterns(".git", ".venv", "venv*", ".ci", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                        ".hypothesis", "bench")
        shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)
        return
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    _tool("build")
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("src") / "kpi-advisor"
    _copy_checkout(source)
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "SetuptoolsDeprecationWarning" not in result.stdout + result.stderr
    return out


def _wheel(dist: Path) -> Path:
    [wheel] = dist.glob("*.whl")
    return wheel


@pytest.mark.slow
def test_twine_check_passes(dist):
    _tool("twine")
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_wheel_and_sdist_hold_the_licence_data_and_compiled_catalogs(dist):
    from kpi_advisor.i18n import messages

    with zipfile.ZipFile(_wheel(dist)) as wheel:
        listed = set(wheel.namelist())
        metadata = wheel.read(next(n for n in listed if n.endswith(".dist-info/METADATA"))).decode()
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in listed)
        assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
        assert "Project-URL: Source, " in metadata
        assert not re.search(r"^Requires-Dist: jsonschema.*(?<!extra == \"test\")$", metadata, flags=re.M)
        for lang in ("de", "da", "id"):
            mo = wheel.read(f"kpi_advisor/i18n/locales/{lang}.mo")
            # The build compiles exactly what the run-time fallback would compile from the .po.
            assert mo == messages.compile_po(messages.po_path(lang).read_bytes(), lang)
        assert "kpi_advisor/rules/funnel.yaml" in listed and "kpi_advisor/schemas/config.schema.json" in listed
        # Each shipped pack and profile with its parse beside it (engine/loading/yamlcache.py).
        shipped = {n for n in listed if n.startswith("kpi_advisor/rules/") and n.endswith(".yaml")}
        assert shipped and {n.removesuffix(".yaml") + ".parsed.json" for n in shipped} <= listed
    import tarfile

    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml", "setup.py", "engine/i18n/locales/de.po"} <= members


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    return path / "bin"


def _examples_json(python: Path, where: Path, env: dict[str, str]) -> dict[str, str]:
    reports = {}
    for example in EXAMPLES:
        result = subprocess.run([str(python), "-m", "kpi_advisor", "run", str(example), "--format", "json"], cwd=where, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{example.name}: {result.stderr}"
        reports[example.name] = result.stdout
    return reports


def _reference(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return _examples_json(Path(sys.executable), tmp_path, env)


@pytest.mark.slow
@pytest.mark.parametrize("resolution", ["highest", "lowest-direct"])
def test_the_wheel_installs_in_a_clean_venv_and_runs_the_examples_from_anywhere(dist, tmp_path, resolution):
    """Installed from the wheel, at the newest dependencies and at the lowest pyproject allows,
    every example gives the same JSON as this checkout, and nothing is written to the home
    folder or the cache (the catalogs come compiled)."""
    bin_dir = _venv(tmp_path / "venv")
    if resolution == "highest":
        subprocess.run([str(bin_dir / "pip"), "install", "--quiet", str(_wheel(dist))], check=True, timeout=900)
    else:
        _tool("uv")
        subprocess.run([sys.executable, "-m", "uv", "pip", "install", "--quiet", "--python", str(bin_dir / "python"),
                        "--resolution", "lowest-direct", str(_wheel(dist))], check=True, timeout=900)
    home = tmp_path / "home"
    home.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "KPI_ADVISOR_"))}
    env.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "NO_COLOR": "1", "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"})
    version = subprocess.run(["kpi-advisor", "--version"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("kpi-advisor, version "), version.stderr
    installed = subprocess.run([str(bin_dir / "python"), "-c", "import kpi_advisor, sys; sys.stdout.write(kpi_advisor.__file__)"],
                               cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120).stdout
    assert str(tmp_path / "venv") in installed  # the wheel's copy, not this checkout
    german = subprocess.run(["kpi-advisor", "run", str(ROOT / "examples" / "acme_outdoor.yaml"), "--lang", "de", "-o", "acme.html"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert german.returncode == 0, german.stderr
    assert "Befunde" in (elsewhere / "acme.html").read_text(encoding="utf-8")
    assert _examples_json(bin_dir / "python", elsewhere, env) == _reference(tmp_path)
    assert list(home.rglob("*")) == []  # nothing compiled or cached at run time
    assert sorted(p.name for p in elsewhere.iterdir()) == ["acme.html"]


@pytest.mark.slow
def test_the_readme_quick_start_runs_verbatim_in_a_fresh_checkout(tmp_path):
    """The README's first Quick start command, as written, in a copy of the checkout with no
    virtual environment: it makes one, installs, and prints the example's report."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].splitlines()[0]
    _tool("build")  # only in CI's packaging stage: a full install from the index takes minutes
    checkout = tmp_path / "kpi-advisor"
    _copy_checkout(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME", "KPI_ADVISOR_"))}
    # A user's shell: the system Python first on PATH, not the venv running these tests.
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p).resolve() != Path(sys.executable).parent.resolve())
    env["NO_COLOR"] = "1"
    result = subprocess.run(["bash", "-c", first], cwd=checkout, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "landing-page-leak" in result.stdout and "Acme Outdoor" in result.stdout
    assert (checkout / ".venv" / "bin" / "kpi-advisor").exists()


def test_json_of_the_examples_is_deterministic_here(tmp_path):
    # The wheel tests compare against this checkout's output; it must not vary between runs.
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    first = CliRunner().invoke(cli, ["run", str(EXAMPLES[0]), "--format", "json"]).output
    second = CliRunner().invoke(cli, ["run", str(EXAMPLES[0]), "--format", "json"]).output
    assert first == second and json.loads(first)["schema_version"] == "1"


def test_messages_module_writes_nothing_at_run_time():
    source = (ROOT / "engine" / "i18n" / "messages.py").read_text(encoding="utf-8")
    loading = source.split("def _compiled", 1)[1].split("\n\n", 1)[0]
    for call in ("write_bytes(", "mkdir(", "mkstemp(", "open(", "cache_dir("):
        assert call not in loading
