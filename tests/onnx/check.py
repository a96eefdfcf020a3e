"""Checks exported ONNX models with the real onnx and onnxruntime (the test command's `onnx` level).

    check.py FIXTURES            every fixture the native test `nn --test onnx` wrote: each model
                                 passes onnx.checker (full check) and strict shape inference, and
                                 onnxruntime's logits for batches of 1 and 7 match Burn's
                                 (relative 1e-4), with graph optimisations on and off; together the
                                 fixtures must hold all 11 ops.
    check.py --model FILE [--digits IMAGES.gz LABELS.gz --accuracy A]
                                 one model downloaded from the page: the same checks, on random
                                 inputs of its declared shape (batches of 1 and 7; logits finite, one
                                 per class), and with --digits the accuracy of onnxruntime's
                                 predictions on the first 1,000 built-in digits, which must lie
                                 within 0.1 of the validation accuracy A (a fraction) reported when it was trained.

Prints one line per model and a summary; exits 1 on any failure.
"""

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

OPS = {"conv3x3", "conv1x1", "maxpool3x3", "avgpool3x3", "skip", "dwconv3x3", "dwconv5x5",
       "dilconv3x3", "se_block", "cbam", "eca"}


def sessions(data):
    """onnxruntime sessions with all graph optimisations and with none."""
    made = []
    for level in (ort.GraphOptimizationLevel.ORT_ENABLE_ALL, ort.GraphOptimizationLevel.ORT_DISABLE_ALL):
        options = ort.SessionOptions()
        options.graph_optimization_level = level
        made.append(ort.InferenceSession(data, options, providers=["CPUExecutionProvider"]))
    return made


def checked(path):
    """The model after onnx.checker's full check and strict shape inference; its declared shapes."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    if model.opset_import[0].version != 17 or model.ir_version != 8:
        raise AssertionError(f"opset {model.opset_import[0].version}, IR {model.ir_version}: expected 17 and 8")
    dims = lambda value: [d.dim_value if d.HasField("dim_value") else d.dim_param for d in value.type.tensor_type.shape.dim]
    return inferred, dims(model.graph.input[0]), dims(model.graph.output[0])


def run(session, pixels):
    (out,) = session.run(["logits"], {"pixels": pixels})
    return out


def fixture(meta_path):
    meta = json.loads(meta_path.read_text())
    folder = meta_path.parent
    model_path = folder / meta["model"]
    checked(model_path)
    all_sessions = sessions(model_path.read_bytes())
    worst = 0.0
    for batch in meta["batches"]:
        pixels = np.fromfile(folder / batch["input"], dtype="<f4").reshape(batch["input_shape"])
        expected = np.fromfile(folder / batch["expected"], dtype="<f4").reshape(batch["expected_shape"])
        for session in all_sessions:
            got = run(session, pixels)
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"{meta['model']} batch {len(pixels)}")
            worst = max(worst, float(np.max(np.abs(got - expected) / (np.abs(expected) + 1e-5))))
    return set(meta["ops"]), f"{meta['model']}: checker, shape inference and onnxruntime agree with Burn (batches 1 and 7, largest relative difference {worst:.1e}) — {meta['genotype']}"


def idx(path):
    data = gzip.open(path).read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def downloaded(path, digits, accuracy):
    _, input_dims, output_dims = checked(path)
    if not isinstance(input_dims[0], str) or not isinstance(output_dims[0], str):
        raise AssertionError(f"the batch dimension is fixed: input {input_dims}, output {output_dims}")
    rng = np.random.default_rng(1)
    all_sessions = sessions(Path(path).read_bytes())
    for batch in (1, 7):
        pixels = rng.random([batch, *input_dims[1:]], dtype=np.float32)
        outs = [run(s, pixels) for s in all_sessions]
        for out in outs:
            if list(out.shape) != [batch, output_dims[1]] or not np.all(np.isfinite(out)):
                raise AssertionError(f"batch {batch}: logits of shape {list(out.shape)}, finite: {np.all(np.isfinite(out))}")
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-5)
    line = f"{path}: checker, shape inference, onnxruntime (batches 1 and 7) pass; input {input_dims}, output {output_dims}"
    if digits:
        images, labels = idx(digits[0])[:1000], idx(digits[1])[:1000]
        pixels = (images.astype(np.float32) / 255.0).reshape(len(images), *input_dims[1:])
        predicted = np.argmax(run(all_sessions[0], pixels), axis=1)
        got = float(np.mean(predicted == labels))
        if abs(got - accuracy) > 0.1:
            raise AssertionError(f"onnxruntime's accuracy on 1,000 digits is {got:.3f}, the trainer reported {accuracy:.3f}")
        line += f"; accuracy on 1,000 built-in digits {got:.3f} (reported at training: {accuracy:.3f})"
    return line


def main(argv):
    failures = 0
    if argv[:1] == ["--model"]:
        path = argv[1]
        digits = argv[argv.index("--digits") + 1:argv.index("--digits") + 3] if "--digits" in argv else None
        accuracy = float(argv[argv.index("--accuracy") + 1]) if "--accuracy" in argv else None
        try:
            print(downloaded(path, digits, accuracy))
        except Exception as error:  # every failure is reported, then counted
            print(f"FAILED {path}: {error}")
            failures += 1
        print(f"{1 - failures} passed, {failures} failed")
        return 1 if failures else 0
    if len(argv) != 1:
        print(__doc__)
        return 2
    metas = sorted(Path(argv[0]).glob("*.json"))
    ops, passed = set(), 0
    for meta in metas:
        try:
            held, line = fixture(meta)
            ops |= held
            passed += 1
            print(line)
        except Exception as error:  # every failure is reported, then counted
            print(f"FAILED {meta.name}: {error}")
            failures += 1
    if len(metas) < 8:
        print(f"FAILED: {len(metas)} fixtures in {argv[0]}, expected at least 8 (run `cargo test -p efficientnas-nn --test onnx` first)")
        failures += 1
    if ops != OPS:
        print(f"FAILED: the fixtures do not hold {sorted(OPS - ops)}")
        failures += 1
    print(f"{passed} passed, {failures} failed (onnx {onnx.__version__}, onnxruntime {ort.__version__})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
