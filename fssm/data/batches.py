"""A minimal in-memory batch iterator for tensors already on a device (no worker processes)."""
from __future__ import annotations

from typing import Sequence

import torch

from ..utils import ArgumentTypeError, check_bool, check_int

__all__ = ["Batches"]


class Batches:
    """Iterate over aligned tensors in batches; re-iterable, with len() = batches per epoch.

    tensors: a non-empty sequence, e.g. (x, y) or (x,), of tensors on one device with the same first
    dimension n >= 1 (the samples). batch_size: an integer >= 1. shuffle, drop_last: True or False;
    drop_last=True needs batch_size <= n (else there would be no batch).
    Shuffling draws from torch's global RNG (so `fssm.train.fit` restores the order on resume).
    """

    def __init__(self, tensors: Sequence[torch.Tensor], batch_size: int, shuffle: bool = True,
                 drop_last: bool = False):
        self.tensors = _check_tensors(tensors)
        self.shuffle = check_bool("shuffle", shuffle)
        self.drop_last = check_bool("drop_last", drop_last)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        n = self.tensors[0].shape[0]
        if self.drop_last and self.batch_size > n:
            raise ValueError(f"batch_size must be <= the {n} samples with drop_last=True (else no batch), "
                             f"got {self.batch_size}")

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


def _check_tensors(tensors) -> tuple:
    """`tensors` as a tuple of tensors on one device sharing a first dimension n >= 1; else an error."""
    if isinstance(tensors, torch.Tensor) or not isinstance(tensors, Sequence) or not tensors:
        got = "a single Tensor" if isinstance(tensors, torch.Tensor) else repr(tensors)[:60]
        raise ArgumentTypeError(f"tensors must be non-empty and a sequence of tensors such as (x, y) or (x,), got {got}")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor) or t.dim() < 1:
            what = f"shape {tuple(t.shape)}" if isinstance(t, torch.Tensor) else type(t).__name__
            raise ArgumentTypeError(f"tensors[{i}] must be a tensor with a first (sample) dimension, got {what}")
    lengths = [t.shape[0] for t in tensors]
    if len(set(lengths)) > 1:
        raise ValueError(f"tensors must be non-empty and share their first dimension, got lengths {lengths}")
    if lengths[0] == 0:
        raise ValueError("tensors must hold at least one sample, got a first dimension of 0")
    devices = sorted({str(t.device) for t in tensors})
    if len(devices) > 1:
        raise ValueError(f"tensors must be on one device, got {devices}")
    return tuple(tensors)
