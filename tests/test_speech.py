"""Speech Commands v0.02 (SC10): reader, splits and download on a fixture folder in the official layout that
the tests write (16 kHz int16 WAVs of known sines, the two list files); the download goes through a file://
URL to a tar.gz built here with the official ./-prefixed, no-top-folder layout. No network."""
import os
import tarfile

import numpy as np
import pytest
import torch

from fssm.data import registry
from fssm.data.lra.common import MalformedRecordError
from fssm.data.speech import SC10_CLASSES, SpeechCommands, read_wav, speech_commands_split
from conftest import write_wav as _write_wav

# word folder -> {file name: number of samples}; "marvin" is a word outside SC10
CLIPS = {
    "yes": {"aa11_nohash_0.wav": 16000, "bb22_nohash_0.wav": 12000, "cc33_nohash_1.wav": 16000},
    "no": {"aa11_nohash_0.wav": 9000, "dd44_nohash_0.wav": 16000},
    "go": {"ee55_nohash_0.wav": 16000, "ff66_nohash_2.wav": 7001, "aa11_nohash_3.wav": 16000},
    "stop": {"gg77_nohash_0.wav": 16000},
    "marvin": {"aa11_nohash_0.wav": 16000},
}
# official format: one WORD/NAME.wav per line, words in no particular order, other words included
VALIDATION = ["yes/bb22_nohash_0.wav", "marvin/aa11_nohash_0.wav", "go/ff66_nohash_2.wav"]
TESTING = ["no/dd44_nohash_0.wav", "go/aa11_nohash_3.wav"]
EXPECTED = {  # SC10 labels: yes 0, no 1, stop 8, go 9; sorted by relative path
    "train": [("go/ee55_nohash_0.wav", 9), ("no/aa11_nohash_0.wav", 1), ("stop/gg77_nohash_0.wav", 8),
              ("yes/aa11_nohash_0.wav", 0), ("yes/cc33_nohash_1.wav", 0)],
    "val": [("go/ff66_nohash_2.wav", 9), ("yes/bb22_nohash_0.wav", 0)],
    "test": [("go/aa11_nohash_3.wav", 9), ("no/dd44_nohash_0.wav", 1)],
}


def _sine(k, n):
    """A sine of its own frequency (k) and amplitude per clip, int16; clip 0 also holds both int16 extremes."""
    t = np.arange(n)
    x = np.round((3000 + 2000 * k) * np.sin(2 * np.pi * (110 + 40 * k) * t / 16000 + k)).astype(np.int16)
    if k == 0:
        x[:2] = (-32768, 32767)
    return x


def _write_layout(root):
    """The official layout under `root`; returns {relative path: int16 samples}."""
    samples, k = {}, 0
    for word, files in CLIPS.items():
        os.makedirs(os.path.join(root, word))
        for name, n in files.items():
            samples[f"{word}/{name}"] = _sine(k, n)
            _write_wav(os.path.join(root, word, name), samples[f"{word}/{name}"])
            k += 1
    for word in SC10_CLASSES:  # the official layout has a folder for every word; here most are empty
        os.makedirs(os.path.join(root, word), exist_ok=True)
    os.makedirs(os.path.join(root, "_background_noise_"))
    _write_wav(os.path.join(root, "_background_noise_", "white_noise.wav"), _sine(7, 20000))
    with open(os.path.join(root, "_background_noise_", "README.md"), "w") as f:
        f.write("noise\n")
    for name, lines in (("validation_list.txt", VALIDATION), ("testing_list.txt", TESTING)):
        with open(os.path.join(root, name), "w") as f:
            f.write("".join(line + "\n" for line in lines))
    with open(os.path.join(root, "LICENSE"), "w") as f:
        f.write("CC BY 4.0\n")
    return samples


# ---------------------------------------------------------------------------------------------- splits
@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_split_membership_and_labels_are_the_official_lists(tmp_path, split):
    _write_layout(str(tmp_path))
    assert speech_commands_split(str(tmp_path), split) == EXPECTED[split]
    ds = SpeechCommands(str(tmp_path), split)
    assert ds.files == [os.path.join(str(tmp_path), *rel.split("/")) for rel, _ in EXPECTED[split]]
    assert ds.labels.dtype == torch.int64 and ds.labels.tolist() == [y for _, y in EXPECTED[split]]
    assert (len(ds), ds.seq_len, ds.n_classes, ds.vocab_size) == (len(EXPECTED[split]), 16000, 10, None)


