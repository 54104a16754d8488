"""The built book in a real browser: headless Chromium over the DevTools protocol (tools/browser_check.py).

Runs after the book is built (`make test` calls it as its last step, `make browser` alone). Skipped, saying why,
where no Chromium is installed (CI installs Debian's `chromium`) or the book has not been built. Checks:
- every page loads without a JavaScript error of its own (a resource the page fetches from the internet, such
  as MathJax, failing offline is not counted) and nothing on it is wider than its box at a 1400 px window;
- appendix C's explorer draws its figure, and moving each slider or the initialization menu through the DOM
  redraws it, to the setting asked for;
- appendix C's page, with the local files it loads, weighs less than 5 MB.
"""
import importlib.util
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HTML_ROOT = os.path.join(ROOT, "_build", "html")
EXPLORER_PAGE = os.path.join(HTML_ROOT, "book", "appendix_c_explorer.html")


def _load_tool():
    spec = importlib.util.spec_from_file_location("browser_check", os.path.join(ROOT, "tools", "browser_check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


browser_check = _load_tool()
pytest.importorskip("websocket", reason="websocket-client is not installed (requirements.txt)")
if browser_check.find_chromium() is None:
    pytest.skip("no Chromium installed (Debian: apt-get install chromium); the browser checks did not run",
                allow_module_level=True)
if not os.path.exists(EXPLORER_PAGE):
    pytest.skip(f"the book is not built ({EXPLORER_PAGE} missing): run `make book` first", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with browser_check.Browser() as b:
        yield b


def _own_errors(errors):
    """JavaScript errors of the page itself: a failed load of an http(s) resource is the network's, not ours."""
    return [e for e in errors if not re.match(r"network: .*net::ERR_\w+ https?://", e)]


@pytest.mark.parametrize("page", [os.path.basename(p) for p in browser_check.book_pages(HTML_ROOT)])
def test_page_loads_without_javascript_errors_and_fits_a_1400px_window(browser, page):
    found = browser_check.check_page(browser, os.path.join(HTML_ROOT, "book", page))
    assert not _own_errors(found["errors"]), f"{page}: {_own_errors(found['errors'])}"
    assert not found["overflow"], f"{page}: boxes a reader must scroll sideways: {found['overflow']}"


# The explorer's figure as the browser drew it: the setting line, the SVG of the marks, the modes' colours.
FIGURE_JS = r"""
(() => {
  const svg = document.querySelector('#fssm-explorer svg');
  if (!svg) return null;
  const texts = Array.from(svg.querySelectorAll('g.mark-text text')).map(t => t.textContent);
  const modes = Array.from(svg.querySelectorAll('g.mark-symbol.role-mark path')).map(p => p.getAttribute('fill'));
  const lines = Array.from(svg.querySelectorAll('g.mark-line path')).map(p => p.getAttribute('d')).join('|');
  const bars = Array.from(svg.querySelectorAll('g.mark-rect path')).map(p => p.getAttribute('d')).join('|');
  return {setting: texts.find(t => t.includes('α =')) || '', modes: modes, lines: lines, bars: bars,
          ranges: document.querySelectorAll('#fssm-explorer .vega-bindings input[type=range]').length,
          selects: document.querySelectorAll('#fssm-explorer .vega-bindings select').length};
})()
"""


def _set_binding(browser, kind: str, index: int, value) -> None:
    """Set the index-th slider ('range') or menu ('select') of the explorer as a reader would, through the DOM."""
    event = "input" if kind == "range" else "change"
    selector = "input[type=range]" if kind == "range" else "select"
    browser.evaluate(
        f"(() => {{ const el = document.querySelectorAll('#fssm-explorer .vega-bindings {selector}')[{index}];"
        f" el.value = {value!r}; el.dispatchEvent(new Event('{event}', {{bubbles: true}})); }})()")
    browser.pause(0.8)


def _figure(browser):
    for _ in range(40):  # Vega draws asynchronously after the load event
        fig = browser.evaluate(FIGURE_JS)
        if fig and fig["modes"] and fig["lines"]:
            return fig
        browser.pause(0.25)
    raise AssertionError("the explorer drew no figure (no SVG with modes and response lines)")


def test_explorer_draws_and_every_control_redraws_it(browser):
    browser.open(browser_check.Path(EXPLORER_PAGE).resolve().as_uri(), settle=1.0)
    fig = _figure(browser)
    assert fig["ranges"] == 3 and fig["selects"] == 1, fig
    assert fig["setting"].startswith("S4D-Lin,  α = 1,  β = 0.0,  Δt = 0.01"), fig["setting"]
    assert len(fig["modes"]) == 16  # N = 16 modes in panel 1
    moves = [("range", 0, "1.8", "α = 63.1"), ("range", 1, "1.4", "β = 1.4"), ("range", 2, "-3.2", "Δt = 0.00063"),
             ("select", 0, "3", "S4D-Real")]
    for kind, index, value, expected in moves:
        before = fig
        _set_binding(browser, kind, index, value)
        fig = _figure(browser)
        assert expected in fig["setting"], (value, fig["setting"])
        assert (fig["lines"], fig["bars"]) != (before["lines"], before["bars"]), f"{expected}: nothing redrawn"
    # S4D-Real: no oscillating mode, so every mode sits below the first bin (drawn grey), none aliased (red)
    assert set(fig["modes"]) == {"#7f7f7f"}, fig["modes"]
    assert not _own_errors(browser.errors), browser.errors


def test_explorer_page_weighs_less_than_5_mb():
    html = open(EXPLORER_PAGE, encoding="utf-8").read()
    here = os.path.dirname(EXPLORER_PAGE)
    local = {os.path.normpath(os.path.join(here, f)) for f in re.findall(r'(?:src|href)="(\.\./_static/[^"?#]+)', html)}
    size = len(html.encode()) + sum(os.path.getsize(f) for f in local if os.path.exists(f))
    assert size < 5e6, f"appendix C with its local files: {size / 1e6:.2f} MB"
