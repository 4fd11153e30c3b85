#!/usr/bin/env python3
"""Independent numpy reference of transformers' LlavaForConditionalGeneration (CLIP vision tower,
multi-modal projector, LLaMA language model, causal LM loss), written from transformers'
modeling_clip.py and modeling_llava.py (the current forward: hidden_states[vision_feature_layer],
CLS dropped for the "default" strategy, features masked_scatter'ed into the <image> tokens in
row-major order), in float64.

It writes tiny random LLaVA checkpoints in Hugging Face layout (config.json + model.safetensors,
legacy or current tensor names, single file or sharded), model inputs under transformers' names
(inputs.safetensors: pixel_values, input_ids with the image tokens expanded, attention_mask,
labels) and the reference outputs (expected.safetensors: logits, loss, image_hidden_states) and, for some cases,
generation.safetensors: the prompts alone, left-padded, with greedy_tokens and beam3_tokens,
transformers' greedy and 3-beam search continuations (max_new_tokens 5, -1 after EOS).

The LLaMA part and the greedy search are llm_reference.py's (written from modeling_llama.py and
generation/utils.py); the safetensors writer is instructblip_ref.py's.

Regenerate from the repository root (numpy only):

    python3 sdk-models/src/test/python/llava_reference.py sdk-models/src/test/resources/llava-reference
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from instructblip_ref import save_safetensors  # noqa: E402
from llm_reference import LlamaDecoding, beam_search, cross_entropy, greedy, llama_hidden, llama_logits  # noqa: E402

LEGACY_TO_CURRENT = [
    ("vision_tower.", "model.vision_tower."),
    ("multi_modal_projector.", "model.multi_modal_projector."),
    ("language_model.model.", "model.language_model."),
    ("language_model.lm_head.", "lm_head."),
]


# ----------------------------------------------------------------------------- math
def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def act(name, x):
    if name == "quick_gelu":  # QuickGELUActivation
        return x * (1.0 / (1.0 + np.exp(-1.702 * x)))
    if name == "gelu":  # GELUActivation: exact erf form
        return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    raise ValueError(name)


def linear(W, name, x):
    y = x @ W[name + ".weight"].astype(np.float64).T
    if name + ".bias" in W:
        y = y + W[name + ".bias"]
    return y


# ----------------------------------------------------------------------------- CLIP vision tower
def clip_hidden_states(W, vc, pixels):
    """CLIPVisionTransformer with output_hidden_states=True: (pre_layrnorm(embeddings), layer 1, ...)."""
    p = "vision_tower.vision_model."
    D, P, nh, eps = vc["hidden_size"], vc["patch_size"], vc["num_attention_heads"], vc["layer_norm_eps"]
    B, C, H, _ = pixels.shape
    g = H // P
    # Conv2d(C, D, P, stride=P, bias=False) as a matmul over flattened patches (c, i, j order)
    # the stride-P convolution ignores the last H % P rows and columns
    patches = pixels[:, :, :g * P, :g * P].reshape(B, C, g, P, g, P).transpose(0, 2, 4, 1, 3, 5).reshape(B, g * g, C * P * P)
    x = patches @ W[p + "embeddings.patch_embedding.weight"].reshape(D, -1).astype(np.float64).T
    cls = np.broadcast_to(W[p + "embeddings.class_embedding"].astype(np.float64), (B, 1, D))
    x = np.concatenate([cls, x], 1) + W[p + "embeddings.position_embedding.weight"]
    x = layer_norm(x, W[p + "pre_layrnorm.weight"], W[p + "pre_layrnorm.bias"], eps)
    states = [x]
    hd = D // nh
    for i in range(vc["num_hidden_layers"]):
        q = f"{p}encoder.layers.{i}."
        h = layer_norm(x, W[q + "layer_norm1.weight"], W[q + "layer_norm1.bias"], eps)

        def heads(t):
            return t.reshape(B, -1, nh, hd).transpose(0, 2, 1, 3)

        qs, ks, vs = (heads(linear(W, q + "self_attn." + n, h)) for n in ("q_proj", "k_proj", "v_proj"))
        a = softmax(qs @ ks.transpose(0, 1, 3, 2) * hd ** -0.5) @ vs
        a = a.transpose(0, 2, 1, 3).reshape(B, -1, D)
        x = x + linear(W, q + "self_attn.out_proj", a)
        h = layer_norm(x, W[q + "layer_norm2.weight"], W[q + "layer_norm2.bias"], eps)
        x = x + linear(W, q + "mlp.fc2", act(vc["hidden_act"], linear(W, q + "mlp.fc1", h)))
        states.append(x)
    return states


def image_features(W, cfg, pixels):
    """LlavaModel.get_image_features."""
    states = clip_hidden_states(W, cfg["vision_config"], pixels)
    layer = cfg["vision_feature_layer"]
    picked = [states[layer]] if isinstance(layer, int) else [states[i] for i in layer]
    if cfg["vision_feature_select_strategy"] == "default":
        picked = [s[:, 1:] for s in picked]
    feats = np.concatenate(picked, -1)
    h = act(cfg["projector_hidden_act"], linear(W, "multi_modal_projector.linear_1", feats))
    return linear(W, "multi_modal_projector.linear_2", h)


def lm_weights(W):
    return {k[len("language_model."):]: v.astype(np.float64) for k, v in W.items() if k.startswith("language_model.")}


def lm_config(cfg):
    tc = dict(cfg["text_config"])
    tc["tie_word_embeddings"] = bool(cfg.get("tie_word_embeddings") or tc.get("tie_word_embeddings"))
    return tc


def input_embeddings(W, cfg, ids, feats):
    """get_input_embeddings()(input_ids), then masked_scatter of the features into the image tokens."""
    token = cfg["image_token_index"]
    embeds = W["language_model.model.embed_tokens.weight"].astype(np.float64)[ids]
    n_tokens = int((ids == token).sum())
    n_features = feats.shape[0] * feats.shape[1]
    if n_tokens != n_features:
        raise ValueError(f"Image features and image tokens do not match: tokens: {n_tokens}, features {n_features}")
    flat = feats.reshape(-1, feats.shape[-1])
    for n, (b, l) in enumerate(np.argwhere(ids == token)):  # row-major, as masked_scatter fills
        embeds[b, l] = flat[n]
    return embeds


def llava(W, cfg, inputs):
    ids = inputs["input_ids"]
    mask = inputs["attention_mask"].astype(np.float64)
    feats = image_features(W, cfg, inputs["pixel_values"].astype(np.float64))
    embeds = input_embeddings(W, cfg, ids, feats)
    L = ids.shape[1]
    positions = np.arange(L)[None].repeat(ids.shape[0], 0)  # LlamaModel without position_ids
    p, tc = lm_weights(W), lm_config(cfg)
    logits = llama_logits(p, tc, llama_hidden(p, tc, embeds, mask, positions))
    out = {"logits": logits, "image_hidden_states": feats}
    # ForCausalLMLoss: labels padded with -100 and shifted left
    out["loss"] = np.array(cross_entropy(logits[:, :-1], inputs["labels"][:, 1:]))
    return out, embeds


def generated_tokens(W, cfg, inputs, embeds, max_new, num_beams=1):
    """transformers' greedy search (num_beams 1) or beam search from the prompt embeddings."""
    p, tc = lm_weights(W), lm_config(cfg)
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    decoding = LlamaDecoding(p, tc, np.where(ids == cfg["image_token_index"], 0, ids), mask, num_beams)
    decoding.embeds = np.repeat(embeds, num_beams, axis=0)
    start = np.zeros((ids.shape[0] * num_beams, 0), np.int64)
    if num_beams == 1:
        generated, _ = greedy(decoding, start, max_new, tc["eos_token_id"], tc["pad_token_id"])
    else:
        generated, _ = beam_search(decoding, start, ids.shape[0], num_beams, max_new, tc["eos_token_id"])
    out = np.full((ids.shape[0], max_new), -1, np.int64)
    for r, g in enumerate(generated):
        out[r, :len(g)] = g
    return out


