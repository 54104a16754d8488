"""Faults and bad inputs of the data readers and generators (issue 12): every malformed record named by file
and line (or record), every size argument an integer, a killed Pathfinder generation resumed, the ListOps
operator baseline read from the token buffer. Files are written, truncated and killed for real."""
import os
import pickle
import signal
import subprocess
import sys
import tarfile
import textwrap
import time

import numpy as np
import pytest
import torch
from PIL import Image

from fssm.data import images, registry
from fssm.data.lra import common, image, listops, pathfinder, pathfinder_gen, retrieval, text
from fssm.data.lra.common import MalformedRecordError
from fssm.experiments import lra

HEADER = b"Source\tTarget\r\n"
GOOD = b"( ( ( [MAX 1 ) 2 ) ] )\t2\r\n"


# ----------------------------------------------------------------------------------------- ListOps files
@pytest.mark.parametrize("bad, reason", [
    (b"( ( ( [MIN 1 ) \xff ) ] )\t1\r\n", r"not valid UTF-8 \(byte 16 "),      # Latin-1 byte in a UTF-8 file
    (b"( ( ( [MAX 1 ) 2 )\t2\r\n", r"1 operator\(s\) not closed"),            # ']' missing
    (b"( ( [MAX 1 ) 2 ] ) ]\t2\r\n", "ends at token 4 of 5"),                  # one ']' too many
    (b"] 3\t3\r\n", "closes no operator"),
    (b"( ( [MAX 1 ) 2 ]\t2\r\n", r"unbalanced parentheses: 2 '\(' but 1 '\)'"),
    (b"( [MIN ] )\t0\r\n", r"operator \[MIN at token 1 has no arguments"),
])
def test_listops_file_faults_name_file_and_line(tmp_path, bad, reason):
    path = tmp_path / "basic_train.tsv"
    path.write_bytes(HEADER + GOOD + bad + GOOD)
    for read in (listops.read_listops_tsv, listops.ListOps, lambda p: listops.ListOps.from_dir(tmp_path, "train")):
        with pytest.raises(MalformedRecordError, match=reason) as e:
            read(path)
        assert (e.value.path, e.value.line) == (str(path), 3) and f"basic_train.tsv, line 3: " in str(e.value)


# -------------------------------------------------------------------------------------- ListOps records
RECS = [("( ( ( [MAX 1 ) 2 ) ] )", 2)]


@pytest.mark.parametrize("record, reason", [
    (([12, 2, 3, 99], 3), r"record 1: unknown token id 99 at token 4 \(allowed: integers 1\.\.15"),
    (([12, 2, 300, 15], 3), "record 1: unknown token id 300 at token 3"),
    (([12, -1, 3, 15], 3), "record 1: unknown token id -1 at token 2"),
    (([12, 2, 0, 15], 3), "record 1: unknown token id 0 at token 3 .*0 is padding"),
    ((np.array([12, 2, 3, 16]), 3), "record 1: unknown token id 16 at token 4"),
    (([12, 2.0, 3, 15], 3), "record 1: token id 2.0 at token 2 is not an integer"),
    (("[MAX 1 x ]", 1), "record 1: unknown token 'x' at token 3"),
    (([12, 2, 3], 3), r"record 1: unbalanced expression: 1 operator\(s\) not closed"),
    (("[MAX 1 2 ]", 2.7), r"label of ListOps record 1 must be an integer in \[0, 9\], got 2.7"),
    (("[MAX 1 2 ]", 10), r"label of ListOps record 1 must be an integer in \[0, 9\], got 10"),
])
def test_listops_records_with_unknown_ids_name_record_and_id(record, reason):
    with pytest.raises(ValueError, match=reason):
        listops.ListOps(RECS + [record], seq_len=16)


@pytest.mark.parametrize("call, reason", [
    (lambda: listops.listops_encode("[MAX 1 x ]"), "unknown token 'x' at token 3"),
    (lambda: listops.listops_decode([12, 2, 99]), "unknown token id 99 at token 3"),
    (lambda: listops.listops_decode([-1]), "unknown token id -1 at token 1"),
])
def test_listops_token_conversions_name_the_unknown_token(call, reason):
    with pytest.raises(ValueError, match=reason):  # not a bare KeyError / IndexError, not a silent wrap-around
        call()


