"""Waves data and experiment: generator identities, splits, the smoke-scale run and its CLI."""
import json
import math

import pytest
import torch

import fssm
from fssm.data import WavesDataset, amplitude_grid, superposed_waves
from fssm.experiments import waves


def test_superposed_waves_is_the_cosine_sum():
    A = torch.tensor([[0.3, 0.7], [1.0, 0.1]], dtype=torch.float64)
    x = superposed_waves(A, (2.0, 50.0), 1e-2, 17)
    t = 1e-2 * torch.arange(17, dtype=torch.float64)
    expected = A[:, :1] * torch.cos(2.0 * t) + A[:, 1:] * torch.cos(50.0 * t)
    torch.testing.assert_close(x, expected)


def test_train_split_draws_distinct_grid_points_and_test_split_is_uniform():
    train = WavesDataset(500, L=8, split="train", seed=3)
    rows = {tuple(round(v, 1) for v in r.tolist()) for r in train.amplitudes}
    assert len(rows) == 500
    grid = {tuple(round(v, 1) for v in r.tolist()) for r in amplitude_grid(WavesDataset.LEVELS, 4)}
    assert rows <= grid and len(grid) == 10 ** 4
    full = WavesDataset(10 ** 4, L=4, split="train", seed=0)
    assert {tuple(round(v, 1) for v in r.tolist()) for r in full.amplitudes} == grid
    test = WavesDataset(4000, L=8, split="test", seed=3)
    assert test.amplitudes.min() >= 0.1 and test.amplitudes.max() <= 1.0
    assert abs(test.amplitudes.mean().item() - 0.55) < 0.01
    again = WavesDataset(500, L=8, split="train", seed=3)
    assert torch.equal(again.signals, train.signals)
    x, y = train[0]
    assert x.shape == (8, 1) and y.shape == (4,)
    with pytest.raises(ValueError, match="split"):
        WavesDataset(5, split="val")
    with pytest.raises(ValueError, match="n must be <= 10000"):
        WavesDataset(10 ** 4 + 1)


def test_scales_keep_the_papers_waves_or_whole_periods_with_the_modes_between_the_same_waves():
    """'paper': the paper's frequencies and dt; book/colab: 1, 8, 64, 512 whole periods in L (each wave
    averages to exactly zero), the alpha = 1 modes above the resolution 2 pi / L, and every paper alpha's
    modes pi alpha (1.3 + n) between the same two waves as at the paper's frequencies."""
    paper = waves.WavesConfig.for_scale("paper")
    assert paper.freqs == (1.0, 16.0, 256.0, 4096.0) and paper.dt == 1e-4 and paper.L == 62832
    modes = lambda alpha: [alpha * math.pi * (1.3 + n) for n in range(4)]  # rad/time
    position = lambda c, alpha: [sum(f < y for f in c.freqs) for y in modes(alpha)]  # waves below each mode
    for scale in ("book", "colab"):
        c = waves.WavesConfig.for_scale(scale)
        periods = [f * c.dt * c.L / (2 * math.pi) for f in c.freqs]
        assert [round(k) for k in periods] == [1, 8, 64, 512] and max(abs(k - round(k)) for k in periods) < 1e-9
        x = superposed_waves(torch.eye(4, dtype=torch.float64), c.freqs, c.dt, c.L)  # r(4 L): one wave per row
        assert x.mean(1).abs().max() < 1e-12  # no DC, no trend: the contrast is about frequency
        assert max(f * c.dt for f in c.freqs) < math.pi / 2 + 1e-12
        assert min(modes(1.0)) * c.dt > 2 * math.pi / c.L  # above the window's resolution
        for alpha, _ in waves.PAPER_CONFIGS:
            assert position(c, alpha) == position(paper, alpha), (scale, alpha)


def test_model_follows_the_paper_setup():
    cfg = waves.WavesConfig.for_scale("smoke", alpha=10.0, beta=0.5)
    m = waves.WavesModel(cfg)
    p = m.ssm.kernel.ssm()
    torch.testing.assert_close(p["dt"], torch.full((16,), waves.BOOK_DT))
    expected = 10.0 * math.pi * (1.3 + torch.arange(4.0))
    torch.testing.assert_close(p["A"].imag, expected.expand(16, 4))
    torch.testing.assert_close(p["A"].real, torch.full((16, 4), -0.5))
    assert "ssm.kernel.log_dt" in dict(m.named_buffers())  # dt is fixed
    groups = {n: (g["lr"], g["weight_decay"]) for g in fssm.train.param_groups(m, cfg.lr, 0.0, verbose=False)
              for n in g["names"]}
    assert groups["ssm.kernel.A_imag"][0] == 0.1 and groups["ssm.kernel.log_A_real"][0] == 1e-3
    # the Sobolev weight is the authors' function of omega: M scales with L (2 x 10^4 on the 2L grid at L = 62832)
    assert waves.WavesConfig(L=waves.PAPER_LENGTH).sobolev_scale == 20000.0


