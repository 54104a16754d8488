"""A minimal in-memory batch iterator for tensors already on a device (no worker processes)."""
from __future__ import annotations

from typing import Sequence

import torch

from ..utils import check_int

__all__ = ["Batches"]


class Batches:
    """Iterate over aligned tensors in batches; re-iterable, with len() = batches per epoch.

    Shuffling draws from torch's global RNG (so `fssm.train.fit` restores the order on resume).
    """

    def __init__(self, tensors: Sequence[torch.Tensor], batch_size: int, shuffle: bool = True,
                 drop_last: bool = False):
        if not tensors or any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("tensors must be non-empty and share their first dimension")
        self.tensors, self.shuffle, self.drop_last = tuple(tensors), shuffle, drop_last
        self.batch_size = check_int("batch_size", batch_size, low=1)

    def __len__(self) -> int:
        n = self.tensors[0].shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = self.tensors[0].shape[0]
        order = torch.randperm(n).to(self.tensors[0].device) if self.shuffle else None
        for b in range(len(self)):
            sl = slice(b * self.batch_size, min(n, (b + 1) * self.batch_size))
            idx = order[sl] if order is not None else None
            yield tuple(t[idx] if idx is not None else t[sl] for t in self.tensors)
