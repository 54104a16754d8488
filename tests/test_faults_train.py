"""Training survives real faults, and bad inputs to the trainer and the CLIs are named.

Faults are real: a child process training with `fit` is SIGKILLed mid-epoch (by this process) or mid-write
(by itself, inside torch.save), files are cut short on disk, and a full disk is a file size limit
(RLIMIT_FSIZE) in the child, whose writes then fail with EFBIG as on a full disk. After each fault every
file saved before it must be intact, and the resumed run must equal an uninterrupted one.
"""
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

import fssm
from fssm.experiments import denoising, lra, waves
from fssm.train import NonFiniteLossError, TrainConfig, fit, load_checkpoint


def _problem(folder, **changes):
    """A tiny regression fitted for 3 epochs of 6 steps, logging every step, checkpointing every epoch."""
    fssm.seed_everything(0)
    x = torch.randn(48, 16, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.mean(1)), batch_size=8, shuffle=True)
    model = fssm.SequenceModel(1, 1, d_model=4, n_layers=1, d_state=2)
    cfg = dict(epochs=3, lr=1e-2, progress=False, verbose=False, log_every=1,
               checkpoint=os.path.join(folder, "last.pt"), metrics_log=os.path.join(folder, "metrics.jsonl"))
    cfg.update(changes)

    def loss_fn(m, batch):
        return torch.nn.functional.mse_loss(m(batch[0]), batch[1])

    return model, loader, loss_fn, TrainConfig(**cfg)


# The child: `_problem`, with a fault at the `at`-th call of the loss (call 9 = epoch 1, step 2).
WORKER = "import os, resource, signal, sys, time\nimport torch\nimport fssm\nfrom fssm.train import TrainConfig, fit\n\n" + \
    textwrap.dedent(inspect.getsource(_problem)) + r'''
torch.set_num_threads(1)
folder, fault, at, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
model, loader, loss_fn, cfg = _problem(folder)
calls = []


def faulty_loss(m, batch):
    calls.append(1)
    if len(calls) == at and fault == "stall":  # the parent SIGKILLs this process while it waits here
        print("stalled", flush=True)
        time.sleep(120)
    if len(calls) == at and fault == "disk":  # the disk fills up: files may grow to `extra` bytes past the log
        limit = os.path.getsize(cfg.metrics_log) + extra
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    return loss_fn(m, batch)


if fault == "kill-in-save":  # SIGKILL halfway through writing the checkpoint of epoch `at`
    real_save = torch.save

    def save_then_die(obj, f):
        if obj.get("epoch") == at:
            f.write(b"PK\x03\x04 the first bytes of a checkpoint")
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        real_save(obj, f)

    torch.save = save_then_die
fit(model, loader, faulty_loss, cfg)
'''


