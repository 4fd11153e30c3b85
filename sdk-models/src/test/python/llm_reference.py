#!/usr/bin/env python3
"""Independent numpy reference for the T5 and LLaMA tests of sdk-models.

Written from transformers' modeling_t5.py, modeling_llama.py and generation/utils.py (the
vectorised beam search of recent versions), not from the Java code. It generates tiny random
checkpoints in Hugging Face layout and the outputs transformers would compute for them: logits,
losses, greedy and beam-search tokens. The Java tests load these files and compare.

Regenerate (numpy 2 only; no torch needed) from the repository root:

    python3 sdk-models/src/test/python/llm_reference.py sdk-models/src/test/resources/golden

Math runs in float64 (the exact answer) except where transformers' float32 arithmetic decides a
discrete outcome: T5's relative position buckets and the rotary inverse frequencies/angles.
"""
import json
import math
import os
import struct
import sys

import numpy as np

FMIN = float(np.finfo(np.float32).min)


# ---------------------------------------------------------------- files

def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[a.dtype]
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_dir(directory, config, weights, expected):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(directory, "model.safetensors"), {k: v.astype(np.float32) for k, v in weights.items()})
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


# ---------------------------------------------------------------- shared math

def rms_norm(x, w, eps):
    var = np.mean(x * x, axis=-1, keepdims=True)
    return w * (x / np.sqrt(var + eps))


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def relu(x):
    return np.maximum(x, 0.0)


def silu(x):
    return x / (1.0 + np.exp(-x))


def softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def split_heads(x, heads):
    b, l, d = x.shape
    return x.reshape(b, l, heads, d // heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    b, h, l, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, l, h * d)


def cross_entropy(logits, labels):
    """torch CrossEntropyLoss(ignore_index=-100), mean over valid labels."""
    lp = log_softmax(logits.reshape(-1, logits.shape[-1]))
    lab = labels.reshape(-1)
    valid = lab != -100
    picked = lp[np.arange(len(lab)), np.where(valid, lab, 0)]
    return float(-(picked * valid).sum() / valid.sum())


# ---------------------------------------------------------------- T5

def t5_buckets(rel, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket with torch's float32 arithmetic."""
    rel = rel.astype(np.int64)
    buckets = np.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).astype(np.int64) * num_buckets
        rel = np.abs(rel)
    else:
        rel = -np.minimum(rel, 0)
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    with np.errstate(divide="ignore"):
        large = np.log(rel.astype(np.float32) / np.float32(max_exact))
    large = large / np.float32(math.log(max_distance / max_exact)) * np.float32(num_buckets - max_exact)
    large = max_exact + np.where(np.isfinite(large), large, 0).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return buckets + np.where(is_small, rel, large)


def t5_position_bias(table, queries, keys, past, bidirectional, cfg):
    rel = np.arange(keys)[None, :] - (past + np.arange(queries))[:, None]
    b = t5_buckets(rel, bidirectional, cfg["relative_attention_num_buckets"], cfg["relative_attention_max_distance"])
    return table[b].transpose(2, 0, 1)[None]  # [1, H, q, k]


def t5_attention(p, prefix, x, kv, bias, heads):
    q = split_heads(x @ p[prefix + "q.weight"].T, heads)
    k = split_heads(kv @ p[prefix + "k.weight"].T, heads)
    v = split_heads(kv @ p[prefix + "v.weight"].T, heads)
    scores = q @ k.transpose(0, 1, 3, 2) + bias  # no 1/sqrt(d) in T5
    return merge_heads(softmax(scores) @ v) @ p[prefix + "o.weight"].T


def t5_ff(p, prefix, x, cfg):
    act = gelu_new if cfg["feed_forward_proj"] == "gated-gelu" else relu
    if cfg["feed_forward_proj"].startswith("gated"):
        h = act(x @ p[prefix + "wi_0.weight"].T) * (x @ p[prefix + "wi_1.weight"].T)
    else:
        h = act(x @ p[prefix + "wi.weight"].T)
    return h @ p[prefix + "wo.weight"].T


def t5_stack(p, cfg, name, emb, mask, enc=None, enc_mask=None):
    decoder = name == "decoder"
    n = cfg["num_decoder_layers"] if decoder else cfg["num_layers"]
    eps = cfg["layer_norm_epsilon"]
    heads = cfg["num_heads"]
    b, length, _ = emb.shape
    bias = t5_position_bias(p[name + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight"],
                            length, length, 0, not decoder, cfg)
    if decoder:
        allowed = np.tril(np.ones((length, length)))[None, None]
        if mask is not None:
            allowed = allowed * mask[:, None, None, :]
    else:
        allowed = mask[:, None, None, :].astype(np.float64)
    bias = bias + (1.0 - allowed) * FMIN
    h = emb
    for i in range(n):
        pre = f"{name}.block.{i}.layer."
        h = h + t5_attention(p, pre + "0.SelfAttention.", rms_norm(h, p[pre + "0.layer_norm.weight"], eps), 
                             rms_norm(h, p[pre + "0.layer_norm.weight"], eps), bias, heads)
        ff = 1
        if decoder:
            cross_bias = (1.0 - enc_mask[:, None, None, :]) * FMIN
            x = rms_norm(h, p[pre + "1.layer_norm.weight"], eps)
            h = h + t5_attention(p, pre + "1.EncDecAttention.", x, enc, cross_bias, heads)
            ff = 2
        h = h + t5_ff(p, pre + f"{ff}.DenseReluDense.", rms_norm(h, p[pre + f"{ff}.layer_norm.weight"], eps), cfg)
    return rms_norm(h, p[name + ".final_layer_norm.weight"], eps)


def t5_logits(p, cfg, dec_hidden):
    if cfg["tie_word_embeddings"]:
        return (dec_hidden * cfg["d_model"] ** -0.5) @ p["shared.weight"].T
    return dec_hidden @ p["lm_head.weight"].T


def t5_shift_right(labels, cfg):
    shifted = np.zeros_like(labels)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = cfg["decoder_start_token_id"]
    shifted[shifted == -100] = cfg["pad_token_id"]
    return shifted


class T5Decoding:
    """Encoder once, decoder recomputed over the whole decoder sequence at every step."""

    def __init__(self, p, cfg, input_ids, mask, expand):
        self.p, self.cfg = p, cfg
        enc = t5_stack(p, cfg, "encoder", p["shared.weight"][input_ids], mask.astype(np.float64))
        self.enc = np.repeat(enc, expand, axis=0)
        self.mask = np.repeat(mask.astype(np.float64), expand, axis=0)

    def logits(self, decoder_ids):
        h = t5_stack(self.p, self.cfg, "decoder", self.p["shared.weight"][decoder_ids], None, self.enc, self.mask)
        return t5_logits(self.p, self.cfg, h)[:, -1, :]


# ---------------------------------------------------------------- LLaMA

def rope_cos_sin(positions, head_dim, theta):
    inv = (1.0 / (np.float32(theta) ** (np.arange(0, head_dim, 2, dtype=np.int64).astype(np.float32) / np.float32(head_dim)))).astype(np.float32)
    freqs = positions.astype(np.float32)[..., None] * inv  # float32 products, as torch
    emb = np.concatenate([freqs, freqs], axis=-1).astype(np.float64)
    return np.cos(emb)[:, None], np.sin(emb)[:, None]  # [B, 1, L, hd]


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def llama_hidden(p, cfg, embeds, mask, positions):
    b, length, _ = embeds.shape
    heads, kv_heads, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    allowed = np.tril(np.ones((length, length)))[None, None] * mask[:, None, None, :]
    bias = (1.0 - allowed) * FMIN
    cos, sin = rope_cos_sin(positions, hd, cfg["rope_theta"])
    h = embeds
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        x = rms_norm(h, p[pre + "input_layernorm.weight"], eps)

        def proj(name, inp):
            y = inp @ p[pre + name + ".weight"].T
            if pre + name + ".bias" in p:
                y = y + p[pre + name + ".bias"]
            return y

        q = split_heads(proj("self_attn.q_proj", x), heads)
        k = split_heads(proj("self_attn.k_proj", x), kv_heads)
        v = split_heads(proj("self_attn.v_proj", x), kv_heads)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, heads // kv_heads, axis=1)  # repeat_kv
        v = np.repeat(v, heads // kv_heads, axis=1)
        scores = (q @ k.transpose(0, 1, 3, 2)) * hd ** -0.5 + bias
        h = h + proj("self_attn.o_proj", merge_heads(softmax(scores) @ v))
        x = rms_norm(h, p[pre + "post_attention_layernorm.weight"], eps)
        h = h + proj("mlp.down_proj", silu(proj("mlp.gate_proj", x)) * proj("mlp.up_proj", x))
    return rms_norm(h, p["model.norm.weight"], eps)


def llama_logits(p, cfg, hidden):
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return hidden @ head.T


class LlamaDecoding:
    """Prompt embeddings + generated tokens, recomputed in full; positions as generate: cumsum(mask) - 1."""

    def __init__(self, p, cfg, input_ids, mask, expand):
        self.p, self.cfg = p, cfg
        self.embeds = np.repeat(p["model.embed_tokens.weight"][input_ids], expand, axis=0)
        self.mask = np.repeat(mask.astype(np.float64), expand, axis=0)

    def logits(self, generated):
        rows = self.embeds.shape[0]
        emb = np.concatenate([self.embeds, self.p["model.embed_tokens.weight"][generated]], axis=1)
        mask = np.concatenate([self.mask, np.ones((rows, generated.shape[1]))], axis=1)
        positions = np.cumsum(mask, axis=-1).astype(np.int64) - 1
        positions[mask == 0] = 1
        h = llama_hidden(self.p, self.cfg, emb, mask, positions)
        return llama_logits(self.p, self.cfg, h)[:, -1, :]


# ---------------------------------------------------------------- generation (transformers' semantics)

def greedy(decoding, prompt, max_new, eos, pad, min_new=0, repetition_penalty=1.0, context=None):
    """prompt: [rows, prompt_len] decoder ids fed first (T5: start token; LLaMA from embeds: empty).
    context: the ids repetition penalty sees besides generated ones (LLaMA: the prompt ids)."""
    rows = prompt.shape[0]
    seqs = prompt.copy()
    unfinished = np.ones(rows, bool)
    generated = [[] for _ in range(rows)]
    logprob = np.zeros(rows)
    for step in range(max_new):
        logits = decoding.logits(seqs)
        scores = logits.copy()
        seen = seqs if context is None else np.concatenate([context, seqs], axis=1)
        if repetition_penalty != 1.0:
            for r in range(rows):
                for t in set(seen[r].tolist()):
                    s = scores[r, t]
                    scores[r, t] = s * repetition_penalty if s < 0 else s / repetition_penalty
        if step < min_new:
            scores[:, eos] = -np.inf
        nxt = np.argmax(scores, axis=-1)
        lp = log_softmax(scores)
        for r in range(rows):
            if unfinished[r]:
                generated[r].append(int(nxt[r]))
                logprob[r] += lp[r, nxt[r]]
            else:
                nxt[r] = pad
        seqs = np.concatenate([seqs, nxt[:, None]], axis=1)
        unfinished &= nxt != eos
        if not unfinished.any():
            break
    return generated, logprob


def beam_search(decoding, prompt, batch, num_beams, max_new, eos, length_penalty=1.0, early_stopping=False):
    """transformers' GenerationMixin._beam_search (vectorised version), num_return_sequences=1."""
    k = num_beams
    prompt_len = prompt.shape[1]
    max_length = prompt_len + max_new
    keep = max(2, 2) * k
    top_mask = np.array([True] * k + [False] * (keep - k))
    running = np.full((batch, k, max_length), -1, np.int64)
    running[:, :, :prompt_len] = prompt.reshape(batch, k, prompt_len)
    sequences = running.copy()
    running_scores = np.zeros((batch, k))
    running_scores[:, 1:] = -1e9
    beam_scores = np.full((batch, k), -1e9)
    finished = np.zeros((batch, k), bool)
    unsatisfied = np.ones((batch, 1), bool)
    cur = prompt_len
    while True:
        flat = running[:, :, :cur].reshape(batch * k, cur)
        logp = log_softmax(decoding.logits(flat)).reshape(batch, k, -1)
        vocab = logp.shape[-1]
        acc = (logp + running_scores[:, :, None]).reshape(batch, k * vocab)
        idx = np.argsort(-acc, axis=1, kind="stable")[:, :keep]
        top_scores = np.take_along_axis(acc, idx, 1)
        beam, tok = idx // vocab, idx % vocab
        top_seqs = np.take_along_axis(running, beam[:, :, None], 1)
        top_seqs[:, :, cur] = tok
        hits = (tok == eos) | (cur + 1 >= max_length)
        run_lp = top_scores + hits * -1e9
        nidx = np.argsort(-run_lp, axis=1, kind="stable")[:, :k]
        running = np.take_along_axis(top_seqs, nidx[:, :, None], 1)
        running_scores = np.take_along_axis(run_lp, nidx, 1)
        just = hits & top_mask[None]
        cand = top_scores / ((cur + 1 - prompt_len) ** length_penalty)
        full = finished.all(-1, keepdims=True) & (early_stopping is True)
        cand = cand + full * -1e9 + (~unsatisfied) * -1e9 + (~just) * -1e9
        merged_seqs = np.concatenate([sequences, top_seqs], 1)
        merged_scores = np.concatenate([beam_scores, cand], 1)
        merged_fin = np.concatenate([finished, just], 1)
        m = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        sequences = np.take_along_axis(merged_seqs, m[:, :, None], 1)
        beam_scores = np.take_along_axis(merged_scores, m, 1)
        finished = np.take_along_axis(merged_fin, m, 1)
        cur += 1
        best_len = (max_length - prompt_len) if (early_stopping == "never" and length_penalty > 0) else (cur - prompt_len)
        best_possible = running_scores[:, :1] / (best_len ** length_penalty)
        worst = np.where(finished, beam_scores.min(1, keepdims=True), -1e9)
        unsatisfied = unsatisfied & (best_possible > worst).any(-1, keepdims=True)
        go_on = unsatisfied.any() and not (finished.all() and early_stopping is True) and not hits.all()
        if not go_on:
            break
    out, scores = [], []
    for b in range(batch):
        seq = sequences[b, 0, prompt_len:].tolist()
        seq = [t for t in seq if t != -1]
        if eos in seq:
            seq = seq[: seq.index(eos) + 1]
        out.append(seq)
        scores.append(float(beam_scores[b, 0]))
    return out, scores


# ---------------------------------------------------------------- candidate scoring (LAVIS predict_class)

def token_losses(logits, labels):
    lp = log_softmax(logits)
    valid = labels != -100
    picked = np.take_along_axis(lp, np.where(valid, labels, 0)[..., None], -1)[..., 0]
    return -picked * valid


def t5_candidates(p, cfg, seed):
    """blip2_t5_instruct._predict_class: encoder([queries; prompt]); each candidate (T5 tokens, EOS
    included, right-padded) as labels, pad -> -100, its mask as decoder_attention_mask; score =
    summed token loss (LAVIS's modeling_t5 with reduction='none')."""
    rng = np.random.default_rng(seed + 100)
    prefix = rng.normal(0, 1.0, (2, 3, cfg["d_model"])).astype(np.float32).astype(np.float64)
    prompt = np.array([[4, 9, 2, 0], [7, 3, 11, 15]])
    prompt_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]])
    cands = [[6, 1], [12, 17, 5, 1], [20, 1]]
    n, width = len(cands), max(len(c) for c in cands)
    ids = np.zeros((n, width), np.int64)
    cmask = np.zeros((n, width), np.int64)
    for i, c in enumerate(cands):
        ids[i, :len(c)] = c
        cmask[i, :len(c)] = 1
    emb = np.concatenate([prefix, p["shared.weight"][prompt]], axis=1)
    mask = np.concatenate([np.ones((2, 3)), prompt_mask], axis=1)
    enc = t5_stack(p, cfg, "encoder", emb, mask)
    scores = np.zeros((2, n))
    for b in range(2):
        labels = np.where(cmask == 1, ids, -100)
        dec = t5_stack(p, cfg, "decoder", p["shared.weight"][t5_shift_right(labels, cfg)], cmask.astype(np.float64),
                       np.repeat(enc[b:b + 1], n, 0), np.repeat(mask[b:b + 1], n, 0))
        scores[b] = token_losses(t5_logits(p, cfg, dec), labels).sum(1)
    return dict(prefix=prefix.reshape(-1).tolist(), prefix_shape=list(prefix.shape), prompt=prompt.tolist(),
                prompt_mask=prompt_mask.tolist(), candidates=cands, scores=scores.tolist())