@pytest.mark.parametrize("L", [waves.PAPER_LENGTH, 1024])
def test_paper_norm_is_the_authors_nominal_weight_at_the_same_frequency(L):
    """The authors' waves code (models/s4/s4d.py) weighs bin m of an unpadded 62832-point FFT, at
    omega = 2 pi m / 62832, by 1 + m/10^4: as a function of omega, 1 + omega 62832 / (2 pi 10^4), about 1 + omega.
    The layer's padded grid holds omega = pi k / L in bin k: the weight 1 + k/M must be that same function."""
    M = waves.WavesConfig(L=L).sobolev_scale
    for k in (1, 7, 100, L // 3, L):
        omega = math.pi * k / L
        authors = 1 + omega * waves.PAPER_LENGTH / (2 * math.pi * waves.PAPER_SOBOLEV_SCALE)
        assert abs((1 + k / M) - authors) < 1e-12 * authors, (L, k)
        assert abs(authors - (1 + omega)) < 3e-6 * (1 + omega)  # nominally (1 + omega)^beta, not (1 + 2 omega)^beta


def test_smoke_run_records_errors_and_modes_per_epoch():
    cfg = waves.WavesConfig.for_scale("smoke")
    r = waves.run(cfg, seed=0)
    assert len(r["history"]) == cfg.epochs
    for h in r["history"]:
        assert len(h["test_mae"]) == 4 and all(0 <= e < 2 for e in h["test_mae"])
        assert torch.tensor(h["A_imag"]).shape == (16, 4)
    r2 = waves.run(cfg, seed=0)
    assert r2["final_test_mae"] == r["final_test_mae"]  # bit-identical on CPU


def test_cli_writes_results_with_provenance(tmp_path, capsys):
    path = waves.main(["--scale", "smoke", "--configs", "1,0", "--seeds", "0", "--out", str(tmp_path),
                       "--no-progress"])
    data = json.load(open(path))
    for key in ("scale", "device", "torch", "commit", "seed", "wall_seconds", "date", "config"):
        assert key in data, key
    assert data["scale"] == "smoke" and len(data["runs"]) == 1
    assert "test MAE per wave" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        waves.main(["--scale", "smoke", "--configs", "1", "--out", str(tmp_path)])


def test_sobolev_norms_give_the_documented_weights():
    import math as m

    L, dt = 1024, 1e-4
    omega = m.pi * 100 / L  # bin 100 of the 2L-point grid
    for norm, expected in (("paper", 1 + omega), ("continuous", 1 + omega / dt), ("fft", 1 + omega / (2 * m.pi))):
        M = waves.WavesConfig(L=L, dt=dt, sobolev_norm=norm).sobolev_scale
        assert abs((1 + 100 / M) - expected) < 1e-5 * expected, norm  # paper: 62832 ~ 2 pi 1e4
    with pytest.raises(ValueError, match="sobolev_norm"):
        waves.WavesConfig(sobolev_norm="sobolev")


def test_cli_writes_to_fssm_results_by_default_and_says_where(capsys):
    """Without --out a run writes into $FSSM_RESULTS (conftest points it at a temporary folder), never into
    the package or the repository's results/."""
    import os

    path = waves.main(["--scale", "smoke", "--configs", "1,0", "--seeds", "0", "--epochs", "1", "--no-progress"])
    assert path == os.path.join(os.environ["FSSM_RESULTS"], "waves-smoke.json") and os.path.exists(path)
    out = capsys.readouterr().out
    assert f"wrote {path}" in out
    assert len(json.load(open(path))["runs"][0]["history"]) == 1  # --epochs 1 took effect


def test_a_finished_checkpoint_is_reused_and_says_so(tmp_path, capsys):
    cfg = waves.WavesConfig.for_scale("smoke", epochs=1)
    ckpt = str(tmp_path / "waves.pt")
    first = waves.run(cfg, seed=0, checkpoint=ckpt)
    assert "reusing" not in capsys.readouterr().out
    again = waves.run(cfg, seed=0, checkpoint=ckpt)
    assert capsys.readouterr().out.startswith(f"reusing finished run: {ckpt} holds epoch 1/1")
    assert again["history"] == first["history"]


def test_final_mae_summary_gives_seed_means_and_ranges_per_configuration():
    runs = [{"alpha": 1.0, "beta": 0.0, "final_test_mae": [0.1, 0.2, 0.3, 0.4]},
            {"alpha": 1.0, "beta": 0.0, "final_test_mae": [0.3, 0.2, 0.1, 0.0]},
            {"alpha": 10.0, "beta": 0.5, "final_test_mae": [0.5, 0.5, 0.5, 0.5]}]
    lines = waves.final_mae_summary(runs)
    assert lines[0] == ("alpha = 1, beta = 0 (2 seeds): mean final MAE per wave 0.200 0.200 0.200 0.200 | min-max "
                        "[0.100, 0.300] [0.200, 0.200] [0.100, 0.300] [0.000, 0.400]")
    assert lines[1].startswith("alpha = 10, beta = 0.5 (1 seeds)") and len(lines) == 2
    assert waves.final_mae_summary(runs, keep=lambda al, be: be != 0) == lines[1:]


def test_sobolev_mode_reaches_the_layer():
    cfg = waves.WavesConfig.for_scale("smoke", beta=1.0, sobolev_norm="continuous", sobolev_mode="gradient")
    assert waves.WavesModel(cfg).ssm.sobolev_mode == "gradient"
    assert waves.WavesModel(waves.WavesConfig.for_scale("smoke")).ssm.sobolev_mode == "both"
    with pytest.raises(ValueError, match="sobolev_mode"):
        waves.WavesConfig(sobolev_mode="backward")