@pytest.mark.parametrize("label", [2.7, 12, "3"])
def test_listops_writer_refuses_bad_labels_and_keeps_the_old_file(tmp_path, label):
    path = listops.write_listops_tsv(tmp_path / "basic_test.tsv", RECS)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="label of record 1 must be an integer in"):
        listops.write_listops_tsv(path, RECS + [("[MAX 1 2 ]", label)])
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["basic_test.tsv"]


# ------------------------------------------------------------------------------ sizes and argument types
@pytest.mark.parametrize("call, name", [
    (lambda d: listops.ListOps([("5", 5)], seq_len=2.7), "seq_len must be an integer >= 1, got 2.7"),
    (lambda d: listops.ListOps([("5", 5)], seq_len="8"), "seq_len must be an integer >= 1, got '8'"),
    (lambda d: listops.generate_listops(2, min_length=20.5, max_length=60), "min_length must be an integer"),
    (lambda d: listops.generate_listops(2, seed=2.5, min_length=20, max_length=60), "seed must be an integer"),
    (lambda d: listops.make_listops_splits(d, 2.5, 2.5, 1, min_length=20, max_length=60), "n_train must be"),
    (lambda d: lra.LRAConfig(listops_length=(20.5, 60)), r"listops_length\[0\] \(min\) must be an integer"),
    (lambda d: common.pad_tokens([1, 2], 2.5), "length must be an integer >= 1"),
    (lambda d: common.encode_bytes("ab", -1), "length must be an integer >= 1"),
    (lambda d: text.IMDB(d, seed=2.5), "seed must be an integer"),
    (lambda d: retrieval.AAN(5), "root must be"),
    (lambda d: pathfinder.Pathfinder(d, seed=2.5), "seed must be an integer"),
    (lambda d: pathfinder_gen.generate_pathfinder(4, contour_length=6, chunk=0), "chunk must be an integer >= 1"),
    (lambda d: pathfinder_gen.generate_pathfinder(2, contour_length=6, n_distractors=2.5), "n_distractors must be"),
    (lambda d: pathfinder_gen.generate_pathfinder(2, contour_length=6, params={}), "params must be a Pathfinder"),
    (lambda d: pathfinder_gen.pathfinder_params(40.5), "resolution must be an integer >= 16"),
    (lambda d: pathfinder_gen.PathfinderGenerated(np.full((2, 4, 4), np.nan), [0, 1]), "no NaN"),
    (lambda d: images.image_to_sequence([[1.0]]), "img must be a torch.Tensor"),
    (lambda d: images.sequence_to_image(torch.zeros(1, 5), 2.5, 2), "rows must be an integer >= 1"),
    (lambda d: images.resize(torch.zeros(1, 4, 4), (0, 4)), r"size\[0\] \(rows\) must be an integer >= 1"),
    (lambda d: images.resize(torch.zeros(1, 4, 4, dtype=torch.int64), (2, 2)), "floating-point"),
    (lambda d: images.stripe_noise(2.5, 1, 4, 4, "vertical"), "n must be an integer >= 0"),
    (lambda d: images.sample_photographs(1, crop=5000), r"crop must be an integer in \[2, 300\]"),
    (lambda d: images.sample_photographs(1, names=("foo",)), "'foo' is not a scikit-image sample"),
    (lambda d: registry.data_root(5), "root must be a non-empty str"),
    (lambda d: registry.lra_release_folder("foo", root=d), "name must be one of 'listops-1000'"),
    (lambda d: registry.Resource("x", "file:///x", "x", md5="abc"), "md5 of 'x' must be 32 lowercase hex"),
    (lambda d: registry.Resource("x", "file:///x", "../x", md5="0" * 32), "plain file name"),
])
def test_bad_sizes_and_types_are_named(tmp_path, call, name):
    with pytest.raises(ValueError, match=name):
        call(str(tmp_path))


