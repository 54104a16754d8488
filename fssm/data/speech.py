r"""Speech Commands v0.02 (Warden, 2018, arXiv:1804.03209): one-second spoken words as raw 16 kHz audio.

Layout read (the official archive `speech_commands_v0.02.tar.gz`, REGISTRY['speech-commands'], extracted by
`fssm.data.registry.download_speech_commands` into DATA/speech_commands_v0.02):

    ROOT/yes/*.wav  ROOT/no/*.wav  ...  (35 word folders)     ROOT/_background_noise_/*.wav  (ignored)
    ROOT/validation_list.txt   ROOT/testing_list.txt          (one 'WORD/NAME.wav' per line)

every clip a 16-bit PCM mono WAV at 16 kHz, at most one second (16,000 samples; a few are shorter).
SC10 is the ten-word subset `SC10_CLASSES` that S4 (Gu et al., 2022) trains on; label = index in that tuple.
The split here is the official one: val and test are the clips the two lists name, train every other clip
of the chosen words. (S4's own loader, taken from Kidger et al., 2020, differs: for SC10 it drops the
clips shorter than 16,000 samples, normalizes, and draws a stratified random 70/15/15 split.)

Item: x float32 (length, 1) = the samples / 32768 in [-1, 1), cut or zero-padded on the right to `length`
(default 16,000), the (L, 1) of the LRA pixel tasks (`fssm.data.lra.common`); y int64 scalar class index.
"""
from __future__ import annotations

import os
import wave
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ..utils import check_bool, check_choice, check_int
from .lra.common import MalformedRecordError
from .registry import SPEECH_COMMANDS_FOLDER, check_path, data_root, download_speech_commands

__all__ = ["SC10_CLASSES", "SAMPLE_RATE", "SpeechCommands", "SpeechCommandsLayoutError", "read_wav",
           "speech_commands_split"]

SC10_CLASSES = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
SAMPLE_RATE = 16000
LISTS = {"val": "validation_list.txt", "test": "testing_list.txt"}


class SpeechCommandsLayoutError(FileNotFoundError, ValueError):
    """A file or folder of the official layout is missing. A FileNotFoundError, as the other readers raise
    for a missing layout, and a ValueError, the class of every bad input of fssm."""


def _layout_error(root: str, what: str) -> SpeechCommandsLayoutError:
    return SpeechCommandsLayoutError(
        f"Speech Commands: {what} (expected the official v0.02 layout under {root}: WORD/*.wav folders, "
        f"validation_list.txt and testing_list.txt; fssm.data.download_speech_commands() or "
        f"SpeechCommands(download=True) fetches it)")


def read_wav(path: str) -> torch.Tensor:
    """The samples of a 16-bit PCM mono 16 kHz WAV file: float32 (L,), int16 value / 32768, in [-1, 1).

    Any other file (not RIFF/WAVE, compressed, stereo, 8- or 24-bit, another sample rate, a data chunk
    shorter than its header says) raises ValueError naming the file and what is wrong.
    """
    path = check_path("path", path)
    try:
        with wave.open(path, "rb") as w:
            channels, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            data = w.readframes(n)
    except (wave.Error, EOFError) as e:  # EOFError: the file ends inside a header
        raise ValueError(f"{path}: not a readable PCM WAV file ({e or 'unexpected end of file'})") from e
    wrong = [f"{channels} channels, expected 1 (mono)"] if channels != 1 else []
    wrong += [f"{8 * width}-bit samples, expected 16-bit PCM"] if width != 2 else []
    wrong += [f"sample rate {rate} Hz, expected {SAMPLE_RATE} Hz"] if rate != SAMPLE_RATE else []
    if wrong:
        raise ValueError(f"{path}: " + "; ".join(wrong))
    if len(data) < 2 * n:
        raise ValueError(f"{path}: truncated: the header announces {n} samples, the file holds {len(data) / 2:g}")
    # WAV samples are little-endian int16 whatever the machine; x / 32768 is exact in float32
    return torch.from_numpy(np.frombuffer(data, dtype="<i2").astype(np.float32) / np.float32(32768))


def _check_classes(classes) -> Tuple[str, ...]:
    ok = isinstance(classes, (tuple, list)) and len(classes) > 0 and len(set(classes)) == len(classes)
    ok = ok and all(isinstance(c, str) and c and "/" not in c and os.sep not in c and c[0] not in "._"
                    for c in classes)
    if not ok:
        raise ValueError(f"classes must be a non-empty tuple of distinct word folder names (not starting with "
                         f"'_' or '.'), e.g. SC10_CLASSES; got {classes!r}")
    return tuple(classes)


