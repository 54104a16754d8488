"""param groups, schedule, seeds, atomic checkpoints and resume."""
import json
import math
import os

import pytest
import torch

import fssm
from fssm.train import TrainConfig, cosine_with_warmup, fit, load_checkpoint, param_groups, save_checkpoint


def test_every_parameter_in_exactly_one_group_with_right_settings(capsys):
    model = fssm.SequenceModel(3, 2, d_model=8, n_layers=2, d_state=4, learn_beta=True,
                               lr={"log_dt": 1e-3, "log_A_real": 1e-3, "A_imag": 0.1})
    groups = param_groups(model, lr=5e-3, weight_decay=0.05)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(groups)
    where = {}
    for g in groups:
        for n in g["names"]:
            assert n not in where
            where[n] = (g["lr"], g["weight_decay"])
    assert set(where) == {n for n, p in model.named_parameters() if p.requires_grad}
    for n, (lr, wd) in where.items():
        if n.endswith("A_imag"):
            assert (lr, wd) == (0.1, 0.0), n
        elif n.endswith(("log_dt", "log_A_real")):
            assert (lr, wd) == (1e-3, 0.0), n
        elif n.endswith(".beta"):
            assert (lr, wd) == (0.01, 0.0), n
        else:
            assert (lr, wd) == (5e-3, 0.05), n


def test_frozen_parameters_are_buffers():
    layer = fssm.S4DLayer(4, 2, lr=0.0)
    names = {n for n, _ in layer.named_parameters()}
    assert not any(n.startswith("kernel.log") or n == "kernel.A_imag" for n in names)
    assert {"kernel.log_dt", "kernel.log_A_real", "kernel.A_imag"} <= {n for n, _ in layer.named_buffers()}


def test_cosine_with_warmup_shape():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = cosine_with_warmup(opt, total_steps=10, warmup_steps=2)
    lrs = []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == 0.5 and lrs[1] == 1.0 and lrs[-1] < 0.05
    assert all(a >= b for a, b in zip(lrs[1:], lrs[2:]))


def test_seed_everything_is_bit_identical_on_cpu():
    outs = []
    for _ in range(2):
        fssm.seed_everything(7)
        m = fssm.SequenceModel(2, 1, d_model=4, n_layers=1, d_state=2)
        outs.append(m(torch.randn(1, 16, 2)))
    assert torch.equal(outs[0], outs[1])


def _toy_problem():
    fssm.seed_everything(0)
    x = torch.randn(64, 32, 1)
    y = x.mean(1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, shuffle=True)
    model = fssm.SequenceModel(1, 1, d_model=4, n_layers=1, d_state=2)

    def loss_fn(m, batch):
        return torch.nn.functional.mse_loss(m(batch[0]), batch[1])

    return model, loader, loss_fn


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path):
    model, loader, loss_fn = _toy_problem()
    full = fit(model, loader, loss_fn, TrainConfig(epochs=4, lr=1e-2, progress=False, verbose=False))
    ckpt = str(tmp_path / "run.pt")
    model, loader, loss_fn = _toy_problem()

    def kill_during_epoch_2(m, epoch):
        if epoch == 2:
            raise KeyboardInterrupt  # the process dies before epoch 2 is checkpointed
        return {}

    with pytest.raises(KeyboardInterrupt):
        fit(model, loader, loss_fn, TrainConfig(epochs=4, lr=1e-2, progress=False, verbose=False,
                                                checkpoint=ckpt), evaluate=kill_during_epoch_2)
    assert load_checkpoint(ckpt)["epoch"] == 1
    # a fresh process rebuilds everything and resumes from the checkpoint
    model, loader, loss_fn = _toy_problem()
    torch.manual_seed(12345)  # whatever the RNG is now, resume restores it
    resumed = fit(model, loader, loss_fn, TrainConfig(epochs=4, lr=1e-2, progress=False, verbose=False,
                                                      checkpoint=ckpt))
    assert [r["train_loss"] for r in resumed] == [r["train_loss"] for r in full]


def test_non_finite_loss_names_the_step():
    model, loader, _ = _toy_problem()
    with pytest.raises(fssm.train.NonFiniteLossError, match="epoch 0, step 0"):
        fit(model, loader, lambda m, b: m(b[0]).sum() * float("nan"),
            TrainConfig(epochs=1, progress=False, verbose=False))


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = str(tmp_path / "c.pt")
    save_checkpoint(path, {"x": 1})

    def broken_save(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError):
        save_checkpoint(path, {"x": 2})
    monkeypatch.undo()
    assert load_checkpoint(path) == {"x": 1}  # the old checkpoint survives
    assert os.listdir(tmp_path) == ["c.pt"]  # no temporary file left behind
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(RuntimeError, match="bad.pt"):
        load_checkpoint(str(tmp_path / "bad.pt"))


def test_train_config_validation():
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=-1.0)


def _val_metric(m, epoch):
    """A deterministic validation metric that peaks at epoch 1 (so 'best' is not simply 'last')."""
    return {"score": [0.2, 0.9, 0.5, 0.4][epoch]}