# ------------------------------------------------------------------------------------- CIFAR-10 batches
def _cifar_batch(path, labels, data=None):
    with open(path, "wb") as f:
        pickle.dump({b"data": np.zeros((3, 3072), np.uint8) if data is None else data, b"labels": labels,
                     b"batch_label": b"testing batch 1 of 1"}, f)
    return str(path)


@pytest.mark.parametrize("labels, data, where, reason", [
    ([1, 2.7, 3], None, "line 2", r"label 2.7 \(float\) of image 2 is not an integer"),
    ([1.0, 2.0, 3.0], None, "line 1", r"label 1.0 \(float\) of image 1"),
    (np.array([4.0, 5.5, 6.0]), None, "line 1", r"label 4.0 \(float\) of image 1"),
    ([1, True, 3], None, "line 2", r"label True \(bool\) of image 2"),
    ([1, 2, 3], [np.zeros(3072, np.uint8), np.zeros(3000, np.uint8), np.zeros(3072, np.uint8)], "line 2",
     r"image 2: pixels must be 3072 uint8 values .* \(3000,\)"),
])
def test_cifar_bad_labels_and_pixels_name_file_and_record(tmp_path, labels, data, where, reason):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    path = _cifar_batch(folder / "test_batch", labels, data)
    with pytest.raises(MalformedRecordError, match=rf"test_batch, {where}: {reason}"):
        image.read_cifar_batch(path)
    with pytest.raises(MalformedRecordError, match=rf"test_batch, {where}"):
        image.CIFAR10Gray(str(tmp_path), "test")


# ----------------------------------------------------------------------------- downloads and other files
def test_truncated_archive_is_named_and_leaves_nothing(tmp_path):
    src = tmp_path / "src" / "top"
    src.mkdir(parents=True)
    (src / "data.bin").write_bytes(np.random.default_rng(0).bytes(200_000))  # incompressible
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="top")
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])  # a download cut halfway
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match=rf"{archive}: not a readable tar archive .*delete it and retry"):
        registry.extract_tar_once(str(archive), str(dest), "top")
    assert os.listdir(dest) == []  # no half folder, no temporary folder


def test_celeba_partition_with_invalid_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "list_eval_partition.txt"
    path.write_bytes(b"000001.jpg 0\n\xe9t\xe9.jpg 1\n")
    with pytest.raises(ValueError, match=rf"{path}, line 2: not valid UTF-8"):
        images.read_celeba_partition(str(path))


# ------------------------------------------------------------------------ Pathfinder: a killed generation
_KILLED_GENERATION = """
import os, sys, time
from PIL import Image

save, count = Image.Image.save, [0]

def save_then_pause(self, *args, **kwargs):  # stand still after image 25 of 40 (folder 2 half written)
    save(self, *args, **kwargs)
    count[0] += 1
    if count[0] == 25:
        open(os.path.join(ROOT, "paused"), "w").close()
        time.sleep(120)

Image.Image.save = save_then_pause
from fssm.data.lra.pathfinder_gen import make_pathfinder_release
make_pathfinder_release(ROOT, 40, seed=3, difficulty="easy", per_folder=10)
"""


def _files(folder):
    return {os.path.relpath(os.path.join(d, f), folder): open(os.path.join(d, f), "rb").read()
            for d, _, names in os.walk(folder) for f in names}