def test_other_classes_label_by_their_position(tmp_path):
    _write_layout(str(tmp_path))
    assert speech_commands_split(str(tmp_path), "val", ("go", "marvin", "yes")) == [
        ("go/ff66_nohash_2.wav", 0), ("marvin/aa11_nohash_0.wav", 1), ("yes/bb22_nohash_0.wav", 2)]
    assert speech_commands_split(str(tmp_path), "train", ("marvin",)) == []  # its one clip is in the val list
    with pytest.raises(ValueError, match="no clips of marvin in split 'train'"):
        SpeechCommands(str(tmp_path), "train", classes=("marvin",))
    for bad in ((), "yes", ("yes", "yes"), ("_background_noise_",), ("yes/no",)):
        with pytest.raises(ValueError, match="classes must be a non-empty tuple of distinct"):
            speech_commands_split(str(tmp_path), "train", bad)


def test_order_does_not_depend_on_the_file_system(tmp_path, monkeypatch):
    _write_layout(str(tmp_path))
    first = {s: SpeechCommands(str(tmp_path), s).files for s in EXPECTED}
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: sorted(listdir(p), reverse=True))
    for s in EXPECTED:
        assert SpeechCommands(str(tmp_path), s).files == first[s]
    x1, y1 = SpeechCommands(str(tmp_path), "train")[2]
    x2, y2 = SpeechCommands(str(tmp_path), "train")[2]
    assert torch.equal(x1, x2) and torch.equal(y1, y2)


# ----------------------------------------------------------------------------------------------- items
def test_values_are_the_written_samples_over_32768_padded_or_cut(tmp_path):
    samples = _write_layout(str(tmp_path))
    for rel, s in samples.items():
        x = read_wav(str(tmp_path / rel))
        assert x.dtype == torch.float32 and x.shape == (len(s),)
        assert torch.equal(x, torch.from_numpy(s.astype(np.float64) / 32768).float())
    first = read_wav(str(tmp_path / "yes" / "aa11_nohash_0.wav"))
    assert first[0].item() == -1.0 and first[1].item() == 32767 / 32768  # in [-1, 1)
    for length in (16000, 10000, 7001):
        ds = SpeechCommands(str(tmp_path), "train", length=length)
        for i, (rel, label) in enumerate(EXPECTED["train"]):
            x, y = ds[i]
            assert x.dtype == torch.float32 and x.shape == (length, 1)
            assert y.dtype == torch.int64 and y.shape == () and y.item() == label
            want = torch.zeros(length)
            s = torch.from_numpy(samples[rel][:length].astype(np.float64) / 32768).float()
            want[: len(s)] = s
            assert torch.equal(x[:, 0], want)
    x, _ = SpeechCommands(str(tmp_path), "train")[1]  # no/aa11: 9000 samples, then zeros
    assert x[8999, 0] != 0 and not x[9000:].any()


# ------------------------------------------------------------------------------------------ bad input
def _cut(path, keep):
    blob = open(path, "rb").read()
    open(path, "wb").write(blob[:keep])


@pytest.mark.parametrize("write, reason", [
    (lambda p: _write_wav(p, np.zeros(200, np.int16), channels=2), r"2 channels, expected 1 \(mono\)"),
    (lambda p: _write_wav(p, np.full(100, 128), width=1), "8-bit samples, expected 16-bit PCM"),
    (lambda p: _write_wav(p, np.zeros(100, np.int16), rate=8000), "sample rate 8000 Hz, expected 16000 Hz"),
    (lambda p: (_write_wav(p, _sine(1, 1000)), _cut(p, 44 + 301)),
     "truncated: the header announces 1000 samples, the file holds 150.5"),
    (lambda p: (_write_wav(p, _sine(1, 1000)), _cut(p, 30)), "not a readable PCM WAV file"),
    (lambda p: open(p, "wb").write(b"ID3 an mp3, not a RIFF file at all" * 4), "not a readable PCM WAV file"),
])
def test_bad_wav_files_are_named(tmp_path, write, reason):
    _write_layout(str(tmp_path))
    path = str(tmp_path / "yes" / "cc33_nohash_1.wav")  # train item 4
    write(path)
    with pytest.raises(ValueError, match=rf"{path}: .*{reason}"):
        read_wav(path)
    ds = SpeechCommands(str(tmp_path), "train")
    ds[2]  # the other clips still read
    with pytest.raises(ValueError, match=rf"{path}: .*{reason}"):
        ds[4]


