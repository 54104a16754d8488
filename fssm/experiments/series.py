r"""Real-world sequences: does tuning the frequency bias matter on real measurements?

Three tasks on real data that ships inside installed packages (`fssm.data.series`; nothing is downloaded):

    task       data                                            model (book)                        score
    'ACSF1'    appliance power, 10 classes, 100 + 100 x 1460   2 bidirectional S4D blocks, mean    test accuracy
    'OSULeaf'  leaf outlines, 6 classes, 200 + 242 x 427       pooling, d_model 32, N 16 (S4D-Lin) test accuracy
    'co2'      Mauna Loa CO2, weekly: 256 weeks -> next 52     2 causal S4D blocks, last step      test MAE (ppm)

ACSF1's power lies mostly above pi/2 rad/sample, OSULeaf's below 0.3, CO2's at the yearly cycle (0.12):
three places for the modes to be. Every task is trained at the alphas of `SWEEP_ALPHAS`, at the alpha each
rule of `fssm.analysis.suggest_alpha` reads off its training inputs' spectrum (one pass, no training), and
at alpha = 1 with the Sobolev filter fixed (beta = 1) and learned; each configuration once per seed.

The step range is dt in [1e-3, 1e-2] rather than S4's usual [1e-3, 1e-1]: at N = 16 S4D-Lin's fastest mode
(Im a = 15 pi) times dt = 0.1 is 4.7 rad/sample, past Nyquist already at alpha = 1, which would leave alpha
no room to move the modes up; at dt_max = 1e-2 every mode of every channel is below Nyquist up to alpha 6.7.

Baselines, so that the reader sees where the SSM stands: for classification aeon's 1-NN (Euclidean and DTW
with a 10% window) and MiniRocket (3 seeds); for CO2 the seasonal naive forecast (the value 52 weeks
earlier) and the seasonal naive with drift (plus the window's mean weekly change times 52).

The CLI writes series-SCALE.json (every run, the suggestions, the baselines, provenance) into --out.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..analysis import ALPHA_RULES, average_power_spectrum, suggest_alpha
from ..data import Batches
from ..data.series import (CLASSIFICATION_SERIES, FORECASTING_SERIES, forecast_windows, load_classification_series,
                           load_forecasting_series)
from ..init import INITS, init_A
from ..model import SequenceModel
from ..train import TrainConfig, fit
from ..utils import SCALES, check_choice, check_int, check_real, get_device, seed_everything
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, parse_overrides,
                  positive_int, print_plan, run_plan)
from .common import check_config, git_commit, html_table, provenance, run_tasks, write_results

__all__ = ["TASKS", "SWEEP_ALPHAS", "SeriesConfig", "load_task", "task_spectrum", "suggestions", "build_model", "run",
           "plan_runs", "run_all", "classification_baselines", "forecast_baselines", "summary", "suggestion_ranks",
           "summary_table",
           "build_parser", "main", "EXAMPLES"]

TASKS: Tuple[str, ...] = (*CLASSIFICATION_SERIES, *FORECASTING_SERIES)
SWEEP_ALPHAS: Tuple[float, ...] = (0.1, 1.0, 10.0)
# book-scale epochs: CO2 has ~12x more training windows per epoch than ACSF1 has series
TASK_EPOCHS = {"ACSF1": 60, "OSULeaf": 60, "co2": 20}
FIXED_BETA = 1.0  # the paper's nominal Sobolev weight (waves: (alpha, beta) = (100, 1))
EXAMPLES = (
    "python -m fssm.experiments.series --scale book --jobs 2    # the three tasks, every configuration, 3 seeds",
    "python -m fssm.experiments.series --scale book --tasks ACSF1 --seeds 0",
    "python -m fssm.experiments.series --scale smoke --tasks co2 --dry-run",
)
# fields the plan sets (--set refuses them, naming what sets them)
CLI_FIELDS = {"task": "--tasks", "alpha": "--alphas", "beta": "--fixed-beta"}


@dataclass
class SeriesConfig:
    """One training configuration of a series task. beta: a number (fixed) or 'learn' (from 0)."""

    task: str = "ACSF1"
    d_model: int = 32
    n_layers: int = 2
    d_state: int = 16
    init: str = "lin"
    dt_min: float = 1e-3
    dt_max: float = 1e-2
    alpha: float = 1.0
    beta: object = 0.0
    epochs: int = 60  # for_scale: per task (TASK_EPOCHS)
    batch_size: int = 20
    lr: float = 1e-2
    ssm_lr: float = 1e-3  # log dt, Re a, Im a: S4's smaller rate, no weight decay
    weight_decay: float = 0.01
    dropout: float = 0.1
    length: int = 256  # co2: weeks seen
    horizon: int = 52  # co2: weeks forecast
    train_weeks: int = 1600  # co2: the training part (March 1958 to late 1988); the test origins follow it
    max_train: int = 0  # at most this many training sequences (0: all); the smoke scale's cut

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        check_choice("init", self.init, INITS)
        for name in ("d_model", "n_layers", "d_state", "epochs", "batch_size", "length", "horizon", "train_weeks"):
            check_int(name, getattr(self, name), low=1)
        check_int("max_train", self.max_train, low=0)
        for name in ("dt_min", "dt_max", "alpha", "lr", "ssm_lr"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        if self.dt_min > self.dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got {self.dt_min} > {self.dt_max}")
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_real("dropout", self.dropout, low=0.0)
        if self.dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.beta != "learn":
            try:
                self.beta = check_real("beta", self.beta)
            except (TypeError, ValueError):
                raise ValueError(f"beta must be a finite number or 'learn', got {self.beta!r}") from None

    @property
    def forecasting(self) -> bool:
        return self.task in FORECASTING_SERIES

    @classmethod
    def for_scale(cls, scale: str, task: str = "ACSF1", **overrides) -> "SeriesConfig":
        check_choice("scale", scale, SCALES)
        check_choice("task", task, TASKS)
        sizes = {"smoke": dict(epochs=2, d_model=8, n_layers=1, d_state=4, max_train=40),
                 "book": dict(epochs=TASK_EPOCHS[task]),
                 "colab": dict(d_model=64, n_layers=4, d_state=32, epochs=2 * TASK_EPOCHS[task]),
                 "paper": dict(d_model=128, n_layers=4, d_state=64, epochs=4 * TASK_EPOCHS[task])}[scale]
        return cls(task=task, **{**sizes, **overrides})


# ----------------------------------------------------------------------------- data
def load_task(cfg: SeriesConfig) -> Dict[str, object]:
    """The task's tensors, as the model sees them.

    Classification: {'x_train' r(n L 1), 'y_train' int64 (n), 'x_test', 'y_test', 'classes'}, each series
    z-normalized. Forecasting: windows of `cfg.length` weeks and the `cfg.horizon` weeks after them, shifted
    by the window's last value and divided by `scale` (the training futures' standard deviation), so that the
    model forecasts the change: {'x_train' r(n length 1), 'y_train' r(n horizon), 'x_test', 'y_test',
    'last_test' r(n) (ppm), 'scale', 'series' r(T), 'origins_test'}. Test origins start at train_weeks - 1.
    """
    check_config(cfg, SeriesConfig)
    if not cfg.forecasting:
        train, test = load_classification_series(cfg.task, "train"), load_classification_series(cfg.task, "test")
        keep = slice(None) if cfg.max_train == 0 else slice(0, cfg.max_train)
        return {"x_train": train.x[keep, :, None], "y_train": train.y[keep], "x_test": test.x[:, :, None],
                "y_test": test.y, "classes": train.classes}
    series = load_forecasting_series(cfg.task)
    if cfg.train_weeks + cfg.horizon >= series.numel():
        raise ValueError(f"train_weeks must leave room for a test window: {cfg.train_weeks} + horizon "
                         f"{cfg.horizon} >= the series' {series.numel()} weeks")
    past, future, _ = forecast_windows(series, cfg.length, cfg.horizon, stop=cfg.train_weeks)
    if cfg.max_train:
        past, future = past[:cfg.max_train], future[:cfg.max_train]
    scale = float((future - past[:, -1:]).std())
    past_t, future_t, origins = forecast_windows(series, cfg.length, cfg.horizon,
                                                 start=cfg.train_weeks - cfg.length)
    norm = lambda p, f: ((p - p[:, -1:]) / scale, (f - p[:, -1:]) / scale)  # noqa: E731
    (x_train, y_train), (x_test, y_test) = norm(past, future), norm(past_t, future_t)
    return {"x_train": x_train[:, :, None].float(), "y_train": y_train.float(), "x_test": x_test[:, :, None].float(),
            "y_test": y_test.float(), "last_test": past_t[:, -1], "future_test": future_t, "scale": scale,
            "series": series, "origins_test": origins}


def task_spectrum(cfg: SeriesConfig, data: Optional[Dict] = None):
    """(omega r(K), power r(K), A c(N)): the training inputs' average power spectrum (one pass) and the
    model's modes at alpha = 1; what `suggest_alpha` reads."""
    data = load_task(cfg) if data is None else data
    omega, power = average_power_spectrum(data["x_train"].double())
    return omega, power, init_A(cfg.init, cfg.d_state)


