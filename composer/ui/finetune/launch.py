"""How a fine-tune is launched: its command line, the models to start from, the run to resume, PyTorch present."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from composer.paths import default_model_path, listed_models, user_models_dir
from composer.training.runs import FinetuneSettings, load_request
from composer.ui.finetune.report import run_history


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


def command_arguments(base: str, tunebooks: list[str], settings: FinetuneSettings) -> list[str]:
    """The `composer finetune` arguments for `settings` (without --out), printing JSON lines."""
    args = ["--base", base, "--data", *tunebooks,
            "--epochs", str(settings.epochs), "--lr", repr(settings.learning_rate),
            "--dropout", repr(settings.dropout), "--freeze", str(settings.freeze_layers),
            "--patience", str(settings.patience), "--threads", str(settings.threads), "--json"]
    if not settings.augment:
        args.append("--no-augment")
    return args


def base_model_choices(others: list[str | None]) -> list[tuple[str, str]]:
    """(label, path) of the models to start from: the shipped default, the person's models (newest first), then
    `others` (models chosen before) that still exist."""
    choices = []
    default = default_model_path()
    if default.is_file():
        choices.append((f"Default model ({default.name})", str(default)))
    mine = sorted(listed_models(user_models_dir()), key=lambda p: p.stat().st_mtime, reverse=True)  # no twins
    choices += [(f"My model: {path.stem}", str(path)) for path in mine]
    listed = {path for _label, path in choices}
    for path in others:
        if path and path not in listed and Path(path).is_file():
            choices.append((Path(path).name, path))
            listed.add(path)
    return choices


def resume_offer(run_dir: Path) -> str | None:
    """The banner's offer to go on with an unfinished run; None when its request cannot be read."""
    _, step = run_history(run_dir)
    try:
        request = load_request(run_dir)
    except Exception:  # an unreadable request.json: nothing to resume with
        return None
    books = ", ".join(Path(b).name for b in request.get("tunebooks", []))
    at = f" at step {step}" if step else ""
    return (f"The fine-tune “{request.get('name', run_dir.name)}” on {books} stopped{at} before it finished. "
            "Go on from its last checkpoint?")
