"""`composer train` under torchrun: two CPU processes over gloo stay identical replicas."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")


def test_two_cpu_replicas_stay_identical(tmp_path, nottingham_folder):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    assert torchrun, "torchrun comes with torch"
    worker = Path(__file__).with_name("ddp_worker.py")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [torchrun, "--nproc_per_node=2", "--master_port=29531", str(worker),
         str(nottingham_folder / "slip.abc"), str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    first = torch.load(tmp_path / "replica0.pt", weights_only=True)
    second = torch.load(tmp_path / "replica1.pt", weights_only=True)
    assert first["world"] == second["world"] == 2
    assert first["steps"] == second["steps"] >= 12
    for name, value in first["weights"].items():
        assert torch.equal(value, second["weights"][name]), name
    # They trained: the weights moved away from the fresh model's (the trainer seeds torch before building it).
    from composer.training.config import load_preset
    from composer.training.lstm import CharLSTM

    torch.manual_seed(load_preset("tiny").train.seed)
    fresh = CharLSTM(load_preset("tiny").model).state_dict()
    assert not torch.equal(fresh["head.weight"], first["weights"]["head.weight"])
    assert (tmp_path / "checkpoint.pt").is_file()
