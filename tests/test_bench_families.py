"""bench/families.py at a tiny size: every case runs, the ratios are the stored seconds' ratios, the memory
is measured in fresh processes, and the results file carries provenance."""
import importlib.util
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _bench():
    spec = importlib.util.spec_from_file_location("bench_families", os.path.join(ROOT, "bench", "families.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_families_tiny_run_writes_consistent_results(tmp_path):
    bench = _bench()
    out = tmp_path / "bench.json"
    payload = bench.main(["--size", "2", "4", "3", "64", "--rounds", "1", "--families", "s5-scan", "selective",
                          "--out", str(out)])
    stored = json.loads(out.read_text())
    assert stored["size"] == {"B": 2, "H": 4, "N": 3, "L": 64}
    assert set(stored["seconds"]) == {"s5-scan", "selective", "linear_scan", "linear_scan_reference",
                                      "selective_scan", "selective_scan_reference"}
    assert all(s > 0 for s in stored["seconds"].values())
    for name in ("linear_scan", "selective_scan"):
        assert stored["scan_speedup"][name] == stored["seconds"][name + "_reference"] / stored["seconds"][name]
    assert set(stored["peak_memory_bytes"]) == {"s5-scan", "selective"}
    assert stored["config"]["size"] == [2, 4, 3, 64] and stored["scale"] == "bench" and stored["commit"]
    assert payload["seconds"] == stored["seconds"]


def test_bench_layers_are_the_families_defaults():
    bench = _bench()
    import torch
    from fssm.families import s5, selective
    layer = bench.make_layer("s5-conv", 4, 3, torch.device("cpu"))
    assert isinstance(layer, s5.S5Layer) and layer.mode == "conv" and layer.d_state == 3
    real = bench.make_layer("selective-real", 4, 3, torch.device("cpu"))
    assert isinstance(real, selective.SelectiveSSM) and not real.complex
