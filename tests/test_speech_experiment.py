"""The Speech Commands experiment (fssm.experiments.speech) at smoke scale on fixture folders in the official
v0.02 layout that the tests write (every SC10 word, 16 kHz int16 sines, the two list files): the CLI end to
end with provenance and every planned run, suggestions that put the modes where a known tone's power is, a
killed run resuming to the uninterrupted result, and bad options as usage errors naming the option."""
import json
import math
import os

import numpy as np
import pytest
import torch

from fssm.data.speech import SC10_CLASSES
from fssm.experiments import speech
from fssm.experiments.speech import SpeechConfig
from fssm.init import init_A
from conftest import write_wav

RATE = 16000
SPLIT = {"train": 4, "val": 2, "test": 2}  # clips per word; smoke cuts at 40 / 20 / 20: every clip


def write_sc10(root, tone=None, split=SPLIT):
    """The official layout under `root`: per SC10 word split['train'] + split['val'] + split['test']
    one-second clips (default 4 + 2 + 2; the val and test ones named by the two list files), clip i of word k
    a sine of `tone` Hz if given, else of 200 + 50 k Hz; amplitude and phase vary with i. 'marvin' (not SC10)
    has a clip in the validation list, as the release does. Returns `root`."""
    lists = {"val": [], "test": []}
    t = np.arange(RATE)
    for k, word in enumerate(SC10_CLASSES + ("marvin",)):
        os.makedirs(os.path.join(root, word))
        for i in range(sum(split.values()) if word != "marvin" else 1):
            name = f"{k:02d}{i:02d}beef_nohash_0.wav"
            f = tone if tone is not None else 200 + 50 * k
            amplitude = 3000 + 500 * (i % 8)
            write_wav(os.path.join(root, word, name), np.round(amplitude * np.sin(2 * np.pi * f * t / RATE + i)))
            where = "val" if word == "marvin" else "train" if i < split["train"] else \
                "val" if i < split["train"] + split["val"] else "test"
            if where != "train":
                lists[where].append(f"{word}/{name}")
    for where, name in (("val", "validation_list.txt"), ("test", "testing_list.txt")):
        with open(os.path.join(root, name), "w") as f:
            f.write("".join(line + "\n" for line in lists[where]))
    return root


@pytest.fixture(scope="module")
def sc10(tmp_path_factory):
    """A data folder holding speech_commands_v0.02 (what download_speech_commands(DATA) makes)."""
    data = tmp_path_factory.mktemp("sc-data")
    write_sc10(str(data / "speech_commands_v0.02"))
    return data


# ------------------------------------------------------------------------------------------------ the CLI
def test_smoke_cli_trains_every_planned_run_and_writes_them_with_provenance(sc10, tmp_path, capsys):
    out, work = tmp_path / "out", tmp_path / "work"
    path = speech.main(["--scale", "smoke", "--data", str(sc10), "--seeds", "0", "--out", str(out),
                        "--workdir", str(work), "--no-progress"])
    assert path == str(out / "speech-smoke.json")
    stored = json.load(open(path))
    for key in ("scale", "device", "torch", "fssm", "commit", "seed", "wall_seconds", "date", "config"):
        assert key in stored, key
    assert stored["experiment"] == "speech" and stored["scale"] == "smoke" and stored["seed"] == [0]
    assert stored["data_source"] == str(sc10 / "speech_commands_v0.02") and stored["alphas"] == [1.0]
    cfg = SpeechConfig.for_scale("smoke")
    assert stored["config"] == json.loads(json.dumps(speech.dataclasses.asdict(cfg)))

    sugg = stored["suggestions"]
    assert set(sugg) == {"quantile", "transport"}
    assert all(math.isfinite(s["alpha"]) and s["alpha"] > 0 and s["clipped"] in (True, False) for s in sugg.values())
    share = stored["spectrum"]["share"]
    assert stored["spectrum"]["clips"] == 40 and len(share) == 80 and abs(sum(share) - 1) < 1e-9
    assert max(range(80), key=share.__getitem__) in range(2, 7)  # the tones are 200-650 Hz

    planned = [(role, c.alpha, c.beta) for role, c in speech.plan_runs(cfg, sugg)]
    assert [(r["role"], r["alpha"], r["beta"]) for r in stored["runs"]] == planned
    assert planned[0] == ("sweep", 1.0, 0.0) and planned[-1] == ("beta-learn", 1.0, "learn")
    assert len(planned) in (3, 4)  # the two rules may agree
    for r in stored["runs"]:
        assert (r["n_train"], r["n_val"], r["n_test"], r["seed"], r["precision"]) == (40, 20, 20, 0, "fp32")
        assert [h["epoch"] for h in r["history"]] == [0, 1] and not r["resumed"]
        assert 0 <= r["test_accuracy"] <= 1 and 0 <= r["best_val_accuracy"] <= 1
        assert r["best_val_accuracy"] == max(h["val_accuracy"] for h in r["history"])
        assert r["majority_test"] == pytest.approx(0.1)
        assert os.path.dirname(r["workdir"]) == str(work)
        assert sorted(os.listdir(r["workdir"])) == ["best.pt", "last.pt", "metrics.jsonl"]
    assert len({r["workdir"] for r in stored["runs"]}) == len(planned)
    assert stored["runs"][-1]["betas"] != [0.0] and stored["runs"][0]["betas"] == [0.0]  # learned / fixed at 0
    printed = capsys.readouterr().out
    assert "suggested alphas: quantile" in printed and f"wrote {path}" in printed

    table = speech.summary_table(stored)
    assert table.count("<tr>") == 1 + len(planned) and "1 seeds)" in table and "(beta-learn)" in table


