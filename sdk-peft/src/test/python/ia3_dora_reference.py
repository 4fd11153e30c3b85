#!/usr/bin/env python3
"""Independent numpy reference for IA3 and DoRA on InstructBLIP-FlanT5 (no torch, no mmpeft code).

Written from Hugging Face PEFT's source: tuners/ia3/{config,layer,model}.py, tuners/lora/{config,layer,dora,
variants}.py and utils/save_and_load.py. It takes the tiny InstructBLIP-FlanT5 checkpoint the model tests
use (sdk-models/src/test/resources/blip-reference/t5-legacy: config.json, model.safetensors and
inputs.safetensors written by sdk-models/src/test/python/instructblip_ref.py), and writes, per method, a
directory under OUT:

  adapter_config.json        as PEFT's save_pretrained writes it (json.dumps(indent=2, sort_keys=True))
  adapter_model.safetensors  PEFT's state-dict keys and shapes, metadata format=pt, non-trivial values
  expected.safetensors       the adapted model's logits (and loss) on the fixture's inputs

IA3 (peft_type IA3): targets k, v, wo (T5) and key, value, output.dense, output_query.dense (Q-Former);
feed-forward wo, output.dense, output_query.dense (PEFT's suffix test). A feed-forward layer computes
base(x * l) with l [1, in]; any other base(x) * l with l [out, 1]; keys base_model.model.<m>.ia3_l.
The language projection is trained in full (modules_to_save), saved as base_model.model.language_projection.*.

DoRA (peft_type LORA, use_dora true): r 2, lora_alpha 4 on q, v (T5) and query, value (Q-Former); keys
<m>.lora_A.weight [r, in], <m>.lora_B.weight [out, r], <m>.lora_magnitude_vector [out] (PEFT strips the
".weight" of DoraLinearLayer's parameter). The layer computes, as lora.Linear.forward with
DoraLinearVariant.forward (no dropout):
    result = base(x);  base_result = result - bias;  lora = B(A(x))
    norm = ||W + scaling * B @ A|| per output row (detached);  s = m / norm
    result + (s - 1) * base_result + s * lora * scaling

Regenerate (from the repository root):
    python3 sdk-peft/src/test/python/ia3_dora_reference.py \
        sdk-models/src/test/resources/blip-reference/t5-legacy sdk-peft/src/test/resources/peft-reference

The other direction: `ia3_dora_reference.py check MODEL_DIR ADAPTER_DIR LOGITS.safetensors` reads an adapter
directory another implementation wrote (checking PEFT's keys, shapes, target and feed-forward rules) and
compares the logits it computed (`logits` in LOGITS.safetensors) with this reference's, within 1e-4.
"""
import json
import os
import re
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "sdk-models", "src", "test", "python"))
import instructblip_ref as ref  # noqa: E402  (the independent InstructBLIP forward pass; its linear() is patched below)

PREFIX = "base_model.model."


def save_adapter_weights(path, tensors):
    """safetensors as PEFT's save_pretrained writes it: metadata {"format": "pt"}."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype=np.float32)
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def matches(entries, module):
    """PEFT's list target matching: the name equals an entry or ends with "." + entry."""
    return any(module == e or module.endswith("." + e) for e in entries)


def linear_modules(W):
    """Module names with a 2-D weight (nn.Linear), in the checkpoint."""
    return sorted(k[: -len(".weight")] for k, v in W.items() if k.endswith(".weight") and v.ndim == 2)