def suggestions(cfg: SeriesConfig, data: Optional[Dict] = None) -> Dict[str, Dict]:
    """{rule: {'alpha', 'clipped'}} for every rule of `suggest_alpha` at cfg's init, N and step range."""
    omega, power, A = task_spectrum(cfg, data)
    out = {}
    for rule in ALPHA_RULES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the clip at Nyquist is recorded as 'clipped'
            a = suggest_alpha(omega, power, A, cfg.dt_min, cfg.dt_max, rule=rule)
        out[rule] = {"alpha": a, "clipped": math.isclose(a * float(A.imag.max()) * cfg.dt_max, math.pi, rel_tol=1e-9)}
    return out


# ----------------------------------------------------------------------------- model and training
def build_model(cfg: SeriesConfig, n_out: int) -> SequenceModel:
    """Classification: bidirectional S4D blocks, mean pooling (as the LRA model). Forecasting: causal blocks,
    the last step's features mapped to the horizon. SSM parameters get ssm_lr and no weight decay."""
    learn = cfg.beta == "learn"
    return SequenceModel(1, n_out, d_model=cfg.d_model, n_layers=cfg.n_layers, dropout=cfg.dropout,
                         pool="last" if cfg.forecasting else "mean", d_state=cfg.d_state, init=cfg.init,
                         alpha=cfg.alpha, beta=0.0 if learn else float(cfg.beta), learn_beta=learn,
                         bidirectional=not cfg.forecasting, mixing="glu", dt_min=cfg.dt_min, dt_max=cfg.dt_max,
                         lr={"log_dt": cfg.ssm_lr, "log_A_real": cfg.ssm_lr, "A_imag": cfg.ssm_lr})


