"""Length-bucketed batches of whole tunes, cut into truncated-BPTT chunks, with a body-character mask."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from composer.model.canonical import body_start
from composer.model.vocab import encode


@dataclass(frozen=True)
class TuneBatch:
    """Tunes of similar length as padded token rows; targets are the inputs shifted by one."""

    inputs: torch.Tensor   # int64 [batch, time]
    targets: torch.Tensor  # int64 [batch, time]
    mask: torch.Tensor     # bool [batch, time]: real targets
    body: torch.Tensor     # bool [batch, time]: targets that are body characters

    def chunks(self, seq_len: int) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
        """(inputs, targets, mask, body) slices of `seq_len` steps, in time order."""
        for start in range(0, self.inputs.shape[1], seq_len):
            end = start + seq_len
            yield (self.inputs[:, start:end], self.targets[:, start:end], self.mask[:, start:end],
                   self.body[:, start:end])


def make_batch(texts: Sequence[str]) -> TuneBatch:
    """Pad `texts` into one batch; each row starts from the tune's first character."""
    ids = [encode(t) for t in texts]
    width = max(len(i) for i in ids) - 1
    inputs = torch.zeros(len(ids), width, dtype=torch.long)
    targets = torch.zeros(len(ids), width, dtype=torch.long)
    mask = torch.zeros(len(ids), width, dtype=torch.bool)
    body = torch.zeros(len(ids), width, dtype=torch.bool)
    for row, (text, tokens) in enumerate(zip(texts, ids, strict=True)):
        n = len(tokens) - 1
        inputs[row, :n] = torch.tensor(tokens[:-1])
        targets[row, :n] = torch.tensor(tokens[1:])
        mask[row, :n] = True
        # Target t is character t + 1: a body character once t + 1 reaches the body's start.
        first_body_target = max(body_start(text) - 1, 0)
        body[row, first_body_target:n] = True
    return TuneBatch(inputs, targets, mask, body)


def bucketed_batches(texts: Sequence[str], batch_size: int, seed: int) -> list[list[int]]:
    """Indices of `texts` grouped into batches of similar length, in a shuffled order fixed by `seed`."""
    rng = random.Random(seed)
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]) + rng.random() * 40))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def epoch_batches(texts: Sequence[str], batch_size: int, seed: int,
                  transform: Callable[[str, random.Random], str] | None = None,
                  skip: int = 0) -> Iterator[TuneBatch]:
    """The batches of one epoch (the epoch's seed fixes order and augmentation); the first `skip` are skipped."""
    rng = random.Random(seed * 7919 + 1)
    for number, indices in enumerate(bucketed_batches(texts, batch_size, seed)):
        chosen = [texts[i] for i in indices]
        if transform is not None:
            chosen = [transform(t, rng) for t in chosen]
        if number < skip:
            continue
        yield make_batch(chosen)
