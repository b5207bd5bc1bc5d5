"""Where Composer keeps a person's data (user models, fine-tuning runs); where the shipped models and resources lie."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def user_data_dir() -> Path:
    """The per-user data folder ($COMPOSER_DATA, else the platform's: ~/.local/share/composer on Linux)."""
    if os.environ.get("COMPOSER_DATA"):
        return Path(os.environ["COMPOSER_DATA"])
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "Composer"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Composer"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "composer"


def user_models_dir() -> Path:
    """Fine-tuned models, one ONNX file each."""
    return user_data_dir() / "models"


def finetune_runs_dir() -> Path:
    """Fine-tuning runs in progress or done: checkpoints and logs, one folder per run."""
    return user_data_dir() / "finetune"


def _shipped_dir(name: str, marker: str) -> Path:
    """`name/` inside the package (a wheel or a bundle carries it there), else beside it (a checkout)."""
    candidates = (PACKAGE_ROOT / name, PACKAGE_ROOT.parent / name, Path(getattr(sys, "_MEIPASS", PACKAGE_ROOT)) / name)
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    return next((c for c in candidates if c.is_dir()), PACKAGE_ROOT.parent / name)


def shipped_models_dir() -> Path:
    """The models shipped with Composer: `models/` of a checkout, or the copy a wheel or bundle carries."""
    return _shipped_dir("models", "default.onnx")


def shipped_resources_dir() -> Path:
    """The example tunebook and tune templates: `resources/` of a checkout, or the copy a wheel or bundle carries."""
    return _shipped_dir("resources", "examples.abc")


def default_model_path() -> Path:
    """The shipped default model."""
    return shipped_models_dir() / "default.onnx"


#: A float32 model `NAME.onnx` may have an 8-bit twin `NAME.int8.onnx` beside it (written at export time).
INT8_SUFFIX = ".int8.onnx"
#: The weights a model can run with: the int8 twin where there is one (the default), or the float32 file.
WEIGHTS = ("int8", "float32")


def int8_twin(path: str | os.PathLike) -> Path:
    """The int8 twin's path of the float32 model at `path` (`default.onnx` → `default.int8.onnx`)."""
    path = Path(path)
    if path.name.endswith(INT8_SUFFIX):
        return path
    return path.with_name(path.name.removesuffix(".onnx") + INT8_SUFFIX)


def float32_model(path: str | os.PathLike) -> Path:
    """The float32 model of an int8 twin (`default.int8.onnx` → `default.onnx`); any other path as it is."""
    path = Path(path)
    if not path.name.endswith(INT8_SUFFIX):
        return path
    return path.with_name(path.name.removesuffix(INT8_SUFFIX) + ".onnx")


def model_to_run(path: str | os.PathLike, weights: str = "int8") -> Path:
    """The file that runs for the model at `path` (either twin may be given): the int8 twin when `weights` is
    "int8" and it exists, the float32 file when `weights` is "float32" and it exists, else `path` itself."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}")
    wanted = int8_twin(path) if weights == "int8" else float32_model(path)
    return wanted if wanted.is_file() else Path(path)


def weights_of(path: str | os.PathLike) -> str:
    """"int8" for a file named as an int8 twin, else "float32": `OnnxModel(path, weights=weights_of(path))` runs
    exactly `path`."""
    return "int8" if Path(path).name.endswith(INT8_SUFFIX) else "float32"


def listed_models(folder: str | os.PathLike) -> list[Path]:
    """The models of `folder`, one path per model: its float32 file, or an int8 twin that has none."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.onnx"))
    return [p for p in files if not (p.name.endswith(INT8_SUFFIX) and float32_model(p).is_file())]
