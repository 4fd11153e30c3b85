#!/usr/bin/env python3
"""Independent numpy reference for prefix tuning, adaption prompts and bottleneck adapters.

Written from Hugging Face PEFT's peft_model.py (get_prompt, PeftModelForCausalLM/Seq2SeqLM.forward),
tuners/adaption_prompt/{layer,utils}.py, transformers' T5/LLaMA forward with past_key_values, and
AdapterHub's bottleneck_layer_forward (adapters/methods/{bottleneck,modeling}.py), not from the Java
code. It generates tiny random T5 and LLaMA checkpoints (Hugging Face layout), adapter directories
exactly as PEFT writes them (PREFIX_TUNING: one `prompt_embeddings` tensor; ADAPTION_PROMPT:
`base_model.model.<layer>.self_attn.adaption_prompt/adaption_gate`) plus this SDK's own
MMPEFT_BOTTLENECK_ADAPTER layout, padded inputs, and the logits the reference semantics give. The
Java test BlocksReferenceTest loads them and compares.

Regenerate (numpy only) from the repository root:

    python3 sdk-peft/src/test/python/blocks_reference.py sdk-peft/src/test/resources/blocks-reference

The shared T5/LLaMA pieces (RMSNorm, gelu_new, softmax, T5 position buckets, rotary tables) come
from sdk-models' own reference, llm_reference.py.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "sdk-models", "src", "test", "python"))
from llm_reference import (FMIN, gelu_new, merge_heads, relu, rms_norm, rope_cos_sin, rotate_half, silu,  # noqa: E402
                           softmax, split_heads, t5_position_bias, write_safetensors)

P = 3  # num_virtual_tokens


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)


def write_model(directory, cfg, p):
    os.makedirs(directory, exist_ok=True)
    write_json(os.path.join(directory, "config.json"), cfg)
    write_safetensors(os.path.join(directory, "model.safetensors"), {k: v.astype(np.float32) for k, v in p.items()})


def write_adapter(directory, config, tensors):
    os.makedirs(directory, exist_ok=True)
    write_json(os.path.join(directory, "adapter_config.json"), config)
    write_safetensors(os.path.join(directory, "adapter_model.safetensors"), {k: v.astype(np.float32) for k, v in tensors.items()})


def f32(a):
    return a.astype(np.float32).astype(np.float64)


# ---------------------------------------------------------------- PEFT's get_prompt

def peft_past_key_values(prompt_embeddings, batch, num_layers, heads, token_dim, submodules):
    """PEFT get_prompt for PREFIX_TUNING, literally: view, duplicate for 2 submodules, permute, split."""
    past = np.repeat(prompt_embeddings[None], batch, axis=0)  # embedding.weight.repeat(batch, 1, 1)
    past = past.reshape(batch, P, num_layers * 2, heads, token_dim // heads)
    if submodules == 2:
        past = np.concatenate([past, past], axis=2)
    past = past.transpose(2, 0, 3, 1, 4)  # [rows, B, H, P, D]
    group = submodules * 2
    chunks = [past[i:i + group] for i in range(0, past.shape[0], group)]
    # the (self) key and value of each layer; a seq2seq cache's cross part is replaced by an empty one
    return [(c[0], c[1]) for c in chunks]


# ---------------------------------------------------------------- AdapterHub bottleneck

def bottleneck(ad, z, act):
    return (act(z @ ad["down_w"].T + ad["down_b"])) @ ad["up_w"].T + ad["up_b"]  # scaling 1, no dropout


def residual(f, x, ad, placement, act):
    """bottleneck_layer_forward with layer_norm=None (pre-norm T5/LLaMA)."""
    if ad is None:
        return x + f
    if placement == "houlsby":  # original_ln_before False, residual_before_ln True
        return (bottleneck(ad, f, act) + f) + x
    h = f + x  # pfeiffer: original_ln_before True, residual is f
    return (bottleneck(ad, h, act) + f) + x


# ---------------------------------------------------------------- T5 with past_key_values and adapters

def t5_attn(p, pre, x, kv, bias, heads, prefix=None):
    q = split_heads(x @ p[pre + "q.weight"].T, heads)
    k = split_heads(kv @ p[pre + "k.weight"].T, heads)
    v = split_heads(kv @ p[pre + "v.weight"].T, heads)
    if prefix is not None:
        k = np.concatenate([prefix[0], k], axis=2)
        v = np.concatenate([prefix[1], v], axis=2)
    return merge_heads(softmax(q @ k.transpose(0, 1, 3, 2) + bias) @ v) @ p[pre + "o.weight"].T


def t5_stack(p, cfg, name, emb, mask, enc=None, enc_mask=None, prefixes=None, adapters=None, placement=None, act=None):
    decoder = name == "decoder"
    n = cfg["num_decoder_layers"] if decoder else cfg["num_layers"]
    eps, heads = cfg["layer_norm_epsilon"], cfg["num_heads"]
    b, length, _ = emb.shape
    past = P if prefixes is not None else 0
    keys = past + length
    # cache_position = past + arange(length): queries after the prefix for the relative position bias
    bias = t5_position_bias(p[name + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight"], length, keys, past, not decoder, cfg)
    full = np.concatenate([np.ones((b, past)), mask], axis=1) if mask is not None else np.ones((b, keys))
    if decoder:
        allowed = (np.arange(keys)[None, :] <= past + np.arange(length)[:, None]).astype(np.float64)[None, None] * full[:, None, None, :]
    else:
        allowed = full[:, None, None, :]
    bias = bias + (1.0 - allowed) * FMIN
    adapters = adapters or {}
    h = emb
    for i in range(n):
        pre = f"{name}.block.{i}.layer."
        x = rms_norm(h, p[pre + "0.layer_norm.weight"], eps)
        f = t5_attn(p, pre + "0.SelfAttention.", x, x, bias, heads, None if prefixes is None else prefixes[i])
        h = residual(f, h, adapters.get(pre + "0"), placement, act)
        ff = 1
        if decoder:
            x = rms_norm(h, p[pre + "1.layer_norm.weight"], eps)
            h = h + t5_attn(p, pre + "1.EncDecAttention.", x, enc, (1.0 - enc_mask[:, None, None, :]) * FMIN, heads)
            ff = 2
        x = rms_norm(h, p[pre + f"{ff}.layer_norm.weight"], eps)
        g = gelu_new(x @ p[pre + f"{ff}.DenseReluDense.wi_0.weight"].T) * (x @ p[pre + f"{ff}.DenseReluDense.wi_1.weight"].T)
        f = g @ p[pre + f"{ff}.DenseReluDense.wo.weight"].T
        h = residual(f, h, adapters.get(pre + str(ff)), placement, act)
    return rms_norm(h, p[name + ".final_layer_norm.weight"], eps)


def t5_model():
    rng = np.random.default_rng(31)
    cfg = dict(architectures=["T5ForConditionalGeneration"], model_type="t5", vocab_size=24, d_model=16, d_kv=4,
               d_ff=24, num_layers=2, num_decoder_layers=2, num_heads=4, relative_attention_num_buckets=8,
               relative_attention_max_distance=12, dropout_rate=0.1, layer_norm_epsilon=1e-6,
               feed_forward_proj="gated-gelu", tie_word_embeddings=False, is_encoder_decoder=True,
               pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    d, inner, dff, v = 16, 16, 24, 24
    p = {"shared.weight": rng.normal(0, 1.0, (v, d)), "lm_head.weight": rng.normal(0, 0.5, (v, d))}
    for name in ("encoder", "decoder"):
        for i in range(2):
            pre = f"{name}.block.{i}.layer."
            for a, self_attn in [("0.SelfAttention.", True)] + ([("1.EncDecAttention.", False)] if name == "decoder" else []):
                for w in "qkv":
                    p[pre + a + w + ".weight"] = rng.normal(0, 0.5, (inner, d))
                p[pre + a + "o.weight"] = rng.normal(0, 0.5, (d, inner))
                if i == 0 and self_attn:
                    p[pre + a + "relative_attention_bias.weight"] = rng.normal(0, 1.0, (8, 4))
                p[pre + a[0] + ".layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
            ff = 2 if name == "decoder" else 1
            p[pre + f"{ff}.DenseReluDense.wi_0.weight"] = rng.normal(0, 0.5, (dff, d))
            p[pre + f"{ff}.DenseReluDense.wi_1.weight"] = rng.normal(0, 0.5, (dff, d))
            p[pre + f"{ff}.DenseReluDense.wo.weight"] = rng.normal(0, 0.3, (d, dff))
            p[pre + f"{ff}.layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
        p[name + ".final_layer_norm.weight"] = 1.0 + rng.normal(0, 0.2, d)
    return cfg, {k: f32(val) for k, val in p.items()}, rng


def t5_logits(p, cfg, input_ids, mask, decoder_ids, prefixes=None, adapters=None, placement=None, act=None):
    enc = t5_stack(p, cfg, "encoder", p["shared.weight"][input_ids], mask, adapters=adapters, placement=placement, act=act)
    dec = t5_stack(p, cfg, "decoder", p["shared.weight"][decoder_ids], None, enc, mask, prefixes, adapters, placement, act)
    return dec @ p["lm_head.weight"].T


def t5_case(out):
    cfg, p, rng = t5_model()
    write_model(os.path.join(out, "t5"), cfg, p)
    input_ids = np.array([[5, 9, 13, 2, 7, 0, 0], [0, 0, 4, 11, 3, 8, 21]])
    mask = np.array([[1, 1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 1]], dtype=np.float64)
    decoder_ids = np.array([[0, 6, 12, 1, 0], [0, 17, 3, 9, 14]])
    cases = {}

    # PEFT prefix tuning, SEQ_2_SEQ_LM: num_transformer_submodules 2, num_layers = config.num_layers, token_dim = d_model
    emb = f32(rng.normal(0, 1.0, (P, 2 * 2 * 16)))
    prefixes = peft_past_key_values(emb, 2, 2, 4, 16, 2)
    logits = t5_logits(p, cfg, input_ids, mask, decoder_ids, prefixes=prefixes)
    write_adapter(os.path.join(out, "t5-prefix"), dict(
        auto_mapping=None, base_model_name_or_path="t5", encoder_hidden_size=16, inference_mode=True, modules_to_save=None,
        num_attention_heads=4, num_layers=2, num_transformer_submodules=2, num_virtual_tokens=P, peft_type="PREFIX_TUNING",
        prefix_projection=False, revision=None, task_type="SEQ_2_SEQ_LM", token_dim=16), {"prompt_embeddings": emb})
    cases["t5-prefix"] = logits
    # all-zero prefixes are not an identity: zero keys still take softmax weight, zero values dilute the output
    zero = np.zeros_like(emb)
    cases["t5-prefix-zero"] = t5_logits(p, cfg, input_ids, mask, decoder_ids, prefixes=peft_past_key_values(zero, 2, 2, 4, 16, 2))
    write_adapter(os.path.join(out, "t5-prefix-zero"), dict(
        auto_mapping=None, base_model_name_or_path="t5", encoder_hidden_size=16, inference_mode=True, init_weights="zero",
        modules_to_save=None, num_attention_heads=4, num_layers=2, num_transformer_submodules=2, num_virtual_tokens=P,
        peft_type="PREFIX_TUNING", prefix_projection=False, revision=None, task_type="SEQ_2_SEQ_LM", token_dim=16),
        {"prompt_embeddings": zero})

    # bottleneck adapters, Pfeiffer (feed-forward sub-layers, relu)
    adapters, tensors = random_adapters(rng, ["encoder.block.0.layer.1", "encoder.block.1.layer.1", "decoder.block.0.layer.2",
                                              "decoder.block.1.layer.2"], 16, 4)
    cases["t5-pfeiffer"] = t5_logits(p, cfg, input_ids, mask, decoder_ids, adapters=adapters, placement="pfeiffer", act=relu)
    write_adapter(os.path.join(out, "t5-pfeiffer"), bottleneck_config(sorted(adapters), "pfeiffer", "relu", "SEQ_2_SEQ_LM"), tensors)
    expected = dict(input_ids=input_ids.tolist(), attention_mask=mask.astype(int).tolist(), decoder_input_ids=decoder_ids.tolist(),
                    logits={k: v.reshape(-1).tolist() for k, v in cases.items()}, logits_shape=list(logits.shape))
    write_json(os.path.join(out, "t5-expected.json"), expected)
    print("t5", {k: float(np.abs(v).mean()) for k, v in cases.items()})


def random_adapters(rng, modules, width, size):
    adapters, tensors = {}, {}
    for m in modules:
        ad = dict(down_w=f32(rng.normal(0, 0.3, (size, width))), down_b=f32(rng.normal(0, 0.1, size)),
                  up_w=f32(rng.normal(0, 0.3, (width, size))), up_b=f32(rng.normal(0, 0.1, width)))
        adapters[m] = ad
        for k, t in (("adapter_down.weight", "down_w"), ("adapter_down.bias", "down_b"), ("adapter_up.weight", "up_w"),
                     ("adapter_up.bias", "up_b")):
            tensors[f"base_model.model.{m}.{k}"] = ad[t]
    return adapters, tensors


def bottleneck_config(modules, placement, act, task):
    return dict(adapter_dropout=0.0, auto_mapping=None, base_model_name_or_path="tiny", bottleneck_size=4, exclude_modules=None,
                inference_mode=True, init_weights="mam_adapter", layers_pattern=None, layers_to_transform=None, modules_to_save=None,
                non_linearity=act, peft_type="MMPEFT_BOTTLENECK_ADAPTER", placement=placement, reduction_factor=None, revision=None,
                scaling=1, target_modules=modules, task_type=task)


# ---------------------------------------------------------------- LLaMA with past_key_values, adaption prompts, adapters

def llama_logits(p, cfg, input_ids, mask, prefixes=None, adaption=None, adapters=None, placement=None, act=None):
    emb = p["model.embed_tokens.weight"][input_ids]
    b, length, _ = emb.shape
    heads, kv_heads, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    past = P if prefixes is not None else 0
    keys = past + length
    # PEFT concatenates ones for the prefix to the mask; transformers numbers the tokens from the cache length
    full = np.concatenate([np.ones((b, past)), mask], axis=1)
    allowed = (np.arange(keys)[None, :] <= past + np.arange(length)[:, None]).astype(np.float64)[None, None] * full[:, None, None, :]
    bias = (1.0 - allowed) * FMIN
    positions = np.tile(past + np.arange(length), (b, 1))
    cos, sin = rope_cos_sin(positions, hd, cfg["rope_theta"])
    adapters = adapters or {}
    adaption = adaption or {}
    h = emb
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        x = rms_norm(h, p[pre + "input_layernorm.weight"], eps)
        q = split_heads(x @ p[pre + "self_attn.q_proj.weight"].T, heads)
        k = split_heads(x @ p[pre + "self_attn.k_proj.weight"].T, kv_heads)
        v = split_heads(x @ p[pre + "self_attn.v_proj.weight"].T, kv_heads)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if prefixes is not None:
            k = np.concatenate([prefixes[i][0], k], axis=2)
            v = np.concatenate([prefixes[i][1], v], axis=2)
        kr, vr = np.repeat(k, heads // kv_heads, axis=1), np.repeat(v, heads // kv_heads, axis=1)
        o = merge_heads(softmax((q @ kr.transpose(0, 1, 3, 2)) * hd ** -0.5 + bias) @ vr) @ p[pre + "self_attn.o_proj.weight"].T
        ap = adaption.get(pre + "self_attn")
        if ap is not None:
            # PEFT AdaptedAttention: prompt keys/values through k_proj/v_proj, no rotary, no mask, gated softmax, o_proj
            factor = heads // kv_heads
            pk = (ap["prompt"] @ p[pre + "self_attn.k_proj.weight"].T).reshape(1, -1, kv_heads, hd).transpose(0, 2, 1, 3)
            pv = (ap["prompt"] @ p[pre + "self_attn.v_proj.weight"].T).reshape(1, -1, kv_heads, hd).transpose(0, 2, 1, 3)
            pk, pv = np.repeat(pk, factor, axis=1), np.repeat(pv, factor, axis=1)
            scores = (q @ pk.transpose(0, 1, 3, 2)) / np.sqrt(hd)
            out = (ap["gate"] * softmax(scores)) @ pv
            o = o + out.transpose(0, 2, 1, 3).reshape(b, length, -1) @ p[pre + "self_attn.o_proj.weight"].T
        h = residual(o, h, adapters.get(pre + "self_attn"), placement, act)
        x = rms_norm(h, p[pre + "post_attention_layernorm.weight"], eps)
        f = (silu(x @ p[pre + "mlp.gate_proj.weight"].T) * (x @ p[pre + "mlp.up_proj.weight"].T)) @ p[pre + "mlp.down_proj.weight"].T
        h = residual(f, h, adapters.get(pre + "mlp"), placement, act)
    return rms_norm(h, p["model.norm.weight"], eps) @ p["lm_head.weight"].T


def llama_case(out):
    rng = np.random.default_rng(41)
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=20, hidden_size=24, intermediate_size=40,
               num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=6, hidden_act="silu",
               max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=500.0, attention_bias=False, mlp_bias=False,
               tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    d, hq, hk, inter, v = 24, 24, 12, 40, 20
    p = {"model.embed_tokens.weight": rng.normal(0, 1.0, (v, d)), "lm_head.weight": rng.normal(0, 0.5, (v, d)),
         "model.norm.weight": 1.0 + rng.normal(0, 0.2, d)}
    for i in range(2):
        pre = f"model.layers.{i}."
        for name, shape in {"self_attn.q_proj": (hq, d), "self_attn.k_proj": (hk, d), "self_attn.v_proj": (hk, d),
                            "self_attn.o_proj": (d, hq), "mlp.gate_proj": (inter, d), "mlp.up_proj": (inter, d),
                            "mlp.down_proj": (d, inter)}.items():
            p[pre + name + ".weight"] = rng.normal(0, 0.4, shape)
        p[pre + "input_layernorm.weight"] = 1.0 + rng.normal(0, 0.2, d)
        p[pre + "post_attention_layernorm.weight"] = 1.0 + rng.normal(0, 0.2, d)
    p = {k: f32(val) for k, val in p.items()}
    write_model(os.path.join(out, "llama"), cfg, p)
    # right padding in row 0, none in row 1 (InstructBLIP's training layout)
    input_ids = np.array([[1, 7, 12, 5, 9, 0, 0], [1, 4, 15, 3, 8, 11, 6]])
    mask = np.array([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]], dtype=np.float64)
    cases = {}

    # PEFT prefix tuning, CAUSAL_LM with grouped-query attention: token_dim = head_dim * num_key_value_heads, heads = kv heads
    emb = f32(rng.normal(0, 1.0, (P, 2 * 2 * 12)))
    cases["llama-prefix"] = llama_logits(p, cfg, input_ids, mask, prefixes=peft_past_key_values(emb, 2, 2, 2, 12, 1))
    zero = np.zeros_like(emb)
    cases["llama-prefix-zero"] = llama_logits(p, cfg, input_ids, mask, prefixes=peft_past_key_values(zero, 2, 2, 2, 12, 1))
    write_adapter(os.path.join(out, "llama-prefix-zero"), dict(
        auto_mapping=None, base_model_name_or_path="llama", encoder_hidden_size=12, inference_mode=True, init_weights="zero",
        modules_to_save=None, num_attention_heads=2, num_layers=2, num_transformer_submodules=1, num_virtual_tokens=P,
        peft_type="PREFIX_TUNING", prefix_projection=False, revision=None, task_type="CAUSAL_LM", token_dim=12),
        {"prompt_embeddings": zero})
    write_adapter(os.path.join(out, "llama-prefix"), dict(
        auto_mapping=None, base_model_name_or_path="llama", encoder_hidden_size=12, inference_mode=True, modules_to_save=None,
        num_attention_heads=2, num_layers=2, num_transformer_submodules=1, num_virtual_tokens=P, peft_type="PREFIX_TUNING",
        prefix_projection=False, revision=None, task_type="CAUSAL_LM", token_dim=12), {"prompt_embeddings": emb})

    # adaption prompt on the top layer, with a non-zero gate (a trained one)
    prompt = f32(rng.normal(0, 1.0, (1, 2, 24)))
    gate = f32(np.array([0.7]))
    cases["llama-adaption"] = llama_logits(p, cfg, input_ids, mask, adaption={"model.layers.1.self_attn": dict(prompt=prompt, gate=gate)})
    write_adapter(os.path.join(out, "llama-adaption"), dict(
        adapter_layers=1, adapter_len=2, auto_mapping=None, base_model_name_or_path="llama", inference_mode=True,
        peft_type="ADAPTION_PROMPT", revision=None, target_modules="self_attn", task_type="CAUSAL_LM"),
        {"base_model.model.model.layers.1.self_attn.adaption_prompt": prompt,
         "base_model.model.model.layers.1.self_attn.adaption_gate": gate})

    # bottleneck adapters, Houlsby (after attention and after the MLP, swish)
    modules = [f"model.layers.{i}.{s}" for i in range(2) for s in ("self_attn", "mlp")]
    adapters, tensors = random_adapters(rng, modules, 24, 4)
    cases["llama-houlsby"] = llama_logits(p, cfg, input_ids, mask, adapters=adapters, placement="houlsby", act=silu)
    write_adapter(os.path.join(out, "llama-houlsby"), bottleneck_config(sorted(modules), "houlsby", "swish", "CAUSAL_LM"), tensors)

    expected = dict(input_ids=input_ids.tolist(), attention_mask=mask.astype(int).tolist(),
                    logits={k: val.reshape(-1).tolist() for k, val in cases.items()}, logits_shape=list(cases["llama-prefix"].shape))
    write_json(os.path.join(out, "llama-expected.json"), expected)
    print("llama", {k: float(np.abs(val).mean()) for k, val in cases.items()})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "sdk-peft/src/test/resources/blocks-reference"
    t5_case(out)
    llama_case(out)


if __name__ == "__main__":
    main()
