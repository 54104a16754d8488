"""DDP under torchrun with 2 CPU processes (gloo): same loss curve as one process on the same global batch.

The worker script trains a small S4D SequenceModel with `fssm.train.fit` on a fixed synthetic task through
`fssm.distributed.shard_loader` and writes its JSON-lines metrics log; the test runs it once as a plain
process and once under `torchrun --nproc_per_node=2` with the same global batch and compares the logs.
"""
import json
import os
import subprocess
import sys

import pytest
import torch

WORKER = r'''
import os, sys, torch
import fssm
from fssm.distributed import init_distributed, shard_loader, wrap_model, all_reduce_sum, shutdown_distributed
from fssm.train import TrainConfig, fit

out, global_batch = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
info = init_distributed("cpu")
g = torch.Generator().manual_seed(0)
x = torch.randn(64, 32, 1, generator=g)
y = (x[:, :16, 0].mean(1) > x[:, 16:, 0].mean(1)).long()  # which half of the sequence is larger
data = torch.utils.data.TensorDataset(x, y)
fssm.seed_everything(0)
model = fssm.SequenceModel(1, 2, d_model=8, n_layers=2, d_state=4, norm="layer", bidirectional=True)
model = wrap_model(model, info)
train = shard_loader(data, global_batch, shuffle=True, seed=3)
val = shard_loader(data, global_batch, shuffle=False)

def evaluate(m, epoch):
    c = torch.zeros(2, dtype=torch.float64)
    for xb, yb in val:
        c += torch.tensor([(m(xb).argmax(-1) == yb).sum().item(), len(yb)], dtype=torch.float64)
    c = all_reduce_sum(c)
    return {"val_accuracy": float(c[0] / c[1]), "val_count": int(c[1])}

cfg = TrainConfig(epochs=3, lr=0.02, weight_decay=0.01, warmup_steps=2, grad_clip=1.0, progress=False,
                  verbose=False, metrics_log=os.path.join(out, "metrics.jsonl"), log_every=1,
                  checkpoint=os.path.join(out, "last.pt"), best_checkpoint=os.path.join(out, "best.pt"),
                  monitor="val_accuracy")
fit(model, train, lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]), cfg, evaluate=evaluate)
shutdown_distributed()
'''


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    env.pop("WORLD_SIZE", None)
    return env


def _read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    script = root / "worker.py"
    script.write_text(WORKER)
    single, double = root / "single", root / "double"
    single.mkdir(), double.mkdir()
    subprocess.run([sys.executable, str(script), str(single), "16"], check=True, env=_env(), timeout=300)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    subprocess.run(torchrun + [str(script), str(double), "16"], check=True, env=_env(), timeout=300,
                   capture_output=True)
    return _read(single / "metrics.jsonl"), _read(double / "metrics.jsonl"), single, double


def test_two_processes_follow_the_single_process_loss_curve(logs):
    one, two, _, _ = logs
    steps1 = [r for r in one if "step" in r]
    steps2 = [r for r in two if "step" in r]
    assert len(steps1) == len(steps2) == 3 * 4  # 64 samples / global batch 16, 3 epochs
    loss1 = torch.tensor([r["loss"] for r in steps1])
    loss2 = torch.tensor([r["loss"] for r in steps2])
    assert torch.allclose(loss1, loss2, rtol=1e-4, atol=1e-5), (loss1, loss2)
    assert loss1[-4:].mean() < loss1[:4].mean()  # it trains: the curve being compared is not flat
    lr1 = [r["lr"] for r in steps1]
    assert lr1 == [r["lr"] for r in steps2]


def test_metrics_reduced_over_ranks_count_every_sample_once(logs):
    one, two, _, _ = logs
    ep1 = [r for r in one if "train_loss" in r]
    ep2 = [r for r in two if "train_loss" in r]
    assert [r["val_count"] for r in ep2] == [64, 64, 64]
    for a, b in zip(ep1, ep2):
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-4
        assert a["val_accuracy"] == pytest.approx(b["val_accuracy"], abs=1 / 64 + 1e-9)


def test_rank_zero_writes_checkpoints_that_hold_the_unwrapped_model(logs):
    _, _, single, double = logs
    from fssm.train import load_checkpoint

    s, d = load_checkpoint(str(single / "last.pt")), load_checkpoint(str(double / "last.pt"))
    assert not any(k.startswith("module.") for k in d["model"])
    assert set(s["model"]) == set(d["model"])
    for k in s["model"]:
        assert torch.allclose(s["model"][k].float(), d["model"][k].float(), atol=1e-4), k
    assert os.path.exists(double / "best.pt")


def test_the_lra_command_line_under_torchrun_matches_one_process(tmp_path):
    """`torchrun --nproc_per_node=2 -m fssm.experiments.lra` (gloo): the loss curve of one process on the
    same global batch (layer norm: BatchNorm statistics are per rank on a CPU)."""
    env = _env()
    env["FSSM_DATA"] = str(tmp_path / "data")
    common = ["-m", "fssm.experiments.lra", "--task", "listops", "--scale", "smoke", "--no-progress",
              "--set", "norm=layer", "epochs=2", "--out", str(tmp_path / "results")]
    subprocess.run([sys.executable] + common + ["--workdir", str(tmp_path / "one")], check=True, env=env,
                   timeout=300, capture_output=True)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
                   + common + ["--workdir", str(tmp_path / "two")], check=True, env=env, timeout=300,
                   capture_output=True)
    (one,), (two,) = (os.listdir(tmp_path / d) for d in ("one", "two"))
    l1 = _read(tmp_path / "one" / one / "metrics.jsonl")
    l2 = _read(tmp_path / "two" / two / "metrics.jsonl")
    loss1 = torch.tensor([r["train_loss"] for r in l1 if "train_loss" in r])
    loss2 = torch.tensor([r["train_loss"] for r in l2 if "train_loss" in r])
    assert len(loss1) == len(loss2) == 2 and torch.allclose(loss1, loss2, rtol=1e-4), (loss1, loss2)
    with open(tmp_path / "results" / "lra-listops-smoke.json") as f:
        assert json.load(f)["runs"][0]["world_size"] == 2  # the second run (2 processes) wrote last
