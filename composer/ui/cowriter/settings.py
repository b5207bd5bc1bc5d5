"""The co-writer's controls as kept between sessions: the QSettings group `generation` and its version."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from composer.model.generation_plan import GenerationSettings, Mode
from composer.paths import WEIGHTS
from composer.ui.settings import Settings

GROUP = "generation"
#: Raise it when the meaning of a key changes; a group written by a newer Composer is read as the defaults.
SETTINGS_VERSION = 1


@dataclass(frozen=True)
class StoredSettings:
    """The panel's controls, its model and the models opened before, as one value.

    `form` and `part_bars` are None when the group holds none (the controls keep what they show)."""

    mode: Mode = Mode.CONTINUE
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    fixed_seed: bool = False
    form: str | None = None
    part_bars: int | None = None
    model: str = ""
    weights: str = "int8"
    opened_models: tuple[str, ...] = ()


def load_settings(settings: Settings) -> StoredSettings:
    """What the group holds; the defaults with a random seed when it is missing, older or newer."""
    version = int(settings.value(GROUP, "version", 0) or 0)
    defaults = GenerationSettings()
    if version != SETTINGS_VERSION:  # none yet, or written by a newer Composer: keep nothing unknown
        return StoredSettings(generation=GenerationSettings(seed=random.randint(0, 9999)))

    def value(key: str, default):
        return settings.value(GROUP, key, default)

    mode = Mode(value("mode", "")) if value("mode", "") in {m.value for m in Mode} else Mode.CONTINUE
    opened = value("opened_models", []) or []
    weights = value("weights", "int8")
    generation = GenerationSettings(
        temperature=float(value("temperature", defaults.temperature)), top_p=float(value("top_p", defaults.top_p)),
        bars=int(value("bars", defaults.bars)), variations=int(value("variations", defaults.variations)),
        seed=int(value("seed", defaults.seed)), constrain=settings.value(GROUP, "constrain", defaults.constrain, bool))
    return StoredSettings(mode, generation, settings.value(GROUP, "fixed_seed", False, bool),
                          str(value("form", defaults.form)), int(value("part_bars", defaults.part_bars)),
                          str(value("model", "") or ""), weights if weights in WEIGHTS else "int8",
                          tuple(str(p) for p in ([opened] if isinstance(opened, str) else opened)))


def save_settings(settings: Settings, stored: StoredSettings) -> None:
    """Write `stored` into the group, with the version it is written in."""
    current = stored.generation
    for key, value in (("version", SETTINGS_VERSION), ("mode", stored.mode.value),
                       ("temperature", current.temperature), ("top_p", current.top_p), ("bars", current.bars),
                       ("variations", current.variations), ("seed", current.seed),
                       ("fixed_seed", stored.fixed_seed), ("constrain", current.constrain),
                       ("form", current.form), ("part_bars", current.part_bars), ("model", stored.model),
                       ("weights", stored.weights), ("opened_models", list(stored.opened_models))):
        settings.set_value(GROUP, key, value)
