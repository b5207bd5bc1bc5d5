"""New tunes from the base and the fine-tuned model, same seed, to compare before and after (a worker's job)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SAMPLE_COUNT = 2
SAMPLE_SEED = 7


def generation_available() -> bool:
    """Whether the generator (onnxruntime) is part of this build."""
    return importlib.util.find_spec("composer.model.generate") is not None


def sample_before_after(base: str, tuned: str, tunebook: str, count: int = SAMPLE_COUNT,
                        seed: int = SAMPLE_SEED) -> tuple[list[str], list[str]]:
    """`count` new tunes from each model, same seed, primed with the first tune's meter and key (worker thread)."""
    from composer.abc.tunebook import read_tunebook
    from composer.model.generate import Generator, new_tune_request
    from composer.model.onnx_model import OnnxModel
    from composer.model.sampling import SamplingOptions

    first = next(iter(read_tunebook(Path(tunebook))), None)
    meter = (first.meter if first else None) or "4/4"
    key = (first.key if first else None) or "D"
    request = new_tune_request(meter=meter, key=key, title="Sample", count=count,
                               sampling=SamplingOptions(temperature=0.8, seed=seed), max_chars=700)
    results = []
    for path in (base, tuned):
        finished = Generator(OnnxModel(path, device="cpu", threads=1)).generate(request)
        results.append([request.prime + f.text for f in finished])
    return results[0], results[1]