def llama_candidates(p, cfg, seed):
    """blip2_vicuna_instruct._predict_class: per (example, candidate) the row
    prompt[:len] + candidate[1:] (BOS dropped) + prompt padding, right-padded candidates; labels
    only on candidate tokens; inputs [queries; row]; positions 0..n-1; score = LAVIS's
    modeling_llama reduction='none': token losses averaged over all shifted positions."""
    rng = np.random.default_rng(seed + 100)
    prefix = rng.normal(0, 1.0, (2, 3, cfg["hidden_size"])).astype(np.float32).astype(np.float64)
    prompt = np.array([[1, 9, 4, 0, 0], [1, 7, 3, 11, 15]])
    prompt_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    cands = [[1, 6], [1, 12, 17, 5], [1, 19, 2]]
    n, width = len(cands), max(len(c) for c in cands)
    pad = cfg["pad_token_id"]
    scores = np.zeros((2, n))
    for b in range(2):
        length = prompt_mask[b].sum()
        rows, masks, labels = [], [], []
        for c in cands:
            cp = list(c) + [pad] * (width - len(c))
            cm = [1] * len(c) + [0] * (width - len(c))
            row = list(prompt[b][:length]) + cp[1:] + list(prompt[b][length:])
            m = list(prompt_mask[b][:length]) + cm[1:] + list(prompt_mask[b][length:])
            lab = [-100] * length + [t if k == 1 else -100 for t, k in zip(cp[1:], cm[1:])] + [-100] * (len(prompt[b]) - length)
            rows.append(row)
            masks.append(m)
            labels.append(lab)
        rows, masks, labels = np.array(rows), np.array(masks, np.float64), np.array(labels)
        emb = np.concatenate([np.repeat(prefix[b:b + 1], n, 0), p["model.embed_tokens.weight"][rows]], axis=1)
        full_mask = np.concatenate([np.ones((n, 3)), masks], axis=1)
        full_labels = np.concatenate([np.full((n, 3), -100), labels], axis=1)
        positions = np.tile(np.arange(emb.shape[1]), (n, 1))
        logits = llama_logits(p, cfg, llama_hidden(p, cfg, emb, full_mask, positions))
        tok = token_losses(logits[:, :-1], full_labels[:, 1:])
        scores[b] = tok.mean(1)
    return dict(prefix=prefix.reshape(-1).tolist(), prefix_shape=list(prefix.shape), prompt=prompt.tolist(),
                prompt_mask=prompt_mask.tolist(), candidates=cands, scores=scores.tolist())


