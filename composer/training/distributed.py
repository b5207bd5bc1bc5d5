"""Running the same training under torchrun: DistributedDataParallel over gloo (CPU) or nccl (GPUs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import nn

from composer.training.batches import TuneBatch


@dataclass(frozen=True)
class Distributed:
    """This process's place among `world_size` replicas; a single process is rank 0 of 1."""

    rank: int = 0
    world_size: int = 1

    @classmethod
    def from_environment(cls) -> Distributed:
        """Join the process group torchrun describes in the environment, if any."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size <= 1:
            return cls()
        import torch.distributed as dist

        if not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            dist.init_process_group(backend)
        return cls(dist.get_rank(), dist.get_world_size())

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: nn.Module) -> nn.Module:
        if self.world_size == 1:
            return model
        return nn.parallel.DistributedDataParallel(model)

    def unwrap(self, model: nn.Module) -> nn.Module:
        return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model

    def rows_of(self, batch: TuneBatch) -> TuneBatch:
        """This replica's share of a batch: every world_size-th row, same width on every replica."""
        if self.world_size == 1:
            return batch
        rows = batch.inputs.shape[0]
        if self.rank >= rows:
            # Fewer tunes than replicas: repeat a row with nothing to learn, so every replica steps together.
            pick = [self.rank % rows]
            return TuneBatch(batch.inputs[pick], batch.targets[pick], batch.mask[pick] & False, batch.body[pick])
        pick = slice(self.rank, None, self.world_size)
        return TuneBatch(batch.inputs[pick], batch.targets[pick], batch.mask[pick], batch.body[pick])

    def close(self) -> None:
        """Wait for every replica, then leave the process group (gloo's threads must not outlive it)."""
        if self.world_size == 1:
            return
        import torch.distributed as dist

        if dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()

    def agree(self, reason: str | None) -> str | None:
        """Rank 0's decision to stop, shared by every replica."""
        if self.world_size == 1:
            return reason
        import torch.distributed as dist

        box = [reason]
        dist.broadcast_object_list(box, src=0)
        return box[0]
