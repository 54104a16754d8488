"""The waves experiment for the other SSM families: S4D is exactly the waves model and run, every family trains
at smoke scale with the waves' step and learning rates, the recorded poles are the layers' own, and the CLI."""
import json
import math
import os

import pytest
import torch

import fssm
from fssm.experiments import families as fam
from fssm.experiments import waves

H, N = 16, 4
MODES = {"s4d": (H, N), "s4": (H, 2 * N), "s5": (1, N), "selective": (H, N), "selective-real": (H, N)}
# where each family keeps its step (frozen: a buffer) and its eigenvalues' parameters (Im, log(-Re))
NAMES = {"s4d": ("ssm.kernel.log_dt", "ssm.kernel.A_imag", "ssm.kernel.log_A_real"),
         "s4": ("ssm.kernel.log_dt", "ssm.kernel.Lambda_imag", "ssm.kernel.log_Lambda_real"),
         "s5": ("ssm.log_dt", "ssm.A_imag", "ssm.log_A_real"),
         "selective": ("ssm.dt_bias", "ssm.A_imag", "ssm.log_A_real"),
         "selective-real": ("ssm.dt_bias", None, "ssm.log_A_real")}


def _cfg(family, **kw):
    return fam.FamiliesWavesConfig.for_scale("smoke", family=family, **kw)


def _model(family, seed=0, **kw):
    fssm.seed_everything(seed)
    return fam.FamilyWavesModel(_cfg(family, **kw))


def test_s4d_family_is_the_waves_model_and_its_run_is_waves_run():
    cfg = _cfg("s4d", alpha=10.0, beta=0.5)
    fssm.seed_everything(3)
    ours = fam.FamilyWavesModel(cfg).state_dict()
    fssm.seed_everything(3)
    theirs = waves.WavesModel(cfg).state_dict()
    assert list(ours) == list(theirs)
    for name in theirs:
        assert torch.equal(ours[name], theirs[name]), name
    x = torch.randn(2, cfg.L, 1)
    m = _model("s4d")
    fssm.seed_everything(0)
    assert torch.equal(m(x), waves.WavesModel(_cfg("s4d"))(x))

    cfg = _cfg("s4d")
    r, w = fam.run(cfg, seed=1), waves.run(cfg, seed=1)
    assert len(r["final_test_mae"]) == 4
    assert max(abs(a - b) for a, b in zip(r["final_test_mae"], w["final_test_mae"])) <= 1e-6
    assert r["family"] == "s4d" and r["eig_init"][1] == w["A_imag_init"]
    assert [h["eig_imag"] for h in r["history"]] == [h["A_imag"] for h in w["history"]]


@pytest.mark.parametrize("family", ["s4", "s5", "selective", "selective-real"])
def test_every_family_trains_with_the_waves_step_and_learning_rates(family):
    model = _model(family)
    step, imag, real = NAMES[family]
    assert step in dict(model.named_buffers())  # dt (selective: dt_bias) frozen, as in waves (lr_dt = 0)
    lrs = {n: g["lr"] for g in fssm.train.param_groups(model, 0.03, 0.0, verbose=False) for n in g["names"]}
    assert lrs[real] == 1e-3 and (imag is None or lrs[imag] == 0.1)
    if family.startswith("selective"):  # softplus(dt_bias) = dt: the step on a zero input
        torch.testing.assert_close(torch.nn.functional.softplus(model.ssm.dt_bias),
                                   torch.full((H,), waves.BOOK_DT), rtol=1e-5, atol=0)
        assert "ssm.dt_proj.weight" in lrs  # W_dt trains, as in Mamba
    assert model(torch.randn(3, 64, 1)).shape == (3, 4)

    cfg = _cfg(family, epochs=1)
    r = fam.run(cfg, seed=0)
    assert r["family"] == family and (r["alpha"], r["beta"], r["seed"]) == (1.0, 0.0, 0)
    assert len(r["history"]) == 1 and len(r["final_test_mae"]) == 4
    assert all(math.isfinite(e) and 0 <= e < 2 for e in r["final_test_mae"])
    assert torch.tensor(r["eig_init"]).shape == (2, *MODES[family])
    for h in r["history"]:
        assert torch.tensor(h["eig_imag"]).shape == MODES[family] == torch.tensor(h["eig_real"]).shape
    assert r["aliased_modes_init"] == 0  # d_state = 4 at dt = 2^-10: every initial pole below Nyquist
    assert fam.describe(r).startswith(f"family={family} alpha=1 beta=0 seed=0: test MAE per wave [")


def test_s4_poles_are_the_dense_matrix_eigenvalues_real_at_alpha_one():
    eig = fam.mode_eigenvalues(_model("s4"))
    assert eig.shape == (H, 2 * N) and eig.dtype == torch.complex128
    assert bool((eig.imag.abs() < 1e-3 * eig.real.abs()).all())  # HiPPO-LegS: -1, ..., -2N
    torch.testing.assert_close(eig.real, -torch.arange(2 * N, 0, -1.0, dtype=torch.float64).expand(H, -1),
                               atol=0.02, rtol=0)
    # not Lambda's -1/2 + i y: those are complex
    assert float(_model("s4").ssm.kernel.dplr()["Lambda"].imag.detach().min()) > 0.4


