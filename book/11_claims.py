# %% [markdown]
# # 11. The paper's claims, and what this book's evidence says
#
# Chapters 4-10 test the claims of {cite:t}`yu2025tuning` one at a time. This page collects them: each claim
# in the book's words, where the paper makes it, the section of this book that treats it, what the stored
# runs show, and a status. The table is not typed: `fssm.experiments.claims` computes every status and every
# number from the results files that the command-line experiments wrote (`results/`, with their scale,
# device, seeds and commit), so it changes when the evidence does.
#
# A status says what the stored runs show *at their scale*:
#
# - **holds**: in every seed;
# - **holds partly**: in some seeds, or for some parts of the claim;
# - **not at this scale**: the stored runs do not show it (which is not evidence against the paper's runs at
#   its scale);
# - **no results yet**: no stored file; the source column gives the command that writes one.
#
# Claims that the chapters check on live runs (for example chapter 5's travel-budget and positive-control
# runs, chapter 7's separation of the Sobolev filter's gain from its gradient effect) are asserted there, in
# every seed; the rows below name those sections.

# %%
# Set-up: where fssm is not importable (Colab, a fresh kernel), install it from the book's
# repository; its requirements are ranges, so Colab's own PyTorch (with its GPU) is kept.
import importlib, importlib.util, shlex, subprocess, sys

PIP_INSTALL = 'pip install -q "fssm @ git+https://github.com/fssm-book/fssm"'
if importlib.util.find_spec("fssm") is None:
    subprocess.run([sys.executable, "-m", *shlex.split(PIP_INSTALL)], check=True)
    importlib.invalidate_caches()
import fssm

print(fssm.describe_run())

# %% [markdown]
# ## 11.1 The map
#
# A wave counts as *learned* when its final test error is below `claims.LEARNED` and as *not learned* above
# `claims.NOT_LEARNED` (chance is $0.225$, the symmetric floor of chapter 4 is $0.15$).

# %% tags=["stored-results"]
from IPython.display import HTML
from fssm.experiments import claims

rows = claims.evaluate()
print(f"learned: final MAE < {claims.LEARNED}; not learned: > {claims.NOT_LEARNED}")
for claim, evidence in rows:
    print(f"[{evidence.status}] {claim.statement}\n    in the book: {claim.section}")
HTML(claims.html_table(rows))  # the cell's value: shown as a table below the lines above

# %% [markdown]
# ## 11.2 Reading the map
#
# The waves rows come from one stored sweep at book scale: the paper's four configurations and, as controls
# the paper did not run, the same three $\alpha \ne 1$ with $\beta = 0$. Comparing $(\alpha, \beta)$ with
# $(\alpha, 0)$ seed by seed separates what $\alpha$ does from what $\beta$ adds. The denoising row reads two
# stored sweeps of chapter 9: the paper's model, whose noise gains move as the paper says but which never
# beats doing nothing on the paper's metric, and the book's damped variant (modes that decay within a row),
# which does, and where the row's status comes from. The LRA rows
# are book-scale runs on generated data; until a colab- or paper-scale LRA run is stored, the paper's headline
# average is not tested here, and its row says so.
#
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
