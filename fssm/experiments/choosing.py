r"""alpha from the data against alpha from a sweep: does `fssm.analysis.suggest_alpha` pick what training would?

For each task the book has swept over alpha (three seeds per alpha, stored), `task_spectrum` makes the one
pass over the task's training inputs that the rule needs (their average power spectrum) and reads the
model's initialization at alpha = 1 and its step range; `compare` then ranks the sweep's alphas by their
mean score over seeds and says where the suggestion falls: the sweep's alpha nearest to it on a log scale,
and whether that one is among the sweep's best two.

    task              inputs (book scale)                       model at alpha = 1             swept score
    'waves'           the book's four waves (1-512 periods)     waves init, dt = 2^-10          mean MAE per wave
    'waves-moved'     the waves at 16-128 periods               the same                        mean MAE per wave
    'listops'         generated ListOps tokens (one-hot)        S4D-Lin N = 16, dt 1e-3..1e-1   validation accuracy
    'denoising'       LFW faces, row by row                     denoising 'raw' modes, dt 1e-4  clean-image MSE
    'denoising-damped' the same                                  the same, dt = 1/(|re| cols)    clean-image MSE

The denoising sweep moves the modes by named placements (`denoising.alpha_code`), each a multiple of
'raw''s: that multiple is its alpha here. Scores are read from the stored sweeps at beta = 0 (the
initialization ablation's runs of other inits are left out).

The CLI trains the model of each task in `TRAINED` at every rule's alpha (beta = 0, the stored sweep's
config, one run per seed) and writes choosing-SCALE.json (the suggestions, the runs, provenance) into --out;
`trained_against_sweep` then ranks those runs among the sweep's alphas.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from ..analysis import ALPHA_RULES, average_power_spectrum, suggest_alpha
from ..utils import check_choice
from .common import html_table

__all__ = ["TASKS", "TRAINED", "SWEEPS", "TaskSpectrum", "task_spectrum", "sweep_scores", "sweep_ranking", "compare",
           "comparison_table", "run_suggestions", "suggested_scores", "trained_against_sweep", "trained_table",
           "build_parser", "main", "EXAMPLES"]

TASKS = ("waves", "waves-moved", "listops", "denoising", "denoising-damped")
EXAMPLES = (
    "python -m fssm.experiments.choosing --scale book --jobs 2   # every rule's alpha, trained, 3 seeds",
    "python -m fssm.experiments.choosing --scale book --tasks waves-moved --seeds 0",
    "python -m fssm.experiments.choosing --scale book --tasks listops --out results",
)
# the stored sweep each task is judged against (NAME-book.json)
SWEEPS = {"waves": "waves", "waves-moved": "waves-moved", "listops": "lra-listops-ablation",
          "denoising": "denoising", "denoising-damped": "denoising-damped"}


@dataclass
class TaskSpectrum:
    """What the rule sees of a task: the inputs' power spectrum and the model's modes and steps."""

    task: str
    omega: torch.Tensor  # r(K) rad/sample, 0..pi
    power: torch.Tensor  # r(K) the inputs' average power spectrum
    A: torch.Tensor  # c(N) the modes at alpha = 1
    dt_min: float
    dt_max: float
    seconds: float  # the pass over the data (spectrum only)
    n_sequences: int


def _waves(task: str, scale: str):
    from . import inits, waves

    cfg = waves.WavesConfig.for_scale(scale)
    if task == "waves-moved":
        cfg = dataclasses.replace(cfg, freqs=inits.moved_freqs(cfg))
    from ..data import WavesDataset

    x = WavesDataset(cfg.n_train, cfg.freqs, cfg.dt, cfg.L, "train", seed=cfg.data_seed).signals  # r(n L)
    return x, None, waves.initial_modes(cfg), cfg.dt, cfg.dt


def _listops(scale: str, stored_config: Optional[Dict]):
    from . import lra
    from ..init import INITS, init_A, random_init

    fields = {f.name for f in dataclasses.fields(lra.LRAConfig)}
    cfg = (lra.LRAConfig(**{k: v for k, v in stored_config.items() if k in fields}) if stored_config
           else lra.LRAConfig.for_task("listops", scale))
    splits, _ = lra.load_splits(cfg)
    train = splits["train"]
    x = torch.stack([torch.as_tensor(train[i][0], dtype=torch.int64) for i in range(len(train))])  # int64 (n L)
    vocab = lra.dataset_info(train)[1]
    # the model's modes at alpha = 1: its init (a random rule: one seeded draw per channel, all channels pooled)
    A = (init_A(cfg.init, cfg.d_state) if cfg.init in INITS
         else random_init(cfg.init, cfg.d_state, H=cfg.d_model, generator=torch.Generator().manual_seed(0)))
    return x, vocab, A, cfg.dt_min, cfg.dt_max


def _denoising(task: str, scale: str):
    from . import denoising
    from ..data.images import image_to_sequence

    cfg = denoising.DenoisingConfig.for_scale(scale, model="damped" if task == "denoising-damped" else "paper",
                                              alpha="raw")
    train, _ = denoising.load_images(cfg)  # r(n C R W)
    x = image_to_sequence(train).transpose(1, 2)  # r(n L C)
    return x, None, denoising.denoising_init(cfg), cfg.dt, cfg.dt


def task_spectrum(task: str, scale: str = "book", stored_config: Optional[Dict] = None) -> TaskSpectrum:
    """The inputs' average power spectrum of `task`'s training set at `scale`, and its model's modes at
    alpha = 1 and step range. stored_config: the stored sweep's config (ListOps: the sizes it ran at)."""
    check_choice("task", task, TASKS)
    t0 = time.perf_counter()
    if task.startswith("waves"):
        x, vocab, A, lo, hi = _waves(task, scale)
    elif task == "listops":
        x, vocab, A, lo, hi = _listops(scale, stored_config)
    else:
        x, vocab, A, lo, hi = _denoising(task, scale)
    omega, power = average_power_spectrum(x, vocab_size=vocab)
    return TaskSpectrum(task, omega, power, A.reshape(-1), float(lo), float(hi), time.perf_counter() - t0, len(x))


