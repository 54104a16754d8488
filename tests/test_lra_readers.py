"""LRA readers (Text, Retrieval, Image, Pathfinder/Path-X) on fixture files in the official formats that the
tests write; downloads through file:// URLs; no network."""
import hashlib
import os
import pickle
import tarfile

import numpy as np
import pytest
import torch

from fssm.data import registry
from fssm.data.lra.common import PAD, MalformedRecordError
from fssm.data.lra.image import CIFAR10Gray, download_cifar10, lra_grayscale, read_cifar_batch
from fssm.data.lra.pathfinder import Pathfinder, read_pathfinder_metadata, write_pathfinder_layout
from fssm.data.lra.retrieval import AAN
from fssm.data.lra.text import IMDB, download_imdb


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def _tar(src_dir, top, archive):
    with tarfile.open(archive, "w:gz") as t:
        t.add(os.path.join(src_dir, top), arcname=top)
    return archive


def _tokens(b: bytes):
    return [x + 1 for x in b]


# ----------------------------------------------------------------------------------------------- Text (IMDB)
REVIEWS = {
    ("train", "pos"): {"2_9.txt": "Great film, caf\u00e9 scene!", "10_8.txt": "Loved it"},
    ("train", "neg"): {"5_1.txt": "Dull.<br /><br />Bad."},
    ("test", "pos"): {"0_10.txt": "Yes"},
    ("test", "neg"): {"1_2.txt": "No", "3_3.txt": "Meh"},
}


def _write_imdb(root):
    for (split, lab), files in REVIEWS.items():
        d = os.path.join(root, "aclImdb", split, lab)
        os.makedirs(d)
        for name, text in files.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
    unsup = os.path.join(root, "aclImdb", "train", "unsup")
    os.makedirs(unsup)
    open(os.path.join(unsup, "0_0.txt"), "w").write("ignored")


def test_imdb_bytes_labels_order_and_padding(tmp_path):
    _write_imdb(str(tmp_path))
    ds = IMDB(str(tmp_path), "train", seq_len=32)
    assert (len(ds), ds.seq_len, ds.n_classes, ds.vocab_size) == (3, 32, 2, 257)
    # each class sorted by name (string order: "10_8" before "2_9"), interleaved neg, pos, ...; unsup ignored
    assert [os.path.basename(f) for f in ds.files] == ["5_1.txt", "10_8.txt", "2_9.txt"]
    assert ds.labels.tolist() == [0, 1, 1]
    x, y = ds[2]
    assert x.dtype == torch.int64 and x.shape == (32,) and y.dtype == torch.int64 and int(y) == 1
    raw = "Great film, caf\u00e9 scene!".encode("utf-8")  # 24 bytes: the accent is two bytes
    assert len(raw) == 24 and x[:24].tolist() == _tokens(raw) and x[24:].eq(PAD).all()
    assert x[15].item() == 0xC3 + 1 and x[16].item() == 0xA9 + 1
    short = IMDB(str(tmp_path), "train", seq_len=5)[0][0]  # truncated to the first 5 bytes
    assert short.tolist() == _tokens(b"Dull.")
    test = IMDB(str(tmp_path), "test", seq_len=8)
    assert [os.path.basename(f) for f in test.files] == ["1_2.txt", "0_10.txt", "3_3.txt"]
    assert test.labels.tolist() == [0, 1, 0] and test[0][0][:2].tolist() == _tokens(b"No")
    val = IMDB(str(tmp_path), "val", seq_len=8)  # LRA validates on the test set
    assert val.files == test.files and torch.equal(val[1][0], test[1][0])
    tr, va = (IMDB(str(tmp_path), s, val_size=1, seed=3) for s in ("train", "val"))
    assert len(tr) == 2 and len(va) == 1 and sorted(tr.files + va.files) == sorted(ds.files)
    with pytest.raises(ValueError, match="val_size"):
        IMDB(str(tmp_path), "val", val_size=3)