def test_dry_run_needs_no_data_reads_nothing_and_names_the_plan(sc10, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "data"))
    assert speech.main(["--scale", "colab", "--download", "--out", str(tmp_path / "out"), "--dry-run"]) is None
    out = " ".join(capsys.readouterr().out.split())  # long values are wrapped
    assert "read from the spectrum of 512 training clips at most when the run starts" in out
    assert "speech_commands_v0.02.tar.gz (2.4 GB, sha256-verified)" in out
    assert "speech-a1-b0-s2-" in out and "speech-a1-blearn-s0-" in out and "new: trains from scratch" in out
    assert os.listdir(tmp_path) == []
    speech.main(["--scale", "smoke", "--data", str(sc10), "--dry-run"])
    assert f"read from {sc10 / 'speech_commands_v0.02'}" in " ".join(capsys.readouterr().out.split())
    speech.main(["--scale", "smoke", "--data", str(tmp_path), "--dry-run"])  # a folder without the layout
    assert "holds no Speech Commands v0.02: a run would stop there" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv, named", [
    ([], "--download"),  # FSSM_DATA holds no copy: the message says how to get one
    (["--data", "MISSING"], "--data"),
    (["--data", "EMPTY"], "--data"),  # a folder without the layout: refused before any training
    (["--download", "--data", "EMPTY"], "give --download or --data, not both"),
    (["--alphas", "1", "0"], "--alphas"),
    (["--alphas", "1", "1"], "--alphas"),
    (["--set", "alpha=2"], "alpha is set with --alphas"),
    (["--set", "precision=fp16"], "precision"),
])
def test_bad_options_are_usage_errors_naming_the_option(argv, named, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "data"))
    (tmp_path / "empty").mkdir()
    argv = [str(tmp_path / "missing") if a == "MISSING" else str(tmp_path / "empty") if a == "EMPTY" else a
            for a in argv]
    with pytest.raises(SystemExit) as e:
        speech.main(["--scale", "smoke", "--out", str(tmp_path / "out")] + argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and named in err, err
    if named in ("--download", "--data"):
        assert "--download fetches it into FSSM_DATA" in err and "--data DIR" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "data").exists()


# -------------------------------------------------------------------------------------------- suggestions
@pytest.mark.parametrize("hz", [500, 700])
def test_suggested_modes_sit_on_a_known_tone(hz, tmp_path):
    """Every clip a sine of `hz` Hz, exactly on a bin of the 16,000-point spectrum: the quantile rule puts the
    typical channel's fastest mode (dt = sqrt(dt_min dt_max)) on the tone within one bin (2 pi / 16000), and
    the transport rule's modes, over the channels' steps, span it."""
    root = write_sc10(str(tmp_path / "sc"), tone=hz)
    cfg = SpeechConfig.for_scale("smoke")
    sugg = speech.suggestions(cfg, root)
    y = init_A(cfg.init, cfg.d_state).imag
    omega = 2 * math.pi * hz / RATE
    assert not sugg["quantile"]["clipped"]
    placed = sugg["quantile"]["alpha"] * float(y.max()) * math.sqrt(cfg.dt_min * cfg.dt_max)
    assert abs(placed - omega) <= 2 * math.pi / RATE
    a = sugg["transport"]["alpha"]
    assert a * float(y[y > 0].min()) * cfg.dt_min <= omega <= a * float(y.max()) * cfg.dt_max


