"""Where the shipped example tunebook and tune templates are."""

from __future__ import annotations

from pathlib import Path

from composer.paths import shipped_resources_dir

# Beside the composer package in a checkout (and an editable install); inside it in a wheel or a bundle.
RESOURCES: Path = shipped_resources_dir()


def examples_path() -> Path:
    """The example tunebook that opens when `composer` runs without a file."""
    return RESOURCES / "examples.abc"


def templates() -> dict[str, Path]:
    """Tune templates by display name (`Slip jig` for slip-jig.abc), in name order."""
    folder = RESOURCES / "templates"
    found = sorted(folder.glob("*.abc")) if folder.is_dir() else []
    return {p.stem.replace("-", " ").capitalize(): p for p in found}


def icon_path() -> Path:
    """The application icon (SVG)."""
    return RESOURCES / "icons" / "composer.svg"
