r"""`SequenceModel`: encoder -> residual S4D blocks -> pooling decoder (book: every experiment).

Input: r(B L d_input) features, or int64 (B L) tokens when `vocab_size` is given.
Output: r(B d_output) after pooling over time ('mean' or 'last'), or r(B L d_output) with pool=None.
This module knows nothing about datasets.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .layer import S4DLayer
from .utils import ArgumentTypeError, check_bool, check_choice, check_input, check_int, check_real, check_tokens

__all__ = ["SequenceModel", "ResidualBlock", "TwoTowerClassifier"]

NORMS = ("layer", "batch", None)
POOLS = ("mean", "last", None)


class _ChannelNorm(nn.Module):
    """LayerNorm or BatchNorm over the H channels of an r(B H L) tensor."""

    def __init__(self, kind: Optional[str], H: int):
        super().__init__()
        self.kind = check_choice("norm", kind, NORMS)
        if kind == "layer":
            self.norm = nn.LayerNorm(H)
        elif kind == "batch":
            self.norm = nn.BatchNorm1d(H)
        else:
            self.norm = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # r(B H L) -> r(B H L)
        if self.kind == "layer":
            return self.norm(x.transpose(1, 2)).transpose(1, 2)
        return self.norm(x)


class ResidualBlock(nn.Module):
    """x + dropout(S4DLayer(norm(x))) (prenorm) or norm(x + dropout(S4DLayer(x))) (postnorm).

    d_model: H >= 1; norm: 'layer' | 'batch' | None; prenorm: True or False; dropout in [0, 1).
    """

    def __init__(self, d_model: int, norm: Optional[str] = "layer", prenorm: bool = True,
                 dropout: float = 0.0, **layer_kwargs):
        super().__init__()
        self.d_model = check_int("d_model", d_model, low=1)
        self.prenorm = check_bool("prenorm", prenorm)
        self.norm = _ChannelNorm(norm, d_model)
        self.layer = S4DLayer(d_model, dropout=dropout, **layer_kwargs)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # r(B H L) -> r(B H L)
        # shape only: the layer checks finiteness, and under autocast x may be in a lower precision
        check_input(x, "x", rank=3, channels=self.d_model, finite=False, shape=f"(B, {self.d_model}, L)")
        z = self.norm(x) if self.prenorm else x
        x = x + self.dropout(self.layer(z))
        return x if self.prenorm else self.norm(x)


class SequenceModel(nn.Module):
    r"""Encoder, `n_layers` residual S4D blocks, optional final norm, pooling decoder.

    Args:
        d_input: features per time step, >= 1 (ignored when vocab_size is given).
        d_output: outputs (classes for classification, targets for regression), >= 1.
        d_model: H channels (>= 1). n_layers: number of blocks (>= 1).
        vocab_size: if given, the input is int64 (or int32) tokens (B L) with ids in [0, vocab_size) and
            the encoder is an embedding.
        norm: 'layer' | 'batch' | None. prenorm: pre- (True) or post-norm blocks. dropout: in [0, 1).
        pool: 'mean' | 'last' | None (per-step outputs).
        Input checks: x must match the parameters' dtype (unless under autocast) and device, L >= 1; an
        empty batch (B = 0) gives an empty output.
        **layer_kwargs: passed to every `S4DLayer` (d_state, alpha, beta, learn_beta, bidirectional,
            init, disc, dt_min, dt_max, lr, activation, mixing, ...).
    """

    def __init__(self, d_input: int, d_output: int, d_model: int = 128, n_layers: int = 4,
                 vocab_size: Optional[int] = None, norm: Optional[str] = "layer", prenorm: bool = True,
                 dropout: float = 0.0, pool: Optional[str] = "mean", **layer_kwargs):
        super().__init__()
        d_output = check_int("d_output", d_output, low=1)
        d_model = check_int("d_model", d_model, low=1)
        n_layers = check_int("n_layers", n_layers, low=1)
        check_choice("norm", norm, NORMS)
        self.pool = check_choice("pool", pool, POOLS)
        check_real("dropout", dropout, low=0.0)
        self.vocab_size = vocab_size
        if vocab_size is not None:
            check_int("vocab_size", vocab_size, low=1)
            self.encoder = nn.Embedding(vocab_size, d_model)
        else:
            self.d_input = check_int("d_input", d_input, low=1)
            self.encoder = nn.Linear(d_input, d_model)
        self.blocks = nn.ModuleList(
            ResidualBlock(d_model, norm=norm, prenorm=prenorm, dropout=dropout, **layer_kwargs)
            for _ in range(n_layers)
        )
        self.final_norm = _ChannelNorm(norm if prenorm else None, d_model)
        self.decoder = nn.Linear(d_model, d_output)

    def _check(self, x: torch.Tensor) -> None:
        w = self.decoder.weight
        if self.vocab_size is not None:
            check_tokens(x, self.vocab_size, "x", shape="(B, L)", device=w.device)
        else:
            check_input(x, "x", rank=3, channels=self.d_input, channel_dim=2, dtype=w.dtype, device=w.device,
                        shape=f"(B, L, {self.d_input})")
        if x.shape[1] == 0:
            raise ValueError(f"x must hold sequences of length L >= 1, got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x r(B L d_input) or int (B L) -> r(B d_output), or r(B L d_output) when pool is None."""
        self._check(x)
        if x.shape[0] == 0:  # an empty batch: an empty output of the right shape
            d_model = self.decoder.in_features
            return self.decoder(self.decoder.weight.new_zeros((0, d_model) if self.pool else (0, x.shape[1], d_model)))
        h = self.encoder(x).transpose(1, 2)  # r(B H L)
        for block in self.blocks:
            h = block(h)
        h = self.final_norm(h)
        if self.pool == "mean":
            h = h.mean(-1)  # r(B H)
        elif self.pool == "last":
            h = h[..., -1]
        else:
            h = h.transpose(1, 2)  # r(B L H)
        return self.decoder(h)


class TwoTowerClassifier(nn.Module):
    r"""Classify a pair of sequences with one shared encoder (LRA Retrieval, Tay et al. 2021).

    u = encoder(x[:, 0]), v = encoder(x[:, 1]), each r(B F); features [u, v, u * v, u - v] r(B 4F) go
    through Linear(4F -> F), GELU, Linear(F -> d_output). `encoder` maps int (B L) or r(B L d) to r(B F),
    e.g. a `SequenceModel` with d_output = F. Input x: (B, 2, L) tokens or (B, 2, L, d) features.
    """

    def __init__(self, encoder: nn.Module, d_features: int, d_output: int):
        super().__init__()
        F = check_int("d_features", d_features, low=1)
        if not isinstance(encoder, nn.Module):
            raise ArgumentTypeError(f"encoder must be a torch.nn.Module, got {type(encoder).__name__}")
        self.encoder, self.d_features = encoder, F
        self.head = nn.Sequential(nn.Linear(4 * F, F), nn.GELU(), nn.Linear(F, check_int("d_output", d_output, low=1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() < 3 or x.shape[1] != 2:
            raise ValueError(f"x must hold pairs with shape (B, 2, L, ...), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        B = x.shape[0]
        h = self.encoder(x.flatten(0, 1))  # both towers in one batch: r(2B F)
        if h.shape != (2 * B, self.d_features):
            raise ValueError(f"the encoder must map each sequence to d_features = {self.d_features} features, "
                             f"an output of shape ({2 * B}, {self.d_features}); got {tuple(h.shape)}")
        u, v = h.view(B, 2, self.d_features).unbind(1)  # r(B F) each
        return self.head(torch.cat([u, v, u * v, u - v], dim=-1))
