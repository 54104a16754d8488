"""The experiment CLIs explain themselves: usage as typed, help and default for every option, example
command lines that run, --epochs/--set validated with messages naming the option, and --dry-run that
prints the plan (with the results path) and writes nothing."""
import os
import re
import shlex

import pytest

from fssm.experiments import choosing, denoising, families, inits, lra, series, speech, waves

CLIS = {"waves": waves, "denoising": denoising, "lra": lra, "families": families, "inits": inits,
        "choosing": choosing, "series": series, "speech": speech}
SMOKE = {"waves": ["--scale", "smoke"], "denoising": ["--scale", "smoke"],
         "lra": ["--task", "listops", "--scale", "smoke"], "families": ["--scale", "smoke"],
         "inits": ["--scale", "smoke"], "choosing": ["--scale", "smoke"],
         "series": ["--scale", "smoke"],
         "speech": ["--scale", "smoke", "--download"]}  # speech needs its data or --download
STEMS = {"lra": "lra-listops", "families": "families-waves", "inits": "waves-inits"}  # results file names that are not the CLI's name
# The README's command lines; they must run with --dry-run appended.
README = [
    "python -m fssm.experiments.waves --scale colab",
    "python -m fssm.experiments.denoising --scale book",
    "python -m fssm.experiments.lra --task listops --scale book --alphas 1 3 5 --betas 0 learn --seeds 0 1 2",
    "python -m fssm.experiments.families --scale book --families s4 s5 selective --jobs 2",
    "python -m fssm.experiments.inits --scale book --jobs 2",
    "python -m fssm.experiments.choosing --scale book --jobs 2",
    "python -m fssm.experiments.series --scale book --jobs 2",
    "python -m fssm.experiments.speech --scale colab --download",
    "torchrun --nproc_per_node=4 -m fssm.experiments.lra --task text --scale paper --download",
]


def _help(name, capsys):
    with pytest.raises(SystemExit) as e:
        CLIS[name].main(["--help"])
    assert e.value.code == 0
    return capsys.readouterr().out


def _options(text):
    """{'--option': its help text} from the 'options:' section of --help output."""
    section = re.split(r"\n(?:options|optional arguments):\n", text)[1].split("\nexamples:")[0]
    entries, current = {}, None
    for line in section.splitlines():
        if line.startswith("  -"):  # an option's line: its invocation, then (after 2+ spaces) help, if it fits
            invocation, _, help_text = line.strip().partition("  ")
            current = re.findall(r"--[\w-]+", invocation)[0]
            entries[current] = help_text
        elif current is not None:  # help continued (or started) on the indented lines below
            entries[current] += " " + line.strip()
    return {k: v.strip() for k, v in entries.items()}


def _argv(command, tmp_path):
    """The arguments after `-m fssm.experiments.NAME` of a command line (comment dropped, DIR -> a folder)."""
    words = shlex.split(command.split("  #")[0])
    module = next(w for w in words if w.startswith("fssm.experiments."))
    return module.rsplit(".", 1)[1], [str(tmp_path) if w == "DIR" else w for w in words[words.index(module) + 1:]]


@pytest.mark.parametrize("name", CLIS)
def test_help_has_the_typed_usage_every_option_explained_with_its_default_and_examples(name, capsys):
    text = _help(name, capsys)
    assert text.startswith(f"usage: python -m fssm.experiments.{name} ")
    options = _options(text)
    for option in ("--scale", "--seeds", "--epochs", "--set", "--device", "--out", "--no-progress", "--dry-run"):
        assert option in options, option
    for option, help_text in options.items():
        assert help_text, f"{option} has no help"
        if option != "--help":
            assert "default" in help_text, f"{option}: no default in {help_text!r}"
    examples = text.split("\nexamples:\n")[1].rstrip().splitlines()
    assert examples == [f"  {line}" for line in CLIS[name].EXAMPLES] and len(examples) >= 3
    assert all(f"-m fssm.experiments.{name} " in line for line in examples)


@pytest.mark.parametrize("command", [c for m in CLIS.values() for c in m.EXAMPLES] + README)
def test_every_example_and_readme_command_line_passes_a_dry_run(command, tmp_path, capsys):
    name, argv = _argv(command, tmp_path)
    assert CLIS[name].main(argv + ["--dry-run"]) is None
    out = capsys.readouterr().out
    assert out.startswith(f"dry run of python -m fssm.experiments.{name}") and "output:" in out


@pytest.mark.parametrize("name", CLIS)
def test_dry_run_writes_nothing_and_prints_the_results_path(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("FSSM_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "out"
    assert CLIS[name].main(SMOKE[name] + ["--out", str(out_dir), "--dry-run"]) is None
    out = capsys.readouterr().out
    stem = STEMS.get(name, name)
    assert str(out_dir / f"{stem}-smoke.json") in out
    assert os.listdir(tmp_path) == []  # no results, no generated data, no run folders


def test_dry_run_under_torchrun_prints_on_rank_zero_only(monkeypatch, capsys):
    argv = _argv(README[-1], "")[1] + ["--dry-run"]
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "1")
    assert lra.main(argv) is None
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("RANK", "0")
    lra.main(argv)
    out = capsys.readouterr().out
    assert "processes: 4" in out and "--download fetches" in out and "aclImdb_v1.tar.gz" in out


@pytest.mark.parametrize("name", CLIS)
def test_epochs_zero_is_an_error_naming_epochs(name, capsys):
    with pytest.raises(SystemExit) as e:
        CLIS[name].main(SMOKE[name] + ["--epochs", "0", "--dry-run"])
    assert e.value.code == 2 and "--epochs" in capsys.readouterr().err


@pytest.mark.parametrize("name", [n for n in CLIS if n != "choosing"])  # choosing refuses --set (its own test)
def test_set_overrides_the_config_and_rejects_unknown_keys_by_name(name, capsys):
    CLIS[name].main(SMOKE[name] + ["--set", "lr=0.125", "--epochs", "3", "--dry-run"])
    out = capsys.readouterr().out
    assert "lr=0.125" in out and "epochs=3" in out
    with pytest.raises(SystemExit):
        CLIS[name].main(SMOKE[name] + ["--set", "no_such_field=1", "--dry-run"])
    assert "no_such_field" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # alpha is swept by an option of its own, which the message names
        CLIS[name].main(SMOKE[name] + ["--set", "alpha=2", "--dry-run"])
    assert re.search(r"alpha is set with --(configs|alphas)", capsys.readouterr().err)
    with pytest.raises(SystemExit):
        CLIS[name].main(SMOKE[name] + ["--set", "epochs=2", "--epochs", "3", "--dry-run"])
    assert "not both" in capsys.readouterr().err


def test_bad_values_are_usage_errors_naming_them(tmp_path, capsys):
    cases = [(waves, ["--scale", "smoke", "--set", "lr=-1"], "lr"),
             (waves, ["--scale", "smoke", "--seeds", "-1"], "--seeds"),
             (waves, ["--scale", "smoke", "--device", "nodevice"], "--device"),
             (denoising, ["--scale", "colab"], "data_root"),
             (denoising, ["--scale", "colab", "--data", str(tmp_path / "missing")], "missing"),
             (lra, ["--task", "text", "--scale", "smoke"], "--data"),
             (lra, ["--task", "listops", "--scale", "paper"], "n_train"),
             (lra, ["--task", "listops", "--scale", "smoke", "--download", "--lra-sha256", "abc"], "--lra-sha256")]
    for module, argv, named in cases:
        with pytest.raises(SystemExit) as e:
            module.main(argv + ["--dry-run"])
        assert e.value.code == 2 and named in capsys.readouterr().err, argv