def _score(model, cfg: SeriesConfig, data: Dict, x: torch.Tensor, batch: int = 128) -> Dict[str, float]:
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])
    if not cfg.forecasting:
        return {"test_accuracy": float((out.argmax(-1).cpu() == data["y_test"]).double().mean())}
    forecast = data["last_test"][:, None] + out.double().cpu() * data["scale"]  # r(n horizon) ppm
    return {"test_mae": float((forecast - data["future_test"]).abs().mean())}


def run(cfg: SeriesConfig, seed: int = 0, device=None, data: Optional[Dict] = None, progress: bool = False) -> Dict:
    """Train one model (AdamW, cosine schedule, `fssm.train.fit`) and score it on the test split after the last
    epoch (no model selection on the test split). Returns the run's record: task, alpha, beta, seed, the
    test score per epoch and final, the learned betas, seconds."""
    check_config(cfg, SeriesConfig)
    device = get_device(device)
    data = load_task(cfg) if data is None else data
    x_train, y_train = data["x_train"].to(device), data["y_train"].to(device)
    x_test = data["x_test"].to(device)
    n_out = len(data["classes"]) if not cfg.forecasting else cfg.horizon
    seed_everything(seed)
    model = build_model(cfg, n_out).to(device)
    batches = Batches((x_train, y_train), cfg.batch_size, shuffle=True)

    def loss_fn(m, batch):
        out = m(batch[0])
        return F.mse_loss(out, batch[1]) if cfg.forecasting else F.cross_entropy(out, batch[1])

    t0 = time.perf_counter()
    history = fit(model, batches, loss_fn, TrainConfig(epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                                        progress=progress, verbose=False),
                  evaluate=lambda m, epoch: _score(m, cfg, data, x_test))
    metric = "test_mae" if cfg.forecasting else "test_accuracy"
    from ..layer import S4DLayer

    return {"task": cfg.task, "alpha": cfg.alpha, "beta": cfg.beta, "seed": seed, "metric": metric,
            "history": [{"epoch": h["epoch"], "train_loss": h["train_loss"], metric: h[metric]} for h in history],
            "final": history[-1][metric],
            "betas": [float(m.beta.detach().float().mean()) for m in model.modules() if isinstance(m, S4DLayer)],
            "seconds": time.perf_counter() - t0}


