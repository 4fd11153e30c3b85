"""Independent numpy reference of transformers' InstructBlipForConditionalGeneration (vision encoder,
Q-Former, language projection, T5 / LLaMA language models, losses), written from transformers'
modeling_instructblip.py, modeling_t5.py and modeling_llama.py in float64.

It writes tiny random InstructBLIP checkpoints in Hugging Face layout (config.json +
model.safetensors), model inputs under transformers' names (inputs.safetensors) and the reference
outputs (expected.safetensors). The Java tests load those with InstructBlip.load / ./mmpeft forward
and compare. Regenerate with:  python3 instructblip_ref.py ../resources/blip-reference
"""
import json
import math
import os
import struct
import sys

import numpy as np

F32_MIN = float(np.finfo(np.float32).min)


# ----------------------------------------------------------------------------- safetensors io
def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dt = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}[a.dtype]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        dt = {"F32": np.float32, "I64": np.int64, "I32": np.int32}[v["dtype"]]
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(data[8 + n + s:8 + n + e], dtype=dt).reshape(v["shape"])
    return out


# ----------------------------------------------------------------------------- math
def erf(x):
    return np.vectorize(math.erf)(x)


def act(name, x):
    if name == "gelu":
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return np.maximum(x, 0)
    if name == "silu":
        return x / (1.0 + np.exp(-x))
    raise ValueError(name)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * w


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def linear(W, p, x, bias=True):
    y = x @ W[p + ".weight"].astype(np.float64).T
    if bias and (p + ".bias") in W:
        y = y + W[p + ".bias"]
    return y


def heads(x, n):
    b, l, d = x.shape
    return x.reshape(b, l, n, d // n).transpose(0, 2, 1, 3)


def merge(x):
    b, h, l, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, l, h * d)


def ext_mask(mask):
    return (1.0 - mask[:, None, None, :].astype(np.float64)) * F32_MIN