def test_best_checkpoint_keeps_the_best_epoch_and_the_log_survives_resume(tmp_path):
    log_full, log_resumed = str(tmp_path / "full.jsonl"), str(tmp_path / "resumed.jsonl")
    model, loader, loss_fn = _toy_problem()
    best_path = str(tmp_path / "best.pt")
    fit(model, loader, loss_fn, TrainConfig(epochs=4, lr=1e-2, progress=False, verbose=False, monitor="score",
                                            best_checkpoint=best_path, metrics_log=log_full, log_every=1),
        evaluate=_val_metric)
    best = load_checkpoint(best_path)
    assert best["epoch"] == 1 and best["metrics"]["score"] == 0.9

    ckpt = str(tmp_path / "last.pt")
    model, loader, loss_fn = _toy_problem()

    def killed(m, epoch):
        if epoch == 2:
            raise KeyboardInterrupt
        return _val_metric(m, epoch)

    cfg = dict(epochs=4, lr=1e-2, progress=False, verbose=False, monitor="score", checkpoint=ckpt,
               best_checkpoint=str(tmp_path / "best2.pt"), metrics_log=log_resumed, log_every=1)
    with pytest.raises(KeyboardInterrupt):
        fit(model, loader, loss_fn, TrainConfig(**cfg), evaluate=killed)
    model, loader, loss_fn = _toy_problem()
    fit(model, loader, loss_fn, TrainConfig(**cfg), evaluate=_val_metric)

    def lines(path):
        with open(path) as f:
            return [json.loads(line) for line in f]

    full, resumed = lines(log_full), lines(log_resumed)
    assert [r.get("step", r.get("train_loss")) for r in full] == [r.get("step", r.get("train_loss")) for r in resumed]
    assert len([r for r in resumed if "train_loss" in r]) == 4  # epoch 2's partial step lines were dropped
    assert load_checkpoint(str(tmp_path / "best2.pt"))["epoch"] == 1  # the best survives the kill too
    for a, b in zip(load_checkpoint(best_path)["model"].values(), load_checkpoint(str(tmp_path / "best2.pt"))["model"].values()):
        assert torch.equal(a, b)


def test_monitor_must_name_a_metric_and_bf16_autocast_trains_on_cpu():
    model, loader, loss_fn = _toy_problem()
    with pytest.raises(KeyError, match="nope"):
        fit(model, loader, loss_fn, TrainConfig(epochs=1, progress=False, verbose=False, monitor="nope"),
            evaluate=_val_metric)
    with pytest.raises(ValueError, match="monitor"):
        TrainConfig(best_checkpoint="x.pt")
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="fp8")
    model, loader, loss_fn = _toy_problem()
    hist = fit(model, loader, loss_fn, TrainConfig(epochs=2, lr=1e-2, precision="bf16", progress=False, verbose=False))
    assert all(math.isfinite(r["train_loss"]) for r in hist)


def test_progress_off_a_terminal_is_one_plain_line_per_epoch(capsys):
    """A log file (here: pytest's captured stderr, not a TTY) gets one line per epoch, no tqdm bars."""
    model, loader, loss_fn = _toy_problem()

    def evaluate(m, epoch):
        return {"score": 0.5, "per_wave": [0.25, 0.125], "per_mode": list(range(100))}

    history = fit(model, loader, loss_fn, TrainConfig(epochs=3, lr=1e-2, progress=True, verbose=False,
                                                       monitor="score"), evaluate=evaluate)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 3 and "\r" not in captured.err and captured.out == ""
    for k, (line, record) in enumerate(zip(lines, history)):
        assert line.startswith(f"epoch {k + 1}/3  train_loss {record['train_loss']:.4g}  ")
        assert "score 0.5" in line and "per_wave [0.25 0.125]" in line and "per_mode" not in line
    assert lines[0].endswith("(best)") and not lines[1].endswith("(best)")


def test_progress_on_a_terminal_is_a_tqdm_bar(capsys, monkeypatch):
    monkeypatch.setattr(fssm.train, "_interactive", lambda stream: True)
    model, loader, loss_fn = _toy_problem()
    fit(model, loader, loss_fn, TrainConfig(epochs=2, lr=1e-2, progress=True, verbose=False))
    err = capsys.readouterr().err
    assert "epoch 1/2:" in err and "\r" in err  # tqdm's redrawn bar
    assert "train_loss" not in err


def test_resuming_and_reusing_a_finished_run_are_said_even_when_quiet(tmp_path, capsys):
    model, loader, loss_fn = _toy_problem()
    ckpt = str(tmp_path / "last.pt")
    quiet = dict(lr=1e-2, progress=False, verbose=False, checkpoint=ckpt)
    fit(model, loader, loss_fn, TrainConfig(epochs=1, **quiet))
    assert capsys.readouterr().out == ""  # a new run says nothing when quiet
    fit(model, loader, loss_fn, TrainConfig(epochs=3, **quiet))
    assert capsys.readouterr().out.strip() == f"resuming from {ckpt}: epoch 1/3 done, training epochs 2..3"
    again = fit(model, loader, loss_fn, TrainConfig(epochs=3, **quiet))
    out = capsys.readouterr().out
    assert out.startswith(f"reusing finished run: {ckpt} holds epoch 3/3") and len(again) == 3
