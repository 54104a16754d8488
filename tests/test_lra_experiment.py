"""The LRA command line runs every task at smoke scale (generated data or fixture files in the official
formats), writes results with provenance, resumes instead of retraining, and rejects bad input clearly."""
import json
import os
import pickle

import numpy as np
import pytest
import torch

from fssm.experiments import lra


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "data"))
    return tmp_path


def _write_imdb(root, n_train=12, n_test=6):
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        for label in ("pos", "neg"):
            d = os.path.join(root, "aclImdb", split, label)
            os.makedirs(d)
            for i in range(n):
                words = " ".join(rng.choice(["good", "great", "fine"] if label == "pos" else ["bad", "awful", "dull"], 20))
                with open(os.path.join(d, f"{i}_{7 if label == 'pos' else 2}.txt"), "w") as f:
                    f.write(f"A review. {words}<br />The end.")


def _write_aan(root, counts=(16, 8, 8)):
    folder = os.path.join(root, "tsv_data")
    os.makedirs(folder)
    rng = np.random.default_rng(1)
    for split, n in zip(("train", "eval", "test"), counts):
        with open(os.path.join(folder, f"new_aan_pairs.{split}.tsv"), "w") as f:
            for i in range(n):
                a, b = (" ".join(rng.choice(["model", "parse", "tree", "corpus"], 30)) for _ in range(2))
                f.write(f"{i % 2}\tpaper{i}a\tpaper{i}b\t{a}\t{b}\n")


def _write_cifar(root, n=20):
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder)
    rng = np.random.default_rng(2)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": [i % 10 for i in range(n)]}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f)


FIXTURES = {"text": _write_imdb, "retrieval": _write_aan, "image": _write_cifar}


@pytest.mark.parametrize("task", lra.TASKS)
def test_cli_runs_every_task_at_smoke_scale(task, data_home):
    args = ["--task", task, "--scale", "smoke", "--out", str(data_home / "results"), "--no-progress"]
    if task in FIXTURES:
        FIXTURES[task](str(data_home / "raw"))
        args += ["--data", str(data_home / "raw")]
    path = lra.main(args)
    with open(path) as f:
        res = json.load(f)
    assert os.path.basename(path) == f"lra-{task}-smoke.json"
    for key in ("scale", "device", "torch", "commit", "seed", "wall_seconds", "date", "config"):
        assert key in res, key
    (run,) = res["runs"]
    cfg = lra.LRAConfig.for_task(task, "smoke")
    assert run["task"] == task and len(run["history"]) == cfg.epochs
    assert 0.0 <= run["test_accuracy"] <= 1.0 and 0.0 <= run["majority_test"] <= 1.0
    assert run["best_epoch"] in range(cfg.epochs)
    assert run["best_val_accuracy"] == max(h["val_accuracy"] for h in run["history"])
    assert len(run["betas"]) == cfg.n_layers
    log = [json.loads(line) for line in open(os.path.join(run["workdir"], "metrics.jsonl"))]
    assert [r["epoch"] for r in log if "train_loss" in r] == list(range(cfg.epochs))


def test_a_finished_run_resumes_instead_of_retraining(data_home):
    cfg = lra.LRAConfig.for_task("listops", "smoke")
    first = lra.run(cfg, seed=0, workdir=str(data_home / "run"))
    mtime = os.path.getmtime(data_home / "run" / "last.pt")
    again = lra.run(cfg, seed=0, workdir=str(data_home / "run"))
    assert os.path.getmtime(data_home / "run" / "last.pt") == mtime  # nothing was trained again
    assert again["history"] == first["history"] and again["test_accuracy"] == first["test_accuracy"]
    assert again["resumed"] and not first["resumed"]


def test_learned_beta_is_trained_and_fixed_beta_is_not(data_home):
    learn = lra.build_model(lra.LRAConfig.for_task("listops", "smoke"), 64, 16, 10)
    fixed = lra.build_model(lra.LRAConfig.for_task("listops", "smoke", beta=0.5), 64, 16, 10)
    assert [n for n, p in learn.named_parameters() if n.endswith("beta")]
    assert not [n for n, p in fixed.named_parameters() if n.endswith("beta")]
    assert all(torch.equal(b, torch.full_like(b, 0.5)) for n, b in fixed.named_buffers() if n.endswith("beta"))


def test_paper_scale_reads_the_papers_table():
    c = lra.LRAConfig.for_task("pathx", "paper")
    # the public config: configs/experiment/lra/bias-s4-pathx.yaml (its diagonal kernel keeps 64 complex modes)
    assert (c.alpha, c.d_model, c.d_state, c.lr, c.batch_size, c.dt_min, c.seq_len) == (5.0, 128, 64, 0.001, 20, 1e-4, 16384)
    c = lra.LRAConfig.for_task("image", "paper")
    assert (c.norm, c.prenorm, c.dropout, c.d_model, c.epochs) == ("layer", False, 0.1, 512, 1200)


def test_bad_input_is_named(data_home):
    with pytest.raises(ValueError, match="task"):
        lra.LRAConfig(task="mnist")
    with pytest.raises(ValueError, match="beta"):
        lra.LRAConfig.for_task("listops", "smoke", beta="sometimes")
    with pytest.raises(ValueError, match="--data"):
        lra.load_splits(lra.LRAConfig.for_task("text", "smoke"))
    with pytest.raises(SystemExit):
        lra.main(["--task", "listops", "--betas", "maybe"])


