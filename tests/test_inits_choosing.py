"""The initialization ablation CLI (fssm.experiments.inits) and the comparison of suggest_alpha with stored
sweeps (fssm.experiments.choosing): runs are waves.run's, records name their init, the moved band is where
it says, and the comparison ranks a sweep and places a suggestion in it correctly."""
import json
import math

import numpy as np
import pytest
import torch

from fssm.analysis import average_power_spectrum
from fssm.experiments import choosing, common, inits, waves


def test_sweep_runs_are_waves_run_and_record_their_init():
    cfg = waves.WavesConfig.for_scale("smoke", epochs=1)
    runs = inits.sweep(cfg, ["xavier", "lin"], [(1.0, 0.0), (3.0, 0.0)], seeds=(0,))
    assert [(r["init"], r["alpha"]) for r in runs] == [("xavier", 1.0), ("xavier", 3.0), ("lin", 1.0), ("lin", 3.0)]
    import dataclasses

    direct = waves.run(dataclasses.replace(cfg, init="lin", alpha=3.0), seed=0)
    assert direct["final_test_mae"] == runs[3]["final_test_mae"]
    assert direct["A_imag_init"] == runs[3]["A_imag_init"]
    # alpha multiplies the init's Im: lin at alpha 3 starts at 3 pi n
    assert np.allclose(np.asarray(runs[3]["A_imag_init"])[0], 3 * math.pi * np.arange(cfg.d_state))
    with pytest.raises(ValueError, match="more than once"):
        inits.sweep(cfg, ["lin", "lin"], [(1.0, 0.0)])
    with pytest.raises(ValueError, match="inits 'bogus'"):
        inits.sweep(cfg, ["bogus"], [(1.0, 0.0)])


def test_moved_band_has_whole_periods_between_the_book_waves():
    cfg = waves.WavesConfig.for_scale("book")
    f = inits.moved_freqs(cfg)
    periods = [fi * cfg.dt * cfg.L / (2 * math.pi) for fi in f]
    assert np.allclose(periods, inits.MOVED_PERIODS)
    assert cfg.freqs[1] < f[0] and f[-1] < cfg.freqs[3]


def test_cli_writes_the_ablation_with_each_init_and_the_moved_band(tmp_path, capsys):
    path = inits.main(["--scale", "smoke", "--inits", "real", "uniform", "--configs", "1,0", "--seeds", "0",
                       "--epochs", "1", "--out", str(tmp_path), "--no-progress"])
    stored = json.load(open(path))
    assert path.endswith("waves-inits-smoke.json") and [r["init"] for r in stored["runs"]] == ["real", "uniform"]
    assert stored["config"]["init"] == ["real", "uniform"] and stored["commit"]
    path = inits.main(["--scale", "smoke", "--waves", "moved", "--configs", "30,0", "--seeds", "0", "--epochs", "1",
                       "--out", str(tmp_path), "--no-progress"])
    stored = json.load(open(path))
    assert path.endswith("waves-moved-smoke.json") and stored["runs"][0]["init"] == "paper"
    assert np.allclose(stored["config"]["freqs"], inits.moved_freqs(waves.WavesConfig.for_scale("smoke")))


def test_cli_refuses_bad_options_by_name(capsys):
    for argv, word in ((["--inits", "lin", "lin"], "--inits"), (["--set", "init=lin"], "--inits"),
                       (["--set", "freqs=(1,)"], "--waves"), (["--jobs", "0"], "--jobs")):
        with pytest.raises(SystemExit) as e:
            inits.main(argv + ["--dry-run"])
        assert e.value.code == 2 and word in capsys.readouterr().err


def _fake_sweep(scores):
    """A stored waves sweep whose mean MAE at alpha a is scores[a] in every seed."""
    return {"runs": [{"alpha": a, "beta": 0.0, "seed": s, "final_test_mae": [v] * 4}
                     for a, v in scores.items() for s in range(3)]
                    + [{"alpha": 1.0, "beta": 1.0, "seed": 0, "final_test_mae": [0.0] * 4}],  # beta != 0: left out
            "config": {}}


def test_compare_ranks_the_sweep_and_places_each_rule_in_it():
    cfg = waves.WavesConfig.for_scale("book")
    spec = choosing.task_spectrum("waves-moved")
    # the moved band's power at the four tones: its 95 % quantile is the top tone, so the quantile rule puts
    # the paper init's fastest mode (pi 4.3 rad/time) at 0.39 rad/sample
    a_q = 2 * math.pi * inits.MOVED_PERIODS[-1] / cfg.L / (math.pi * 4.3 * cfg.dt)
    res = choosing.compare(spec, _fake_sweep({1.0: 0.2, 10.0: 0.05, 30.0: 0.01, 100.0: 0.1}))
    assert [label for _, label, *_ in res["ranking"]] == ["30", "10", "100", "1"]
    q = res["suggested"]["quantile"]
    assert q["alpha"] == pytest.approx(a_q, rel=1e-9) and q["nearest_label"] == "30" and q["rank"] == 1
    assert not q["clipped"]
    t = res["suggested"]["transport"]
    assert 1.0 < t["alpha"] < a_q  # matched to the four tones' log-spread, below the top-tone rule
    # a sweep where higher is better flips the order
    stored = {"runs": [{"alpha": a, "beta": 0.0, "seed": 0, "best_val_accuracy": v}
                       for a, v in {0.5: 0.3, 1.0: 0.4, 3.0: 0.35}.items()], "config": {}}
    spec_l = choosing.TaskSpectrum("listops", spec.omega, spec.power, spec.A, spec.dt_min, spec.dt_max, 0.0, 1)
    assert [label for _, label, *_ in choosing.compare(spec_l, stored)["ranking"]] == ["1", "3", "0.5"]
    html = choosing.comparison_table([res])
    assert html.count("<tr>") == 2 and "30 (1)" in html