def _denoising_alpha(name: str, cfg_dict: Dict) -> float:
    from . import denoising

    cfg = denoising.DenoisingConfig(**{k: v for k, v in cfg_dict.items() if k != "alpha"})
    code = denoising.alpha_code
    return code(name, cfg.cols, cfg.d_state, cfg.dt) / code("raw", cfg.cols, cfg.d_state, cfg.dt)


def sweep_scores(task: str, stored: Dict) -> Dict[float, Dict]:
    """{alpha: {'label', 'scores' (one per seed), 'better' ('lower' or 'higher')}} of a stored sweep at beta = 0
    (waves: the paper init's runs only). KeyError naming the task if the sweep holds no run at beta = 0."""
    check_choice("task", task, TASKS)
    out: Dict[float, Dict] = {}
    for r in stored["runs"]:
        if r["beta"] != 0 or r.get("init", "paper") != "paper":
            continue
        if task.startswith("waves"):
            alpha, label, score, better = float(r["alpha"]), f"{r['alpha']:g}", float(np.mean(r["final_test_mae"])), "lower"
        elif task == "listops":
            alpha, label, score, better = float(r["alpha"]), f"{r['alpha']:g}", float(r["best_val_accuracy"]), "higher"
        else:
            alpha, label = _denoising_alpha(r["alpha"], stored["config"]), r["alpha"]
            score, better = float(r["mse_clean"]), "lower"
        out.setdefault(alpha, {"label": label, "scores": [], "better": better})["scores"].append(score)
    if not out:
        raise KeyError(f"the stored sweep of {task} holds no run at beta = 0")
    return dict(sorted(out.items()))


