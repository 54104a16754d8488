"""The book's structure: every chapter listed, paired with its text, executed, error-free, installable on Colab,
named as the sidebar numbers it, and its compared outputs free of machine-dependent round-off."""
import glob
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IGNORE_OUTPUT = "nbval-ignore-output"
STORED = "stored-results"


def _read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def _repository_url():
    m = re.search(r"repository:\s*\n\s*url:\s*(\S+)", _read("_config.yml"))
    assert m, "_config.yml has no repository url"
    return m.group(1)


def _notebooks():
    return sorted(glob.glob(os.path.join(ROOT, "book", "*.ipynb")))


def _code_cells(path):
    nb = json.load(open(path))
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _stream_text(cell):
    """What nbval compares of a cell: its stream and text/plain outputs."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append("".join(o.get("text", "")))
        elif o.get("output_type") in ("execute_result", "display_data"):
            parts.append("".join(o.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    toc = _read("_toc.yml")
    entries = set(re.findall(r"(?:root|file):\s*(\S+)", toc))
    stems = {os.path.relpath(p, ROOT)[: -len(".ipynb")] for p in _notebooks()}
    assert stems == entries, f"in book/ but not in _toc.yml: {stems - entries}; missing files: {entries - stems}"


def test_file_names_follow_the_sidebar_numbering():
    """Chapter k of the parts is book/kk_*.ipynb with title '# k. ...'; appendix X is book/appendix_x_*."""
    toc = _read("_toc.yml")
    chapters, appendices = toc.split('caption: "Appendix"')
    number = 0
    for stem in re.findall(r"file:\s*book/(\S+)", chapters):
        number += 1
        assert stem.startswith(f"{number:02d}_"), f"chapter {number} is book/{stem}"
        title = json.load(open(os.path.join(ROOT, "book", stem + ".ipynb")))["cells"][0]["source"][0]
        assert title.startswith(f"# {number}. "), f"book/{stem}: title {title!r} is not chapter {number}"
    for letter, stem in zip("abcdefgh", re.findall(r"file:\s*book/(\S+)", appendices)):
        assert stem.startswith(f"appendix_{letter}_"), f"appendix {letter.upper()} is book/{stem}"
        title = json.load(open(os.path.join(ROOT, "book", stem + ".ipynb")))["cells"][0]["source"][0]
        assert title.startswith(f"# Appendix {letter.upper()}. "), f"book/{stem}: title {title!r}"


def test_notebooks_have_committed_outputs_and_no_errors():
    for p in _notebooks():
        for cell in _code_cells(p):
            assert cell.get("execution_count") is not None, f"{p}: a code cell was not executed"
            assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"], p


def test_every_chapter_has_an_in_sync_text_twin():
    """book/NAME.py (py:percent) holds the same cells, in the same order, with the same tags as NAME.ipynb."""
    jupytext = pytest.importorskip("jupytext")
    import nbformat

    texts = sorted(glob.glob(os.path.join(ROOT, "book", "*.py")))
    assert [t[:-3] for t in texts] == [n[:-6] for n in _notebooks()], "every notebook needs its .py twin, and only those"
    for t in texts:
        a, b = jupytext.read(t), nbformat.read(t[:-3] + ".ipynb", as_version=4)
        assert len(a.cells) == len(b.cells), f"{t}: {len(a.cells)} cells, the notebook has {len(b.cells)}"
        for i, (x, y) in enumerate(zip(a.cells, b.cells)):
            assert (x.cell_type, x.source, x.metadata.get("tags", [])) == \
                   (y.cell_type, y.source, y.metadata.get("tags", [])), \
                f"{t}: cell {i} differs from the notebook's (run `jupytext --sync {t}` or `make notebooks`)"


def test_setup_cells_install_fssm_on_colab_from_the_configured_repository():
    url = _repository_url()
    for p in _notebooks():
        setup = "".join(_code_cells(p)[0]["source"])
        assert "import fssm" in setup and "describe_run" in setup, f"{p}: first code cell is not the set-up cell"
        live = [line for line in setup.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        installs = [line for line in live if "pip install" in line]
        assert installs, f"{p}: the set-up cell has no live (uncommented) pip install line"
        found = re.findall(r"git\+(\S+?)[\"']", "\n".join(installs))
        assert found and all(f == url for f in found), f"{p}: installs from {found}, _config.yml says {url}"


def test_nbval_bookkeeping_is_in_tags_not_in_visible_comments():
    for p in _notebooks():
        for cell in _code_cells(p):
            src = "".join(cell["source"])
            assert "NBVAL_" not in src, f"{p}: use the cell tag {IGNORE_OUTPUT!r}, not a comment readers see"
            assert not (IGNORE_OUTPUT in _tags(cell) and STORED in _tags(cell)), \
                f"{p}: a stored-results cell reads files and must be compared, not ignored"


# A number in scientific notation below 1e-9 is round-off unless the text states it as a bound.
_SCI = re.compile(r"(?<![\w.])(\d(?:\.\d+)?)e-(\d+)\b")
_BOUND = re.compile(r"(below|under|less than|at most|within|to|<=?|≤)\s*$", re.I)


def round_off_numbers(text: str):
    """Numbers at round-off level printed in `text` that are not stated as bounds ('below 1e-12')."""
    hits = []
    for m in _SCI.finditer(text):
        value = float(m.group(1)) * 10.0 ** (-int(m.group(2)))
        if value < 1e-9 and not _BOUND.search(text[max(0, m.start() - 12): m.start()]):
            hits.append(m.group(0))
    return hits


def test_round_off_scanner_flags_residues_and_spares_bounds():
    assert round_off_numbers("max 1.34e-03 (wrong) vs 3.8e-19 (fssm)") == ["3.8e-19"]
    assert round_off_numbers("relative difference 5e-15") == ["5e-15"]
    assert round_off_numbers("residue below 1e-12; error within 1e-10; x <= 2e-16") == []
    assert round_off_numbers("error 9.4e-08, lr 1e-3, 3e-4") == []


def test_compared_outputs_print_no_round_off():
    """Outputs nbval compares must be the same on any CPU: no printed residues (assert them, print the bound)."""
    for p in _notebooks():
        for i, cell in enumerate(_code_cells(p)):
            if IGNORE_OUTPUT in _tags(cell):
                continue
            hits = round_off_numbers(_stream_text(cell))
            assert not hits, f"{p}, code cell {i}: prints round-off {hits}; assert it and print the bound instead"


def test_stored_results_are_read_only_in_stored_results_cells():
    """So that the installed-package test can run exactly the cells that read results."""
    for p in _notebooks():
        for cell in _code_cells(p):
            src = "".join(cell["source"])
            if "read_results(" in src:
                assert STORED in _tags(cell), f"{p}: a cell reads stored results but is not tagged {STORED!r}"


def test_inline_math_is_never_broken_into_a_list_item():
    """A `$...$` formula continued on a line starting with '+', '-', '*' or '1.' renders as a list with raw TeX."""
    for p in _notebooks():
        for cell in json.load(open(p))["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if line.strip().startswith("$$") or line.strip().startswith("```"):
                    inside = False
                    continue
                if inside and re.match(r"\s*([-+*]|\d+\.)\s", line):
                    raise AssertionError(f"{p}: inline math continues on a list-like line: {line.strip()[:60]!r}")
                inside ^= (line.replace("$$", "").count("$") % 2 == 1)
                if not line.strip():
                    inside = False


def test_reference_lists_label_works_as_the_text_cites_them():
    """Text and reference lists both say 'Gu et al., 2022a': labels are author-year and unique."""
    pybtex = pytest.importorskip("pybtex.database")
    import sys

    sys.path.insert(0, os.path.join(ROOT, "_ext"))
    from fssm_bib import author_year_label

    config = _read("_config.yml")
    assert "bibtex_reference_style: author_year" in config and "bibtex_default_style: fssm_authoryear" in config
    entries = pybtex.parse_file(os.path.join(ROOT, "book", "references.bib")).entries
    labels = {key: author_year_label(e) for key, e in entries.items()}
    assert labels["gu2022s4"] == "Gu et al., 2022a" and labels["oppenheim2010dsp"] == "Oppenheim and Schafer, 2010"
    dupes = {lab for lab in labels.values() if list(labels.values()).count(lab) > 1}
    assert not dupes, f"two references would read alike: {dupes} (give them yearsuffix a, b in references.bib)"


def test_readme_quick_start_runs_without_warnings():
    import warnings

    block = re.search(r"```python\n(.*?)```", _read("README.md"), re.S).group(1)
    assert len(block.strip().splitlines()) == 5, "the quick start is five lines"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scope = {}
        exec(compile(block, "README.md", "exec"), scope)
    assert scope["y"].shape == (8, 64, 1024) and scope["G"].shape == (64, 2001)