def test_pathfinder_generation_killed_midway_resumes(tmp_path):
    root = str(tmp_path / "killed")
    os.makedirs(root)
    child = subprocess.Popen([sys.executable, "-c", f"ROOT = {root!r}\n" + textwrap.dedent(_KILLED_GENERATION)],
                             stderr=subprocess.PIPE)
    t0 = time.monotonic()
    while not os.path.exists(os.path.join(root, "paused")):
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() - t0 < 60, "the generation never reached image 25"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stderr.close()
    os.remove(os.path.join(root, "paused"))
    folder = os.path.join(root, "pathfinder32", "curv_baseline")
    assert sorted(os.listdir(os.path.join(folder, "metadata"))) == ["0.npy", "1.npy"]  # 2 finished folders
    assert len(os.listdir(os.path.join(folder, "imgs", "2"))) == 5                    # and half of the third
    with open(os.path.join(folder, "imgs", "2", "sample_4.png"), "r+b") as f:         # its last PNG cut short
        f.truncate(30)
    finished = {k: v for k, v in _files(folder).items() if k.startswith(("metadata", "imgs/0/", "imgs/1/"))}
    stamps = {k: os.stat(os.path.join(folder, k)).st_mtime_ns for k in finished}

    pathfinder_gen.make_pathfinder_release(root, 40, seed=3, difficulty="easy", per_folder=10)  # the rerun

    clean = pathfinder_gen.make_pathfinder_release(str(tmp_path / "clean"), 40, seed=3, difficulty="easy",
                                                   per_folder=10)
    resumed = _files(folder)
    assert sorted(resumed) == sorted(_files(clean))
    for name in resumed:
        if name.endswith(".npy"):
            assert resumed[name] == open(os.path.join(clean, name), "rb").read()
        else:
            with Image.open(os.path.join(folder, name)) as a, Image.open(os.path.join(clean, name)) as b:
                assert np.array_equal(np.asarray(a), np.asarray(b)), name
    assert all(os.stat(os.path.join(folder, k)).st_mtime_ns == t for k, t in stamps.items())  # kept, not rewritten
    ds = pathfinder.Pathfinder(root, 32, "easy", split="all")
    assert len(ds) == 40 and ds.labels.tolist() == pathfinder.Pathfinder(str(tmp_path / "clean"), 32, "easy",
                                                                          split="all").labels.tolist()
    # another seed into the same folders is refused, naming the folder, and nothing there is touched
    before = _files(folder)
    with pytest.raises(FileExistsError, match="metadata/0.npy exists"):
        pathfinder_gen.make_pathfinder_release(root, 40, seed=4, difficulty="easy", per_folder=10)
    assert _files(folder) == before


def test_generated_pathfinder_finished_but_unmarked_is_completed(data_home):
    """A run killed between the last metadata file and the `.complete` marker: the next run finishes it."""
    cfg = lra.LRAConfig.for_task("pathfinder", "smoke")
    folder = lra.generated_folder(cfg, str(data_home))
    n = cfg.n_train + cfg.n_val + cfg.n_test
    pathfinder_gen.make_pathfinder_release(folder, n, seed=cfg.data_seed, resolution=32, difficulty="easy")
    assert not os.path.exists(os.path.join(folder, ".complete"))
    splits, _ = lra.load_splits(cfg)
    assert sum(len(s) for s in splits.values()) == n and os.path.exists(os.path.join(folder, ".complete"))


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FSSM_DATA", str(tmp_path))
    return tmp_path


# ------------------------------------------------------------------------ the ListOps operator baseline
def test_operator_baseline_reads_the_token_buffer(monkeypatch):
    recs = listops.generate_listops(400, seed=2, min_length=10, max_length=60)
    splits = {"train": torch.utils.data.Subset(listops.ListOps(recs[:300], seq_len=64), range(250)),
              "test": listops.ListOps(recs[300:], seq_len=64)}
    # the per-example computation: first token of every item, most frequent train value per first token
    first = {k: torch.stack([ds[i][0][0] for i in range(len(ds))]) for k, ds in splits.items()}
    ys = {k: torch.stack([ds[i][1] for i in range(len(ds))]) for k, ds in splits.items()}
    counts = torch.zeros(16, 10, dtype=torch.int64)
    counts.index_put_((first["train"], ys["train"]), torch.ones_like(ys["train"]), accumulate=True)
    expected = float((counts.argmax(1)[first["test"]] == ys["test"]).double().mean())

    def no_item(self, i):
        raise AssertionError("operator_baseline read an example one by one")

    monkeypatch.setattr(listops.ListOps, "__getitem__", no_item)
    assert lra.operator_baseline(splits) == expected
    assert torch.equal(splits["test"].first_tokens(), first["test"])


def test_dry_run_describes_a_damaged_checkpoint_instead_of_crashing(tmp_path):
    from fssm.experiments import lra

    (tmp_path / "last.pt").write_bytes(b"not a checkpoint")
    state = lra.workdir_state(str(tmp_path), epochs=3)
    assert state.startswith("damaged:") and "last.pt" in state