def sweep_ranking(task: str, stored: Dict):
    """([(alpha, label, mean score, min, max)] best first, 'lower' or 'higher') of a stored sweep at beta = 0."""
    scores = sweep_scores(task, stored)
    better = next(iter(scores.values()))["better"]
    sign = 1.0 if better == "lower" else -1.0
    ranking = sorted(((a, v["label"], float(np.mean(v["scores"])), float(np.min(v["scores"])),
                       float(np.max(v["scores"]))) for a, v in scores.items()), key=lambda t: sign * t[2])
    return ranking, better


def compare(spectrum: TaskSpectrum, stored: Dict, rules: Sequence[str] = ALPHA_RULES, q: float = 0.95) -> Dict:
    """Where `suggest_alpha` (each rule) falls in the stored sweep of spectrum.task.

    Returns {'task', 'ranking': [(alpha, label, mean score, min, max)] best first, 'better',
    'suggested': {rule: {'alpha', 'nearest' (the sweep's alpha nearest on a log scale), 'nearest_label',
    'rank' (1 = best), 'in_top_two'}}, 'seconds' (the pass over the data)}."""
    import warnings

    ranking, better = sweep_ranking(spectrum.task, stored)
    order = [a for a, *_ in ranking]
    labels = {a: label for a, label, *_ in ranking}
    suggested = {}
    for rule in rules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a clip at Nyquist is reported as 'clipped' below
            alpha = suggest_alpha(spectrum.omega, spectrum.power, spectrum.A, spectrum.dt_min, spectrum.dt_max,
                                  rule=rule, q=q)
        y_max = float(spectrum.A.imag.max())
        nearest = min(order, key=lambda a: abs(math.log(a) - math.log(alpha)))
        suggested[rule] = {"alpha": alpha, "nearest": nearest, "nearest_label": labels[nearest],
                           "rank": order.index(nearest) + 1, "in_top_two": order.index(nearest) < 2,
                           "clipped": math.isclose(alpha * y_max * spectrum.dt_max, math.pi, rel_tol=1e-9)}
    return {"task": spectrum.task, "ranking": ranking, "better": better, "suggested": suggested,
            "seconds": spectrum.seconds}


def comparison_table(results: Sequence[Dict], rules: Sequence[str] = ALPHA_RULES) -> str:
    """An HTML table: per task the sweep's alphas best first (mean score), and each rule's alpha, the sweep's
    alpha nearest to it and that one's rank."""
    head = ["task", "sweep, best first (mean over 3 seeds)"] + [f"{r}: alpha -> nearest (rank)" for r in rules]
    rows = []
    for res in results:
        sweep = ", ".join(f"{label} ({mean:.3g})" for _, label, mean, *_ in res["ranking"])
        cells = [res["task"], f"{sweep} [{res['better']} is better]"]
        for r in rules:
            s = res["suggested"][r]
            cells.append(f"{s['alpha']:.3g}{' (Nyquist clip)' if s['clipped'] else ''} -> {s['nearest_label']} "
                         f"({s['rank']})")
        rows.append(cells)
    return html_table(head, rows)


# ----------------------------------------------------------------------------- training at the suggestion
TRAINED = ("waves", "waves-moved", "listops")  # tasks whose model takes any alpha (denoising: named placements)


def _task_config(task: str, scale: str, stored: Dict):
    """The config the stored sweep of `task` ran with (its sizes), at beta = 0."""
    from . import inits, lra, waves

    if task.startswith("waves"):
        cfg = waves.WavesConfig.for_scale(scale)
        return dataclasses.replace(cfg, freqs=inits.moved_freqs(cfg)) if task == "waves-moved" else cfg
    fields = {f.name for f in dataclasses.fields(lra.LRAConfig)}
    return dataclasses.replace(lra.LRAConfig(**{k: v for k, v in stored["config"].items() if k in fields}), beta=0.0)


def _train(task: str, cfg, seed: int, device=None, workdir: Optional[str] = None) -> Dict:
    """One run of `task` at cfg (its alpha): waves.run or lra.run (in a fresh work folder)."""
    from . import lra, waves

    if task.startswith("waves"):
        return waves.run(cfg, seed=seed, device=device)
    return lra.run(cfg, seed=seed, device=device, workdir=workdir, fresh=True)