def test_imdb_undecodable_file_names_file_and_line(tmp_path):
    _write_imdb(str(tmp_path))
    bad = tmp_path / "aclImdb" / "train" / "neg" / "7_2.txt"
    bad.write_bytes(b"ok \xff\xfe broken")
    ds = IMDB(str(tmp_path), "train")
    assert os.path.basename(ds.files[2]) == "7_2.txt"  # neg 5_1, pos 10_8, neg 7_2, pos 2_9
    with pytest.raises(MalformedRecordError, match=r"7_2\.txt, line 1: not valid UTF-8"):
        ds[2]
    with pytest.raises(FileNotFoundError, match="aclImdb"):
        IMDB(str(tmp_path / "nothing"))


def test_download_imdb_verifies_and_extracts_once(tmp_path, monkeypatch):
    src = tmp_path / "src"
    _write_imdb(str(src))
    archive = _tar(str(src), "aclImdb", str(tmp_path / "aclImdb_v1.tar.gz"))
    bad = registry.Resource("imdb", (tmp_path / "aclImdb_v1.tar.gz").as_uri(), "aclImdb_v1.tar.gz", md5="0" * 32)
    monkeypatch.setitem(registry.REGISTRY, "imdb", bad)
    with pytest.raises(ValueError, match="checksum"):
        download_imdb(str(tmp_path / "data"))
    assert not (tmp_path / "data" / "imdb" / "aclImdb").exists()
    good = registry.Resource("imdb", bad.url, bad.filename, md5=_md5(archive))
    monkeypatch.setitem(registry.REGISTRY, "imdb", good)
    folder = download_imdb(str(tmp_path / "data"))
    assert folder == str(tmp_path / "data" / "imdb")
    assert IMDB(folder, "test", seq_len=4)[1][0].tolist() == _tokens(b"Yes") + [0]
    assert [n for n in os.listdir(folder) if n.startswith(".")] == []  # no temporary folder left
    os.remove(archive)
    assert download_imdb(str(tmp_path / "data")) == folder  # extracted once; not fetched again


# ------------------------------------------------------------------------------------------ Retrieval (AAN)
AAN_LINES = [
    "1\taan/P01-1001\taan/P02-2002\tWe cite [1].\tSee caf\u00e9 results",
    "0.0\taan/A\taan/B\tabc\t",
    "",
    "1.0\tx\ty\t\"quoted\"\tlast",
]


def _write_aan(folder, lines=AAN_LINES, split="train"):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"new_aan_pairs.{split}.tsv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def test_aan_pairs_as_two_byte_rows(tmp_path):
    _write_aan(str(tmp_path))
    _write_aan(str(tmp_path), AAN_LINES[:1], split="eval")
    ds = AAN(str(tmp_path), "train", seq_len=12)
    assert (len(ds), ds.seq_len, ds.n_classes, ds.vocab_size) == (3, 12, 2, 257)  # the blank line skipped
    assert ds.labels.tolist() == [1, 0, 1] and ds.line_numbers.tolist() == [1, 2, 4]
    x, y = ds[0]
    assert x.dtype == torch.int64 and x.shape == (2, 12) and int(y) == 1 and y.dtype == torch.int64
    assert x[0].tolist() == _tokens(b"We cite [1].")  # exactly 12 bytes
    assert x[1].tolist() == _tokens("See caf\u00e9 re".encode("utf-8"))  # truncated at 12 bytes (the accent is 2)
    x1, y1 = ds[1]
    assert int(y1) == 0 and x1[0].tolist() == _tokens(b"abc") + [0] * 9 and x1[1].eq(PAD).all()
    assert ds[2][0][0, :8].tolist() == _tokens(b'"quoted"')  # quotes are plain bytes, as in LRA
    assert len(AAN(str(tmp_path), "val")) == 1 and AAN(str(tmp_path), "val")[0][0].shape == (2, 4000)


@pytest.mark.parametrize("line, reason", [
    ("1\tid1\tid2\tonly four columns", "expected 5 tab-separated columns"),
    ("yes\tid1\tid2\ta\tb", "label must be 0 or 1"),
    ("0.5\tid1\tid2\ta\tb", "label must be 0 or 1"),
])
def test_aan_malformed_line_names_file_and_line(tmp_path, line, reason):
    _write_aan(str(tmp_path), AAN_LINES[:2] + [line])
    with pytest.raises(MalformedRecordError, match=rf"new_aan_pairs\.train\.tsv, line 3: {reason}"):
        AAN(str(tmp_path), "train")