def _read_list(root: str, name: str) -> dict:
    """{'WORD/NAME.wav': line number} of an official list file; a malformed line is named by file and line."""
    path = os.path.join(root, name)
    if not os.path.isfile(path):
        raise _layout_error(root, f"{path} is missing")
    entries = {}
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as e:
                raise MalformedRecordError(path, lineno, f"not valid UTF-8 at byte {e.start}") from None
            if not line:
                continue
            word, _, wav = line.partition("/")
            if not (word and wav.endswith(".wav") and "/" not in wav):
                raise MalformedRecordError(path, lineno, f"expected 'WORD/NAME.wav', got {line!r}")
            entries[line] = lineno
    return entries


def speech_commands_split(root: str, split: str, classes: Sequence[str] = SC10_CLASSES) -> List[Tuple[str, int]]:
    """[(relative path 'WORD/NAME.wav', class index)] of `split` ("train", "val" or "test"), sorted by path.

    val / test: the clips of `classes` named by validation_list.txt / testing_list.txt; train: every other
    WAV in the folders of `classes`. Lines of other words are skipped. A missing list or word folder, or a
    listed clip that is not there (an incomplete extraction), raises SpeechCommandsLayoutError (a
    FileNotFoundError and a ValueError) naming it; a malformed list line, MalformedRecordError (file, line).
    """
    root = check_path("root", root)
    check_choice("split", split, ("train", "val", "test"))
    classes = _check_classes(classes)
    listed = {s: _read_list(root, name) for s, name in LISTS.items()}
    labels = {}  # every clip of `classes` on disk: 'WORD/NAME.wav' -> class index
    for label, word in enumerate(classes):
        folder = os.path.join(root, word)
        if not os.path.isdir(folder):
            raise _layout_error(root, f"the word folder {folder} is missing")
        labels.update({f"{word}/{f}": label for f in os.listdir(folder) if f.endswith(".wav")})
    for s, entries in listed.items():
        for rel, lineno in entries.items():
            if rel.split("/")[0] in classes and rel not in labels:
                raise _layout_error(root, f"{os.path.join(root, LISTS[s])}, line {lineno}: "
                                          f"{os.path.join(root, rel)} is missing (an incomplete extraction?)")
    if split == "train":
        chosen = [rel for rel in labels if rel not in listed["val"] and rel not in listed["test"]]
    else:
        chosen = [rel for rel in listed[split] if rel in labels]
    return sorted((rel, labels[rel]) for rel in chosen)


class SpeechCommands(Dataset):
    """Speech Commands clips of `classes` (default SC10): x float32 (length, 1), y int64 class index.

    root: the extracted folder (what `download_speech_commands` returns). root=None reads
    DATA/speech_commands_v0.02 (DATA = $FSSM_DATA, else ~/.cache/fssm), downloading and extracting it
    first when download=True (2.4 GB; verified, atomic, once); download=True with a root is refused.
    split: "train", "val" or "test" (the official lists, `speech_commands_split`); length: samples per
    item (integer >= 1, default 16,000 = one second): longer clips are cut, shorter zero-padded on the
    right. Files are read lazily in `__getitem__`; a bad WAV raises ValueError naming it (`read_wav`).
    `files`: absolute paths in order (sorted by relative path); `labels`: int64 (n,);
    `seq_len`, `n_classes`, `vocab_size` (None: real-valued input) as every LRA dataset has them.
    """

    vocab_size = None

    def __init__(self, root: Optional[str] = None, split: str = "train", classes: Sequence[str] = SC10_CLASSES,
                 length: int = SAMPLE_RATE, download: bool = False):
        if check_bool("download", download) and root is not None:
            raise ValueError("download=True needs root=None (the data goes into $FSSM_DATA); for another data "
                             "folder DATA pass root=fssm.data.download_speech_commands(DATA)")
        if root is None:
            root = download_speech_commands() if download else \
                os.path.join(data_root(create=False), SPEECH_COMMANDS_FOLDER)
        self.root = check_path("root", root)
        self.classes = _check_classes(classes)
        self.seq_len = check_int("length", length, low=1)
        entries = speech_commands_split(self.root, split, self.classes)
        if not entries:
            raise _layout_error(self.root, f"no clips of {', '.join(self.classes)} in split {split!r}")
        self.files = [os.path.join(self.root, *rel.split("/")) for rel, _ in entries]
        self.labels = torch.tensor([y for _, y in entries], dtype=torch.int64)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        wav = read_wav(self.files[i])[: self.seq_len]
        x = torch.zeros(self.seq_len, 1, dtype=torch.float32)
        x[: len(wav), 0] = wav
        return x, self.labels[i]