def test_cli_downloads_the_release_with_a_supplied_checksum(data_home, monkeypatch):
    """--download --lra-sha256: the verified release is found by --data's search (listops-1000 one level
    above tsv_data, as in the archive); without the checksum the CLI refuses."""
    import tarfile

    from fssm.data import registry
    from fssm.data.lra import listops

    src = data_home / "src" / "lra_release"
    listops.make_listops_splits(src / "listops-1000", 48, 16, 16, seed=0, min_length=10, max_length=60)
    archive = str(data_home / "lra_release.gz")
    with tarfile.open(archive, "w:gz") as t:
        t.add(str(src), arcname="lra_release")
    monkeypatch.setattr(registry, "LRA_RELEASE_URL", "file://" + archive)
    base = ["--task", "listops", "--scale", "smoke", "--out", str(data_home / "results"), "--no-progress"]
    with pytest.raises(SystemExit):
        lra.main(base + ["--download"])
    path = lra.main(base + ["--download", "--lra-sha256", registry.file_digest(archive, "sha256")])
    with open(path) as f:
        assert "LRA release ListOps" in json.load(f)["runs"][0]["data_source"]


def test_a_killed_run_resumes_to_the_uninterrupted_result(data_home, monkeypatch):
    cfg = lra.LRAConfig.for_task("listops", "smoke", epochs=3)
    full = lra.run(cfg, seed=1, workdir=str(data_home / "full"))
    real_accuracy, calls = lra._accuracy, []

    def dies_at_the_second_evaluation(*args):
        calls.append(1)
        if len(calls) == 2:  # epoch 1 is evaluated before its checkpoint: the last checkpoint is epoch 0
            raise KeyboardInterrupt
        return real_accuracy(*args)

    monkeypatch.setattr(lra, "_accuracy", dies_at_the_second_evaluation)
    with pytest.raises(KeyboardInterrupt):
        lra.run(cfg, seed=1, workdir=str(data_home / "killed"))
    monkeypatch.setattr(lra, "_accuracy", real_accuracy)
    torch.manual_seed(999)  # whatever the global RNG holds now, the resumed run restores it
    resumed = lra.run(cfg, seed=1, workdir=str(data_home / "killed"))
    assert resumed["resumed"]
    keys = ("train_loss", "val_accuracy")
    assert [[h[k] for k in keys] for h in resumed["history"]] == [[h[k] for k in keys] for h in full["history"]]
    assert resumed["test_accuracy"] == full["test_accuracy"] and resumed["betas"] == full["betas"]


def test_cli_says_it_reuses_a_finished_run_and_fresh_retrains(data_home, capsys):
    base = ["--task", "listops", "--scale", "smoke", "--epochs", "1", "--no-progress",
            "--workdir", str(data_home / "work"), "--out", str(data_home / "results")]
    first = json.load(open(lra.main(base)))["runs"][0]
    last = os.path.join(first["workdir"], "last.pt")
    assert "reusing" not in capsys.readouterr().out
    mtime = os.path.getmtime(last)

    lra.main(base + ["--dry-run"])
    assert f"finished: {last} holds epoch 1/1; reused, not trained" in capsys.readouterr().out
    again = json.load(open(lra.main(base)))["runs"][0]
    assert f"reusing finished run: {last} holds epoch 1/1" in capsys.readouterr().out
    assert again["resumed"] and os.path.getmtime(last) == mtime

    lra.main(base + ["--fresh", "--dry-run"])
    assert "--fresh: would delete last.pt, best.pt, metrics.jsonl" in capsys.readouterr().out
    fresh = json.load(open(lra.main(base + ["--fresh"])))["runs"][0]
    out = capsys.readouterr().out
    assert f"fresh run: deleted last.pt, best.pt, metrics.jsonl in {first['workdir']}; training from scratch" in out
    assert "reusing" not in out and not fresh["resumed"] and os.path.getmtime(last) != mtime
    log = [json.loads(line) for line in open(os.path.join(first["workdir"], "metrics.jsonl"))]
    assert [r["epoch"] for r in log if "train_loss" in r] == [0]  # the old log was deleted, not appended to


def test_operator_baseline_guesses_each_outer_operators_most_frequent_value(tmp_path):
    """Hand-made ListOps files: the guess is counted from train only and scored on test, exactly."""
    from fssm.data.lra.listops import ListOps

    train = ["[MAX 7 9 ]\t9", "[MAX 1 3 ]\t3", "[MAX 2 9 ]\t9", "[MIN 4 1 ]\t1", "[MIN 0 8 ]\t0", "[MIN 1 5 ]\t1",
             "5\t5"]
    test = ["[MAX 0 9 ]\t9", "[MAX 1 2 ]\t2", "[MIN 6 1 ]\t1", "[SM 3 4 ]\t7"]  # 9 and 1 right, 2 and 7 wrong
    paths = {}
    for name, rows in (("train", train), ("test", test)):
        paths[name] = tmp_path / f"basic_{name}.tsv"
        paths[name].write_text("Source\tTarget\n" + "\n".join(rows) + "\n")
    splits = {name: ListOps(str(p), seq_len=16) for name, p in paths.items()}
    assert lra.operator_baseline(splits) == 0.5
    # and it is a baseline of the data only: reordering train changes nothing
    paths["train"].write_text("Source\tTarget\n" + "\n".join(reversed(train)) + "\n")
    assert lra.operator_baseline({"train": ListOps(str(paths["train"]), seq_len=16), "test": splits["test"]}) == 0.5


def test_listops_runs_record_the_operator_baseline(data_home):
    cfg = lra.LRAConfig.for_task("listops", "smoke")
    r = lra.run(cfg, seed=0, workdir=str(data_home / "w"))
    splits, _ = lra.load_splits(cfg)
    assert r["operator_test"] == lra.operator_baseline(splits)
    assert r["operator_test"] >= r["majority_test"] - 1e-12  # per operator can only help on train's own counts
