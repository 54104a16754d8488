"""Readers' set-up as written: the Python floor, the right torch for the machine, a non-editable install that
finds the stored results, and every command that README.md and the Preface show."""
import glob
import http.server
import importlib.util
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON_BIN = os.path.dirname(sys.executable)


def _read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def _makefile_var(name):
    m = re.search(rf"^{name}\s*[:?]?=\s*(\S+)", _read("Makefile"), re.M)
    assert m, f"Makefile sets no {name}"
    return m.group(1)


def _preface_text():
    return "".join("".join(c["source"]) for c in json.load(open(os.path.join(ROOT, "book", "intro.ipynb")))["cells"]
                   if c["cell_type"] == "markdown")


# ----------------------------------------------------------------------------- Python floor
def test_python_floor_is_the_pinned_torchs_and_stated_alike_everywhere():
    floor = _makefile_var("PYTHON_FLOOR")
    assert f'requires-python = ">={floor}"' in _read("pyproject.toml")
    assert f"Python {floor}+" in _read("README.md") or f"Python {floor} or newer" in _read("README.md")
    assert f"Python {floor} or newer" in _preface_text()
    import importlib.metadata

    import torch

    if torch.__version__.split("+")[0] == _makefile_var("TORCH_VERSION"):
        requires = importlib.metadata.metadata("torch")["Requires-Python"]
        assert requires.replace(" ", "") == f">={floor}", f"torch {torch.__version__} requires Python {requires}"
    assert sys.version_info >= tuple(int(v) for v in floor.split("."))