def test_s5_and_selective_poles_are_their_A():
    s5 = _model("s5")
    torch.testing.assert_close(fam.mode_eigenvalues(s5), s5.ssm.ssm()["A"].detach().to(torch.complex128)[None])
    sel = _model("selective")
    torch.testing.assert_close(fam.mode_eigenvalues(sel), sel.ssm.ssm()["A"].detach().to(torch.complex128))
    real = fam.mode_eigenvalues(_model("selective-real"))
    assert real.shape == (H, N) and bool((real.imag == 0).all())
    torch.testing.assert_close(real.real, -torch.arange(1.0, N + 1, dtype=torch.float64).expand(H, -1))


@pytest.mark.parametrize("family", ["s4d", "s5", "selective"])
def test_alpha_multiplies_the_imaginary_parts(family):
    one, ten = (fam.mode_eigenvalues(_model(family, alpha=a)) for a in (1.0, 10.0))
    assert float(one.imag.abs().max()) > 1.0
    torch.testing.assert_close(ten.imag, 10 * one.imag, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(ten.real, one.real)


def test_alpha_ten_scales_lambda_of_s4_and_makes_its_poles_complex():
    one, ten = (_model("s4", alpha=a) for a in (1.0, 10.0))
    torch.testing.assert_close(ten.ssm.kernel.dplr()["Lambda"].imag, 10 * one.ssm.kernel.dplr()["Lambda"].imag)
    eig = fam.mode_eigenvalues(ten)
    assert float(eig.imag.abs().max()) > 100 and bool((eig.imag.abs() > 1.0).all())  # no real pole left


def test_config_checks_the_family_and_its_sobolev_modes():
    with pytest.raises(ValueError, match="family"):
        fam.FamiliesWavesConfig(family="mamba")
    with pytest.raises(ValueError, match="sobolev_mode"):
        fam.FamiliesWavesConfig(family="s5", sobolev_mode="gradient")
    assert fam.FamilyWavesModel(_cfg("s4", beta=1.0, sobolev_mode="gradient")).ssm.sobolev_mode == "gradient"
    assert isinstance(_cfg("s5"), waves.WavesConfig)


def test_cli_dry_run_prints_the_plan_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FSSM_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(tmp_path)
    assert fam.main(["--scale", "smoke", "--out", str(tmp_path / "out"), "--dry-run"]) is None
    out = capsys.readouterr().out
    assert out.startswith("dry run of python -m fssm.experiments.families")
    assert str(tmp_path / "out" / "families-waves-smoke.json") in out
    assert "60 = 4 families (s4 s5 selective selective-real) x 5 configurations x 3 seeds" in out
    assert os.listdir(tmp_path) == []


def test_cli_refuses_bad_families_by_name(capsys):
    for argv, named in ((["--families", "s4", "mamba"], "mamba"), (["--families", "s5", "s5"], "s5 more than once"),
                        (["--families", "s5", "--set", "sobolev_mode=gradient"], "sobolev_mode"),
                        (["--set", "family=s4"], "--families")):
        with pytest.raises(SystemExit) as e:
            fam.main(["--scale", "smoke", "--dry-run"] + argv)
        assert e.value.code == 2 and named in capsys.readouterr().err, argv


def test_cli_writes_results_with_the_family_of_every_run_and_provenance(tmp_path, capsys):
    path = fam.main(["--scale", "smoke", "--families", "selective-real", "--configs", "10,0.5", "--seeds", "0",
                     "--epochs", "1", "--out", str(tmp_path), "--no-progress"])
    assert path == str(tmp_path / "families-waves-smoke.json")
    data = json.load(open(path))
    for key in ("scale", "device", "torch", "commit", "seed", "wall_seconds", "date", "config"):
        assert key in data, key
    assert data["experiment"] == "families-waves" and data["scale"] == "smoke"
    assert data["config"]["family"] == ["selective-real"] and data["config"]["epochs"] == 1
    assert len(data["runs"]) == 1 and all(r["family"] == "selective-real" for r in data["runs"])
    assert (data["runs"][0]["alpha"], data["runs"][0]["beta"]) == (10.0, 0.5)
    assert "family=selective-real alpha=10 beta=0.5 seed=0: test MAE per wave" in capsys.readouterr().out


def test_sweep_in_two_worker_processes_gives_the_runs_of_one_process_in_order():
    """jobs=2: each run seeds itself, so the workers (one thread each) reproduce the sequential one-thread
    sweep up to round-off, in the sweep's order; jobs on a GPU and jobs < 1 are refused by name."""
    cfg = _cfg("s5", epochs=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        one = fam.run_sweep(cfg, ["s5", "selective-real"], [(1.0, 0.0)], seeds=(0, 1))
    finally:
        torch.set_num_threads(threads)
    two = fam.run_sweep(cfg, ["s5", "selective-real"], [(1.0, 0.0)], seeds=(0, 1), jobs=2)
    assert [(r["family"], r["seed"]) for r in two] == [("s5", 0), ("s5", 1), ("selective-real", 0), ("selective-real", 1)]
    for a, b in zip(one, two):
        assert (a["family"], a["seed"]) == (b["family"], b["seed"])
        assert max(abs(x - y) for x, y in zip(a["final_test_mae"], b["final_test_mae"])) < 1e-5
    with pytest.raises(ValueError, match="jobs must be"):
        fam.run_sweep(cfg, ["s5"], [(1.0, 0.0)], seeds=(0,), jobs=0)


def _record(family, alpha, beta, seed, mae, top0, top):
    eig0 = [[[-0.5] * 2], [[0.0, top0]]]
    return {"family": family, "alpha": alpha, "beta": beta, "seed": seed, "eig_init": eig0,
            "history": [{"test_mae": mae, "eig_imag": [[0.0, top]], "eig_real": [[-0.5, -0.5]]}],
            "final_test_mae": mae}


def test_summary_counts_seeds_by_the_claims_criteria():
    """Hand-made runs: (1, 0) learns waves 1-2 in two of three seeds; alpha 10 shifts the bias in every seed
    (wave 1 worse by 0.05, wave 3 better by 0.05), alpha 100 in none; beta 1 at alpha 100 helps wave 4 in one
    seed; the top pole travels 10 % and 40 % of the way to wave 3 (200)."""
    base = [[0.01, 0.02, 0.15, 0.16], [0.01, 0.02, 0.15, 0.16], [0.01, 0.08, 0.15, 0.16]]
    runs = []
    for seed in range(3):
        runs.append(_record("s5", 1.0, 0.0, seed, base[seed], 20.0, 38.0 if seed < 2 else 92.0))
        up = [base[seed][0] + 0.05, base[seed][1], base[seed][2] - 0.05, base[seed][3]]
        runs.append(_record("s5", 10.0, 0.0, seed, up, 200.0, 200.0))
        runs.append(_record("s5", 100.0, 0.0, seed, base[seed], 2000.0, 2000.0))
        b = list(base[seed])
        if seed == 0:
            b[3] -= 0.03
        runs.append(_record("s5", 100.0, 1.0, seed, b, 2000.0, 2000.0))
    stored = {"runs": runs, "config": {"freqs": [3.14, 25.1, 200.0, 1608.0]}}
    (row,) = fam.summary(stored)
    assert row["family"] == "s5" and row["seeds"] == 3 and row["untuned"] == 2
    assert row["alpha"] == {10.0: 3, 100.0: 0} and row["alpha_cost"] == {10.0: 3, 100.0: 0}
    assert row["beta"] == {(100.0, 1.0): 1}
    assert abs(row["travel"] - (92.0 - 20.0) / (200.0 - 20.0)) < 1e-12


def test_summary_of_the_stored_s4d_sweep_agrees_with_the_claims_map():
    from fssm.experiments import claims, common
    s4d = common.read_results("waves", "book")
    if s4d is None:
        pytest.skip("results/waves-book.json is not stored")
    (row,) = fam.summary({"runs": [], "config": s4d["config"]}, s4d_stored=s4d)
    E = common.group_runs(s4d["runs"], "final_test_mae")
    shifted = [g and c for g, c in zip(claims.gains_above_per_seed(E, 10.0), claims.lowest_worse_per_seed(E, 10.0))]
    assert shifted == claims.shift_per_seed(E, 10.0, up=True)
    assert row["alpha"][10.0] == sum(claims.gains_above_per_seed(E, 10.0))
    assert row["beta"][(100.0, 1.0)] == sum(claims.beta_per_seed(E, 100.0, 1.0))
    evidence = claims.alpha_up_shifts_bias({"waves-book": s4d})
    assert f"the shift holds in {sum(shifted)} of 3 seeds" in evidence.detail


def test_summary_table_gives_each_verdict_with_its_numbers():
    row = {"family": "s5", "seeds": 3, "untuned": 2, "untuned_pattern": "{1, 2} in 2 of 3", "travel": 0.4,
           "alpha": {10.0: 3, 100.0: 0}, "alpha_cost": {10.0: 1, 100.0: 0}, "beta": {(100.0, 1.0): 0}, "mae": {}}
    table = fam.summary_table([row], {"s5": (0.01, 0.7)}, {"s5": "S5"})
    assert table.count("<tr>") == 2 and "<td>S5</td>" in table
    assert "<b>low</b>: 1% &rarr; 70%" in table
    assert "<b>partly</b>: {1, 2} in 2 of 3" in table
    assert "<b>yes</b>: top pole at most 40% of the way" in table
    assert "<b>yes</b>: alpha 10: 3/3 (wave 1 worse in 1/3); alpha 100: 0/3 (wave 1 worse in 0/3)" in table
    assert "<b>no</b>: (100, 1): 0/3" in table