# ----------------------------------------------------------------------------- reading a PEFT adapter
def read_adapter(adapter_dir):
    """adapter_config.json and adapter_model.safetensors, checked against PEFT's layout."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        config = json.load(f)
    assert list(config) == sorted(config), "keys sorted as json.dumps(sort_keys=True)"
    data = open(os.path.join(adapter_dir, "adapter_model.safetensors"), "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    assert json.loads(data[8:8 + n]).get("__metadata__", {}).get("format") == "pt", "metadata format=pt"
    tensors = {k: v.astype(np.float32) for k, v in ref.load_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors")).items()}
    for k in tensors:
        assert k.startswith(PREFIX) and ".default" not in k, f"PEFT's key without the adapter name: {k}"
    return config, tensors


def split_keys(tensors, suffixes):
    """{module: {suffix: tensor}} for keys base_model.model.<module>.<suffix>, and the other (full) tensors."""
    own, full = {}, {}
    for k, v in tensors.items():
        name = k[len(PREFIX):]
        for sfx in suffixes:
            if name.endswith("." + sfx):
                own.setdefault(name[: -len(sfx) - 1], {})[sfx] = v
                break
        else:
            full[name] = v
    return own, full


def ia3_adapter(config, tensors, W):
    """IA3Model + ia3.Linear: which modules scale input (feed-forward) or output, checked against the file's shapes."""
    assert config["peft_type"] == "IA3" and config["fan_in_fan_out"] is False
    own, full = split_keys(tensors, ["ia3_l"])
    ff_cfg = config["feedforward_modules"]
    vectors = {}
    for m, t in own.items():
        l = t["ia3_l"]
        t_cfg = config["target_modules"]
        assert (re.fullmatch(t_cfg, m) if isinstance(t_cfg, str) else matches(t_cfg, m)), f"{m} is not a target"
        ff = bool(re.fullmatch(ff_cfg, m)) if isinstance(ff_cfg, str) else any(m.endswith(f) for f in ff_cfg)
        out_f, in_f = W[m + ".weight"].shape
        assert l.shape == ((1, in_f) if ff else (out_f, 1)), f"{m}: ia3_l {l.shape}, feed-forward {ff}"
        vectors[m] = (l, ff)
    for m in linear_modules(W):
        t_cfg = config["target_modules"]
        hit = re.fullmatch(t_cfg, m) if isinstance(t_cfg, str) else matches(t_cfg, m)
        saved = any(m == s or m.startswith(s + ".") for s in config.get("modules_to_save") or [])
        assert not hit or saved or m in vectors, f"{m} is targeted but has no ia3_l"

    def adapted_linear(original):
        def linear(Wd, p, x, bias=True):
            if p in vectors:
                l, ff = vectors[p]
                if ff:  # ia3.Linear.forward: x * ia3_scaling, then the base layer
                    return original(Wd, p, x * l.reshape(-1).astype(np.float64), bias)
                return original(Wd, p, x, bias) * l.reshape(-1).astype(np.float64)
            return original(Wd, p, x, bias)
        return linear

    return adapted_linear, full, len(vectors)


def dora_adapter(config, tensors, W):
    """lora.Linear with DoraLinearVariant (no dropout: evaluation mode)."""
    assert config["peft_type"] == "LORA" and config["use_dora"] is True and not config["rank_pattern"] and not config["alpha_pattern"]
    r, alpha = config["r"], config["lora_alpha"]
    scaling = alpha / np.sqrt(r) if config["use_rslora"] else alpha / r
    own, full = split_keys(tensors, ["lora_A.weight", "lora_B.weight", "lora_magnitude_vector"])
    layers = {}
    for m, t in own.items():
        out_f, in_f = W[m + ".weight"].shape
        a, b, magnitude = t["lora_A.weight"], t["lora_B.weight"], t["lora_magnitude_vector"]
        assert a.shape == (r, in_f) and b.shape == (out_f, r) and magnitude.shape == (out_f,), f"{m}: {a.shape} {b.shape} {magnitude.shape}"
        assert matches(config["target_modules"], m), f"{m} is not a target"
        layers[m] = tuple(x.astype(np.float64) for x in (a, b, magnitude))

    def adapted_linear(original):
        def linear(Wd, p, x, bias=True):
            result = original(Wd, p, x, bias)
            if p not in layers:
                return result
            a, b, magnitude = layers[p]
            w = Wd[p + ".weight"].astype(np.float64)
            base_result = result - Wd[p + ".bias"] if bias and (p + ".bias") in Wd else result
            lora = x @ a.T @ b.T
            weight_norm = np.linalg.norm(w + scaling * (b @ a), axis=1)  # detached in PEFT: a constant here anyway
            s = magnitude / weight_norm
            return result + (s - 1) * base_result + s * lora * scaling
        return linear

    return adapted_linear, full, len(layers)


def adapted_forward(adapter_dir, W, cfg, inputs):
    """The InstructBLIP forward pass with a PEFT adapter directory applied, as PEFT loads it."""
    config, tensors = read_adapter(adapter_dir)
    make = ia3_adapter if config["peft_type"] == "IA3" else dora_adapter
    adapted, full, count = make(config, tensors, W)
    weights = dict(W)
    for name, t in full.items():  # modules_to_save: base_model.model.<module>.<tensor> replaces the base tensor
        assert name in W and W[name].shape == t.shape, f"full tensor {name}"
        weights[name] = t
    original = ref.linear
    ref.linear = adapted(original)
    try:
        return ref.instructblip(weights, cfg, inputs), count, len(tensors)
    finally:
        ref.linear = original


