"""Datasets of the book: generated signals first (offline), readers of official formats for large data."""
from .batches import Batches
from .waves import WavesDataset, amplitude_grid, superposed_waves

__all__ = ["Batches", "WavesDataset", "amplitude_grid", "superposed_waves"]