def run_suggestions(tasks: Sequence[str] = TRAINED, scale: str = "book", seeds: Sequence[int] = (0, 1, 2),
                    rules: Sequence[str] = ALPHA_RULES, device=None, jobs: int = 1, workdir: Optional[str] = None,
                    verbose: bool = False) -> Dict:
    """For each task: every rule's alpha from one pass over the data (`task_spectrum`, `suggest_alpha`), then
    the task's model trained at each distinct suggested alpha (beta = 0) for every seed, with the stored
    sweep's config. Returns {'suggestions': {task: {rule: {alpha, clipped, seconds}}}, 'runs': [records with
    'task' and 'rules' added]}. The stored sweeps are read from the results folders (`common.read_results`)."""
    import tempfile
    import warnings

    from .common import read_results, run_tasks

    for t in tasks:
        if t not in TRAINED:
            raise ValueError(f"tasks: {t!r} cannot be trained at any alpha here; choose from {TRAINED}")
    suggestions, tasks_to_run, labels = {}, [], []
    for task in tasks:
        stored = read_results(SWEEPS[task], scale)
        if stored is None:
            raise FileNotFoundError(f"no stored sweep {SWEEPS[task]}-{scale}.json to read {task}'s config from")
        spec = task_spectrum(task, scale, stored_config=stored["config"])
        y_max = float(spec.A.imag.max())
        suggestions[task] = {}
        for rule in rules:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = suggest_alpha(spec.omega, spec.power, spec.A, spec.dt_min, spec.dt_max, rule=rule)
            suggestions[task][rule] = {"alpha": a, "seconds": spec.seconds,
                                       "clipped": math.isclose(a * y_max * spec.dt_max, math.pi, rel_tol=1e-9)}
        cfg = _task_config(task, scale, stored)
        by_alpha: Dict[float, List[str]] = {}
        for rule, s in suggestions[task].items():
            by_alpha.setdefault(round(s["alpha"], 12), []).append(rule)
        for a, rs in by_alpha.items():
            for seed in seeds:
                folder = tempfile.mkdtemp(prefix=f"choosing-{task}-", dir=workdir)
                tasks_to_run.append(((task, dataclasses.replace(cfg, alpha=a), seed), {"workdir": folder}))
                labels.append((task, rs))
    runs = run_tasks(_train, tasks_to_run, jobs=jobs, device=device,
                     on_result=(lambda r: print(f"alpha={r['alpha']:.4g} seed={r['seed']} done", flush=True))
                     if verbose else None)
    for r, (task, rs) in zip(runs, labels):
        r["task"], r["rules"] = task, rs
    return {"suggestions": suggestions, "runs": runs}


def suggested_scores(stored_choosing: Dict, task: str) -> Dict[str, Dict]:
    """{rule: {'alpha', 'scores' (one per seed), 'better'}} of the runs trained at each rule's alpha."""
    out = {}
    for rule, s in stored_choosing["suggestions"][task].items():
        rs = [r for r in stored_choosing["runs"] if r["task"] == task and rule in r["rules"]]
        if task.startswith("waves"):
            scores, better = [float(np.mean(r["final_test_mae"])) for r in rs], "lower"
        else:
            scores, better = [float(r["best_val_accuracy"]) for r in rs], "higher"
        out[rule] = {"alpha": s["alpha"], "scores": scores, "better": better, "clipped": s["clipped"]}
    return out