def test_the_interpreter_check_refuses_an_old_python_with_a_clear_message(tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'Python 3.9.18'; exit 0; fi\nexit 1\n")
    fake.chmod(0o755)
    out = subprocess.run(["make", "-s", "python-check", f"PYTHON={fake}"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0
    assert "needs Python 3.10 or newer" in out.stdout + out.stderr and "3.9.18" in out.stdout + out.stderr
    ok = subprocess.run(["make", "-s", "python-check", f"PYTHON={sys.executable}"], cwd=ROOT, capture_output=True)
    assert ok.returncode == 0


# ----------------------------------------------------------------------------- torch for the machine
def _install_torch_module():
    spec = importlib.util.spec_from_file_location("install_torch", os.path.join(ROOT, "tools", "install_torch.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def no_torch(monkeypatch):
    """install_torch's view of a fresh environment: torch not importable."""
    mod = _install_torch_module()
    real = importlib.util.find_spec
    monkeypatch.setattr(mod.importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    return mod


class _Index(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_response(200 if self.path.rstrip("/").endswith("/torch") else 404)
        self.end_headers()
        self.wfile.write(b"<a href='torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl'>torch</a>")

    def log_message(self, *args):
        pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cpu_machine_installs_the_cpu_build_from_pytorchs_cpu_index(no_torch, monkeypatch, capsys):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
        monkeypatch.setenv("TORCH_CPU_INDEX", index)
        monkeypatch.setattr(no_torch, "has_nvidia_gpu", lambda: False)
        assert no_torch.plan("2.13.0") == ["install", "-q", "torch==2.13.0", "--index-url", index]
        assert "CPU build torch==2.13.0" in capsys.readouterr().out
    finally:
        server.shutdown()


def test_unreachable_cpu_index_falls_back_to_the_default_index_quickly(no_torch, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_CPU_INDEX", f"http://127.0.0.1:{_free_port()}/whl/cpu")  # nothing listens there
    monkeypatch.setenv("TORCH_INDEX_TIMEOUT", "3")
    monkeypatch.setattr(no_torch, "has_nvidia_gpu", lambda: False)
    t0 = time.perf_counter()
    assert no_torch.plan("2.13.0") == ["install", "-q", "torch==2.13.0"]
    assert time.perf_counter() - t0 < 5
    assert "cannot be reached" in capsys.readouterr().out


def test_gpu_machine_and_existing_torch_install_nothing_here(no_torch, monkeypatch, tmp_path, capsys):
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-0)'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert no_torch.has_nvidia_gpu() and no_torch.plan("2.13.0") is None
    assert "NVIDIA GPU found" in capsys.readouterr().out
    kept = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "install_torch.py"), "--dry-run"],
                          capture_output=True, text=True, check=True)
    assert "already installed: kept" in kept.stdout


def test_make_installs_torch_through_the_script_before_the_requirements():
    rule = re.search(r"^\$\(VENV\)/\.installed:.*?(?=^\S)", _read("Makefile"), re.M | re.S).group(0)
    lines = [line.strip() for line in rule.splitlines()]
    torch_at = next(i for i, line in enumerate(lines) if "tools/install_torch.py" in line)
    reqs_at = next(i for i, line in enumerate(lines) if "-r requirements.txt" in line)
    assert torch_at < reqs_at, "torch must be installed before requirements.txt pulls the default build"


# ----------------------------------------------------------------------------- packaging
def test_explicit_package_list_names_every_package():
    from setuptools import find_packages

    listed = re.search(r"^packages = \[(.*?)\]", _read("pyproject.toml"), re.M | re.S).group(1)
    listed = set(re.findall(r'"([^"]+)"', listed))
    assert listed == set(find_packages(ROOT, include=["fssm*"])) | {"fssm._results"}


def _venv_with_wheel(tmp_path):
    """A new environment holding fssm's wheel (not editable); its other packages come from the test's
    environment through a path file (so nothing is downloaded), which does not bring the editable fssm."""
    import shutil

    src, wheels = tmp_path / "src", tmp_path / "wheels"  # a copy: building writes build/ and *.egg-info there
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("fssm", "results"):
        shutil.copytree(os.path.join(ROOT, name), src / name, ignore=skip)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(os.path.join(ROOT, name), src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(src),
                    "-w", str(wheels)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = glob.glob(str(wheels / "fssm-*.whl"))
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = str(env_dir / "bin" / "python")
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, "zz_test_deps.pth"), "w") as f:
        f.write(ours + "\n")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], check=True,
                   capture_output=True)
    return py, wheel


def _sanitize(text):
    """book/sanitize.cfg's replacements, as nbval applies them."""
    import configparser

    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(os.path.join(ROOT, "book", "sanitize.cfg"))
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    return text


_DISPLAY_HOOK = """import IPython.display as _ipd
_fssm_displayed = []


def _fssm_display(*objs, **kwargs):
    for o in objs:
        _fssm_displayed[-1].append(o._repr_html_() if hasattr(o, "_repr_html_") else repr(o))


_ipd.display = _fssm_display
"""


def _displayed_html(cell):
    """The HTML a cell displayed with display() (not its value: a script has no last-expression output)."""
    return ["".join(o["data"]["text/html"]) for o in cell.get("outputs", [])
            if o.get("output_type") == "display_data" and "text/html" in o.get("data", {})]


def _stream(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_wheel_install_finds_stored_results_and_writes_runs_outside_the_package(tmp_path):
    """The set-up cell and the stored-results cells of every chapter, run against fssm installed from its wheel
    in a new environment, from a folder outside the repository, print what the committed notebooks show."""
    py, wheel = _venv_with_wheel(tmp_path)
    import zipfile

    stored = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "results", "*.json")))
    shipped = sorted(os.path.basename(n) for n in zipfile.ZipFile(wheel).namelist() if n.startswith("fssm/_results/"))
    assert stored and shipped == stored, "the wheel must carry every stored results file"

    work = tmp_path / "reader"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("FSSM_RESULTS", "PYTHONPATH")}
    env.update(MPLBACKEND="Agg", FSSM_SCALE="book", FSSM_DEVICE="cpu")
    where = subprocess.run([py, "-c", "import fssm, fssm.experiments.common as c; print(fssm.__file__); "
                            "print(c.REPO_RESULTS)"], cwd=work, env=env, capture_output=True, text=True, check=True)
    assert not where.stdout.splitlines()[0].startswith(ROOT), f"fssm came from the checkout: {where.stdout}"
    assert where.stdout.splitlines()[1] == "None"

    checked = 0
    for nb_path in sorted(glob.glob(os.path.join(ROOT, "book", "*.ipynb"))):
        cells = [c for c in json.load(open(nb_path))["cells"] if c["cell_type"] == "code"]
        chosen = [cells[0]] + [c for c in cells if "stored-results" in c.get("metadata", {}).get("tags", [])]
        marker = "@@@fssm-cell@@@"
        # display() outside IPython would print a repr: record what each cell displays as HTML instead
        script = (_DISPLAY_HOOK + "".join(f"print({marker!r}, flush=True)\n_fssm_displayed.append([])\n"
                                          + "".join(c["source"]) + "\n" for c in chosen)
                  + "import json as _json\nopen('displayed.json', 'w').write(_json.dumps(_fssm_displayed))\n")
        (work / "chapter.py").write_text(script)
        out = subprocess.run([py, "chapter.py"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        name = os.path.basename(nb_path)
        assert out.returncode == 0, f"{name}: {out.stderr[-2000:]}"
        printed = out.stdout.split(marker + "\n")[1:]
        assert len(printed) == len(chosen), name
        displayed = json.loads((work / "displayed.json").read_text())
        for cell, text, html in zip(chosen, printed, displayed):
            assert _sanitize(text) == _sanitize(_stream(cell)), f"{name}: {''.join(cell['source'])[:200]}"
            assert [_sanitize(h) for h in html] == [_sanitize(h) for h in _displayed_html(cell)], \
                f"{name}: displayed HTML differs in {''.join(cell['source'])[:200]}"
            checked += 1
    assert checked > 20

    run = subprocess.run([py, "-m", "fssm.experiments.waves", "--scale", "smoke", "--configs", "1,0", "--seeds", "0",
                          "--no-progress"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (work / "fssm-results" / "waves-smoke.json").exists(), run.stdout
    site = os.path.dirname(os.path.dirname(where.stdout.splitlines()[0]))
    assert not glob.glob(os.path.join(site, "**", "waves-smoke.json"), recursive=True)


# ----------------------------------------------------------------------------- commands readers are shown
def _shell_commands(markdown):
    """Lines of ```bash blocks and `inline commands` that start with a program a reader would type."""
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, re.S):
        text = block.replace("\\\n", " ")
        cmds += [line.split("  #")[0].strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    cmds += re.findall(r"`((?:make|python|\.venv/bin/\S+|torchrun|pip) [^`]*)`", markdown)
    return list(dict.fromkeys(c for c in cmds if c))


def _readme_and_preface_commands():
    return _shell_commands(_read("README.md")) + _shell_commands(_preface_text())


def test_every_command_readers_are_shown_is_run_by_a_test_or_by_ci():
    covered = {"make book", "make test"}  # CI runs `make test`, whose last step is the `book` target
    assert "make test" in _read(".ci/run")
    assert re.search(r"^test:.*\bbook\b", _read("Makefile"), re.M), "make test must build the book as `make book` does"
    if re.search(r"^test:.*\bbrowser\b", _read("Makefile"), re.M):  # its last step, after the build
        covered.add("make browser")
    for cmd in _readme_and_preface_commands():
        assert (cmd in covered or cmd.startswith(("python -m fssm.experiments.", "torchrun "))
                or cmd == ".venv/bin/jupyter lab book/"), f"no test runs this command readers are shown: {cmd!r}"


@pytest.mark.parametrize("cmd", [c for c in _readme_and_preface_commands()
                                 if c.startswith(("python -m fssm.experiments.", "torchrun "))])
def test_experiment_commands_readers_are_shown_run_as_dry_runs(cmd, tmp_path):
    """Each command line parses, validates its configuration and plans its run (`--dry-run`: no training)."""
    argv = shlex.split(cmd)
    argv = [sys.executable if a == "python" else os.path.join(PYTHON_BIN, a) if a == "torchrun" else a for a in argv]
    env = {**os.environ, "FSSM_DATA": str(tmp_path / "data"), "FSSM_RESULTS": str(tmp_path / "out")}
    out = subprocess.run(argv + ["--dry-run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{cmd}: {out.stdout[-1500:]}{out.stderr[-1500:]}"
    assert "dry run" in out.stdout.lower()
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out"), "a dry run wrote results"


def test_jupyterlab_opens_the_chapters_as_the_preface_says(tmp_path):
    assert ".venv/bin/jupyter lab book/" in _preface_text()
    jupyter = os.path.join(PYTHON_BIN, "jupyter")  # the .venv's, whichever folder it sits in
    port = _free_port()
    headless = ["--no-browser", f"--port={port}", "--IdentityProvider.token=fssm"]
    if os.geteuid() == 0:  # CI machines run as root, which JupyterLab refuses unless told
        headless.append("--allow-root")
    proc = subprocess.Popen([jupyter, "lab", "book/", *headless],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path)})
    try:
        deadline, body = time.time() + 120, None
        while time.time() < deadline and body is None:
            try:  # an HTTP error (404) is an answer, and fails below; only "not listening yet" is retried
                url = f"http://127.0.0.1:{port}/api/contents?token=fssm"  # `lab book/` serves book/ as its root
                body = json.load(urllib.request.urlopen(url, timeout=5))
            except urllib.error.HTTPError:
                raise
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(1)
        assert body is not None, proc.stdout.read() if proc.poll() is not None else "JupyterLab did not answer"
        names = {item["name"] for item in body["content"]}
        assert "01_notation.ipynb" in names
        lab = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=fssm", timeout=10)
        assert lab.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