# ----------------------------------------------------------------------------- tiny checkpoints
def tiny_config(strategy, layer, image_token, tied, image_size=14):
    return {
        "architectures": ["LlavaForConditionalGeneration"],
        "model_type": "llava",
        "image_token_index": image_token,
        "projector_hidden_act": "gelu",
        "vision_feature_select_strategy": strategy,
        "vision_feature_layer": layer,
        "multimodal_projector_bias": True,
        "tie_word_embeddings": tied,
        "pad_token_id": 0,
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": 32, "intermediate_size": 48, "projection_dim": 16,
                          "num_hidden_layers": 3, "num_attention_heads": 4, "num_channels": 3, "image_size": image_size,
                          "patch_size": 7, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
        "text_config": {"model_type": "llama", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 44,
                        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
                        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 128,
                        "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "hidden_act": "silu"},
    }


def tiny_weights(cfg, rng):
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

    vc, tc = cfg["vision_config"], cfg["text_config"]
    D, P, I = vc["hidden_size"], vc["patch_size"], vc["intermediate_size"]
    v = "vision_tower.vision_model."
    rnd(v + "embeddings.class_embedding", D, std=0.5)
    rnd(v + "embeddings.patch_embedding.weight", D, vc["num_channels"], P, P, std=0.05)
    rnd(v + "embeddings.position_embedding.weight", (vc["image_size"] // P) ** 2 + 1, D)
    ln(v + "pre_layrnorm", D)
    for i in range(vc["num_hidden_layers"]):
        p = f"{v}encoder.layers.{i}."
        for n in ("k_proj", "v_proj", "q_proj", "out_proj"):
            lin(p + "self_attn." + n, D, D)
        ln(p + "layer_norm1", D)
        lin(p + "mlp.fc1", D, I)
        lin(p + "mlp.fc2", I, D)
        ln(p + "layer_norm2", D)
    ln(v + "post_layernorm", D)
    T = tc["hidden_size"]
    layers = 1 if isinstance(cfg["vision_feature_layer"], int) else len(cfg["vision_feature_layer"])
    lin("multi_modal_projector.linear_1", D * layers, T)
    lin("multi_modal_projector.linear_2", T, T)
    lm = "language_model."
    V, nh, nkv, hd = tc["vocab_size"], tc["num_attention_heads"], tc["num_key_value_heads"], tc["head_dim"]
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
    if not cfg["tie_word_embeddings"]:
        rnd(lm + "lm_head.weight", V, T)
    return W


def features_per_image(cfg):
    vc = cfg["vision_config"]
    return (vc["image_size"] // vc["patch_size"]) ** 2 + (1 if cfg["vision_feature_select_strategy"] == "full" else 0)


def tiny_inputs(cfg, rng, padding_side):
    """Two rows shaped like the LLaVA-1.5 prompt "USER: <image>\\n{question} ASSISTANT: {answer}</s>":
    BOS, prefix tokens, the expanded image tokens, question tokens, answer tokens and EOS; row 1 shorter
    and padded. Labels only on the answer and EOS."""
    vc = cfg["vision_config"]
    V = cfg["text_config"]["vocab_size"]
    token = cfg["image_token_index"]
    F = features_per_image(cfg)
    rows, answers, prompts = [], [], []
    for question, answer in ((4, 3), (2, 2)):
        words = lambda n: list(rng.integers(3, V - 1, size=n))  # noqa: E731 (never the image token, V - 1)
        prompt = [1] + words(2) + [token] * F + words(question)
        rows.append(prompt + words(answer) + [2])
        answers.append(len(prompt))
        prompts.append(prompt)
    L = max(len(r) for r in rows)
    ids = np.zeros((2, L), np.int64)
    mask = np.zeros((2, L), np.int64)
    labels = np.full((2, L), -100, np.int64)
    for b, r in enumerate(rows):
        at = 0 if padding_side == "right" else L - len(r)
        ids[b, at:at + len(r)] = r
        mask[b, at:at + len(r)] = 1
        labels[b, at + answers[b]:at + len(r)] = r[answers[b]:]
    pixels = rng.standard_normal((2, vc["num_channels"], vc["image_size"], vc["image_size"])).astype(np.float32)
    # the prompts alone, left-padded, for generation
    P = max(len(r) for r in prompts)
    pids = np.zeros((2, P), np.int64)
    pmask = np.zeros((2, P), np.int64)
    for b, r in enumerate(prompts):
        pids[b, P - len(r):] = r
        pmask[b, P - len(r):] = 1
    prompt_inputs = {"pixel_values": pixels, "input_ids": pids, "attention_mask": pmask}
    return {"pixel_values": pixels, "input_ids": ids, "attention_mask": mask, "labels": labels}, prompt_inputs


def to_current(W):
    out = {}
    for k, v in W.items():
        for old, new in LEGACY_TO_CURRENT:
            if k.startswith(old):
                k = new + k[len(old):]
                break
        out[k] = v
    return out


def write_case(out_dir, name, cfg, W, both, layout="legacy", shards=1, int32=False, generate=0):
    inputs, prompt_inputs = both
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    stored = to_current(W) if layout == "current" else W
    if shards == 1:
        save_safetensors(os.path.join(d, "model.safetensors"), stored)
    else:
        names = sorted(stored)
        per = (len(names) + shards - 1) // shards
        weight_map = {}
        for s in range(shards):
            file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: stored[n] for n in names[s * per:(s + 1) * per]}
            save_safetensors(os.path.join(d, file), part)
            weight_map.update({n: file for n in part})
        total = sum(v.nbytes for v in stored.values())
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    cast = np.int32 if int32 else np.int64
    save_safetensors(os.path.join(d, "inputs.safetensors"),
                     {k: (v.astype(np.float32) if v.dtype.kind == "f" else v.astype(cast)) for k, v in inputs.items()})
    out, _ = llava(W, cfg, inputs)
    save_safetensors(os.path.join(d, "expected.safetensors"), {k: np.asarray(v, dtype=np.float32) for k, v in out.items()})
    line = f"{name} loss {float(out['loss'])} logits {out['logits'].shape} first {out['logits'].reshape(-1)[:3]}"
    if generate:
        ids = prompt_inputs["input_ids"]
        feats = image_features(W, cfg, prompt_inputs["pixel_values"].astype(np.float64))
        embeds = input_embeddings(W, cfg, ids, feats)
        tokens = generated_tokens(W, cfg, prompt_inputs, embeds, generate)
        beams = generated_tokens(W, cfg, prompt_inputs, embeds, generate, num_beams=3)
        save_safetensors(os.path.join(d, "generation.safetensors"),
                         {"pixel_values": prompt_inputs["pixel_values"], "input_ids": ids.astype(cast),
                          "attention_mask": prompt_inputs["attention_mask"].astype(cast), "greedy_tokens": tokens,
                          "beam3_tokens": beams})
        line += f" greedy {tokens.tolist()} beams {beams.tolist()}"
    print(line)


def main(out_dir):
    rng = np.random.default_rng(15)
    cfg = tiny_config("default", -2, 63, tied=False)
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "default-legacy", cfg, W, tiny_inputs(cfg, rng, "right"))
    # the same weights and inputs in the current layout, sharded: the same numbers
    write_case(out_dir, "default-current-sharded", cfg, W, tiny_inputs(cfg, np.random.default_rng(15 + 1000), "right"),
               layout="current", shards=3)
    cfg = tiny_config("full", -1, 63, tied=True)
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "full-current-tied", cfg, W, tiny_inputs(cfg, rng, "left"), layout="current", int32=True, generate=5)
    # several feature layers (the embeddings output among them), concatenated;
    # an image size that is not a multiple of the patch (16 = 2 * 7 + 2)
    cfg = tiny_config("default", [-3, 0], 63, tied=False, image_size=16)
    W = tiny_weights(cfg, rng)
    write_case(out_dir, "layers-legacy-left", cfg, W, tiny_inputs(cfg, rng, "left"), generate=5)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