@pytest.mark.parametrize("damage, message", [
    (lambda r: os.remove(r / "validation_list.txt"), r"{r}/validation_list\.txt is missing"),
    (lambda r: os.remove(r / "testing_list.txt"), r"{r}/testing_list\.txt is missing"),
    (lambda r: os.rename(r / "no", r / "nope"), r"the word folder {r}/no is missing"),
    (lambda r: os.remove(r / "go" / "ff66_nohash_2.wav"),
     r"{r}/validation_list\.txt, line 3: {r}/go/ff66_nohash_2\.wav is missing"),
])
def test_not_the_official_layout_names_the_missing_file(tmp_path, damage, message):
    _write_layout(str(tmp_path))
    damage(tmp_path)
    message = message.format(r=tmp_path)
    for split in EXPECTED:  # any split needs both lists and every word folder
        with pytest.raises(ValueError, match=message) as e:
            SpeechCommands(str(tmp_path), split)
        assert isinstance(e.value, FileNotFoundError) and "download_speech_commands" in str(e.value)


def test_malformed_list_lines_name_file_and_line(tmp_path):
    _write_layout(str(tmp_path))
    lists = tmp_path / "testing_list.txt"
    lists.write_bytes(b"no/dd44_nohash_0.wav\n\ngo/aa11_nohash_3\n")
    with pytest.raises(MalformedRecordError, match=rf"{lists}, line 3: expected 'WORD/NAME.wav', got 'go/aa11"):
        speech_commands_split(str(tmp_path), "train")
    lists.write_bytes(b"no/dd44_nohash_0.wav\nno/\xe9t\xe9.wav\n")
    with pytest.raises(MalformedRecordError, match=rf"{lists}, line 2: not valid UTF-8"):
        speech_commands_split(str(tmp_path), "test")


def test_bad_arguments_are_named(tmp_path, monkeypatch):
    _write_layout(str(tmp_path))
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test'"):
        SpeechCommands(str(tmp_path), "validation")
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        SpeechCommands(str(tmp_path), "train", length=0)
    with pytest.raises(ValueError, match="download=True needs root=None"):
        SpeechCommands(str(tmp_path), download=True)
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match=rf"{tmp_path}/empty/speech_commands_v0\.02/validation_list"):
        SpeechCommands()  # no download asked for: the error says where the data was looked for
    assert not os.path.exists(tmp_path / "empty")


# ------------------------------------------------------------------------------------------- download
def _official_archive(tmp_path):
    """A tar.gz of the fixture layout as Google ships it: members ./yes/..., ./validation_list.txt."""
    samples = _write_layout(str(tmp_path / "src"))
    archive = str(tmp_path / "speech_commands_v0.02.tar.gz")
    with tarfile.open(archive, "w:gz") as t:
        t.add(str(tmp_path / "src"), arcname=".")
    with tarfile.open(archive) as t:
        names = t.getnames()
    assert "./validation_list.txt" in names and "./yes/aa11_nohash_0.wav" in names
    assert all(n == "." or n.startswith("./") for n in names)  # no top-level folder
    return archive, samples


def _resource(archive, sha256):
    return registry.Resource("speech-commands", "file://" + archive, "speech_commands_v0.02.tar.gz", sha256=sha256)


def test_registry_entry_is_the_published_archive():
    r = registry.REGISTRY["speech-commands"]
    assert r.url == "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz"
    assert (r.filename, r.md5) == ("speech_commands_v0.02.tar.gz", None)
    assert r.sha256 == "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"