def test_aan_finds_the_extracted_release_and_explains_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"lra_release\.gz.*tar -xzf"):
        AAN(None, "train")
    with pytest.raises(FileNotFoundError, match="no published checksum"):
        registry.lra_release_root()
    # the archive's nesting: DATA/lra_release/listops-1000 and DATA/lra_release/lra_release/tsv_data
    os.makedirs(tmp_path / "lra_release" / "listops-1000")
    _write_aan(str(tmp_path / "lra_release" / "lra_release" / "tsv_data"))
    assert len(AAN(None, "train")) == 3
    assert registry.lra_release_root() == str(tmp_path / "lra_release" / "lra_release")
    assert registry.lra_release_folder("listops-1000") == str(tmp_path / "lra_release" / "listops-1000")
    assert not any(r.url == registry.LRA_RELEASE_URL for r in registry.REGISTRY.values())  # no unverifiable entry


# ------------------------------------------------------------------------------------------ Image (CIFAR-10)
def _cifar_batch(n, seed, first_label=0):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [(first_label + i) % 10 for i in range(n)]
    return {b"batch_label": b"fixture", b"labels": labels, b"data": data, b"filenames": [b"x.png"] * n}


def _write_cifar(root, n=4, edit=None):
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        d = _cifar_batch(n, k, first_label=k)
        if k == 0:  # known pixels in image 0: channel-major planes of 1024, each row-major 32x32
            img = np.zeros((3, 32, 32), np.uint8)
            img[0, 0, 0] = 255             # (0,0) pure red
            img[1, 0, 1] = 255             # (0,1) pure green
            img[2, 1, 0] = 255             # (1,0) pure blue
            img[:, 2, 3] = 255             # (2,3) white
            img[:, 31, 31] = (10, 200, 30)
            d[b"data"][0] = img.reshape(-1)
        if edit and name in edit:
            edit[name](d)
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(d, f)
    return folder


def test_lra_grayscale_truncates_like_tensorflow():
    px = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [10, 200, 30]], np.uint8)
    # floor(255.5 * (0.2989 R + 0.5870 G + 0.1140 B) / 255): rounding would give 150 for green
    assert lra_grayscale(px).tolist() == [76, 149, 29, 255, 0, 124]
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (4000, 3), dtype=np.uint8)
    ref = 255.5 * (rgb.astype(np.float64) @ np.array([0.2989, 0.5870, 0.1140])) / 255
    clear = np.abs(ref - np.round(ref)) > 1e-3  # away from float32 rounding ties
    assert clear.mean() > 0.99
    assert np.array_equal(lra_grayscale(rgb)[clear], np.floor(ref[clear]).astype(np.uint8))


def test_cifar_gray_values_positions_and_splits(tmp_path):
    _write_cifar(str(tmp_path))
    train = CIFAR10Gray(str(tmp_path), "train", val_size=3)
    val = CIFAR10Gray(str(tmp_path), "val", val_size=3)
    test = CIFAR10Gray(str(tmp_path), "test")
    assert (len(train), len(val), len(test)) == (17, 3, 4)
    assert (train.seq_len, train.n_classes, train.vocab_size) == (1024, 10, None)
    x, y = train[0]
    assert x.dtype == torch.float32 and x.shape == (1024, 1) and y.dtype == torch.int64 and int(y) == 0
    got = {i: round(x[i, 0].item() * 255) for i in (0, 1, 32, 2 * 32 + 3, 1023, 5)}
    assert got == {0: 76, 1: 149, 32: 29, 67: 255, 1023: 124, 5: 0}
    assert x.min() >= 0 and x.max() <= 1
    # labels: batch k has labels (k + i) % 10; train = the first 17 of batches 1..5 in order, val the last 3
    want = [(k + i) % 10 for k in range(5) for i in range(4)]
    assert train.labels.tolist() == want[:17] and val.labels.tolist() == want[17:]
    assert test.labels.tolist() == [5, 6, 7, 8]
    assert len(CIFAR10Gray(str(tmp_path), "train", val_size=0)) == 20
    with pytest.raises(ValueError, match="val_size"):
        CIFAR10Gray(str(tmp_path), "train", val_size=21)


