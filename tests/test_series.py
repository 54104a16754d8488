"""Real time series (chapter 14): aeon's shipped problems read by aeon's loader, statsmodels' CO2, forecast
windows, the experiment's plan, scores and baselines. Everything offline: the data ships in the wheels."""
import dataclasses
import math

import numpy as np
import pytest
import torch

pytest.importorskip("aeon", reason="the 'series' extra (make installs it)")
pytest.importorskip("statsmodels", reason="the 'series' extra (make installs it)")

from fssm.data import series as ds  # noqa: E402
from fssm.experiments import series  # noqa: E402


def test_the_books_problems_ship_with_aeon_and_an_unshipped_name_is_refused_not_downloaded():
    shipped = ds.shipped_classification_names()
    assert set(ds.CLASSIFICATION_SERIES) <= set(shipped)
    with pytest.raises(ValueError, match=r"'Coffee' is not shipped.*ACSF1"):
        ds.load_classification_series("Coffee", "train")
    with pytest.raises(ValueError, match="split"):
        ds.load_classification_series("ACSF1", "validation")


def test_classification_split_is_aeons_data_z_normalized_with_one_class_order():
    from aeon.datasets import load_classification

    tr, te = ds.load_classification_series("OSULeaf", "train"), ds.load_classification_series("OSULeaf", "test")
    X, y = load_classification("OSULeaf", split="train")
    assert tr.x.shape == (200, 427) and te.x.shape == (242, 427) and tr.x.dtype == torch.float32
    raw = X[:, 0]
    expected = (raw - raw.mean(1, keepdims=True)) / raw.std(1, keepdims=True)
    assert np.abs(tr.x.numpy() - expected).max() < 1e-6
    assert torch.allclose(tr.x.double().mean(1), torch.zeros(200, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(tr.x.double().std(1, unbiased=False), torch.ones(200, dtype=torch.float64), atol=1e-5)
    assert tr.classes == te.classes == ("1", "2", "3", "4", "5", "6")
    assert [tr.classes[i] for i in tr.y.tolist()] == [str(v) for v in y]


def test_labels_sort_as_numbers_when_they_are_numbers():
    assert ds._label_order(["10", "2", "1"]) == ("1", "2", "10")
    assert ds._label_order(["b", "a", "10"]) == ("10", "a", "b")


def test_z_normalize_leaves_a_constant_series_at_zero():
    x = np.array([[3.0, 3.0, 3.0], [1.0, 2.0, 3.0]])
    z = ds.z_normalize(x)
    assert (z[0] == 0).all() and abs(z[1].mean()) < 1e-15 and abs(z[1].std() - 1) < 1e-15


def test_forecast_windows_are_the_series_slices_and_never_pass_stop():
    s = torch.arange(100, dtype=torch.float64)
    past, future, origins = ds.forecast_windows(s, length=10, horizon=5, start=3, stop=60, stride=7)
    assert origins.tolist() == list(range(12, 55, 7))
    for p, f, t in zip(past, future, origins.tolist()):
        assert p.tolist() == list(range(t - 9, t + 1)) and f.tolist() == list(range(t + 1, t + 6))
    assert int(origins.max()) + 5 < 60 and int(origins.min()) - 9 >= 3
    with pytest.raises(ValueError, match="no window"):
        ds.forecast_windows(s, length=50, horizon=20, stop=60)
    with pytest.raises(ValueError, match="1-D"):
        ds.forecast_windows(s[None], 10, 5)


def test_co2_is_the_weekly_mauna_loa_series_with_its_gaps_filled():
    co2 = ds.load_forecasting_series("co2")
    assert co2.shape == (2284,) and torch.isfinite(co2).all()
    assert 310 < float(co2[:52].mean()) < 320 and 365 < float(co2[-52:].mean()) < 375  # ppm, 1958 and 2001
    with pytest.raises(ValueError, match="name"):
        ds.load_forecasting_series("sunspots")


def test_co2_task_trains_before_the_split_and_its_normalization_inverts():
    cfg = series.SeriesConfig.for_scale("book", task="co2")
    data = series.load_task(cfg)
    n_train = data["x_train"].shape[0]
    # the last training window's future ends at train_weeks - 1: nothing of the test part is trained on
    assert n_train == cfg.train_weeks - cfg.length - cfg.horizon + 1
    assert int(data["origins_test"].min()) == cfg.train_weeks - 1
    back = data["last_test"][:, None] + data["y_test"].double() * data["scale"]
    assert torch.allclose(back, data["future_test"], atol=1e-4)
    assert torch.all(data["x_test"][:, -1, 0] == 0)  # each window shifted by its last value


def test_a_zero_forecast_scores_the_persistence_error():
    """_score maps the model's normalized output back to ppm: a model that predicts no change scores the
    mean |future - last value|."""
    cfg = series.SeriesConfig.for_scale("smoke", task="co2")
    data = series.load_task(cfg)

    class Zero(torch.nn.Module):
        def forward(self, x):
            return x.new_zeros(x.shape[0], cfg.horizon)

    got = series._score(Zero(), cfg, data, data["x_test"])["test_mae"]
    want = float((data["future_test"] - data["last_test"][:, None]).abs().mean())
    assert math.isclose(got, want, rel_tol=1e-12)


def test_seasonal_baselines_match_their_formulas_at_one_origin():
    cfg = series.SeriesConfig.for_scale("book", task="co2")
    data = series.load_task(cfg)
    s, t = data["series"], int(data["origins_test"][0])
    naive = torch.stack([s[t + h - 52] for h in range(1, 53)])
    assert torch.equal(naive, s[t - 51:t + 1])  # horizon 52: the last year repeated
    b = series.forecast_baselines(cfg)
    assert set(b) == {"seasonal naive", "seasonal naive + drift"}
    # with drift it beats the plain seasonal naive on a series that rises every year
    assert b["seasonal naive + drift"][0] < b["seasonal naive"][0]


def test_config_names_bad_fields():
    with pytest.raises(ValueError, match="task"):
        series.SeriesConfig(task="ECG")
    with pytest.raises(ValueError, match="beta"):
        series.SeriesConfig(beta="sometimes")
    with pytest.raises(ValueError, match="dt_min"):
        series.SeriesConfig(dt_min=0.1, dt_max=0.01)
    with pytest.raises(ValueError, match="train_weeks"):
        series.load_task(series.SeriesConfig(task="co2", train_weeks=2250))


def test_suggestions_clip_on_acsf1s_high_band_and_the_plan_has_every_role():
    cfg = series.SeriesConfig.for_scale("book", task="ACSF1")
    plans, sugg = series.plan_runs(cfg)
    # ACSF1 holds half its power above pi/2 rad/sample: both rules ask for more than the step range allows
    assert all(s["clipped"] for s in sugg.values())
    alpha_max = math.pi / (float(series.init_A("lin", cfg.d_state).imag.max()) * cfg.dt_max)
    assert all(math.isclose(s["alpha"], alpha_max) for s in sugg.values())
    roles = [r for r, _ in plans]
    assert roles == ["sweep"] * 3 + ["quantile+transport", "beta", "beta-learn"]
    assert [c.alpha for _, c in plans][:3] == list(series.SWEEP_ALPHAS)
    assert plans[-2][1].beta == series.FIXED_BETA and plans[-1][1].beta == "learn"


def test_smoke_runs_are_seeded_and_record_their_scores():
    cfg = series.SeriesConfig.for_scale("smoke", task="OSULeaf")
    data = series.load_task(cfg)
    a, b = series.run(cfg, seed=3, data=data), series.run(cfg, seed=3, data=data)
    assert a["final"] == b["final"] and a["history"] == b["history"]
    assert a["metric"] == "test_accuracy" and 0 <= a["final"] <= 1 and len(a["history"]) == cfg.epochs
    learned = series.run(dataclasses.replace(cfg, beta="learn"), seed=0, data=data)
    assert learned["beta"] == "learn" and len(learned["betas"]) == cfg.n_layers


def test_summary_groups_runs_by_configuration():
    runs = [{"task": "co2", "role": r, "alpha": a, "beta": b, "seed": s, "metric": "test_mae", "final": v}
            for r, a, b, s, v in [("sweep", 1.0, 0.0, 0, 0.5), ("sweep", 1.0, 0.0, 1, 0.7),
                                  ("beta-learn", 1.0, "learn", 0, 0.4)]]
    stored = {"configs": {"co2": {}}, "runs": runs, "baselines": {"co2": {"seasonal naive": [1.5]}}}
    rows = series.summary(stored, "co2")
    assert rows["alpha 1, beta 0"]["mean"] == pytest.approx(0.6) and rows["alpha 1, beta 0"]["better"] == "lower"
    assert rows["alpha 1, beta learn (beta-learn)"]["scores"] == [0.4]
    html = series.summary_table(stored)
    assert html.count("<tr>") == 4 and "seasonal naive" in html


def test_suggestion_ranks_place_the_rules_runs_among_the_swept_means():
    runs = [{"task": "OSULeaf", "role": r, "alpha": a, "beta": 0.0, "seed": 0, "metric": "test_accuracy", "final": v}
            for r, a, v in [("sweep", 0.1, 0.5), ("sweep", 1.0, 0.7), ("sweep", 10.0, 0.6), ("quantile", 0.9, 0.65),
                            ("transport", 0.7, 0.75)]]
    stored = {"configs": {"OSULeaf": {}}, "runs": runs,
              "suggestions": {"OSULeaf": {"quantile": {"alpha": 0.9, "clipped": False},
                                          "transport": {"alpha": 0.7, "clipped": False}}}}
    ranks = series.suggestion_ranks(stored, "OSULeaf")
    assert ranks["quantile"]["rank"] == 2 and ranks["quantile"]["in_top_two"] and ranks["quantile"]["of"] == 4
    assert ranks["transport"]["rank"] == 1 and ranks["transport"]["sweep"][0] == (1.0, 0.7)
