"""Denoising experiment: mode placement relative to the stripe tones, the linear model, a smoke run, CLI."""
import json
import math

import pytest
import torch

from fssm.data.images import stripe_frequencies
from fssm.experiments import denoising as D


def test_paper_alphas_are_reproduced_at_the_paper_size():
    assert D.alpha_code("raw", 128, 64, 1e-4) == pytest.approx(math.pi)
    assert D.alpha_code("enhance", 128, 64, 1e-4) == pytest.approx(math.pi / 3)
    assert D.alpha_code("middle", 128, 64, 1e-4) == pytest.approx(10 * math.pi)
    assert D.alpha_code("flip", 128, 64, 1e-4) == pytest.approx(490.52, rel=1e-3)


@pytest.mark.parametrize("cols", [32, 128])
def test_flip_puts_a_mode_on_the_high_tone_and_none_near_the_low_tone(cols):
    cfg = D.DenoisingConfig(cols=cols, alpha="flip")
    omega = D.denoising_init(cfg).imag * cfg.dt  # rad/sample
    omega_v, omega_h = stripe_frequencies(cols)
    assert (omega - omega_v).abs().min() < 1e-9
    assert omega[0] == 0 and omega[1] > 2 * omega_h  # the low tone falls between modes 0 and 1
    raw = D.denoising_init(D.DenoisingConfig(cols=cols, alpha="raw")).imag * cfg.dt
    assert raw.max() < omega_h < omega_v  # every raw mode lies below both tones
    assert cfg.d_state == cols // 2


def test_model_is_linear_with_frozen_modes():
    cfg = D.DenoisingConfig.for_scale("smoke", beta=0.5)
    m = D.make_model(cfg, 3)
    names = {n for n, _ in m.named_parameters()}
    assert names == {"kernel.C", "mixing.weight", "mixing.bias"}
    u, v = torch.randn(2, 3, cfg.length), torch.randn(2, 3, cfg.length)
    zero = m(torch.zeros_like(u))
    torch.testing.assert_close(m(u + v) - zero, (m(u) - zero) + (m(v) - zero), rtol=1e-4, atol=1e-5)


def test_smoke_run_and_cli(tmp_path):
    r = D.run(D.DenoisingConfig.for_scale("smoke"), seed=0)
    for key in ("mse_clean", "mse_vertical", "mse_horizontal", "gain_vertical", "gain_horizontal"):
        assert math.isfinite(r[key]) and r[key] >= 0
    path = D.main(["--scale", "smoke", "--alphas", "raw", "--betas", "0", "--seeds", "0", "--out", str(tmp_path),
                   "--no-progress"])
    data = json.load(open(path))
    assert data["scale"] == "smoke" and len(data["runs"]) == 1 and "commit" in data
    with pytest.raises(ValueError, match="data_root"):
        D.load_images(D.DenoisingConfig(source="celeba"))