# ----------------------------------------------------------------------------- writing the fixtures
def ia3_case(W, rng):
    targets = ["k", "v", "wo", "key", "value", "output.dense", "output_query.dense"]
    feedforward = ["wo", "output.dense", "output_query.dense"]
    tensors = {}
    for m in linear_modules(W):
        if m.startswith("vision_model.") or m == "language_projection" or not matches(targets, m):
            continue
        out_f, in_f = W[m + ".weight"].shape
        ff = any(m.endswith(f) for f in feedforward)  # IA3Model._check_target_module_feedforward
        tensors[PREFIX + m + ".ia3_l"] = (1.0 + 0.3 * rng.standard_normal((1, in_f) if ff else (out_f, 1))).astype(np.float32)
    # the language projection trained in full (modules_to_save), as the study's "tuned connector"
    for k in ("weight", "bias"):
        w = W["language_projection." + k]
        tensors[PREFIX + "language_projection." + k] = (w + 0.1 * rng.standard_normal(w.shape)).astype(np.float32)
    config = {
        "auto_mapping": None, "base_model_name_or_path": "blip-reference/t5-legacy", "exclude_modules": None,
        "fan_in_fan_out": False, "feedforward_modules": feedforward, "inference_mode": True, "init_ia3_weights": True,
        "modules_to_save": ["language_projection"], "peft_type": "IA3", "revision": None, "target_modules": targets,
        "task_type": None,
    }
    return config, tensors


def dora_case(W, rng):
    r, alpha = 2, 4
    scaling = alpha / r
    targets = ["q", "v", "query", "value"]
    tensors = {}
    for m in linear_modules(W):
        if m.startswith("vision_model.") or not matches(targets, m):
            continue
        out_f, in_f = W[m + ".weight"].shape
        a = (rng.uniform(-1, 1, (r, in_f)) / np.sqrt(in_f)).astype(np.float32)
        b = (0.3 * rng.standard_normal((out_f, r))).astype(np.float32)
        norm = np.linalg.norm(W[m + ".weight"].astype(np.float64) + scaling * (b.astype(np.float64) @ a.astype(np.float64)), axis=1)
        tensors[PREFIX + m + ".lora_A.weight"] = a
        tensors[PREFIX + m + ".lora_B.weight"] = b
        # a "trained" magnitude: the initial ||W + s B A|| moved by up to ~20%
        tensors[PREFIX + m + ".lora_magnitude_vector"] = (norm * (1.0 + 0.2 * rng.standard_normal(out_f))).astype(np.float32)
    config = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "blip-reference/t5-legacy", "bias": "none",
        "corda_config": None, "eva_config": None, "exclude_modules": None, "fan_in_fan_out": False, "inference_mode": True,
        "init_lora_weights": True, "layer_replication": None, "layers_pattern": None, "layers_to_transform": None,
        "loftq_config": {}, "lora_alpha": alpha, "lora_bias": False, "lora_dropout": 0.0, "megatron_config": None,
        "megatron_core": "megatron.core", "modules_to_save": None, "peft_type": "LORA", "r": r, "rank_pattern": {},
        "revision": None, "target_modules": targets, "task_type": None, "trainable_token_indices": None, "use_dora": True,
        "use_rslora": False,
    }
    return config, tensors


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    W = ref.load_safetensors(os.path.join(model_dir, "model.safetensors"))
    inputs = ref.load_safetensors(os.path.join(model_dir, "inputs.safetensors"))
    return cfg, W, inputs


def write(model_dir, out_dir):
    cfg, W, inputs = load_model(model_dir)
    base = ref.instructblip(W, cfg, inputs)
    rng = np.random.default_rng(14)
    for name, case in (("ia3-t5", ia3_case), ("dora-t5", dora_case)):
        config, tensors = case(W, rng)
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "adapter_config.json"), "w") as f:
            f.write(json.dumps(config, indent=2, sort_keys=True))
        save_adapter_weights(os.path.join(d, "adapter_model.safetensors"), tensors)
        out, count, n = adapted_forward(d, W, cfg, inputs)
        ref.save_safetensors(os.path.join(d, "expected.safetensors"),
                             {"logits": out["logits"].astype(np.float32), "loss": np.asarray(out["loss"], dtype=np.float32)})
        change = float(np.abs(out["logits"] - base["logits"]).max())
        print(f"{name}: {count} modules, {n} tensors, loss {float(out['loss']):.6f}, max logit change vs base {change:.4f}")


def check(model_dir, adapter_dir, logits_file):
    """Compares logits another implementation computed with an adapter it wrote against this reference."""
    cfg, W, inputs = load_model(model_dir)
    out, count, n = adapted_forward(adapter_dir, W, cfg, inputs)
    got = ref.load_safetensors(logits_file)["logits"].astype(np.float64)
    diff = float(np.abs(got - out["logits"]).max())
    assert diff <= 1e-4, f"logits differ by {diff}"
    print(f"OK {count} modules {n} tensors max diff {diff:.3g}")


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        write(sys.argv[1], sys.argv[2])
