"""Images as sequences, stripe tones, the CelebA reader (on a fixture in its layout), the data registry."""
import hashlib
import math
import os

import numpy as np
import pytest
import torch

from fssm.data import registry
from fssm.data.images import (CelebA, image_to_sequence, lfw_faces, read_celeba_partition, sample_photographs,
                              sequence_to_image, stripe_frequencies, stripe_noise)


def test_row_major_flattening_round_trip_and_neighbours():
    img = torch.arange(2 * 3 * 4.0).reshape(2, 3, 4)
    seq = image_to_sequence(img)
    assert seq.shape == (2, 12)
    assert seq[0, 1] == img[0, 0, 1] and seq[0, 4] == img[0, 1, 0]  # horizontal adjacent, vertical W apart
    assert torch.equal(sequence_to_image(seq, 3, 4), img)
    with pytest.raises(ValueError, match="rows\\*cols"):
        sequence_to_image(seq, 4, 4)


@pytest.mark.parametrize("cols", [16, 32, 128])
def test_stripes_are_the_promised_tones(cols):
    rows = 8
    omega_v, omega_h = stripe_frequencies(cols)
    if cols == 128:
        assert abs(omega_v - 2.99433) < 1e-5 and abs(omega_h - 2 * math.pi * 61 / 128 ** 2) < 1e-12
    v = stripe_noise(1, 1, rows, cols, "vertical", 1.0, torch.Generator().manual_seed(0))[0, 0]
    img = sequence_to_image(v, rows, cols)
    torch.testing.assert_close(img, img[:1].expand(rows, cols), atol=1e-5, rtol=0)  # same in every row
    spectrum = torch.fft.rfft(v.double()).abs()
    peak = spectrum.argmax().item() * 2 * math.pi / (rows * cols)
    assert abs(peak - omega_v) < 1e-9
    h = stripe_noise(1, 1, rows, cols, "horizontal", 1.0, torch.Generator().manual_seed(0))[0, 0]
    bin_width = 2 * math.pi / (rows * cols)  # the low tone need not fall on an FFT bin
    assert abs(torch.fft.rfft(h.double()).abs().argmax().item() * bin_width - omega_h) <= bin_width / 2


def test_offline_images():
    faces = lfw_faces((16, 16))
    assert faces.shape == (100, 1, 16, 16) and faces.min() >= -1 and faces.max() <= 1
    assert lfw_faces((16, 16), faces_only=False).shape == (200, 1, 16, 16)
    photos = sample_photographs(3, (8, 8), crop=32, seed=1)
    assert photos.shape == (3, 3, 8, 8)
    assert torch.equal(photos, sample_photographs(3, (8, 8), crop=32, seed=1))


def _write_celeba(root, n=6, bad_line=None):
    from PIL import Image

    os.makedirs(os.path.join(root, "img_align_celeba"))
    lines = []
    rng = np.random.default_rng(0)
    for i in range(n):
        name = f"{i + 1:06d}.jpg"
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(
            os.path.join(root, "img_align_celeba", name))
        lines.append(f"{name} {0 if i < 4 else 2}")
    if bad_line is not None:
        lines.insert(2, bad_line)
    with open(os.path.join(root, "list_eval_partition.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def test_celeba_reader_on_a_fixture_in_the_official_layout(tmp_path):
    _write_celeba(str(tmp_path))
    train = CelebA(str(tmp_path), "train", size=(32, 16))
    test = CelebA(str(tmp_path), "test", size=(32, 16))
    assert len(train) == 4 and len(test) == 2
    x = train[0]
    assert x.shape == (3, 32, 16) and x.min() >= -1 and x.max() <= 1
    with pytest.raises(FileNotFoundError, match="list_eval_partition.txt"):
        CelebA(str(tmp_path / "nothing"))


def test_celeba_partition_names_file_and_line_of_a_bad_record(tmp_path):
    _write_celeba(str(tmp_path), bad_line="000099.jpg three")
    with pytest.raises(ValueError, match=r"list_eval_partition.txt, line 3"):
        read_celeba_partition(str(tmp_path / "list_eval_partition.txt"))


def test_download_verifies_checksum_and_is_atomic(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"fssm data" * 100)
    md5 = hashlib.md5(src.read_bytes()).hexdigest()
    good = registry.Resource("demo", src.as_uri(), "demo.bin", md5=md5)
    root = tmp_path / "data"
    path = registry.download(good, root=str(root))
    assert open(path, "rb").read() == src.read_bytes()
    assert registry.download(good, root=str(root)) == path  # cached, verified again
    bad = registry.Resource("demo2", src.as_uri(), "demo2.bin", md5="0" * 32)
    with pytest.raises(ValueError, match="checksum"):
        registry.download(bad, root=str(root))
    assert sorted(os.listdir(root)) == ["demo.bin"]  # no partial or unverified file left
    missing = registry.Resource("demo3", (tmp_path / "nope.bin").as_uri(), "demo3.bin", md5=md5)
    with pytest.raises(ConnectionError, match="place it at"):
        registry.download(missing, root=str(root))
    with pytest.raises(ValueError, match="checksum"):
        registry.Resource("x", "file:///x", "x")
    assert all(r.md5 or r.sha256 for r in registry.REGISTRY.values())


def test_download_celeba_fetches_verifies_and_unzips(tmp_path, monkeypatch):
    import zipfile

    src = tmp_path / "src"
    _write_celeba(str(src), n=3)
    zip_path = tmp_path / "img_align_celeba.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        for name in os.listdir(src / "img_align_celeba"):
            z.write(src / "img_align_celeba" / name, f"img_align_celeba/{name}")
    part = src / "list_eval_partition.txt"
    md5 = lambda p: hashlib.md5(open(p, "rb").read()).hexdigest()  # noqa: E731
    monkeypatch.setitem(registry.REGISTRY, "celeba-images",
                        registry.Resource("celeba-images", zip_path.as_uri(), "img_align_celeba.zip", md5=md5(zip_path)))
    monkeypatch.setitem(registry.REGISTRY, "celeba-partition",
                        registry.Resource("celeba-partition", part.as_uri(), "list_eval_partition.txt", md5=md5(part)))
    folder = registry.download_celeba(root=str(tmp_path / "data"))
    assert len(CelebA(folder, "train", size=(8, 8))) == 3
    assert registry.download_celeba(root=str(tmp_path / "data")) == folder  # idempotent