def test_a_tone_above_what_the_step_range_allows_is_clipped_at_nyquist(tmp_path):
    root = write_sc10(str(tmp_path / "sc"), tone=4000)
    cfg = SpeechConfig.for_scale("smoke")
    sugg = speech.suggestions(cfg, root)
    alpha_max = math.pi / (float(init_A(cfg.init, cfg.d_state).imag.max()) * cfg.dt_max)
    assert sugg["quantile"]["clipped"] and sugg["quantile"]["alpha"] == pytest.approx(alpha_max, rel=1e-12)


def test_plan_merges_equal_alphas_and_ends_with_learned_beta():
    cfg = SpeechConfig.for_scale("smoke")
    plan = speech.plan_runs(cfg, {"quantile": {"alpha": 0.5}, "transport": {"alpha": 0.5}})
    assert [(r, c.alpha, c.beta) for r, c in plan] == [("sweep", 1.0, 0.0), ("quantile+transport", 0.5, 0.0),
                                                        ("beta-learn", 1.0, "learn")]
    plan = speech.plan_runs(cfg, {"quantile": {"alpha": 1.0}, "transport": {"alpha": 2.0}}, alphas=(1.0, 3.0))
    assert [(r, c.alpha) for r, c in plan] == [("sweep+quantile", 1.0), ("sweep", 3.0), ("transport", 2.0),
                                               ("beta-learn", 1.0)]


# ---------------------------------------------------------------------------------------- runs and data
def test_a_killed_run_resumes_to_the_uninterrupted_result(sc10, tmp_path, monkeypatch):
    cfg = SpeechConfig.for_scale("smoke", epochs=3, dropout=0.1)
    splits = speech.load_splits(cfg, speech.find_data(str(sc10)))
    full = speech.run(cfg, seed=1, workdir=str(tmp_path / "full"), splits=splits)
    real, calls = speech._accuracy, []

    def dies_at_the_second_evaluation(*args):
        calls.append(1)
        if len(calls) == 2:  # epoch 1 is evaluated before its checkpoint: the last checkpoint is epoch 0
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(speech, "_accuracy", dies_at_the_second_evaluation)
    with pytest.raises(KeyboardInterrupt):
        speech.run(cfg, seed=1, workdir=str(tmp_path / "killed"), splits=splits)
    monkeypatch.setattr(speech, "_accuracy", real)
    torch.manual_seed(999)  # whatever the global RNG holds now, the resumed run restores it
    resumed = speech.run(cfg, seed=1, workdir=str(tmp_path / "killed"), splits=splits)
    keys = ("train_loss", "val_accuracy")
    assert resumed["resumed"] and not full["resumed"]
    assert [[h[k] for k in keys] for h in resumed["history"]] == [[h[k] for k in keys] for h in full["history"]]
    assert (resumed["test_accuracy"], resumed["best_epoch"]) == (full["test_accuracy"], full["best_epoch"])
    again = speech.run(cfg, seed=1, workdir=str(tmp_path / "full"), splits=splits)  # finished: reused
    assert again["resumed"] and again["test_accuracy"] == full["test_accuracy"]


def test_cuts_are_seeded_subsets_of_every_class_and_the_config_names_bad_fields(sc10):
    cfg = SpeechConfig.for_scale("smoke", max_train=20, max_val=5)
    a, b = (speech.load_splits(cfg, speech.find_data(str(sc10))) for _ in range(2))
    assert (len(a["train"]), len(a["val"]), len(a["test"])) == (20, 5, 20)
    assert a["train"].indices == b["train"].indices and a["train"].indices != list(range(20))
    assert len(set(speech._labels(a["train"]).tolist())) >= 5  # not the first words' clips only
    x, y = a["train"][0]
    assert x.shape == (16000, 1) and x.dtype == torch.float32 and y.dtype == torch.int64
    paper = SpeechConfig.for_scale("paper")
    assert (paper.d_model, paper.n_layers, paper.d_state, paper.dt_min, paper.dt_max) == (128, 6, 64, 1e-3, 1e-1)
    assert (paper.max_train, paper.max_test, SpeechConfig.for_scale("colab").precision) == (0, 0, "auto")
    for bad, field in ((dict(precision="fp16"), "precision"), (dict(beta="x"), "beta"), (dict(max_test=-1), "max_test"),
                       (dict(dt_min=0.2), "dt_min"), (dict(norm="group"), "norm"), (dict(length=0), "length")):
        with pytest.raises(ValueError, match=field):
            SpeechConfig.for_scale("smoke", **bad)
    with pytest.raises(ValueError, match="scale"):
        SpeechConfig.for_scale("huge")
