"""Bad input raises ValueError naming the argument; aliasing warns."""
import math
import warnings

import pytest
import torch

import fssm


@pytest.mark.parametrize("u, match", [
    (torch.randn(4, 10), "3 dimensions"),
    (torch.randn(2, 5, 10), "4 channels"),
    (torch.randn(2, 4, 10, dtype=torch.complex64), "real floating"),
    (torch.ones(2, 4, 10, dtype=torch.int64), "real floating"),
    (torch.tensor(float("nan")).expand(2, 4, 10), "NaN or Inf"),
    (torch.tensor(float("inf")).expand(2, 4, 10), "NaN or Inf"),
    ([1.0, 2.0], "torch.Tensor"),
])
def test_layer_rejects_bad_input(u, match):
    layer = fssm.S4DLayer(4, 2)
    with pytest.raises(ValueError, match=match):
        layer(u)


@pytest.mark.parametrize("kwargs, match", [
    ({"d_state": 0}, "d_state"),
    ({"d_state": 2.5}, "d_state"),
    ({"alpha": 0.0}, "alpha"),
    ({"alpha": -1.0}, "alpha"),
    ({"alpha": float("nan")}, "alpha"),
    ({"dt_min": 0.2, "dt_max": 0.1}, "dt_min must be <= dt_max"),
    ({"dt_min": -1.0}, "dt_min"),
    ({"init": "hippo"}, "init must be one of"),
    ({"disc": "euler"}, "disc must be one of"),
    ({"lr": {"A": 0.1}}, "unknown parameter"),
])
def test_kernel_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fssm.S4DKernel(4, **{"d_state": 2, **kwargs})


@pytest.mark.parametrize("kwargs, match", [
    ({"d_model": 0}, "d_model"),
    ({"beta": float("inf")}, "beta"),
    ({"dropout": 1.0}, "dropout"),
    ({"activation": "swish"}, "activation"),
    ({"mixing": "mlp"}, "mixing"),
    ({"sobolev_scale": 0.0}, "sobolev_scale"),
])
def test_layer_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fssm.S4DLayer(**{"d_model": 4, "d_state": 2, **kwargs})


def test_model_rejects_bad_input():
    m = fssm.SequenceModel(3, 2, d_model=4, n_layers=1, d_state=2)
    with pytest.raises(ValueError, match=r"shape \(B, L, 3\)"):
        m(torch.randn(2, 10, 4))
    tok = fssm.SequenceModel(1, 2, d_model=4, n_layers=1, d_state=2, vocab_size=5)
    with pytest.raises(ValueError, match="token ids outside"):
        tok(torch.full((2, 7), 5))
    with pytest.raises(ValueError, match="norm must be one of"):
        fssm.SequenceModel(3, 2, norm="group")


def test_aliasing_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fssm.S4DKernel(2, 4, dt_min=1e-3, dt_max=0.1)  # 3 pi * 0.1 < pi: fine
        assert not [w for w in caught if issubclass(w.category, fssm.AliasingWarning)]
        fssm.S4DKernel(2, 4, alpha=20.0, dt_max=0.1)  # 20 * 3 pi * 0.1 = 6 pi > pi
        hits = [w for w in caught if issubclass(w.category, fssm.AliasingWarning)]
        assert len(hits) == 1 and "exceeds pi" in str(hits[0].message)


def test_seed_must_be_a_non_negative_integer():
    with pytest.raises(ValueError, match="seed"):
        fssm.seed_everything(-1)
