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


def test_damped_model_decays_by_e_over_one_row_and_keeps_the_mode_frequencies():
    paper, damped = D.DenoisingConfig(cols=32), D.DenoisingConfig(cols=32, model="damped")
    assert paper.dt == 1e-4 and damped.dt == pytest.approx(1 / (3 * 32))
    lam = torch.exp(damped.dt * D.denoising_init(damped)[1:])  # discrete poles (mode 0 is the integrator)
    torch.testing.assert_close(lam.abs() ** 32, torch.full((damped.d_state - 1,), math.exp(-1), dtype=torch.float64))
    for alpha in D.ALPHAS:  # alpha_code scales with 1/dt: the poles' angles are the paper model's
        a_p, a_d = (D.denoising_init(D.DenoisingConfig(cols=32, alpha=alpha, model=m)) for m in ("paper", "damped"))
        torch.testing.assert_close(a_d.imag * damped.dt, a_p.imag * paper.dt)
    assert D.DenoisingConfig(model="damped", dt=0.5).dt == 0.5  # an explicit dt wins
    assert D.results_name(damped) == "denoising-damped" and D.results_name(paper) == "denoising"
    with pytest.raises(ValueError, match="model"):
        D.DenoisingConfig(model="wide")


@pytest.mark.parametrize("model", ["paper", "damped"])
def test_mode_features_times_C_is_the_layer(model):
    cfg = D.DenoisingConfig.for_scale("smoke", model=model, beta=0.5)
    torch.manual_seed(0)
    layer = D.make_model(cfg, 1).double()
    with torch.no_grad():
        layer.mixing.weight.fill_(1.0)
        layer.mixing.bias.zero_()
    u = torch.randn(3, cfg.length, dtype=torch.float64)
    C = torch.view_as_complex(layer.kernel.C.detach())[0]  # c(N)
    expected = D.mode_features(cfg, u) @ torch.cat([C.real, C.imag])
    torch.testing.assert_close(expected, layer(u[:, None])[:, 0].detach(), rtol=1e-9, atol=1e-12)


def test_reconstruction_floor_is_a_floor_for_training():
    cfg = D.DenoisingConfig.for_scale("smoke", model="damped", epochs=3)
    train, test = D.load_images(cfg)
    from fssm.data.images import image_to_sequence
    floor = D.reconstruction_floor(cfg, image_to_sequence(train), image_to_sequence(test))
    r, model = D.run(cfg, seed=0, images=(train, test), return_model=True)
    with torch.no_grad():
        x = image_to_sequence(train)
        trained = torch.nn.functional.mse_loss(model(x), x).item()
    assert 0 < floor["train"] <= trained
    assert floor["test"] <= r["mse_clean"] * 1.5  # held-out faces: no guarantee, but the same order


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
    damped = D.main(["--scale", "smoke", "--model", "damped", "--alphas", "flip", "--betas", "0", "--seeds", "0",
                     "--out", str(tmp_path), "--no-progress"])
    assert damped.endswith("denoising-damped-smoke.json")
    data = json.load(open(damped))
    assert data["config"]["model"] == "damped" and data["config"]["dt"] == pytest.approx(1 / (3 * 16))
    with pytest.raises(SystemExit):  # dt is set by --model, not by --set model=...
        D.main(["--scale", "smoke", "--set", "model=damped", "--dry-run"])


def test_beats_doing_nothing_compares_the_papers_metric_with_a_margin():
    run = {"mse_vertical": 0.02, "mse_noisy_vertical": 0.04, "mse_horizontal": 0.05, "mse_noisy_horizontal": 0.03}
    assert D.beats_doing_nothing(run, "vertical") and D.beats_doing_nothing(run, "vertical", margin=1.9)
    assert not D.beats_doing_nothing(run, "vertical", margin=2.0)  # 2 * 0.02 is not below 0.04
    assert not D.beats_doing_nothing(run, "horizontal")
    with pytest.raises(ValueError, match="kind"):
        D.beats_doing_nothing(run, "diagonal")