@pytest.mark.parametrize("name, edit, where, reason", [
    ("data_batch_3", lambda d: d.pop(b"labels"), "line 1", "keys"),
    ("data_batch_2", lambda d: d.__setitem__(b"data", d[b"data"][:, :1024]), "line 1", r"uint8 \(n, 3072\)"),
    ("test_batch", lambda d: d[b"labels"].__setitem__(2, 12), "line 3", "label 12"),
    ("data_batch_5", lambda d: d[b"labels"].pop(), "line 1", "4 images but 3 labels"),
])
def test_cifar_malformed_batch_names_the_file(tmp_path, name, edit, where, reason):
    folder = _write_cifar(str(tmp_path), edit={name: edit})
    with pytest.raises(MalformedRecordError, match=rf"{name}, {where}: .*{reason}"):
        read_cifar_batch(os.path.join(folder, name))
    with pytest.raises(MalformedRecordError, match=name):
        CIFAR10Gray(str(tmp_path), "test" if name == "test_batch" else "train", val_size=1)
    (tmp_path / "cifar-10-batches-py" / "data_batch_4").write_bytes(b"not a pickle")
    with pytest.raises(MalformedRecordError, match="data_batch_4, line 1"):
        read_cifar_batch(os.path.join(folder, "data_batch_4"))


def test_download_cifar10_verifies_and_extracts_once(tmp_path, monkeypatch):
    _write_cifar(str(tmp_path / "src"))
    archive = _tar(str(tmp_path / "src"), "cifar-10-batches-py", str(tmp_path / "cifar-10-python.tar.gz"))
    url = (tmp_path / "cifar-10-python.tar.gz").as_uri()
    monkeypatch.setitem(registry.REGISTRY, "cifar10-python",
                        registry.Resource("cifar10-python", url, "cifar-10-python.tar.gz", md5="f" * 32))
    with pytest.raises(ValueError, match="checksum"):
        download_cifar10(str(tmp_path / "data"))
    monkeypatch.setitem(registry.REGISTRY, "cifar10-python",
                        registry.Resource("cifar10-python", url, "cifar-10-python.tar.gz", md5=_md5(archive)))
    folder = download_cifar10(str(tmp_path / "data"))
    assert round(CIFAR10Gray(folder, "train", val_size=1)[0][0][1, 0].item() * 255) == 149
    os.remove(archive)
    assert download_cifar10(str(tmp_path / "data")) == folder


def test_extract_tar_once_is_atomic(tmp_path):
    os.makedirs(tmp_path / "src" / "other")
    archive = _tar(str(tmp_path / "src"), "other", str(tmp_path / "a.tar.gz"))
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match="no folder 'wanted'"):
        registry.extract_tar_once(archive, str(dest), "wanted")
    assert os.listdir(dest) == []  # the temporary extraction is removed