# ----------------------------------------------------------------------------- the plan of a task
def plan_runs(cfg: SeriesConfig, alphas: Sequence[float] = SWEEP_ALPHAS, fixed_beta: float = FIXED_BETA,
              data: Optional[Dict] = None) -> Tuple[List[Tuple[str, SeriesConfig]], Dict[str, Dict]]:
    """([(role, config)], suggestions) of one task: the swept alphas (role 'sweep'), each distinct suggested
    alpha (role: the rules that suggest it, e.g. 'quantile+transport'), and alpha = 1 with beta = fixed_beta
    (role 'beta') and learned from 0 (role 'beta-learn'); beta = 0 elsewhere."""
    sugg = suggestions(cfg, data)
    plans = [("sweep", dataclasses.replace(cfg, alpha=float(a), beta=0.0)) for a in alphas]
    by_alpha: Dict[float, List[str]] = {}
    for rule, s in sugg.items():
        by_alpha.setdefault(round(s["alpha"], 12), []).append(rule)
    for a, rules in by_alpha.items():
        plans.append(("+".join(rules), dataclasses.replace(cfg, alpha=a, beta=0.0)))
    plans.append(("beta", dataclasses.replace(cfg, alpha=1.0, beta=float(fixed_beta))))
    plans.append(("beta-learn", dataclasses.replace(cfg, alpha=1.0, beta="learn")))
    return plans, sugg


def _run_one(role: str, cfg: SeriesConfig, seed: int, device=None) -> Dict:
    return {"role": role, **run(cfg, seed=seed, device=device)}


def run_all(tasks: Sequence[str], scale: str = "book", seeds: Sequence[int] = (0, 1, 2), device=None, jobs: int = 1,
            overrides: Optional[Dict] = None, alphas: Sequence[float] = SWEEP_ALPHAS, fixed_beta: float = FIXED_BETA,
            verbose: bool = False) -> Dict:
    """Every task's plan (`plan_runs`) x seeds, `jobs` runs at once, and the baselines. Returns {'configs':
    {task: config dict}, 'suggestions': {task: ...}, 'runs': [...], 'baselines': {task: ...}}."""
    configs, sugg, jobs_list = {}, {}, []
    for task in tasks:
        cfg = SeriesConfig.for_scale(scale, task=task, **(overrides or {}))
        plans, sugg[task] = plan_runs(cfg, alphas, fixed_beta)
        configs[task] = dataclasses.asdict(cfg)
        jobs_list += [((role, c, s), {}) for role, c in plans for s in seeds]
    runs = run_tasks(_run_one, jobs_list, jobs=jobs, device=device, on_result=(
        lambda r: print(f"{r['task']} {r['role']} alpha={r['alpha']:.4g} beta={r['beta']} seed={r['seed']}: "
                        f"{r['metric']} {r['final']:.4f} ({r['seconds']:.0f} s)", flush=True)) if verbose else None)
    baselines = {}
    for task in tasks:
        cfg = SeriesConfig.for_scale(scale, task=task, **(overrides or {}))
        baselines[task] = forecast_baselines(cfg) if cfg.forecasting else classification_baselines(cfg, seeds)
    return {"configs": configs, "suggestions": sugg, "runs": runs, "baselines": baselines}