def trained_against_sweep(stored_choosing: Dict, stored_sweep: Dict, task: str) -> Dict[str, Dict]:
    """{rule: {'alpha', 'scores' (per seed), 'mean', 'rank' (of the mean among the sweep's mean scores: 1 =
    better than every swept alpha), 'in_top_two', 'seeds_in_top_two' (seeds whose own score is at least as
    good as the sweep's second-best mean), 'clipped'}} for the runs trained at each rule's alpha."""
    ranking, better = sweep_ranking(task, stored_sweep)
    sign = 1.0 if better == "lower" else -1.0
    means = [sign * m for _, _, m, *_ in ranking]  # ascending: best first
    second = means[1] if len(means) > 1 else means[0]
    out = {}
    for rule, v in suggested_scores(stored_choosing, task).items():
        mean = float(np.mean(v["scores"]))
        rank = 1 + sum(m < sign * mean for m in means)
        out[rule] = {"alpha": v["alpha"], "scores": v["scores"], "mean": mean, "rank": rank, "in_top_two": rank <= 2,
                     "seeds_in_top_two": sum(sign * x <= second for x in v["scores"]), "clipped": v["clipped"]}
    return out


def trained_table(rows: Dict[str, Dict[str, Dict]], sweeps: Dict[str, Dict]) -> str:
    """An HTML table of `trained_against_sweep` per task ({task: its result}; sweeps: {task: stored sweep})."""
    head = ["task", "the sweep's best two (mean)", "rule", "alpha", "mean at alpha (per seed)", "rank among the sweep"]
    body = []
    for task, res in rows.items():
        ranking, better = sweep_ranking(task, sweeps[task])
        best = ", ".join(f"{label}: {mean:.3g}" for _, label, mean, *_ in ranking[:2])
        for rule, r in res.items():
            cells = [task, f"{best} ({better} is better)", rule,
                     f"{r['alpha']:.3g}" + (" (Nyquist clip)" if r["clipped"] else ""),
                     f"{r['mean']:.3g} (" + ", ".join(f"{x:.3g}" for x in r["scores"]) + ")",
                     f"{r['rank']} of {len(ranking) + 1}"]
            body.append(cells)
    return html_table(head, body)


def build_parser():
    """The CLI's options: --tasks, --jobs and the shared ones."""
    from .cli import add_run_arguments, experiment_parser, positive_int

    p = experiment_parser("choosing", __doc__, EXAMPLES)
    p.add_argument("--tasks", nargs="+", default=list(TRAINED), choices=TRAINED, metavar="TASK",
                   help=f"tasks to train at the suggested alphas, from {', '.join(TRAINED)}")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="runs trained at once in worker processes, each on threads // jobs threads (CPU only)")
    add_run_arguments(p, _NoConfig, seeds=(0, 1, 2), fixed={})
    return p


@dataclass
class _NoConfig:
    """The CLI has no config of its own to --set (each task runs with its stored sweep's config)."""


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.choosing` (see --help): returns the results path written, None for --dry-run."""
    from .cli import check_run_arguments, cli_device, output_path, print_plan
    from .common import git_commit, provenance, write_results

    p = build_parser()
    args = p.parse_args(argv)
    try:
        check_run_arguments(args)
        if args.set or args.epochs is not None:
            raise ValueError("--set and --epochs do not apply: each task runs with its stored sweep's config")
    except ValueError as e:
        p.error(str(e))
    device = cli_device(p, args)
    if args.jobs > 1 and device.type != "cpu":
        p.error(f"--jobs {args.jobs} trains runs side by side on the CPU; on {device} use --jobs 1")
    if args.dry_run:
        print_plan("choosing", {"tasks": " ".join(args.tasks), "seeds": " ".join(map(str, args.seeds)),
                                "rules": " ".join(ALPHA_RULES), "device": str(device),
                                "output": output_path("choosing", args)})
        return None
    t0, commit = time.perf_counter(), git_commit()
    try:
        out = run_suggestions(args.tasks, args.scale, args.seeds, device=device, jobs=args.jobs, verbose=True)
    except FileNotFoundError as e:
        p.error(f"{e} (run the sweep at --scale {args.scale} first)")
    payload = {"experiment": "choosing", **out,
               **provenance(args.scale, args.seeds, {"tasks": list(args.tasks), "rules": list(ALPHA_RULES)},
                            time.perf_counter() - t0, args.device, commit)}
    path = write_results(output_path("choosing", args), payload)
    print(f"wrote {path}", flush=True)
    return path


if __name__ == "__main__":
    main()
