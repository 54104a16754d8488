"""Choosing the bias: fssm.analysis.suggest_alpha puts the modes on a known band, scales with the band and the
step, respects Nyquist and names bad input; fssm.init.random_init draws modes at the scale of its rule."""
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


# ----------------------------------------------------------------------------- random initializations
def test_random_inits_have_the_scale_their_rule_gives():
    """Xavier: the circular law's unit disk (|Im| <= ~1 whatever N); Kaiming: sqrt(2) times wider; uniform:
    S4D-Lin's band. Re = -1/2; y >= 0 ascending; one generator seed -> the same draw; alpha scales y."""
    from fssm.init import random_init
    g = lambda seed: torch.Generator().manual_seed(seed)  # noqa: E731
    for N in (16, 64):
        xa = random_init("xavier", N, H=64, generator=g(0))
        ka = random_init("kaiming", N, H=64, generator=g(0))
        assert xa.shape == (64, N) and (xa.real == -0.5).all() and (xa.imag >= 0).all()
        assert (xa.imag[:, 1:] >= xa.imag[:, :-1]).all()
        assert 0.85 < float(xa.imag.max(1).values.median()) < 1.15  # the disk's edge
        ratio = float(ka.imag.mean() / xa.imag.mean())
        assert abs(ratio - math.sqrt(2)) < 0.03  # same draws, variance doubled
    un = random_init("uniform", 16, H=256, generator=g(1))
    assert un.imag.min() >= 0 and un.imag.max() <= math.pi * 15
    assert abs(float(un.imag.mean()) - math.pi * 15 / 2) < 1.0
    torch.testing.assert_close(random_init("xavier", 8, H=2, generator=g(5)), random_init("xavier", 8, H=2, generator=g(5)))
    ten = random_init("uniform", 8, alpha=10.0, generator=g(2))
    torch.testing.assert_close(ten.imag, 10 * random_init("uniform", 8, generator=g(2)).imag)
    layer = fssm.S4DLayer(3, 8, init=random_init("kaiming", 8, H=3, generator=g(3)))  # usable as a tensor init
    assert layer.kernel.A_imag.shape == (3, 8)
    with pytest.raises(ValueError, match="rule"):
        random_init("he", 8)
    with pytest.raises(ValueError, match="band applies to rule 'uniform' only"):
        random_init("xavier", 8, band=(0, 1))
    with pytest.raises(ValueError, match="band must be"):
        random_init("uniform", 8, band=(2.0, 1.0))


def test_waves_model_takes_any_init_and_the_paper_one_is_unchanged():
    """init='paper' builds exactly the model it always did (same parameters for a seed); the named and random
    inits give their eigenvalues (random: one draw per channel, reproducible under the seed); other families
    refuse an init of S4D's."""
    from fssm.experiments import families, waves
    cfg = waves.WavesConfig.for_scale("smoke")
    assert cfg.init == "paper"
    fssm.seed_everything(0)
    a = waves.WavesModel(cfg).ssm.kernel.A_imag
    torch.testing.assert_close(a[0], waves.paper_init(cfg.d_state).imag.float())
    fssm.seed_everything(0)
    legs = waves.WavesModel(waves.WavesConfig.for_scale("smoke", init="legs")).ssm.kernel.A_imag
    torch.testing.assert_close(legs[0], fssm.init.legs(cfg.d_state).imag.float())
    fssm.seed_everything(1)
    x1 = waves.WavesModel(waves.WavesConfig.for_scale("smoke", init="xavier", alpha=10.0)).ssm.kernel.A_imag
    fssm.seed_everything(1)
    x2 = waves.WavesModel(waves.WavesConfig.for_scale("smoke", init="xavier", alpha=10.0)).ssm.kernel.A_imag
    assert torch.equal(x1, x2) and not torch.equal(x1[0], x1[1])  # reproducible; a draw per channel
    assert float(x1.detach().max()) < 10 * 2.0  # alpha 10 times the unit disk's scale
    with pytest.raises(ValueError, match="init"):
        waves.WavesConfig(init="he")
    with pytest.raises(ValueError, match="applies to family 's4d' only"):
        families.FamiliesWavesConfig(family="s5", init="lin")
