"""The set-up files tell the same story: pyproject.toml, environment.yml, Makefile, README, .ci/run."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _pip_section(env):
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return dep["pip"]
    raise AssertionError("environment.yml has no pip section")


def test_environment_python_matches_requires_python():
    requires = _pyproject()["project"]["requires-python"]
    conda_python = [d for d in _environment()["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert conda_python == [f"python{requires}"], (
        f"environment.yml pins {conda_python}, pyproject requires-python is {requires!r}"
    )


def test_environment_installs_the_package_with_declared_extras():
    extras = set(_pyproject()["project"]["optional-dependencies"])
    lines = _pip_section(_environment())
    assert len(lines) == 1, f"the pip section should install the package only, found {lines}"
    m = re.fullmatch(r"-e \.\[([\w,]+)\]", lines[0])
    assert m, f"expected '-e .[extras]', found {lines[0]!r}"
    wanted = set(m.group(1).split(","))
    assert wanted <= extras, f"environment.yml asks for extras {wanted - extras} that pyproject lacks"
    assert {"cpu", "dev"} <= wanted


def _environment_extras() -> set[str]:
    m = re.fullmatch(r"-e \.\[([\w,]+)\]", _pip_section(_environment())[0])
    return set(m.group(1).split(",")) if m else set()


def test_makefile_installs_the_same_extras_as_environment():
    makefile = (ROOT / "Makefile").read_text()
    m = re.search(r"^EXTRAS\s*:=\s*\$\(if \$\(GPU\),gpu,cpu\),([\w,]+)", makefile, re.M)
    assert m, "Makefile should set EXTRAS := $(if $(GPU),gpu,cpu),<the other extras>"
    assert {"cpu", *m.group(1).split(",")} == _environment_extras(), (
        f"Makefile installs cpu|gpu,{m.group(1)}; environment.yml installs {sorted(_environment_extras())}")
    assert 'pip install -q -e ".[$(EXTRAS)]"' in makefile


def _names(requirements) -> set[str]:
    return {re.split(r"[<>=\[ ;]", d)[0].lower() for d in requirements}


def test_declared_dependencies_cover_the_stack():
    project = _pyproject()["project"]
    base = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    # Students install the base package (plus cpu|gpu): the library, no instructor tools. nbgrader
    # would pull notebook>=7.2, which clashes with Colab's pinned notebook (issue 10).
    assert {"keras", "numpy", "matplotlib", "scikit-learn"} <= base
    assert not base & {"nbgrader", "jupytext", "tensorflow", "tensorflow-cpu", "tensorflow-datasets"}, base
    # TensorFlow resolves everywhere: tensorflow-cpu has no macOS wheels, so macOS gets plain tensorflow.
    assert 'tensorflow-cpu>=2.16,<3; sys_platform != "darwin"' in extras["cpu"]
    assert 'tensorflow>=2.16,<3; sys_platform == "darwin"' in extras["cpu"]
    assert any(d.startswith("tensorflow[and-cuda]") for d in extras["gpu"])
    assert {"nbgrader", "jupytext", "tomlkit", "tensorflow-datasets"} <= _names(extras["instructor"])
    assert {"pytest", "pytest-xdist", "playwright"} <= _names(extras["dev"])
    assert {"cpu", "instructor", "dev"} <= _environment_extras(), "the development environment lacks an extra"


def test_readme_opens_with_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert blocks, "README.md has no command block"
    first = [line.split("#")[0].strip() for line in blocks[0].splitlines()]
    first = [cmd for cmd in first if cmd]
    assert first == ["make demo", "make test"], f"README's first block should be the two commands, is {first}"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M), ".ci/run must call the README's test command"