def test_denoising_placements_are_multiples_of_raw():
    stored = common.read_results("denoising", "book")
    if stored is None:
        pytest.skip("no stored denoising sweep in this checkout")  # pragma: no cover
    scores = choosing.sweep_scores("denoising", stored)
    labels = {v["label"]: a for a, v in scores.items()}
    assert labels["raw"] == pytest.approx(1.0) and labels["enhance"] == pytest.approx(1 / 3)
    assert labels["middle"] == pytest.approx(10.0)
    assert all(len(v["scores"]) == 3 for v in scores.values())


def test_task_spectrum_of_the_waves_is_their_tones():
    spec = choosing.task_spectrum("waves", "smoke")
    cfg = waves.WavesConfig.for_scale("smoke")
    top = spec.omega[torch.topk(spec.power, 4).indices].sort().values
    assert np.allclose(top.numpy(), [2 * math.pi * round(f * cfg.dt * cfg.L / (2 * math.pi)) / cfg.L
                                     for f in cfg.freqs], atol=2 * math.pi / cfg.L)
    with pytest.raises(ValueError, match="task"):
        choosing.task_spectrum("bogus")


def test_choosing_cli_refuses_set_and_unknown_tasks(capsys):
    with pytest.raises(SystemExit) as e:
        choosing.main(["--set", "lr=1", "--dry-run"])
    assert e.value.code == 2 and "--set" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        choosing.main(["--tasks", "denoising", "--dry-run"])
    assert e.value.code == 2


def test_layers_and_lra_configs_take_the_random_rules_one_draw_per_channel():
    from fssm import S4DLayer
    from fssm.experiments import lra
    from fssm.init import random_init

    torch.manual_seed(3)
    layer = S4DLayer(6, 4, init="kaiming", alpha=2.0)
    torch.manual_seed(3)
    expected = random_init("kaiming", 4, H=6, alpha=2.0)
    assert torch.allclose(layer.kernel.A_imag.detach().double(), expected.imag, atol=1e-6)
    assert len({tuple(row) for row in expected.imag.tolist()}) == 6  # channels differ
    cfg = lra.LRAConfig.for_task("listops", "smoke", init="uniform")
    model = lra.build_model(cfg, 64, 20, 10)
    assert cfg.init == "uniform" and model is not None
    with pytest.raises(ValueError, match="init"):
        lra.LRAConfig.for_task("listops", "smoke", init="hippo")


def test_spectral_init_puts_the_modes_at_the_power_quantiles():
    from fssm.init import spectral_init

    cfg = waves.WavesConfig.for_scale("book")
    x = waves.WavesDataset(256, cfg.freqs, cfg.dt, cfg.L, "train", seed=0).signals
    omega, P = average_power_spectrum(x)
    A = spectral_init(omega, P, 4, cfg.dt)  # four tones of equal mean power, four modes: one on each tone
    assert torch.allclose(A.imag, torch.tensor(cfg.freqs, dtype=torch.float64), rtol=1e-9)
    assert (A.real == -0.5).all()
    # per-channel steps: each channel's modes at the same discrete frequencies; alpha scales them
    A2 = spectral_init(omega, P, 4, torch.tensor([cfg.dt, 2 * cfg.dt]), alpha=3.0)
    assert A2.shape == (2, 4) and torch.allclose(A2.imag[1] * 2, A2.imag[0]) and torch.allclose(A2.imag[0], 3 * A.imag)
    # eight modes on four equal lines: two on each
    assert torch.allclose(spectral_init(omega, P, 8, cfg.dt).imag.reshape(4, 2), A.imag[:, None].expand(4, 2))
    with pytest.raises(ValueError, match="nothing at omega > 0"):
        spectral_init(omega, torch.where(omega > 0, 0.0, 1.0).double(), 4, cfg.dt)
    with pytest.raises(ValueError, match="dt"):
        spectral_init(omega, P, 4, 0.0)
    with pytest.raises(ValueError, match="omega"):
        spectral_init(omega.flip(0), P, 4, cfg.dt)
    # the waves model takes it as init='spectral', from its own training inputs
    assert torch.allclose(waves.initial_modes(waves.WavesConfig.for_scale("book", init="spectral")).imag,
                          torch.tensor(cfg.freqs, dtype=torch.float64), rtol=1e-9)


def test_listops_spectrum_uses_the_configs_init_and_one_hot_tokens():
    from fssm.experiments import lra
    from fssm.init import init_A

    spec = choosing.task_spectrum("listops", "smoke")  # no stored config: the scale's own
    cfg = lra.LRAConfig.for_task("listops", "smoke")
    assert torch.equal(spec.A, init_A("lin", cfg.d_state)) and (spec.dt_min, spec.dt_max) == (cfg.dt_min, cfg.dt_max)
    assert abs(float(spec.power.sum()) - 1.0) < 1e-9  # tokens: a per-token spectrum normalised to total power 1
    stored = {**{f: getattr(cfg, f) for f in ("task", "d_model", "d_state", "seq_len", "n_train", "n_val", "n_test",
                                               "listops_length", "data_seed", "dt_min", "dt_max")}, "init": "kaiming"}
    spec_k = choosing.task_spectrum("listops", "smoke", stored_config=stored)
    assert spec_k.A.shape == (cfg.d_model * cfg.d_state,) and float(spec_k.A.imag.max()) < 3.0  # O(1): Kaiming
