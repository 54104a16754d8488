"""One module per experiment of the book; each is a CLI: `python -m fssm.experiments.NAME --scale ...`."""
