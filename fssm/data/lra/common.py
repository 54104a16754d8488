r"""What the six LRA readers share: one error for malformed records, byte tokens, fixed-length padding.

Item convention of every LRA dataset (`__getitem__` returns `(x, y)`):
- token tasks (ListOps, Text): x int64 (L,), padded with `PAD` = 0;
- Retrieval: x int64 (2, L), the two documents of a pair;
- pixel tasks (Image, Pathfinder, Path-X): x float32 (L, 1), intensities in [0, 1];
- y: int64 scalar class index.
Every dataset exposes `seq_len`, `n_classes` and `vocab_size` (None for pixel tasks), which is all
`fssm.experiments.lra` needs to build a model.
"""
from __future__ import annotations

from typing import Sequence, Union

import torch

from ...utils import ArgumentTypeError, check_int

__all__ = ["MalformedRecordError", "PAD", "BYTE_VOCAB", "encode_bytes", "pad_tokens"]

PAD = 0
BYTE_VOCAB = 257  # byte b -> token b + 1; 0 is padding


class MalformedRecordError(ValueError):
    """A record of a data file cannot be read; the message names the file and the line (1-based)."""

    def __init__(self, path: str, line: int, reason: str):
        self.path, self.line, self.reason = str(path), int(line), reason
        super().__init__(f"{self.path}, line {self.line}: {reason}")


def pad_tokens(ids: Sequence[int], length: int, pad: int = PAD) -> torch.Tensor:
    """int64 (length,): `ids` truncated to `length` (an integer >= 1), then right-padded with `pad`."""
    length = check_int("length", length, low=1)
    ids = list(ids)[:length]
    out = torch.full((length,), pad, dtype=torch.int64)
    if ids:
        out[: len(ids)] = torch.as_tensor(ids, dtype=torch.int64)
    return out


def encode_bytes(text: Union[str, bytes], length: int) -> torch.Tensor:
    """int64 (length,): UTF-8 bytes of `text` (str or bytes) as tokens byte + 1 (vocab `BYTE_VOCAB`),
    truncated/padded to `length` (an integer >= 1)."""
    length = check_int("length", length, low=1)
    if not isinstance(text, (str, bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"text must be str or bytes, got {type(text).__name__}")
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    data = data[:length]
    out = torch.full((length,), PAD, dtype=torch.int64)
    if data:
        out[: len(data)] = torch.frombuffer(bytearray(data), dtype=torch.uint8).to(torch.int64) + 1
    return out
