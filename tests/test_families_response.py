"""fssm.families.response: the FFT of each family's kernel is its closed-form truncated response, the bands
add up to the total variation, and the MIMO measure is the Frobenius one."""
import math
import warnings

import pytest
import torch

import fssm
from fssm.analysis import frequency_response, total_variation
from fssm.families import response, s4, s5, selective

F64 = torch.float64
L = 64


def _layers():
    fssm.seed_everything(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        return {"s4d": fssm.S4DLayer(3, 4, dt_min=0.01, dt_max=0.1).double(),
                "s4": s4.S4Layer(3, 4, dt_min=0.01, dt_max=0.1).double(),
                "s5": s5.S5Layer(3, 4, dt_min=0.01, dt_max=0.1).double(),
                "selective": selective.SelectiveSSM(3, 4, dt_min=0.01, dt_max=0.1).double()}


def test_kernel_spectrum_is_each_familys_closed_form_response():
    layers = _layers()
    omega, spec = response.kernel_spectrum(layers["s4d"], L, oversample=4)
    assert omega.shape == (2 * L + 1,) and abs(omega[-1].item() - math.pi) < 1e-12
    torch.testing.assert_close(spec, frequency_response(layers["s4d"], omega, L=L), rtol=1e-10, atol=1e-10)
    _, spec5 = response.kernel_spectrum(layers["s5"], L, oversample=4)
    torch.testing.assert_close(spec5, layers["s5"].frequency_response(omega, L=L), rtol=1e-10, atol=1e-10)
    _, spec6 = response.kernel_spectrum(layers["selective"], L, oversample=4)
    torch.testing.assert_close(spec6, layers["selective"].frozen_transfer(omega, L=L), rtol=1e-10, atol=1e-10)
    # S4: the rfft of its (Cauchy) kernel, checked against the dense system's impulse response
    k4 = layers["s4"].kernel
    Abar, Bbar = k4.discretize(F64)
    dense = s4.dense_kernel(Abar, Bbar, k4.ssm(F64)["C"], L)
    _, spec4 = response.kernel_spectrum(layers["s4"], L, oversample=4)
    torch.testing.assert_close(spec4, torch.fft.rfft(dense, n=4 * L), rtol=1e-8, atol=1e-8)


def test_bands_add_up_and_shares_sum_to_one():
    layers = _layers()
    edges = [0.0, 0.3, 1.0, math.pi + 1e-9]
    bands = list(zip(edges, edges[1:]))
    for name, layer in layers.items():
        v = response.variation_per_band(layer, L, bands)
        omega, spec = response.kernel_spectrum(layer, L)
        whole = total_variation(spec, omega, value_dims=2 if name == "s5" else 0)
        torch.testing.assert_close(v.sum(-1), whole.reshape(v.shape[0]), rtol=1e-12, atol=1e-12)
        assert v.shape == ((1, 3) if name == "s5" else (3, 3))
        torch.testing.assert_close(response.band_shares(v).sum(), torch.tensor(1.0, dtype=v.dtype))


def test_alpha_moves_the_variation_up_and_bad_layers_are_named():
    fssm.seed_everything(1)
    bands = [(0.0, 0.1), (0.1, math.pi + 1e-9)]
    low = response.band_shares(response.variation_per_band(fssm.S4DLayer(2, 4, dt_min=0.01, dt_max=0.01), 1024, bands))
    fssm.seed_everything(1)
    high = response.band_shares(response.variation_per_band(
        fssm.S4DLayer(2, 4, alpha=20.0, dt_min=0.01, dt_max=0.01), 1024, bands))
    assert low[1] < 0.2 < 0.8 < high[1]
    with pytest.raises(TypeError, match="S4DLayer, S4Layer, S5Layer or SelectiveSSM"):
        response.layer_kernel(torch.nn.Linear(2, 2), 8)
    with pytest.raises(ValueError, match="bidirectional"):
        response.layer_kernel(fssm.S4DLayer(2, 4, bidirectional=True), 8)
    with pytest.raises(ValueError, match="variation must be"):
        response.band_shares(torch.ones(3))
