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
