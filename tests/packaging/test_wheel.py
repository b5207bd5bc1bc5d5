"""The sdist and wheel built from a copy of the checkout carry the code, resources/ and models/, and install."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.requirements import Requirement

import composer

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _build(hook: str, source: Path, out: Path) -> Path:
    """Run a PEP 517 hook of setuptools (what `python -m build` calls) in `source`; the built file."""
    code = f"import sys; from setuptools import build_meta; print(build_meta.{hook}(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", code, str(out)], cwd=source, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


def _write_probe_model(path: Path) -> None:
    """A small real ONNX file (y = x + 1): the wheel must carry any ONNX model in models/, byte for byte."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "probe",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], initializer=[one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the checkout's build inputs, with an ONNX model and a checkpoint added to models/."""
    root = tmp_path_factory.mktemp("project")
    for name in ("composer", "resources", "models"):
        if (REPO / name).is_dir():  # a clone has no models/ until a model is committed
            shutil.copytree(REPO / name, root / name, ignore=IGNORED)
    (root / "models").mkdir(exist_ok=True)
    for name in BUILD_FILES:
        shutil.copy2(REPO / name, root / name)
    _write_probe_model(root / "models" / "probe.onnx")
    # A training checkpoint stays out of the wheel whatever it holds: it is chosen by its extension.
    (root / "models" / "probe.pt").write_bytes(pickle.dumps({"step": 1}))
    return root


@pytest.fixture(scope="module")
def sdist(project, tmp_path_factory) -> Path:
    return _build("build_sdist", project, tmp_path_factory.mktemp("sdist"))


@pytest.fixture(scope="module")
def wheel(sdist, tmp_path_factory) -> Path:
    """The wheel built from the unpacked sdist, as `python -m build` does."""
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    (source,) = unpacked.iterdir()
    return _build("build_wheel", source, tmp_path_factory.mktemp("wheel"))


def _shipped(project: Path) -> dict[str, Path]:
    """Wheel path → project file for resources/ and models/ as they should ship (no checkpoints)."""
    files = {}
    for folder in ("resources", "models"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file() and path.suffix in {".abc", ".svg", ".md", ".onnx", ".json"}:
                files[f"composer/{folder}/{path.relative_to(project / folder).as_posix()}"] = path
    return files


def test_sdist_carries_the_shipped_folders_and_the_build_hook(project, sdist):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for wheel_name in _shipped(project):
        assert wheel_name.removeprefix("composer/") in names
    assert {"setup.py", "pyproject.toml", "MANIFEST.in"} <= names
    assert not [name for name in names if name.endswith((".pt", ".pyc"))]


def test_wheel_carries_every_module_and_the_shipped_folders_byte_for_byte(project, wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = _shipped(project)
        assert "composer/models/probe.onnx" in shipped and "composer/resources/examples.abc" in shipped
        if (REPO / "models" / "default.int8.onnx").is_file():  # the shipped default and its int8 twin
            assert {"composer/models/default.onnx", "composer/models/default.int8.onnx"} <= set(shipped)
        for name, source in shipped.items():
            assert archive.read(name) == source.read_bytes(), name
    modules = {path.relative_to(project).as_posix() for path in (project / "composer").rglob("*.py")}
    assert modules <= names
    assert not [name for name in names if name.endswith(".pt")]


def test_wheel_metadata_is_valid_and_matches_pyproject(wheel):
    with zipfile.ZipFile(wheel) as archive:
        info = f"abc_composer-{composer.__version__}.dist-info"
        metadata = Metadata.from_email(archive.read(f"{info}/METADATA"), validate=True)
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    project = PYPROJECT["project"]
    assert metadata.name == project["name"]
    assert str(metadata.version) == composer.__version__ == project["version"]
    assert str(metadata.requires_python) == project["requires-python"]
    assert set(metadata.provides_extra) == set(project["optional-dependencies"])
    assert "package" in metadata.provides_extra
    required = {str(r) for r in metadata.requires_dist if r.marker is None or "extra" not in str(r.marker)}
    assert required == {str(Requirement(r)) for r in project["dependencies"]}
    for name, target in project["scripts"].items():
        assert f"{name} = {target}" in entry_points


def test_installed_wheel_runs_and_finds_its_resources_and_models(wheel, tmp_path):
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=120, capture_output=True)
    # The dependencies come from this environment, after the fresh one on sys.path: no download, and
    # composer itself can only come from the wheel (this environment's editable finder is not loaded).
    site_packages = next((fresh / "lib").glob("python3.*/site-packages"))
    here = [p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir()]
    (site_packages / "zz_dependencies.pth").write_text("\n".join(here) + "\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    version = subprocess.run([str(fresh / "bin" / "composer"), "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"composer {composer.__version__}"

    code = ("import composer.paths as p, composer.ui.resources as r; "
            "print(p.PACKAGE_ROOT); print(r.examples_path()); print(len(r.templates())); print(p.shipped_models_dir())")
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    package_root, examples, template_count, models = done.stdout.split("\n")[:4]
    assert Path(package_root).is_relative_to(fresh)
    assert Path(examples) == Path(package_root) / "resources" / "examples.abc"
    assert Path(examples).read_bytes() == (REPO / "resources" / "examples.abc").read_bytes()
    assert int(template_count) == len(list((REPO / "resources" / "templates").glob("*.abc")))
    assert Path(models) == Path(package_root) / "models"
    assert (Path(models) / "probe.onnx").is_file()

    if not (Path(models) / "default.int8.onnx").is_file():
        return  # a clone without the trained models
    generated = subprocess.run([str(fresh / "bin" / "composer"), "generate", "--count", "1", "--seed", "1",
                                "--max-chars", "200"], cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=120)
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.startswith("X:1")
    assert "model: default.int8.onnx," in generated.stderr and "int8 weights" in generated.stderr  # the twin runs
