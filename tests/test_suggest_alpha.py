"""fssm.analysis.suggest_alpha: on signals whose band is known it puts the modes there, scales with the band,
respects Nyquist, and names bad input."""
import math

import pytest
import torch

import fssm
from fssm.analysis import average_power_spectrum, suggest_alpha

L = 4096


def band_noise(lo, hi, n=32, seed=0):
    """n sequences of length L whose power is flat on (lo, hi) rad/sample and zero elsewhere."""
    g = torch.Generator().manual_seed(seed)
    k = torch.arange(L // 2 + 1)
    inside = ((k * 2 * math.pi / L > lo) & (k * 2 * math.pi / L < hi)).to(torch.float64)
    spec = torch.complex(torch.randn(n, L // 2 + 1, generator=g, dtype=torch.float64),
                         torch.randn(n, L // 2 + 1, generator=g, dtype=torch.float64))
    return torch.fft.irfft(inside * spec, n=L)


A = fssm.init.init_A("lin", 16)
TOP = A.imag.max().item()


def test_quantile_rule_puts_the_fastest_mode_at_the_top_of_the_band():
    w, P = average_power_spectrum(band_noise(0.2, 0.4))
    alpha = suggest_alpha(w, P, A, 0.01, 0.01, rule="quantile", q=0.95)
    assert 0.37 < alpha * TOP * 0.01 < 0.40  # 95 % of a flat band [0.2, 0.4] lies below 0.39
    alpha_all = suggest_alpha(w, P, A, 0.01, 0.01, rule="quantile", q=1.0)
    assert 0.39 < alpha_all * TOP * 0.01 < 0.401


def test_transport_rule_puts_the_median_mode_in_the_band_and_straddles_a_tone():
    w, P = average_power_spectrum(band_noise(0.2, 0.4))
    alpha = suggest_alpha(w, P, A, 0.01, 0.01, rule="transport")
    freqs = alpha * A.imag[A.imag > 0] * 0.01
    assert 0.2 < float(freqs.median()) < 0.4
    tone = torch.cos(0.05 * torch.arange(L, dtype=torch.float64))[None] * torch.ones(4, 1, dtype=torch.float64)
    w, P = average_power_spectrum(tone)
    freqs = suggest_alpha(w, P, A, 0.01, 0.01, rule="transport") * A.imag[A.imag > 0] * 0.01
    assert float(freqs.min()) < 0.05 < float(freqs.max())


@pytest.mark.parametrize("rule", ["quantile", "transport"])
def test_alpha_scales_with_the_band_and_with_the_step(rule):
    """A band 4x higher asks for a 4x larger alpha; a 2x larger step for a 2x smaller one (within the grids)."""
    w, P = average_power_spectrum(band_noise(0.02, 0.05))
    w4, P4 = average_power_spectrum(band_noise(0.08, 0.2))
    base = suggest_alpha(w, P, A, 1e-3, 1e-2, rule=rule)
    assert 3.7 < suggest_alpha(w4, P4, A, 1e-3, 1e-2, rule=rule) / base < 4.3
    assert 1.9 < base / suggest_alpha(w, P, A, 2e-3, 2e-2, rule=rule) < 2.1


def test_a_band_above_nyquist_at_dt_max_is_clipped_with_a_warning():
    w, P = average_power_spectrum(band_noise(2.5, 3.0))
    with pytest.warns(UserWarning, match="clipped"):
        alpha = suggest_alpha(w, P, A, 0.01, 0.1, rule="quantile")
    assert abs(alpha * TOP * 0.1 - math.pi) < 1e-9


def test_bad_inputs_are_named():
    w, P = average_power_spectrum(band_noise(0.2, 0.4, n=2))
    with pytest.raises(ValueError, match="rule"):
        suggest_alpha(w, P, A, 0.01, 0.01, rule="median")
    with pytest.raises(ValueError, match="power must be a tensor of the shape of omega"):
        suggest_alpha(w, P[:-1], A, 0.01, 0.01)
    with pytest.raises(ValueError, match="power must be >= 0"):
        suggest_alpha(w, -P, A, 0.01, 0.01)
    with pytest.raises(ValueError, match="nothing at omega > 0"):
        suggest_alpha(w, torch.zeros_like(P), A, 0.01, 0.01)
    with pytest.raises(ValueError, match="no oscillating mode"):
        suggest_alpha(w, P, fssm.init.init_A("real", 4), 0.01, 0.01)
    with pytest.raises(ValueError, match="dt_min must be <= dt_max"):
        suggest_alpha(w, P, A, 0.1, 0.01)
    with pytest.raises(ValueError, match="q must be in"):
        suggest_alpha(w, P, A, 0.01, 0.01, q=1.5)
    with pytest.raises(ValueError, match="omega must be increasing"):
        suggest_alpha(w.flip(0), P, A, 0.01, 0.01)
