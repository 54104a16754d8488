"""How the book's pages load and fit a reader's window (Sphinx extension).

- Every script is included once. Jupyter Book 1.x registers sphinx-thebe's and sphinx-togglebutton's inline
  scripts twice; the second `const THEBE_JS_URL` is a SyntaxError on every page (tests/test_browser.py).
- The colour mode starts at "auto" (follow the reader's system) instead of an empty value, which the theme
  reports as a console error on a reader's first visit.
- static/fssm.css: code cells and their outputs wrap instead of scrolling sideways; results tables are compact.
"""
import os


def _once(scripts):
    """The page's scripts in order, each (file or inline body, with its attributes) kept the first time."""
    seen, kept = set(), []
    for js in scripts:
        # an inline script's file name is None or '' depending on who added it: only its body counts
        key = (getattr(js, "filename", str(js)) or "", repr(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    return kept


def page_context(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = _once(context["script_files"])
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def add_static(app, config):
    config.html_static_path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))


def refresh_static(app, exception):
    """Sphinx does not overwrite a static file already in the output: copy ours again after every build, so
    that an edit of fssm.css reaches an existing _build (a fresh build copies it anyway)."""
    import shutil

    if exception is None and app.builder.format == "html":
        folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
        for name in os.listdir(folder):
            shutil.copyfile(os.path.join(folder, name), os.path.join(app.outdir, "_static", name))


def setup(app):
    app.connect("config-inited", add_static)
    app.connect("build-finished", refresh_static)
    app.connect("html-page-context", page_context, priority=900)  # after the extensions that add scripts
    app.add_css_file("fssm.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
