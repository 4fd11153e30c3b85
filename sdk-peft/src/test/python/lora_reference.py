#!/usr/bin/env python3
"""Independent numpy reference for the PEFT tests (no torch, no mmpeft code).

Usage: lora_reference.py WORKDIR

WORKDIR holds base.safetensors (the toy model's weights under their module names), adapter/ (a
PEFT adapter directory written by mmpeft) and io.safetensors (input `x` and mmpeft's `output`).
The script
  1. checks the adapter directory against the Hugging Face PEFT layout: adapter_config.json keys
     and values, safetensors keys `base_model.model.<module>.lora_A.weight` [r, in] and
     `.lora_B.weight` [out, r] with the adapter name stripped, metadata format=pt, and that every
     LoRA module is one PEFT's target matching rules select;
  2. recomputes the toy model's forward pass with LoRA applied as PEFT's lora.Linear does
     (y = base(x) + lora_B(lora_A(x)) * scaling, scaling = alpha / r or alpha / sqrt(r), rank and
     alpha patterns), with modules_to_save tensors replacing the base ones;
  3. compares with mmpeft's output and prints OK and the max difference, or fails.
"""
import json
import math
import re
import struct
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}
PREFIX = "base_model.model."


def read_safetensors(path):
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        out[name] = np.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).astype(np.float64)
    return out, meta


def target_matches(config, key):
    """PEFT's check_target_module_exists (list or regex; excludes; layers_to_transform)."""
    ex = config.get("exclude_modules")
    if ex:
        if isinstance(ex, str):
            if re.fullmatch(ex, key):
                return False
        elif key in ex or any(key.endswith("." + e) for e in ex):
            return False
    for m in config.get("modules_to_save") or []:
        if re.match(rf"(^|.*\.){m}($|\..*)", key):
            return False
    t = config["target_modules"]
    if isinstance(t, str):
        return re.fullmatch(t, key) is not None
    if key in t:
        return True
    found = any(key.endswith("." + e) for e in t)
    layers = config.get("layers_to_transform")
    if found and layers is not None and layers != []:
        pattern = config.get("layers_pattern")
        if not pattern:
            m = re.match(r".*?\.[^.]*\.(\d+)\.", key)
        else:
            m = None
            for p in [pattern] if isinstance(pattern, str) else pattern:
                m = re.match(rf".*?\.{p}\.(\d+)\.", key)
                if m:
                    break
        if m is None:
            return False
        idx = int(m.group(1))
        found = idx == layers if isinstance(layers, int) else idx in layers
    return found


def pattern_value(patterns, key, default):
    for k, v in patterns.items():
        if re.match(rf"(.*\.)?({k})$", key):
            return v
    return default


def check_format(adapter_dir):
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    for k in ["peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "use_rslora", "bias", "modules_to_save",
              "base_model_name_or_path", "task_type", "rank_pattern", "alpha_pattern", "init_lora_weights",
              "fan_in_fan_out", "layers_to_transform", "layers_pattern", "inference_mode", "revision", "use_dora"]:
        assert k in config, f"adapter_config.json lacks {k}"
    assert config["peft_type"] == "LORA"
    assert config["use_dora"] is False and config["fan_in_fan_out"] is False
    assert list(config.keys()) == sorted(config.keys()), "keys sorted as json.dumps(sort_keys=True)"
    tensors, meta = read_safetensors(adapter_dir / "adapter_model.safetensors")
    assert meta.get("format") == "pt", f"metadata {meta}"
    lora = {}
    for name, t in tensors.items():
        assert name.startswith(PREFIX), name
        assert ".default." not in name, f"adapter name not stripped: {name}"
        m = re.fullmatch(r"base_model\.model\.(.+)\.lora_([AB])\.(weight|bias)", name)
        if m:
            lora.setdefault(m.group(1), {})[m.group(2) + m.group(3)] = t
    for module, ab in lora.items():
        assert target_matches(config, module), f"{module} is not selected by target_modules {config['target_modules']}"
        a, b = ab["Aweight"], ab["Bweight"]
        r = pattern_value(config["rank_pattern"], module, config["r"])
        assert a.shape[0] == r and b.shape[1] == r, f"{module}: A {a.shape}, B {b.shape}, r {r}"
    return config, tensors, lora


def main(work):
    work = Path(work)
    config, tensors, lora = check_format(work / "adapter")
    base, _ = read_safetensors(work / "base.safetensors")
    io, _ = read_safetensors(work / "io.safetensors")
    weights = dict(base)
    for name, t in tensors.items():
        rest = name[len(PREFIX):]
        if ".lora_" not in rest:
            weights[rest] = t  # modules_to_save / bare tensors replace the base ones

    def linear(x, module):
        y = x @ weights[module + ".weight"].T
        if module + ".bias" in weights:
            y = y + weights[module + ".bias"]
        if module in lora:
            r = pattern_value(config["rank_pattern"], module, config["r"])
            alpha = pattern_value(config["alpha_pattern"], module, config["lora_alpha"])
            scaling = alpha / math.sqrt(r) if config["use_rslora"] else alpha / r
            y = y + (x @ lora[module]["Aweight"].T @ lora[module]["Bweight"].T) * scaling
        return y

    erf = np.vectorize(math.erf)

    def layer_norm(x, module, eps=1e-5):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * weights[module + ".weight"] + weights[module + ".bias"]

    h = linear(io["x"], "embed") + weights["query_tokens"]
    i = 0
    while f"encoder.layer.{i}.norm.weight" in weights:
        p = f"encoder.layer.{i}."
        a = linear(linear(h, p + "attention.query"), p + "attention.value")
        if p + "attention.key.weight" in weights:
            a = a + linear(h, p + "attention.key")
        h = layer_norm(h + a, p + "norm")
        f = linear(h, p + "ffn.fc1")
        h = h + linear(0.5 * f * (1 + erf(f / math.sqrt(2))), p + "ffn.fc2")
        i += 1
    out = linear(h, "proj")
    diff = float(np.abs(out - io["output"]).max())
    if diff > 1e-5:
        print(f"FAIL max abs diff {diff}")
        return 1
    print(f"OK lora modules {len(lora)} max abs diff {diff:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