def cross_entropy(logits, labels):
    """mean over labels != -100 (torch CrossEntropyLoss(ignore_index=-100))."""
    lp = logits - logits.max(-1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    flat = lp.reshape(-1, lp.shape[-1])
    lab = labels.reshape(-1)
    keep = lab != -100
    return -flat[np.arange(len(lab))[keep], lab[keep]].mean()


# ----------------------------------------------------------------------------- vision + Q-Former
def vision(W, cfg, pixels):
    p = "vision_model."
    P = cfg["patch_size"]
    D = cfg["hidden_size"]
    B, C, H, Wd = pixels.shape
    g = H // P
    patches = pixels.reshape(B, C, g, P, g, P).transpose(0, 2, 4, 1, 3, 5).reshape(B, g * g, C * P * P)
    w = W[p + "embeddings.patch_embedding.weight"].reshape(D, -1).astype(np.float64)
    x = patches @ w.T + W[p + "embeddings.patch_embedding.bias"]
    cls = np.broadcast_to(W[p + "embeddings.class_embedding"], (B, 1, D))
    x = np.concatenate([cls, x], 1) + W[p + "embeddings.position_embedding"]
    nh = cfg["num_attention_heads"]
    eps = cfg["layer_norm_eps"]
    for i in range(cfg["num_hidden_layers"]):
        q = f"{p}encoder.layers.{i}."
        h = layer_norm(x, W[q + "layer_norm1.weight"], W[q + "layer_norm1.bias"], eps)
        if q + "self_attn.q_bias" in W:  # older checkpoints: qkv bias = cat(q_bias, 0, v_bias)
            bias = np.concatenate([W[q + "self_attn.q_bias"], np.zeros(D), W[q + "self_attn.v_bias"]])
        else:
            bias = W.get(q + "self_attn.qkv.bias", np.zeros(3 * D))
        qkv = h @ W[q + "self_attn.qkv.weight"].astype(np.float64).T + bias
        qkv = qkv.reshape(B, -1, 3, nh, D // nh).transpose(2, 0, 3, 1, 4)
        s = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) * (D // nh) ** -0.5
        a = merge(softmax(s) @ qkv[2])
        x = x + linear(W, q + "self_attn.projection", a)
        h = layer_norm(x, W[q + "layer_norm2.weight"], W[q + "layer_norm2.bias"], eps)
        x = x + linear(W, q + "mlp.fc2", act(cfg["hidden_act"], linear(W, q + "mlp.fc1", h)))
    return layer_norm(x, W[p + "post_layernorm.weight"], W[p + "post_layernorm.bias"], eps)


def qformer_attention(W, p, x, kv, mask, nh, eps):
    q = heads(linear(W, p + "attention.query", x), nh)
    k = heads(linear(W, p + "attention.key", kv), nh)
    v = heads(linear(W, p + "attention.value", kv), nh)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask
    ctx = merge(softmax(s) @ v)
    out = linear(W, p + "output.dense", ctx)
    return layer_norm(out + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)


def qformer(W, cfg, ids, mask, query_tokens, image_embeds):
    p = "qformer."
    eps = cfg["layer_norm_eps"]
    nh = cfg["num_attention_heads"]
    B, L = ids.shape
    Q = query_tokens.shape[1]
    emb = W[p + "embeddings.word_embeddings.weight"][ids] + W[p + "embeddings.position_embeddings.weight"][np.arange(L)][None]
    x = np.concatenate([np.broadcast_to(query_tokens, (B, Q, query_tokens.shape[2])), emb], 1)
    x = layer_norm(x, W[p + "embeddings.layernorm.weight"], W[p + "embeddings.layernorm.bias"], eps)
    full_mask = ext_mask(np.concatenate([np.ones((B, Q)), mask], 1))
    for i in range(cfg["num_hidden_layers"]):
        lp = f"{p}encoder.layer.{i}."
        a = qformer_attention(W, lp + "attention.", x, x, full_mask, nh, eps)
        qa = a[:, :Q]
        if i % cfg["cross_attention_frequency"] == 0:
            qa = qformer_attention(W, lp + "crossattention.", qa, image_embeds, None, nh, eps)

        def ff(h, inter, out):
            t = act(cfg["hidden_act"], linear(W, lp + inter + ".dense", h))
            t = linear(W, lp + out + ".dense", t)
            return layer_norm(t + h, W[lp + out + ".LayerNorm.weight"], W[lp + out + ".LayerNorm.bias"], eps)

        out = ff(qa, "intermediate_query", "output_query")
        if a.shape[1] > Q:
            out = np.concatenate([out, ff(a[:, Q:], "intermediate", "output")], 1)
        x = out
    return x


# ----------------------------------------------------------------------------- T5
def t5_bucket(rel, bidirectional, num_buckets, max_distance):
    buckets = np.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).astype(np.int64) * num_buckets
        rel = np.abs(rel)
    else:
        rel = -np.minimum(rel, 0)
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    with np.errstate(divide="ignore", invalid="ignore"):
        large = max_exact + (np.log(rel.astype(np.float32) / max_exact) / math.log(max_distance / max_exact)
                             * (num_buckets - max_exact)).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return buckets + np.where(is_small, rel, large)


def t5_bias(W, p, cfg, q_len, k_len, bidirectional):
    ctx = np.arange(q_len)[:, None]
    mem = np.arange(k_len)[None, :]
    b = t5_bucket(mem - ctx, bidirectional, cfg["relative_attention_num_buckets"], cfg["relative_attention_max_distance"])
    vals = W[p + "relative_attention_bias.weight"][b]  # [q, k, heads]
    return vals.transpose(2, 0, 1)[None].astype(np.float64)


def t5_attention(W, p, x, kv, bias, nh):
    q = heads(linear(W, p + "q", x, False), nh)
    k = heads(linear(W, p + "k", kv, False), nh)
    v = heads(linear(W, p + "v", kv, False), nh)
    s = q @ k.transpose(0, 1, 3, 2) + bias
    return linear(W, p + "o", merge(softmax(s) @ v), False)


def t5_ff(W, p, x, cfg):
    a = cfg.get("dense_act_fn") or ("gelu_new" if cfg["feed_forward_proj"] == "gated-gelu" else cfg["feed_forward_proj"].split("-")[-1])
    if cfg["feed_forward_proj"].startswith("gated"):
        h = act(a, linear(W, p + "wi_0", x, False)) * linear(W, p + "wi_1", x, False)
    else:
        h = act(a, linear(W, p + "wi", x, False))
    return linear(W, p + "wo", h, False)


def t5(W, cfg, embeds, mask, dec_ids):
    p = "language_model."
    eps = cfg["layer_norm_epsilon"]
    nh = cfg["num_heads"]
    # encoder
    x = embeds
    L = x.shape[1]
    m = ext_mask(mask)
    bias = t5_bias(W, p + "encoder.block.0.layer.0.SelfAttention.", cfg, L, L, True) + m
    for i in range(cfg["num_layers"]):
        b = f"{p}encoder.block.{i}."
        h = rms_norm(x, W[b + "layer.0.layer_norm.weight"], eps)
        x = x + t5_attention(W, b + "layer.0.SelfAttention.", h, h, bias, nh)
        x = x + t5_ff(W, b + "layer.1.DenseReluDense.", rms_norm(x, W[b + "layer.1.layer_norm.weight"], eps), cfg)
    enc = rms_norm(x, W[p + "encoder.final_layer_norm.weight"], eps)
    # decoder
    y = W[p + "shared.weight"][dec_ids].astype(np.float64)
    T = y.shape[1]
    causal = np.where(np.arange(T)[None, :] <= np.arange(T)[:, None], 0.0, F32_MIN)[None, None]
    dbias = t5_bias(W, p + "decoder.block.0.layer.0.SelfAttention.", cfg, T, T, False) + causal
    for i in range(cfg["num_decoder_layers"]):
        b = f"{p}decoder.block.{i}."
        h = rms_norm(y, W[b + "layer.0.layer_norm.weight"], eps)
        y = y + t5_attention(W, b + "layer.0.SelfAttention.", h, h, dbias, nh)
        h = rms_norm(y, W[b + "layer.1.layer_norm.weight"], eps)
        y = y + t5_attention(W, b + "layer.1.EncDecAttention.", h, enc, m, nh)
        y = y + t5_ff(W, b + "layer.2.DenseReluDense.", rms_norm(y, W[b + "layer.2.layer_norm.weight"], eps), cfg)
    y = rms_norm(y, W[p + "decoder.final_layer_norm.weight"], eps)
    if cfg["tie_word_embeddings"]:
        return (y * cfg["d_model"] ** -0.5) @ W[p + "shared.weight"].astype(np.float64).T
    return y @ W[p + "lm_head.weight"].astype(np.float64).T


def t5_shift_right(labels, start, pad):
    out = np.zeros_like(labels)
    out[:, 1:] = labels[:, :-1]
    out[:, 0] = start
    return np.where(out == -100, pad, out)


# ----------------------------------------------------------------------------- LLaMA
def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], -1)


