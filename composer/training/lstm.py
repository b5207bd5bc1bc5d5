"""The char-LSTM in PyTorch: embedding, stacked single-layer LSTMs of any sizes, dropout, dense layers, logits."""

from __future__ import annotations

import torch
from torch import nn

from composer.training.config import ModelConfig

State = list[tuple[torch.Tensor, torch.Tensor]]


class CharLSTM(nn.Module):
    """A character model whose state is a list of (h, c) per layer, each [batch, hidden_i]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding)
        sizes = [config.embedding, *config.layers]
        self.lstms = nn.ModuleList(nn.LSTM(sizes[i], sizes[i + 1], batch_first=True)
                                   for i in range(len(config.layers)))
        self.dropout = nn.Dropout(config.dropout)
        dense_sizes = [config.layers[-1], *config.dense]
        self.dense = nn.ModuleList(nn.Linear(dense_sizes[i], dense_sizes[i + 1]) for i in range(len(config.dense)))
        self.head = nn.Linear(dense_sizes[-1], config.vocab_size)

    def zero_state(self, batch: int, device: torch.device | None = None) -> State:
        """The state at the start of a tune."""
        return [(torch.zeros(batch, h, device=device), torch.zeros(batch, h, device=device))
                for h in self.config.layers]

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Logits [batch, time, vocab] for tokens [batch, time], and the state after the last step."""
        if state is None:
            state = self.zero_state(tokens.shape[0], tokens.device)
        x = self.embedding(tokens)
        new_state: State = []
        for i, lstm in enumerate(self.lstms):
            h, c = state[i]
            x, (h_n, c_n) = lstm(x, (h.unsqueeze(0), c.unsqueeze(0)))
            new_state.append((h_n.squeeze(0), c_n.squeeze(0)))
            x = self.dropout(x)
        for layer in self.dense:
            x = self.dropout(torch.relu(layer(x)))
        return self.head(x), new_state

    def freeze(self, layers: int) -> None:
        """Stop training the embedding and the lowest `layers` LSTM layers (0 trains everything)."""
        for module in [self.embedding, *self.lstms[:layers]] if layers > 0 else []:
            for parameter in module.parameters():
                parameter.requires_grad_(False)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def detach_state(state: State) -> State:
    """The same state cut from the autograd graph (truncated backpropagation through time)."""
    return [(h.detach(), c.detach()) for h, c in state]