def test_download_verifies_extracts_flat_and_only_once(tmp_path, monkeypatch):
    archive, samples = _official_archive(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setitem(registry.REGISTRY, "speech-commands", _resource(archive, "0" * 64))
    with pytest.raises(ValueError, match="sha256 checksum .* does not match"):
        registry.download_speech_commands(str(data))
    assert os.listdir(data) == []  # no archive, no folder, no temporary file under any name

    monkeypatch.setitem(registry.REGISTRY, "speech-commands",
                        _resource(archive, registry.file_digest(archive, "sha256")))
    monkeypatch.setenv("FSSM_DATA", str(data))
    folder = registry.download_speech_commands()
    assert folder == str(data / "speech_commands_v0.02")
    assert sorted(os.listdir(data)) == ["speech_commands_v0.02", "speech_commands_v0.02.tar.gz"]
    assert sorted(os.listdir(folder)) == sorted(set(CLIPS) | set(SC10_CLASSES) | {
        "_background_noise_", "LICENSE", "testing_list.txt", "validation_list.txt"})
    assert os.stat(folder).st_mode & 0o777 == 0o755  # not the 0700 of the temporary folder
    ds = SpeechCommands(download=True)
    assert ds.root == folder and ds.labels.tolist() == [y for _, y in EXPECTED["train"]]
    assert torch.equal(ds[0][0][:, 0], torch.from_numpy(samples[EXPECTED["train"][0][0]] / 32768).float())

    # a second call finds the folder: no download, no hashing, no extraction
    def refuse(*args, **kwargs):
        raise AssertionError("the archive was touched again")
    monkeypatch.setattr(registry.urllib.request, "urlopen", refuse)
    monkeypatch.setattr(registry, "file_digest", refuse)
    monkeypatch.setattr(tarfile, "open", refuse)
    assert registry.download_speech_commands() == folder
    assert len(SpeechCommands(download=True)) == len(EXPECTED["train"])


def test_flat_extraction_is_atomic(tmp_path):
    archive, _ = _official_archive(tmp_path)
    blob = open(archive, "rb").read()
    cut = str(tmp_path / "cut.tar.gz")
    open(cut, "wb").write(blob[: len(blob) // 2])  # a download cut halfway
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match=rf"{cut}: not a readable tar archive"):
        registry.extract_tar_once(cut, str(dest), "speech_commands_v0.02", flat=True)
    assert os.listdir(dest) == []  # no half folder under the final name, no temporary folder
    empty = str(tmp_path / "empty.tar.gz")
    tarfile.open(empty, "w:gz").close()
    with pytest.raises(ValueError, match=rf"{empty}: the archive is empty"):
        registry.extract_tar_once(empty, str(dest), "speech_commands_v0.02", flat=True)
    assert os.listdir(dest) == []
    # without flat the same archive has no folder of that name at its top: the old behaviour stays
    with pytest.raises(ValueError, match="no folder 'speech_commands_v0.02'"):
        registry.extract_tar_once(archive, str(dest), "speech_commands_v0.02")
    assert os.listdir(dest) == []
    with pytest.raises(ValueError, match="flat must be True or False"):
        registry.extract_tar_once(archive, str(dest), "speech_commands_v0.02", flat="yes")


def test_flat_extraction_happens_once(tmp_path, monkeypatch):
    archive, _ = _official_archive(tmp_path)
    dest = tmp_path / "dest"
    folder = registry.extract_tar_once(archive, str(dest), "speech_commands_v0.02", flat=True)
    assert os.listdir(dest) == ["speech_commands_v0.02"]
    assert speech_commands_split(folder, "val") == EXPECTED["val"]

    def refuse(*args, **kwargs):
        raise AssertionError("the archive was opened again")
    monkeypatch.setattr(tarfile, "open", refuse)
    assert registry.extract_tar_once(archive, str(dest), "speech_commands_v0.02", flat=True) == folder


def test_flat_extraction_racing_another_process_keeps_the_winners_folder(tmp_path, monkeypatch):
    archive, _ = _official_archive(tmp_path)
    dest = tmp_path / "dest"
    replace = os.replace

    def other_process_first(src, dst):  # another DDP rank renames its complete folder just before this one
        os.makedirs(dst)
        open(os.path.join(dst, "validation_list.txt"), "w").close()
        replace(src, dst)
    monkeypatch.setattr(os, "replace", other_process_first)
    folder = registry.extract_tar_once(archive, str(dest), "speech_commands_v0.02", flat=True)
    assert os.listdir(dest) == ["speech_commands_v0.02"]  # this process's temporary folder is removed
    assert os.listdir(folder) == ["validation_list.txt"]  # the winner's folder is left as it was