# ---------------------------------------------------------------------------------- Pathfinder and Path-X
def _marked_images(n, res, seed=0):
    """Image k is black except one pixel (r_k, c_k) = 255, so its flat index identifies the image."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, res, res), np.uint8)
    spots = []
    for k in range(n):
        r, c = (int(v) for v in rng.integers(0, res, 2))
        imgs[k, r, c] = 255
        imgs[k, 0, 0] = max(imgs[k, 0, 0], 1 + k)  # and a per-image value at (0, 0)
        spots.append((r, c))
    return imgs, spots


def test_pathfinder_writer_and_reader_round_trip(tmp_path):
    imgs, spots = _marked_images(7, 16)
    labels = [1, 0, 0, 1, 1, 0, 1]
    folder = write_pathfinder_layout(str(tmp_path), 16, "hard", imgs, labels, per_folder=3)
    assert folder == str(tmp_path / "pathfinder16" / "curv_contour_length_14")
    assert sorted(os.listdir(os.path.join(folder, "metadata"))) == ["0.npy", "1.npy", "2.npy"]
    line = open(os.path.join(folder, "metadata", "1.npy")).readline().split()
    assert line[:4] == ["imgs/1", "sample_0.png", "0", "1"] and len(line) == 11 and line[5] == "14"
    ds = Pathfinder(str(tmp_path), resolution=16, difficulty="hard", split="all")
    assert (len(ds), ds.seq_len, ds.n_classes, ds.vocab_size) == (7, 256, 2, None)
    assert ds.labels.tolist() == labels
    for k in range(7):
        x, y = ds[k]
        assert x.dtype == torch.float32 and x.shape == (256, 1) and int(y) == labels[k] and y.dtype == torch.int64
        r, c = spots[k]
        assert x[r * 16 + c, 0].item() == 1.0  # pixel (r, c) at index r*W + c
        if (r, c) != (0, 0):
            assert x[0, 0].item() == pytest.approx((1 + k) / 255)
        assert int((x > 0).sum()) == (1 if (r, c) == (0, 0) else 2)
    # appending more folders works; rewriting existing ones is refused
    write_pathfinder_layout(str(tmp_path), 16, "curv_contour_length_14", imgs[:2], [0, 1], first_folder=3,
                            params={"contour_length": 99})
    assert len(Pathfinder(str(tmp_path), 16, "hard", "all")) == 9
    assert open(os.path.join(folder, "metadata", "3.npy")).readline().split()[5] == "99"
    with pytest.raises(FileExistsError, match="2.npy"):
        write_pathfinder_layout(str(tmp_path), 16, "hard", imgs, labels, per_folder=3, first_folder=2)
    with pytest.raises(ValueError, match="uint8"):
        write_pathfinder_layout(str(tmp_path), 16, "hard", imgs.astype(np.float32), labels, first_folder=9)
    with pytest.raises(ValueError, match="labels"):
        write_pathfinder_layout(str(tmp_path), 16, "hard", imgs, [2] * 7, first_folder=9)


def _hand_written_release(root, res=32, diff="curv_contour_length_14"):
    """The release layout written by hand (not through write_pathfinder_layout), metadata in its text format."""
    from PIL import Image

    base = os.path.join(root, f"pathfinder{res}", diff)
    entries = {2: [(0, 1), (1, 0)], 10: [(0, 0)], 3: [(0, 1), (1, 1), (2, 0)]}  # folder -> [(index, label)]
    value = {}
    for folder, items in entries.items():
        os.makedirs(os.path.join(base, "imgs", str(folder)))
        lines = []
        for idx, label in items:
            v = 10 * folder + idx
            img = np.full((res, res), v, np.uint8)
            Image.fromarray(img).save(os.path.join(base, "imgs", str(folder), f"sample_{idx}.png"))
            lines.append(f"imgs/{folder} sample_{idx}.png {idx} {label} 1.0 14 4 2 0.5 1 1\n")
            value[(folder, idx)] = v
        os.makedirs(os.path.join(base, "metadata"), exist_ok=True)
        with open(os.path.join(base, "metadata", f"{folder}.npy"), "w") as f:
            f.writelines(lines)
    return base, value


def test_pathfinder_reads_a_hand_written_release_in_numeric_metadata_order(tmp_path):
    base, value = _hand_written_release(str(tmp_path))
    ds = Pathfinder(str(tmp_path / "pathfinder32"), 32, "curv_contour_length_14", "all")  # root = pathfinder32/
    # metadata files in numeric order 2, 3, 10 (string order would put 10 first), lines in file order
    order = [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (10, 0)]
    assert [round(ds[i][0][5, 0].item() * 255) for i in range(6)] == [value[k] for k in order]
    assert ds.labels.tolist() == [1, 0, 1, 1, 0, 0]
    assert read_pathfinder_metadata(os.path.join(base, "metadata", "3.npy"))[2] == ("imgs/3", "sample_2.png", 0, 3)


def test_pathfinder_splits_are_s4s_seeded_random_split(tmp_path):
    imgs, _ = _marked_images(40, 8, seed=1)
    write_pathfinder_layout(str(tmp_path), 8, "easy", imgs, np.arange(40) % 2, per_folder=7)
    parts = {s: Pathfinder(str(tmp_path), 8, "easy", s) for s in ("train", "val", "test")}
    assert [len(parts[s]) for s in ("train", "val", "test")] == [32, 4, 4]
    ref = torch.utils.data.random_split(range(40), [32, 4, 4], generator=torch.Generator().manual_seed(42))
    for s, r in zip(("train", "val", "test"), ref):
        assert parts[s].indices == list(r)
    assert sorted(sum((parts[s].indices for s in parts), [])) == list(range(40))
    other = Pathfinder(str(tmp_path), 8, "easy", "train", seed=0)
    assert other.indices != parts["train"].indices and len(other) == 32


def test_pathfinder_errors_name_file_and_line(tmp_path):
    base, _ = _hand_written_release(str(tmp_path))
    meta = os.path.join(base, "metadata", "3.npy")
    good = open(meta).read()
    for bad, reason in [("imgs/3 sample_9.png 9\n", "at least 4"), ("imgs/3 sample_9.png 9 2 1.0\n", "must be 0 or 1"),
                        ("../../etc sample_9.png 9 1\n", "inside the folder")]:
        lines = good.splitlines(keepends=True)
        open(meta, "w").write(lines[0] + bad + "".join(lines[1:]))
        with pytest.raises(MalformedRecordError, match=rf"3\.npy, line 2: .*{reason}"):
            Pathfinder(str(tmp_path), 32, "hard", "all")
    open(meta, "w").write(good)
    os.remove(os.path.join(base, "imgs", "3", "sample_1.png"))
    ds = Pathfinder(str(tmp_path), 32, "hard", "all")
    with pytest.raises(FileNotFoundError, match=r"imgs/3/sample_1\.png is missing \(listed in .*3\.npy, line 2\)"):
        ds[3]
    with pytest.raises(FileNotFoundError, match=r"sample_1\.png is missing"):
        Pathfinder(str(tmp_path), 32, "hard", "all", check_files=True)
    with pytest.raises(FileNotFoundError, match="metadata"):
        Pathfinder(str(tmp_path), 32, "easy")
    # an image of the wrong size
    from PIL import Image
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(os.path.join(base, "imgs", "3", "sample_1.png"))
    with pytest.raises(ValueError, match=r"16x16, expected 32x32"):
        ds[3]


def test_pathfinder_skips_the_known_empty_release_image_only_when_empty(tmp_path):
    from PIL import Image

    base = tmp_path / "pathfinder32" / "curv_baseline"
    os.makedirs(base / "imgs" / "0")
    os.makedirs(base / "metadata")
    (base / "metadata" / "0.npy").write_text("imgs/0 sample_171.png 171 0 1.0 6 2 2 0.5 1 1\n"
                                             "imgs/0 sample_172.png 172 1 1.0 6 2 2 0.5 1 1\n")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(base / "imgs" / "0" / "sample_171.png")
    (base / "imgs" / "0" / "sample_172.png").write_bytes(b"")
    assert len(Pathfinder(str(tmp_path), 32, "easy", "all")) == 1
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(base / "imgs" / "0" / "sample_172.png")
    assert len(Pathfinder(str(tmp_path), 32, "easy", "all")) == 2


def test_download_lra_release_needs_a_checksum_verifies_it_and_extracts_once(tmp_path, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path / "data"))
    src = tmp_path / "src"
    os.makedirs(src / "lra_release" / "listops-1000")
    _write_aan(str(src / "lra_release" / "lra_release" / "tsv_data"))
    archive = _tar(str(src), "lra_release", str(tmp_path / "lra_release.gz"))
    url = "file://" + archive
    with pytest.raises(ValueError, match="sha256"):
        registry.download_lra_release(None, url=url)
    with pytest.raises(ValueError, match="does not match"):
        registry.download_lra_release("0" * 64, url=url)
    assert not os.path.exists(tmp_path / "data" / "lra_release" / "lra_release")  # nothing kept from a failed check
    assert not os.path.exists(tmp_path / "data" / "lra_release" / "lra_release.gz")
    digest = registry.file_digest(archive, "sha256")
    root = registry.download_lra_release(digest, url=url)
    assert root == str(tmp_path / "data" / "lra_release" / "lra_release")
    assert len(AAN(None, "train")) == 3
    assert registry.download_lra_release(digest, url="file:///nonexistent") == root  # verified copy: no fetch
