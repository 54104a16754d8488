"""Datasets of the book: generated signals first (offline), readers of official formats for large data."""
from .batches import Batches
from .images import CelebA, image_to_sequence, lfw_faces, sample_photographs, sequence_to_image, stripe_noise
from .registry import (REGISTRY, Resource, data_root, download, download_celeba, download_lra_release,
                       download_speech_commands)
from .speech import SC10_CLASSES, SpeechCommands, read_wav, speech_commands_split
from .waves import WavesDataset, amplitude_grid, superposed_waves

__all__ = ["Batches", "WavesDataset", "amplitude_grid", "superposed_waves", "CelebA", "image_to_sequence",
           "sequence_to_image", "lfw_faces", "sample_photographs", "stripe_noise", "REGISTRY", "Resource",
           "data_root", "download", "download_celeba", "download_lra_release", "download_speech_commands",
           "SC10_CLASSES", "SpeechCommands", "read_wav", "speech_commands_split"]