def _child(folder, fault, at, extra=0):
    return subprocess.Popen([sys.executable, "-c", WORKER, str(folder), fault, str(at), str(extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore"))


def _run_child(folder, fault, at, extra=0):
    proc = _child(folder, fault, at, extra)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _kill_when_stalled(folder, at):
    """Start the child, wait until it stalls at loss call `at`, SIGKILL it."""
    proc = _child(folder, "stall", at)
    while True:
        line = proc.stdout.readline()
        assert line, f"the child ended before stalling: {proc.communicate(timeout=60)[1]}"
        if line.strip() == "stalled":
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _records(path):
    """The log's records without the wall-clock seconds (the rest is bit-identical between runs on a CPU)."""
    with open(path) as f:
        return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in f]


def _partials(folder):
    return [n for n in os.listdir(folder) if n.startswith(".part-")]


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the child: the same floating-point sums
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def reference(tmp_path, one_thread):
    """The log of an uninterrupted run."""
    folder = tmp_path / "reference"
    folder.mkdir()
    model, loader, loss_fn, cfg = _problem(folder)
    fit(model, loader, loss_fn, cfg)
    return _records(cfg.metrics_log)


def _resume(folder):
    model, loader, loss_fn, cfg = _problem(folder)
    fit(model, loader, loss_fn, cfg)
    return _records(cfg.metrics_log)


def test_sigkill_in_the_first_epoch_then_a_fresh_start_mixes_no_stale_line_and_loses_none(tmp_path, reference, capsys):
    _kill_when_stalled(tmp_path, at=3)  # epoch 0, step 2: no checkpoint yet, two step lines logged
    assert not os.path.exists(tmp_path / "last.pt")
    killed_log = (tmp_path / "metrics.jsonl").read_bytes()
    assert killed_log.count(b"\n") == 2
    assert _resume(tmp_path) == reference  # a fresh start: its log holds its own lines only
    assert (tmp_path / "metrics.jsonl.1").read_bytes() == killed_log  # the earlier lines are kept aside
    assert "moved the earlier metrics log" in capsys.readouterr().out


def test_sigkill_mid_epoch_with_the_last_log_line_cut_mid_write_resumes_to_the_uninterrupted_run(
        tmp_path, reference, capsys):
    _kill_when_stalled(tmp_path, at=9)  # epoch 1, step 2: the checkpoint holds epoch 0
    assert load_checkpoint(str(tmp_path / "last.pt"))["epoch"] == 0
    log = tmp_path / "metrics.jsonl"
    data = log.read_bytes()
    last = data[:-1].rsplit(b"\n", 1)[1]
    os.truncate(log, len(data) - len(last) // 2)  # the kill came in the middle of writing the last line
    assert _resume(tmp_path) == reference
    out = capsys.readouterr().out
    assert f"metrics log {log}: dropped its last line, cut short mid-write" in out


def test_a_damaged_log_line_is_named_by_file_and_line_and_nothing_is_overwritten(tmp_path, one_thread):
    model, loader, loss_fn, cfg = _problem(tmp_path, epochs=1)
    fit(model, loader, loss_fn, cfg)
    log, ckpt = tmp_path / "metrics.jsonl", tmp_path / "last.pt"
    lines = log.read_bytes().split(b"\n")
    lines[2] = b'{"epoch": 0, "st\xff\xfe'  # a damaged record in the middle
    log.write_bytes(b"\n".join(lines))
    saved = {p: p.read_bytes() for p in (log, ckpt)}
    model, loader, loss_fn, cfg = _problem(tmp_path, epochs=2)
    with pytest.raises(ValueError, match=rf"metrics log {log}, line 3: not a record of fit"):
        fit(model, loader, loss_fn, cfg)
    assert {p: p.read_bytes() for p in saved} == saved


def test_full_disk_while_appending_to_the_log_keeps_every_complete_line_and_names_the_file(tmp_path, reference):
    code, _, err = _run_child(tmp_path, "disk", at=9, extra=20)  # the line of epoch 1, step 2 does not fit
    assert code == 1 and f"could not append to the metrics log {tmp_path / 'metrics.jsonl'}" in err, err
    assert (tmp_path / "metrics.jsonl").read_bytes().endswith(b"\n")
    assert len(_records(tmp_path / "metrics.jsonl")) == 6 + 1 + 2  # epoch 0 and two steps of epoch 1, all whole
    assert load_checkpoint(str(tmp_path / "last.pt"))["epoch"] == 0 and _partials(tmp_path) == []
    assert _resume(tmp_path) == reference


def test_full_disk_while_writing_a_checkpoint_keeps_the_earlier_one_and_names_it(tmp_path, reference):
    code, _, err = _run_child(tmp_path, "disk", at=12, extra=1000)  # room for log lines, not for a checkpoint
    assert code == 1 and f"could not write checkpoint {tmp_path / 'last.pt'}" in err, err
    assert load_checkpoint(str(tmp_path / "last.pt"))["epoch"] == 0 and _partials(tmp_path) == []
    assert _resume(tmp_path) == reference


def test_sigkill_mid_checkpoint_write_keeps_the_earlier_one_and_the_next_write_tidies_up(tmp_path, reference):
    code, _, _ = _run_child(tmp_path, "kill-in-save", at=1)
    assert code == -signal.SIGKILL
    assert load_checkpoint(str(tmp_path / "last.pt"))["epoch"] == 0  # the earlier checkpoint, whole
    assert len(_partials(tmp_path)) == 1  # the killed writer's temporary file
    assert _resume(tmp_path) == reference
    assert _partials(tmp_path) == []  # removed by the next successful write (its writer is dead)


def test_full_disk_while_writing_results_keeps_the_earlier_file_and_names_it(tmp_path):
    path = tmp_path / "waves-smoke.json"
    path.write_text('{"runs": "earlier"}\n')
    script = ("import resource, sys\nfrom fssm.experiments.common import write_results\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
              "write_results(sys.argv[1], {'runs': 'x' * 100000})\n")
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert proc.returncode == 1 and f"while writing {path}" in proc.stderr, proc.stderr
    assert path.read_text() == '{"runs": "earlier"}\n' and _partials(tmp_path) == []


def test_divergence_is_named_at_its_step_with_the_loss_and_the_learning_rate():
    fssm.seed_everything(0)
    x = torch.randn(32, 16, 1)
    batches = [(x[i:i + 8], x[i:i + 8].mean(1)) for i in range(0, 32, 8)]
    quiet = dict(progress=False, verbose=False)

    def mse(m, b):
        return torch.nn.functional.mse_loss(m(b[0]), b[1])

    def model():
        fssm.seed_everything(0)
        return fssm.SequenceModel(1, 1, d_model=4, n_layers=2, d_state=2)

    # lr 1e6: the update of step 0 is finite but huge; the forward pass of step 1 turns a finite batch into NaN
    with pytest.raises(NonFiniteLossError, match=r"diverged at epoch 0, step 1 \(lr [0-9.e+]+, last loss [0-9.e-]+\)"
                                                 r": the forward pass turned a finite batch non-finite in blocks"):
        fit(model(), batches, mse, TrainConfig(epochs=1, lr=1e6, **quiet))
    # a NaN gradient (d sqrt(x)/dx at 0) at step 0: raised there, and the update is not applied
    m = model()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(NonFiniteLossError, match=r"gradient is non-finite at epoch 0, step 0 \(loss [0-9.e-]+, "
                                                 r"lr 0.001\) in decoder.weight; the update was not applied"):
        fit(m, batches, lambda m, b: mse(m, b) + torch.sqrt(m.decoder.weight.abs() * 0).sum(), TrainConfig(epochs=1, **quiet))
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    # decoupled weight decay at lr 1e30 overflows the parameters in the update of step 0
    with pytest.raises(NonFiniteLossError, match=r"parameters became non-finite in the update at epoch 0, step 0"):
        fit(model(), batches, mse, TrainConfig(epochs=1, lr=1e30, weight_decay=1e10, **quiet))
    # a NaN in the batch stays the model's bad-input error
    bad = [(b[0].clone(), b[1]) for b in batches]
    bad[1][0][0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="contains NaN"):
        fit(model(), bad, mse, TrainConfig(epochs=1, **quiet))


def test_resume_refuses_another_model_other_settings_or_a_damaged_file_naming_it(tmp_path, one_thread):
    model, loader, loss_fn, cfg = _problem(tmp_path, epochs=2)
    fit(model, loader, loss_fn, cfg)
    ckpt = tmp_path / "last.pt"
    saved = ckpt.read_bytes()

    def resume(expected, match, d_model=4, **changes):
        model, loader, loss_fn, cfg = _problem(tmp_path, **changes)
        if d_model != 4:
            model = fssm.SequenceModel(1, 1, d_model=d_model, n_layers=1, d_state=2)
        with pytest.raises(expected, match=match):
            fit(model, loader, loss_fn, cfg)
        assert ckpt.read_bytes() == saved  # refused: the checkpoint is left as it was

    resume(ValueError, rf"checkpoint {ckpt} holds a model of another shape \(.*of shape \(4, ?\d*.*there, \(8",
           d_model=8, epochs=3)
    resume(ValueError, rf"checkpoint {ckpt} was trained with other settings \(lr 0.01 there, 0.02 now\)",
           lr=0.02, epochs=3)
    resume(ValueError, rf"checkpoint {ckpt} holds 2 trained epochs, more than epochs=1", epochs=1)
    torch.save({"model": {}, "epoch": 0}, str(tmp_path / "best.pt"))
    resume(ValueError, rf"checkpoint {tmp_path / 'best.pt'} is not one that fit can resume: it lacks optimizer",
           checkpoint=str(tmp_path / "best.pt"))
    saved = saved[: len(saved) // 2]
    ckpt.write_bytes(saved)  # cut short, e.g. by an interrupted copy
    resume(RuntimeError, rf"checkpoint {ckpt} could not be read", epochs=3)
    # extending a run is what a resume may change
    ckpt.unlink()
    model, loader, loss_fn, cfg = _problem(tmp_path, epochs=1)
    fit(model, loader, loss_fn, cfg)
    model, loader, loss_fn, cfg = _problem(tmp_path, epochs=2)
    assert len(fit(model, loader, loss_fn, cfg)) == 2


def test_fit_names_an_empty_loader_a_per_sample_loss_and_other_bad_arguments(tmp_path):
    model, loader, loss_fn, _ = _problem(tmp_path)
    quiet = TrainConfig(epochs=1, progress=False, verbose=False)
    empty = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(0, 16, 1)), batch_size=4)
    cases = [
        (dict(train_loader=[]), ValueError, r"train_loader has no batches \(len 0\)"),
        (dict(train_loader=empty), ValueError, r"train_loader has no batches \(len 0\)"),
        (dict(train_loader=(b for b in loader)), TypeError, "train_loader must be re-iterable and have a length"),
        (dict(loss_fn=lambda m, b: (m(b[0]) - b[1]).square().mean(1)), ValueError,
         r"loss_fn must return a scalar loss \(the mean over the batch\), got a tensor of shape \(8,\)"),
        (dict(loss_fn=lambda m, b: 1.0), TypeError, "loss_fn must return the loss as a torch.Tensor"),
        (dict(loss_fn=lambda m, b: torch.tensor(1.0)), ValueError, "does not depend on the model's trainable"),
        (dict(evaluate=lambda m, e: [0.5]), TypeError, "evaluate must return a dict of metrics, got list"),
        (dict(evaluate=lambda m, e: {"acc": float("nan")}, config=TrainConfig(epochs=1, monitor="acc", progress=False,
                                                                            verbose=False)),
         NonFiniteLossError, "monitor 'acc' is nan at epoch 0"),
        (dict(config=TrainConfig(epochs=1, monitor="acc", progress=False)), ValueError, "monitor='acc' needs evaluate"),
        (dict(config={"epochs": 1}), TypeError, "config must be a fssm.train.TrainConfig, got dict"),
        (dict(model=torch.nn.ReLU()), ValueError, r"model \(ReLU\) has no trainable parameters"),
    ]
    for changes, expected, match in cases:
        args = dict(model=model, train_loader=loader, loss_fn=loss_fn, config=quiet, evaluate=None)
        args.update(changes)
        with pytest.raises(expected, match=match):
            fit(**args)
    with pytest.raises(ValueError, match="checkpoint and metrics_log must be different files"):
        TrainConfig(checkpoint=str(tmp_path / "a"), metrics_log=str(tmp_path / "a"))
    with pytest.raises(ValueError, match="checkpoint must be a non-empty str or os.PathLike or None"):
        TrainConfig(checkpoint="")
    with pytest.raises(ValueError, match="progress must be True or False, got 'no'"):
        TrainConfig(progress="no")


CLIS = {"waves": (waves, ["--scale", "smoke"]), "denoising": (denoising, ["--scale", "smoke"]),
        "lra": (lra, ["--task", "listops", "--scale", "smoke"])}


def test_every_cli_names_bad_epochs_seeds_settings_and_results_folders(tmp_path, capsys):
    a_file = tmp_path / "results.json"
    a_file.write_text("{}")
    shared = [(["--epochs", "0"], "argument --epochs: must be a positive integer"),
              (["--epochs", "-1"], "argument --epochs: must be a positive integer"),
              (["--epochs", "2.5"], "argument --epochs: must be a positive integer"),
              (["--set", "epochs=0"], "epochs must be an integer >= 1, got 0"),
              (["--set", "epochs=2.5"], "epochs must be an integer >= 1, got 2.5"),
              (["--seeds", str(2**32)], r"argument --seeds: must be an integer in \[0, 4294967295\]"),
              (["--seeds", "0", "0"], "--seeds lists 0 more than once"),
              (["--out", str(a_file)], f"--out {a_file} is a file, not a folder"),
              (["--out", str(a_file / "sub")], f"--out {a_file / 'sub'}: {a_file} is a file")]
    own = {"waves": [(["--set", "data_seed=-1"], "data_seed must be an integer >= 0"),
                     (["--set", "freqs=abc"], "freqs must be a non-empty sequence of frequencies"),
                     (["--set", "freqs=(1, -2)"], r"freqs\[1\] must be a finite real number > 0"),
                     (["--configs", "1,nan"], r"--configs \(1.0, nan\): beta must be a finite real number"),
                     (["--configs", "0,0"], r"--configs \(0.0, 0.0\): alpha must be a finite real number > 0"),
                     (["--configs", "1,0", "1,0"], "--configs lists an .alpha, beta. pair more than once")],
           "denoising": [(["--set", "data_seed=2.5"], "data_seed must be an integer >= 0, got 2.5"),
                         (["--betas", "nan"], "--betas nan: beta must be a finite real number"),
                         (["--betas", "0", "0"], "--betas lists a value more than once")],
           "lra": []}
    for name, (module, base) in CLIS.items():
        for argv, match in shared + own[name]:
            with pytest.raises(SystemExit) as e:
                module.main(base + argv + ["--dry-run"])
            err = capsys.readouterr().err
            assert e.value.code == 2 and len(re.findall(match, err)) == 1, (name, argv, err)
    assert a_file.read_text() == "{}"


def test_experiment_helpers_and_results_files_name_bad_inputs(tmp_path, monkeypatch):
    import math

    from fssm.experiments import common

    stored = tmp_path / "waves-smoke.json"
    stored.write_text('{"runs": [1, 2')  # cut short
    with pytest.raises(ValueError, match=f"results file {stored} is not valid JSON"):
        common.read_results("waves", "smoke", str(tmp_path))
    with pytest.raises(TypeError, match=f"results for {stored} cannot be written as JSON"):
        common.write_results(str(stored), {"runs": [torch.zeros(1)]})
    assert stored.read_text() == '{"runs": [1, 2' and _partials(tmp_path) == []  # nothing replaced, nothing left
    trained = []
    monkeypatch.setattr(waves, "run", lambda *a, **k: trained.append(a))
    cfg = waves.WavesConfig.for_scale("smoke")
    with pytest.raises(ValueError, match=r"configs \(1.0, nan\): beta must be a finite real number"):
        waves.run_sweep(cfg, configs=[(1.0, 0.0), (1.0, math.nan)])
    assert trained == []  # refused before the first run trained
    cases = [(lambda: waves.WavesModel({"d_model": 4}), TypeError, "cfg must be a WavesConfig"),
             (lambda: waves.per_wave_mae(None, torch.zeros(2, 8, 1), torch.zeros(2, 4), batch_size=0), ValueError,
              "batch_size must be an integer >= 1, got 0"),
             (lambda: denoising.alpha_code("raw", 0, 8, 1e-4), ValueError, "cols must be an integer >= 1, got 0"),
             (lambda: denoising.alpha_code("raw", 16, 1, 1e-4), ValueError, "d_state must be an integer >= 2, got 1"),
             (lambda: denoising.test_noise(denoising.DenoisingConfig.for_scale("smoke"), 0, 1, 0), ValueError,
              "n must be an integer >= 1, got 0"),
             (lambda: common.provenance("smoke", 0, cfg, math.nan), ValueError, "wall_seconds must be a finite")]
    for call, expected, match in cases:
        with pytest.raises(expected, match=match):
            call()


def test_distributed_helpers_name_a_bad_environment_and_bad_arguments(monkeypatch):
    from fssm.distributed import all_reduce_sum, init_distributed, shard_loader

    data = torch.utils.data.TensorDataset(torch.zeros(10, 3))
    for env, match in [({"WORLD_SIZE": "two"}, r"\$WORLD_SIZE must be an integer >= 1, got 'two'"),
                       ({"WORLD_SIZE": "2"}, r"\$RANK is not set although \$WORLD_SIZE is 2"),
                       ({"WORLD_SIZE": "2", "RANK": "5"}, r"\$RANK must be an integer in \[0, 1\], got 5")]:
        monkeypatch.delenv("RANK", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        with pytest.raises(ValueError, match=match):
            init_distributed("cpu")
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.delenv("RANK")
    cases = [(lambda: shard_loader(torch.utils.data.TensorDataset(torch.zeros(0, 3)), 4, True), ValueError,
              "dataset is empty"),
             (lambda: shard_loader(data, 4, True, seed=-1), ValueError, r"seed must be an integer with 0 <= seed <= 2\*\*32 - 1"),
             (lambda: shard_loader(data, 4, "yes"), ValueError, "shuffle must be True or False"),
             (lambda: shard_loader(iter([1]), 4, True), TypeError, "dataset must be a map-style Dataset"),
             (lambda: all_reduce_sum([1.0]), TypeError, "values must be a torch.Tensor, got list")]
    for call, expected, match in cases:
        with pytest.raises(expected, match=match):
            call()