# ---------------------------------------------------------------- cases

def t5_case(directory, seed, ff_proj, tied):
    rng = np.random.default_rng(seed)
    cfg = dict(architectures=["T5ForConditionalGeneration"], model_type="t5", vocab_size=24, d_model=16, d_kv=4,
               d_ff=24, num_layers=2, num_decoder_layers=3, num_heads=4, relative_attention_num_buckets=8,
               relative_attention_max_distance=12, dropout_rate=0.1, layer_norm_epsilon=1e-6,
               feed_forward_proj=ff_proj, tie_word_embeddings=tied, is_encoder_decoder=True,
               pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    d, inner, dff, v = cfg["d_model"], cfg["num_heads"] * cfg["d_kv"], cfg["d_ff"], cfg["vocab_size"]
    p = {"shared.weight": rng.normal(0, 1.0, (v, d))}
    if not tied:
        p["lm_head.weight"] = rng.normal(0, 0.5, (v, d))
    for name, n in (("encoder", cfg["num_layers"]), ("decoder", cfg["num_decoder_layers"])):
        for i in range(n):
            pre = f"{name}.block.{i}.layer."
            attn = [("0.SelfAttention.", True)] + ([("1.EncDecAttention.", False)] if name == "decoder" else [])
            for a, self_attn in attn:
                for w in "qkv":
                    p[pre + a + w + ".weight"] = rng.normal(0, 0.5, (inner, d))
                p[pre + a + "o.weight"] = rng.normal(0, 0.5, (d, inner))
                if i == 0 and self_attn:
                    p[pre + a + "relative_attention_bias.weight"] = rng.normal(0, 1.0, (cfg["relative_attention_num_buckets"], cfg["num_heads"]))
                p[pre + a[0] + ".layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
            ff = 2 if name == "decoder" else 1
            if ff_proj.startswith("gated"):
                p[pre + f"{ff}.DenseReluDense.wi_0.weight"] = rng.normal(0, 0.5, (dff, d))
                p[pre + f"{ff}.DenseReluDense.wi_1.weight"] = rng.normal(0, 0.5, (dff, d))
            else:
                p[pre + f"{ff}.DenseReluDense.wi.weight"] = rng.normal(0, 0.5, (dff, d))
            p[pre + f"{ff}.DenseReluDense.wo.weight"] = rng.normal(0, 0.3, (d, dff))
            p[pre + f"{ff}.layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
        p[name + ".final_layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
    p = {k: val.astype(np.float32).astype(np.float64) for k, val in p.items()}

    # right padding in row 0, left padding in row 1 (T5's encoder handles both)
    input_ids = np.array([[5, 9, 13, 2, 7, 0, 0], [0, 0, 4, 11, 3, 8, 21]])
    mask = np.array([[1, 1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 1]])
    labels = np.array([[6, 12, 1, -100, -100], [17, 3, 9, 14, 1]])
    enc = t5_stack(p, cfg, "encoder", p["shared.weight"][input_ids], mask.astype(np.float64))
    dec = t5_stack(p, cfg, "decoder", p["shared.weight"][t5_shift_right(labels, cfg)], None, enc, mask.astype(np.float64))
    logits = t5_logits(p, cfg, dec)
    loss = cross_entropy(logits, labels)

    eos, pad, start = cfg["eos_token_id"], cfg["pad_token_id"], cfg["decoder_start_token_id"]
    max_new = 10
    dec1 = T5Decoding(p, cfg, input_ids, mask, 1)
    g_tokens, g_logprob = greedy(dec1, np.full((2, 1), start), max_new, eos, pad)
    pen_tokens, _ = greedy(dec1, np.full((2, 1), start), max_new, eos, pad, min_new=4, repetition_penalty=1.5)
    beams = {}
    for nb, lp, es in ((3, 1.0, False), (4, 0.0, "never"), (2, 2.0, True)):
        dec = T5Decoding(p, cfg, input_ids, mask, nb)
        toks, scores = beam_search(dec, np.full((2 * nb, 1), start), 2, nb, max_new, eos, lp, es)
        beams[f"{nb}_{lp}_{es}"] = dict(num_beams=nb, length_penalty=lp, early_stopping=str(es).lower(), tokens=toks, scores=scores)
    candidates = t5_candidates(p, cfg, seed)
    expected = dict(input_ids=input_ids.tolist(), attention_mask=mask.tolist(), labels=labels.tolist(),
                    logits_shape=list(logits.shape), logits=logits.reshape(-1).tolist(), loss=loss,
                    max_new_tokens=max_new, greedy=g_tokens, greedy_logprob=g_logprob.tolist(),
                    penalized=dict(min_new_tokens=4, repetition_penalty=1.5, tokens=pen_tokens), beams=beams,
                    candidates=candidates)
    write_dir(directory, cfg, p, expected)
    print(directory, "loss", loss, "greedy", g_tokens, "penalized", pen_tokens, "candidates", candidates["scores"])
    for key, b in beams.items():
        print("   beam", key, b["tokens"], b["scores"])


def llama_case(directory, seed, bias, tied, head_dim):
    rng = np.random.default_rng(seed)
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=20, hidden_size=24,
               intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
               head_dim=head_dim, hidden_act="silu", max_position_embeddings=64, rms_norm_eps=1e-5,
               rope_theta=500.0, attention_bias=bias, mlp_bias=bias, tie_word_embeddings=tied,
               bos_token_id=1, eos_token_id=2, pad_token_id=0)
    d, hq, hk, inter, v = cfg["hidden_size"], 4 * head_dim, 2 * head_dim, cfg["intermediate_size"], cfg["vocab_size"]
    p = {"model.embed_tokens.weight": rng.normal(0, 1.0, (v, d))}
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        shapes = {"self_attn.q_proj": (hq, d), "self_attn.k_proj": (hk, d), "self_attn.v_proj": (hk, d),
                  "self_attn.o_proj": (d, hq), "mlp.gate_proj": (inter, d), "mlp.up_proj": (inter, d),
                  "mlp.down_proj": (d, inter)}
        for name, shape in shapes.items():
            p[pre + name + ".weight"] = rng.normal(0, 0.4, shape)
            if bias:
                p[pre + name + ".bias"] = rng.normal(0, 0.2, shape[0])
        p[pre + "input_layernorm.weight"] = 1.0 + rng.normal(0, 0.2, d)
        p[pre + "post_attention_layernorm.weight"] = 1.0 + rng.normal(0, 0.2, d)
    p["model.norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
    if not tied:
        p["lm_head.weight"] = rng.normal(0, 0.5, (v, d))
    p = {k: val.astype(np.float32).astype(np.float64) for k, val in p.items()}

    # left padding in row 0, none in row 1
    input_ids = np.array([[0, 0, 1, 7, 12, 5, 9], [1, 4, 15, 3, 8, 11, 6]])
    mask = np.array([[0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]])
    positions = np.tile(np.arange(input_ids.shape[1]), (2, 1))  # forward: arange, whatever the padding
    h = llama_hidden(p, cfg, p["model.embed_tokens.weight"][input_ids], mask.astype(np.float64), positions)
    logits = llama_logits(p, cfg, h)
    labels = np.array([[-100, -100, -100, 7, 12, -100, 9], [-100, 4, 15, 3, 8, 11, 6]])
    loss = cross_entropy(logits[:, :-1], labels[:, 1:])
    tail = np.array([[12, 5, -100], [-100, 11, 6]])  # labels for the last 3 positions only
    loss_tail = cross_entropy(logits[:, -3:][:, :-1], tail[:, 1:])

    eos, pad = cfg["eos_token_id"], cfg["pad_token_id"]
    max_new = 8
    dec1 = LlamaDecoding(p, cfg, input_ids, mask, 1)
    g_tokens, g_logprob = greedy(dec1, np.zeros((2, 0), np.int64), max_new, eos, pad)
    pen_tokens, _ = greedy(dec1, np.zeros((2, 0), np.int64), max_new, eos, pad, min_new=3, repetition_penalty=1.5)
    beams = {}
    for nb, lp, es in ((3, 1.0, False), (4, 0.0, "never"), (2, 2.0, True)):
        dec = LlamaDecoding(p, cfg, input_ids, mask, nb)
        toks, scores = beam_search(dec, np.zeros((2 * nb, 0), np.int64), 2, nb, max_new, eos, lp, es)
        beams[f"{nb}_{lp}_{es}"] = dict(num_beams=nb, length_penalty=lp, early_stopping=str(es).lower(), tokens=toks, scores=scores)
    candidates = llama_candidates(p, cfg, seed)
    expected = dict(input_ids=input_ids.tolist(), attention_mask=mask.tolist(), labels=labels.tolist(),
                    logits_shape=list(logits.shape), logits=logits.reshape(-1).tolist(), loss=loss,
                    tail_labels=tail.tolist(), tail_loss=loss_tail, candidates=candidates,
                    max_new_tokens=max_new, greedy=g_tokens, greedy_logprob=g_logprob.tolist(),
                    penalized=dict(min_new_tokens=3, repetition_penalty=1.5, tokens=pen_tokens), beams=beams)
    write_dir(directory, cfg, p, expected)
    print(directory, "loss", loss, loss_tail, "greedy", g_tokens, "penalized", pen_tokens, "candidates", candidates["scores"])
    for key, b in beams.items():
        print("   beam", key, b["tokens"], b["scores"])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "sdk-models/src/test/resources/golden"
    t5_case(os.path.join(out, "t5-gated-tied"), 11, "gated-gelu", True)
    t5_case(os.path.join(out, "t5-relu-untied"), 12, "relu", False)
    llama_case(os.path.join(out, "llama-gqa-tied"), 21, False, True, 6)
    llama_case(os.path.join(out, "llama-bias-untied"), 22, True, False, 8)


if __name__ == "__main__":
    main()