def llama(W, cfg, embeds, mask, positions=None):
    p = "language_model."
    eps = cfg["rms_norm_eps"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim") or cfg["hidden_size"] // nh
    B, L, _ = embeds.shape
    pos = np.arange(L)[None].repeat(B, 0) if positions is None else positions
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (np.arange(0, hd, 2, dtype=np.int64).astype(np.float32) / hd))
    freqs = pos[..., None].astype(np.float64) * inv.astype(np.float64)
    emb = np.concatenate([freqs, freqs], -1)
    cos, sin = np.cos(emb)[:, None], np.sin(emb)[:, None]
    causal = np.where(np.arange(L)[None, :] <= np.arange(L)[:, None], 0.0, F32_MIN)[None, None]
    m = np.where((causal < 0) | (ext_mask(mask) < 0), F32_MIN, 0.0)
    x = embeds
    for i in range(cfg["num_hidden_layers"]):
        b = f"{p}model.layers.{i}."
        h = rms_norm(x, W[b + "input_layernorm.weight"], eps)
        q = h @ W[b + "self_attn.q_proj.weight"].astype(np.float64).T
        k = h @ W[b + "self_attn.k_proj.weight"].astype(np.float64).T
        v = h @ W[b + "self_attn.v_proj.weight"].astype(np.float64).T
        q = q.reshape(B, L, nh, hd).transpose(0, 2, 1, 3)
        k = k.reshape(B, L, nkv, hd).transpose(0, 2, 1, 3)
        v = v.reshape(B, L, nkv, hd).transpose(0, 2, 1, 3)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, nh // nkv, 1)
        v = np.repeat(v, nh // nkv, 1)
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + m
        a = (softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, L, nh * hd)
        x = x + a @ W[b + "self_attn.o_proj.weight"].astype(np.float64).T
        h = rms_norm(x, W[b + "post_attention_layernorm.weight"], eps)
        g = act("silu", h @ W[b + "mlp.gate_proj.weight"].astype(np.float64).T)
        u = h @ W[b + "mlp.up_proj.weight"].astype(np.float64).T
        x = x + (g * u) @ W[b + "mlp.down_proj.weight"].astype(np.float64).T
    x = rms_norm(x, W[p + "model.norm.weight"], eps)
    head = W[p + "model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W[p + "lm_head.weight"]
    return x @ head.astype(np.float64).T


# ----------------------------------------------------------------------------- InstructBLIP
def instructblip(W, config, inputs):
    vc, qc, tc = config["vision_config"], config["qformer_config"], config["text_config"]
    image = vision(W, vc, inputs["pixel_values"].astype(np.float64))
    qm = inputs.get("qformer_attention_mask", np.ones_like(inputs["qformer_input_ids"]))
    qout = qformer(W, qc, inputs["qformer_input_ids"], qm, W["query_tokens"].astype(np.float64), image)
    Q = config["num_query_tokens"]
    proj = linear(W, "language_projection", qout[:, :Q])
    ids = inputs["input_ids"]
    mask = inputs.get("attention_mask", np.ones_like(ids))
    table = W["language_model.shared.weight" if tc["model_type"] == "t5" else "language_model.model.embed_tokens.weight"]
    embeds = table[ids].astype(np.float64)
    image_token = config.get("image_token_id", config.get("image_token_index"))
    if image_token is not None and (ids == image_token).any():
        # newer transformers: masked_scatter of the projected queries into the placeholder positions
        flat = proj.reshape(-1, proj.shape[-1])
        sel = np.argwhere(ids == image_token)
        for n, (b, l) in enumerate(sel):
            embeds[b, l] = flat[n]
    else:
        # older transformers / LAVIS: queries in front, their mask all ones
        embeds = np.concatenate([proj, embeds], 1)
        mask = np.concatenate([np.ones((ids.shape[0], Q), dtype=mask.dtype), mask], 1)
    labels = inputs.get("labels")
    out = {"image_embeds": image, "query_output": qout, "language_model_inputs": proj}
    if tc["model_type"] == "t5":
        dec = inputs.get("decoder_input_ids")
        if dec is None:
            dec = t5_shift_right(labels, tc.get("decoder_start_token_id", 0), tc.get("pad_token_id", 0))
        logits = t5(W, tc, embeds, mask, dec)
        out["logits"] = logits
        if labels is not None:
            out["loss"] = np.array(cross_entropy(logits, labels))
    else:
        logits = llama(W, tc, embeds, mask)
        out["logits"] = logits
        if labels is not None:
            lg = logits[:, -labels.shape[1]:]
            out["loss"] = np.array(cross_entropy(lg[:, :-1], labels[:, 1:]))
            if embeds.shape[1] != ids.shape[1]:
                # older transformers (queries concatenated in front) return only the labelled positions' logits
                out["logits"] = lg
    return out


# ----------------------------------------------------------------------------- tiny checkpoints
def tiny_config(family, image_token=None, qkv_bias=True, tied=False):
    cfg = {
        "architectures": ["InstructBlipForConditionalGeneration"],
        "model_type": "instructblip",
        "num_query_tokens": 4,
        "vision_config": {"model_type": "instructblip_vision_model", "hidden_size": 32, "intermediate_size": 48,
                          "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 28, "patch_size": 14,
                          "hidden_act": "gelu", "layer_norm_eps": 1e-6, "qkv_bias": qkv_bias},
        "qformer_config": {"model_type": "instructblip_qformer", "vocab_size": 60, "hidden_size": 24,
                           "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 40,
                           "hidden_act": "gelu", "max_position_embeddings": 32, "layer_norm_eps": 1e-12,
                           "cross_attention_frequency": 2, "encoder_hidden_size": 32, "pad_token_id": 0},
    }
    if family == "t5":
        cfg["text_config"] = {"model_type": "t5", "vocab_size": 50, "d_model": 32, "d_kv": 8, "d_ff": 40,
                              "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4,
                              "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16,
                              "layer_norm_epsilon": 1e-6, "feed_forward_proj": "gated-gelu", "dense_act_fn": "gelu",
                              "tie_word_embeddings": tied, "pad_token_id": 0, "eos_token_id": 1,
                              "decoder_start_token_id": 0, "is_encoder_decoder": True}
    else:
        cfg["text_config"] = {"model_type": "llama", "vocab_size": 50, "hidden_size": 32, "intermediate_size": 44,
                              "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                              "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 64,
                              "tie_word_embeddings": tied, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
                              "hidden_act": "silu"}
    if image_token is not None:
        cfg["image_token_id"] = image_token
    return cfg


def tiny_weights(cfg, rng, old_qkv=False):
    W = {}

    def rnd(name, *shape, std=0.2):
        W[name] = (rng.standard_normal(shape) * std).astype(np.float32)

    def ln(name, d):
        W[name + ".weight"] = (1.0 + 0.1 * rng.standard_normal(d)).astype(np.float32)
        W[name + ".bias"] = (0.1 * rng.standard_normal(d)).astype(np.float32)

    def lin(name, i, o, bias=True):
        rnd(name + ".weight", o, i)
        if bias:
            rnd(name + ".bias", o, std=0.05)

    vc, qc, tc = cfg["vision_config"], cfg["qformer_config"], cfg["text_config"]
    D, P = vc["hidden_size"], vc["patch_size"]
    v = "vision_model."
    rnd(v + "embeddings.class_embedding", 1, 1, D)
    rnd(v + "embeddings.patch_embedding.weight", D, 3, P, P, std=0.05)
    rnd(v + "embeddings.patch_embedding.bias", D, std=0.05)
    rnd(v + "embeddings.position_embedding", 1, (vc["image_size"] // P) ** 2 + 1, D)
    for i in range(vc["num_hidden_layers"]):
        p = f"{v}encoder.layers.{i}."
        rnd(p + "self_attn.qkv.weight", 3 * D, D)
        if vc["qkv_bias"]:
            if old_qkv:
                rnd(p + "self_attn.q_bias", D, std=0.05)
                rnd(p + "self_attn.v_bias", D, std=0.05)
            else:
                rnd(p + "self_attn.qkv.bias", 3 * D, std=0.05)
        lin(p + "self_attn.projection", D, D)
        ln(p + "layer_norm1", D)
        ln(p + "layer_norm2", D)
        lin(p + "mlp.fc1", D, vc["intermediate_size"])
        lin(p + "mlp.fc2", vc["intermediate_size"], D)
    ln(v + "post_layernorm", D)
    H = qc["hidden_size"]
    rnd("query_tokens", 1, cfg["num_query_tokens"], H, std=0.5)
    q = "qformer."
    rnd(q + "embeddings.word_embeddings.weight", qc["vocab_size"], H, std=0.5)
    rnd(q + "embeddings.position_embeddings.weight", qc["max_position_embeddings"], H, std=0.5)
    ln(q + "embeddings.layernorm", H)
    for i in range(qc["num_hidden_layers"]):
        p = f"{q}encoder.layer.{i}."
        parts = ["attention."] + (["crossattention."] if i % qc["cross_attention_frequency"] == 0 else [])
        for part in parts:
            kv_in = D if part == "crossattention." else H
            lin(p + part + "attention.query", H, H)
            lin(p + part + "attention.key", kv_in, H)
            lin(p + part + "attention.value", kv_in, H)
            lin(p + part + "output.dense", H, H)
            ln(p + part + "output.LayerNorm", H)
        for inter, out in (("intermediate", "output"), ("intermediate_query", "output_query")):
            lin(p + inter + ".dense", H, qc["intermediate_size"])
            lin(p + out + ".dense", qc["intermediate_size"], H)
            ln(p + out + ".LayerNorm", H)
    T = tc.get("d_model", tc.get("hidden_size"))
    lin("language_projection", H, T)
    lm = "language_model."
    V = tc["vocab_size"]
    if tc["model_type"] == "t5":
        rnd(lm + "shared.weight", V, T, std=0.5)
        inner = tc["num_heads"] * tc["d_kv"]
        for stack, n, cross in (("encoder", tc["num_layers"], False), ("decoder", tc["num_decoder_layers"], True)):
            for i in range(n):
                p = f"{lm}{stack}.block.{i}.layer."
                atts = [("0.SelfAttention.", "0.layer_norm")] + ([("1.EncDecAttention.", "1.layer_norm")] if cross else [])
                for a, norm in atts:
                    for w in "qkv":
                        rnd(p + a + w + ".weight", inner, T)
                    rnd(p + a + "o.weight", T, inner)
                    W[p + norm + ".weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
                    if i == 0 and a.endswith("SelfAttention."):
                        rnd(p + a + "relative_attention_bias.weight", tc["relative_attention_num_buckets"], tc["num_heads"], std=0.5)
                f = "2" if cross else "1"
                rnd(p + f + ".DenseReluDense.wi_0.weight", tc["d_ff"], T)
                rnd(p + f + ".DenseReluDense.wi_1.weight", tc["d_ff"], T)
                rnd(p + f + ".DenseReluDense.wo.weight", T, tc["d_ff"])
                W[p + f + ".layer_norm.weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
            W[f"{lm}{stack}.final_layer_norm.weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
        if not tc["tie_word_embeddings"]:
            rnd(lm + "lm_head.weight", V, T)
    else:
        nh, nkv = tc["num_attention_heads"], tc["num_key_value_heads"]
        hd = T // nh
        rnd(lm + "model.embed_tokens.weight", V, T, std=0.5)
        for i in range(tc["num_hidden_layers"]):
            p = f"{lm}model.layers.{i}."
            rnd(p + "self_attn.q_proj.weight", nh * hd, T)
            rnd(p + "self_attn.k_proj.weight", nkv * hd, T)
            rnd(p + "self_attn.v_proj.weight", nkv * hd, T)
            rnd(p + "self_attn.o_proj.weight", T, nh * hd)
            rnd(p + "mlp.gate_proj.weight", tc["intermediate_size"], T)
            rnd(p + "mlp.up_proj.weight", tc["intermediate_size"], T)
            rnd(p + "mlp.down_proj.weight", T, tc["intermediate_size"])
            W[p + "input_layernorm.weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
            W[p + "post_attention_layernorm.weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
        W[lm + "model.norm.weight"] = (1.0 + 0.1 * rng.standard_normal(T)).astype(np.float32)
        if not tc["tie_word_embeddings"]:
            rnd(lm + "lm_head.weight", V, T)
    return W


def tiny_inputs(cfg, rng, batch=2, image_tokens=False):
    vc, qc, tc = cfg["vision_config"], cfg["qformer_config"], cfg["text_config"]
    S = vc["image_size"]
    Q = cfg["num_query_tokens"]
    pixel = rng.standard_normal((batch, 3, S, S)).astype(np.float32)
    q_ids = rng.integers(1, qc["vocab_size"], size=(batch, 6))
    q_mask = np.ones_like(q_ids)
    q_mask[1, 4:] = 0
    q_ids[1, 4:] = 0
    V = tc["vocab_size"]
    L = 7
    ids = rng.integers(3, V - 1, size=(batch, L))
    mask = np.ones_like(ids)
    ids[1, 5:] = 0
    mask[1, 5:] = 0
    if image_tokens:
        ids = np.concatenate([np.full((batch, Q), cfg["image_token_id"]), ids], 1)
        mask = np.concatenate([np.ones((batch, Q), dtype=mask.dtype), mask], 1)
    inputs = {"pixel_values": pixel, "qformer_input_ids": q_ids, "qformer_attention_mask": q_mask,
              "input_ids": ids, "attention_mask": mask}
    if tc["model_type"] == "t5":
        labels = rng.integers(2, V, size=(batch, 4))
        labels[1, 3] = -100
        inputs["labels"] = labels
    else:
        labels = np.where(mask == 1, ids, -100)
        labels[:, : (Q if image_tokens else 0) + 3] = -100  # loss on the answer part only
        inputs["labels"] = labels
    return inputs


def write_case(out_dir, name, cfg, W, inputs, int32=False):
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_safetensors(os.path.join(d, "model.safetensors"), W)
    cast = np.int32 if int32 else np.int64
    save_safetensors(os.path.join(d, "inputs.safetensors"),
                     {k: (v.astype(np.float32) if v.dtype.kind == "f" else v.astype(cast)) for k, v in inputs.items()})
    out = instructblip(W, cfg, inputs)
    save_safetensors(os.path.join(d, "expected.safetensors"), {k: np.asarray(v, dtype=np.float32) for k, v in out.items()})
    print(name, "loss", float(out["loss"]), "logits", out["logits"].shape, "first", out["logits"].reshape(-1)[:3])


def main(out_dir):
    rng = np.random.default_rng(3)
    cfg = tiny_config("t5")
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "t5-legacy", cfg, W, tiny_inputs(cfg, rng))
    cfg = tiny_config("t5", image_token=49, tied=True)
    W = tiny_weights(cfg, rng, old_qkv=True)
    write_case(out_dir, "t5-imagetokens-oldqkv-tied", cfg, W, tiny_inputs(cfg, rng, image_tokens=True), int32=True)
    cfg = tiny_config("llama")
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "llama-legacy", cfg, W, tiny_inputs(cfg, rng))
    cfg = tiny_config("llama", image_token=49, tied=True)
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "llama-imagetokens-tied", cfg, W, tiny_inputs(cfg, rng, image_tokens=True))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