# ----------------------------------------------------------------------------- baselines
def classification_baselines(cfg: SeriesConfig, seeds: Sequence[int] = (0, 1, 2)) -> Dict[str, List[float]]:
    """Test accuracy of aeon's 1-NN (Euclidean; DTW with a 10% window) and MiniRocket (one per seed) on the
    same z-normalized series (all training series, whatever max_train)."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    train, test = (load_classification_series(cfg.task, s) for s in ("train", "test"))
    X, Xt = train.x.double().numpy()[:, None], test.x.double().numpy()[:, None]  # r(n 1 L)
    y, yt = train.y.numpy(), test.y.numpy()

    def accuracy(clf) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float((clf.fit(X, y).predict(Xt) == yt).mean())

    return {"1-NN (Euclidean)": [accuracy(KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="euclidean"))],
            "1-NN (DTW, 10% window)": [accuracy(KNeighborsTimeSeriesClassifier(
                n_neighbors=1, distance="dtw", distance_params={"window": 0.1}))],
            "MiniRocket": [accuracy(MiniRocketClassifier(random_state=s, n_jobs=1)) for s in seeds]}


def forecast_baselines(cfg: SeriesConfig) -> Dict[str, List[float]]:
    """Test MAE (ppm) over the same test windows of the seasonal naive forecast y[t+h-P] and of the seasonal
    naive with drift y[t+h-P] + P (y[t] - y[t-length+1]) / (length - 1), P the period (52 weeks)."""
    data = load_task(dataclasses.replace(cfg, max_train=0))
    P = FORECASTING_SERIES[cfg.task]["period"]
    if cfg.horizon > P or cfg.length <= P:
        raise ValueError(f"the seasonal baselines need horizon <= {P} < length, got {cfg.horizon} and {cfg.length}")
    series, origins, future = data["series"], data["origins_test"], data["future_test"]
    h = torch.arange(1, cfg.horizon + 1)
    naive = series[origins[:, None] + h[None, :] - P]  # r(n horizon)
    drift = (series[origins] - series[origins - cfg.length + 1]) / (cfg.length - 1) * P
    return {"seasonal naive": [float((naive - future).abs().mean())],
            "seasonal naive + drift": [float((naive + drift[:, None] - future).abs().mean())]}


# ----------------------------------------------------------------------------- reading the results
def summary(stored: Dict, task: str) -> Dict[str, Dict]:
    """{label: {'role', 'alpha', 'beta', 'scores' (per seed), 'mean', 'better'}} of one task's runs, in the
    plan's order."""
    check_choice("task", task, tuple(stored["configs"]))
    out: Dict[str, Dict] = {}
    for r in stored["runs"]:
        if r["task"] != task:
            continue
        beta = r["beta"] if r["beta"] == "learn" else f"{r['beta']:g}"
        label = f"alpha {r['alpha']:.3g}, beta {beta}" + (f" ({r['role']})" if r["role"] != "sweep" else "")
        row = out.setdefault(label, {"role": r["role"], "alpha": r["alpha"], "beta": r["beta"], "scores": [],
                                     "better": "lower" if r["metric"] == "test_mae" else "higher"})
        row["scores"].append(r["final"])
    for row in out.values():
        row["mean"] = float(np.mean(row["scores"]))
    return out


def suggestion_ranks(stored: Dict, task: str) -> Dict[str, Dict]:
    """Where the runs at each rule's suggested alpha fall among the swept alphas (beta = 0): {rule: {'alpha',
    'clipped', 'mean', 'rank' (1 + the swept alphas whose mean is better), 'of' (swept alphas + 1),
    'in_top_two', 'sweep' [(alpha, mean)] best first}}."""
    rows = summary(stored, task)
    sweep = [(r["alpha"], r["mean"]) for r in rows.values() if r["role"] == "sweep"]
    if not sweep:
        raise KeyError(f"the stored runs of {task} hold no swept alpha")
    sign = 1.0 if next(iter(rows.values()))["better"] == "lower" else -1.0
    sweep.sort(key=lambda am: sign * am[1])
    out = {}
    for rule, sugg in stored["suggestions"][task].items():
        row = next(r for r in rows.values() if r["role"] not in ("sweep", "beta", "beta-learn")
                   and rule in r["role"].split("+"))
        rank = 1 + sum(sign * m < sign * row["mean"] for _, m in sweep)
        out[rule] = {"alpha": sugg["alpha"], "clipped": sugg["clipped"], "mean": row["mean"], "rank": rank,
                     "of": len(sweep) + 1, "in_top_two": rank <= 2, "sweep": sweep}
    return out


def summary_table(stored: Dict, tasks: Optional[Sequence[str]] = None) -> str:
    """An HTML table: per task, every configuration's mean test score over seeds and its min-max, then the
    baselines (their seeds' mean and min-max where they have several)."""
    rows = []
    for task in tasks or list(stored["configs"]):
        table = summary(stored, task)
        score = "test MAE, ppm; lower is better" if FORECASTING_SERIES.get(task) else "test accuracy; higher is better"
        for label, row in table.items():
            s = row["scores"]
            rows.append([f"{task} ({score})", label, f"{row['mean']:.3f}", f"{min(s):.3f}-{max(s):.3f} ({len(s)})"])
        for name, s in stored["baselines"][task].items():
            rows.append([f"{task} ({score})", f"baseline: {name}", f"{np.mean(s):.3f}",
                         f"{min(s):.3f}-{max(s):.3f} ({len(s)})" if len(s) > 1 else "deterministic"])
    return html_table(["task (score)", "configuration", "mean", "min-max (seeds)"], rows)


# ----------------------------------------------------------------------------- CLI
def build_parser():
    p = experiment_parser("series", __doc__, EXAMPLES)
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS, metavar="TASK",
                   help=f"tasks to run, from {', '.join(TASKS)}")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="runs trained at once in worker processes, each on threads // jobs threads (CPU only)")
    p.add_argument("--alphas", nargs="+", type=float, default=list(SWEEP_ALPHAS), metavar="ALPHA",
                   help="the swept alphas (beta 0); the rules' suggested alphas are trained besides")
    p.add_argument("--fixed-beta", type=float, default=FIXED_BETA, metavar="BETA",
                   help="the fixed Sobolev beta trained at alpha 1 (besides beta 0 and beta learned)")
    add_run_arguments(p, SeriesConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.series` (see --help): returns the results path written, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    if len(set(args.tasks)) != len(args.tasks):
        p.error(f"--tasks lists a task more than once: {' '.join(args.tasks)}")
    if len(set(args.alphas)) != len(args.alphas) or not all(math.isfinite(a) and a > 0 for a in args.alphas):
        p.error(f"--alphas takes distinct finite alphas > 0, got {' '.join(map(str, args.alphas))}")
    if not math.isfinite(args.fixed_beta):
        p.error(f"--fixed-beta must be finite, got {args.fixed_beta}")
    cfgs = [cli_config(p, args, SeriesConfig, functools.partial(SeriesConfig.for_scale, args.scale, t), CLI_FIELDS)
            for t in args.tasks]
    overrides = parse_overrides(args.set, SeriesConfig, CLI_FIELDS)  # checked by cli_config above
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    device = cli_device(p, args)
    if args.jobs > 1 and device.type != "cpu":
        p.error(f"--jobs {args.jobs} trains runs side by side on the CPU; on {device} use --jobs 1")
    if args.dry_run:
        print_plan("series", run_plan(
            args, cfgs[0], device, output_path("series", args), tasks=" ".join(args.tasks),
            runs=f"per task: alphas {', '.join(f'{a:g}' for a in args.alphas)}, each rule's suggested alpha "
                 f"({', '.join(ALPHA_RULES)}; read from the data when the run starts), alpha 1 with beta "
                 f"{args.fixed_beta:g} and learned; at most {len(args.alphas) + len(ALPHA_RULES) + 2} configurations x "
                 f"{len(args.seeds)} seeds",
            epochs=", ".join(f"{c.task} {c.epochs}" for c in cfgs),
            data="real series shipped inside aeon and statsmodels; nothing to download"))
        return None
    t0, commit = time.perf_counter(), git_commit()
    out = run_all(args.tasks, args.scale, args.seeds, device=device, jobs=args.jobs, overrides=overrides,
                  alphas=args.alphas, fixed_beta=args.fixed_beta, verbose=True)
    payload = {"experiment": "series", **out,
               **provenance(args.scale, args.seeds, {"tasks": list(args.tasks), "sweep_alphas": list(args.alphas),
                                                     "fixed_beta": args.fixed_beta}, time.perf_counter() - t0,
                            args.device, commit)}
    path = write_results(output_path("series", args), payload)
    print(f"wrote {path}", flush=True)
    return path


if __name__ == "__main__":
    main()
