"""The PyTorch-eager side of `./mmpeft bench`: the same "bench" InstructBLIP-FlanT5, the same LoRA
targets and optimizer, the same synthetic batches, timed the same way, printing the same JSON keys.

Written for the side-by-side comparison that issue 7 asks for (samples/bench/side-by-side.sh runs
both on one machine). The model follows transformers' modeling_instructblip.py and modeling_t5.py
(training mode, so with their dropouts), and LoRA follows PEFT's lora.Linear
(base(x) + B(A(dropout(x))) * alpha / r, A Kaiming-uniform, B zero). It only needs torch:

    python3 samples/bench/pytorch_eager_bench.py [--full] [--rank R] [--steps N] [--threads T]
"""
import argparse
import json
import math
import os
import re
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The bench model (InstructBlipPresets.bench()) with transformers' defaults for everything else.
BENCH = dict(
    vision=dict(hidden=256, inter=1024, layers=4, heads=8, image=224, patch=14, eps=1e-6),
    qformer=dict(hidden=256, inter=1024, layers=4, heads=8, vocab=30522, positions=512, cross_every=2, eps=1e-12,
                 dropout=0.1),
    queries=32,
    t5=dict(vocab=32128, d_model=256, d_kv=32, heads=8, d_ff=1024, layers=4, decoder_layers=4, buckets=32,
            max_distance=128, eps=1e-6, dropout=0.1, act="gelu_new", tied=False))


def config_from_hf(c):
    """The same dictionary from an InstructBLIP-FlanT5 config.json (for --check)."""
    v, q, t = c["vision_config"], c["qformer_config"], c["text_config"]
    return dict(
        vision=dict(hidden=v["hidden_size"], inter=v["intermediate_size"], layers=v["num_hidden_layers"],
                    heads=v["num_attention_heads"], image=v["image_size"], patch=v["patch_size"],
                    eps=v.get("layer_norm_eps", 1e-6)),
        qformer=dict(hidden=q["hidden_size"], inter=q["intermediate_size"], layers=q["num_hidden_layers"],
                     heads=q["num_attention_heads"], vocab=q["vocab_size"], positions=q["max_position_embeddings"],
                     cross_every=q["cross_attention_frequency"], eps=q.get("layer_norm_eps", 1e-12),
                     dropout=q.get("hidden_dropout_prob", 0.1)),
        queries=c["num_query_tokens"],
        t5=dict(vocab=t["vocab_size"], d_model=t["d_model"], d_kv=t["d_kv"], heads=t["num_heads"], d_ff=t["d_ff"],
                layers=t["num_layers"], decoder_layers=t.get("num_decoder_layers", t["num_layers"]),
                buckets=t.get("relative_attention_num_buckets", 32),
                max_distance=t.get("relative_attention_max_distance", 128), eps=t.get("layer_norm_epsilon", 1e-6),
                dropout=t.get("dropout_rate", 0.1),
                act=t.get("dense_act_fn") or ("gelu_new" if t["feed_forward_proj"] == "gated-gelu" else "relu"),
                tied=t.get("tie_word_embeddings", True)))


# Bench.LORA_TARGETS, the same regular expression (full match on module names).
LORA_TARGETS = re.compile(
    r"qformer\.encoder\.layer\.\d+\.(attention|crossattention)\.(attention\.(query|key|value)|output\.dense)"
    r"|qformer\.encoder\.layer\.\d+\.(intermediate|output|intermediate_query|output_query)\.dense"
    r"|language_model\.(encoder|decoder)\.block\.\d+\.layer\.\d+\."
    r"(SelfAttention\.(q|v)|EncDecAttention\.(q|v)|DenseReluDense\.(wi_0|wi_1|wo))")


def activation(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu":
        return F.gelu(x)
    if name == "relu":
        return F.relu(x)
    raise ValueError("unsupported T5 activation " + name)


# ----------------------------------------------------------------------------- vision
class VisionLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden"]
        self.heads = c["heads"]
        self.layer_norm1 = nn.LayerNorm(d, eps=c["eps"])
        self.self_attn = nn.Module()
        self.self_attn.qkv = nn.Linear(d, 3 * d)
        self.self_attn.projection = nn.Linear(d, d)
        self.layer_norm2 = nn.LayerNorm(d, eps=c["eps"])
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, c["inter"])
        self.mlp.fc2 = nn.Linear(c["inter"], d)

    def forward(self, x):
        b, n, d = x.shape
        h = self.layer_norm1(x)
        qkv = self.self_attn.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        s = qkv[0] @ qkv[1].transpose(-1, -2) * (d // self.heads) ** -0.5
        a = (s.softmax(-1) @ qkv[2]).permute(0, 2, 1, 3).reshape(b, n, d)  # attention_dropout is 0.0
        x = x + self.self_attn.projection(a)
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.layer_norm2(x))))


class Vision(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, p = c["hidden"], c["patch"]
        self.embeddings = nn.Module()
        self.embeddings.class_embedding = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.embeddings.patch_embedding = nn.Conv2d(3, d, p, p)
        self.embeddings.position_embedding = nn.Parameter(torch.randn(1, (c["image"] // p) ** 2 + 1, d) * 0.02)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList(VisionLayer(c) for _ in range(c["layers"]))
        self.post_layernorm = nn.LayerNorm(d, eps=c["eps"])

    def forward(self, pixels):
        e = self.embeddings
        x = e.patch_embedding(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.class_embedding.expand(x.shape[0], 1, -1), x], 1) + e.position_embedding
        for layer in self.encoder.layers:
            x = layer(x)
        return self.post_layernorm(x)


# ----------------------------------------------------------------------------- Q-Former
class QFormerAttention(nn.Module):
    def __init__(self, c, kv_width):
        super().__init__()
        d = c["hidden"]
        self.heads, self.p = c["heads"], c["dropout"]
        self.attention = nn.Module()
        self.attention.query = nn.Linear(d, d)
        self.attention.key = nn.Linear(kv_width, d)
        self.attention.value = nn.Linear(kv_width, d)
        self.output = nn.Module()
        self.output.dense = nn.Linear(d, d)
        self.output.LayerNorm = nn.LayerNorm(d, eps=c["eps"])

    def split(self, x):
        b, n, d = x.shape
        return x.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, kv, mask):
        a = self.attention
        q, k, v = self.split(a.query(x)), self.split(a.key(kv)), self.split(a.value(kv))
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if mask is not None:
            s = s + mask
        probs = F.dropout(s.softmax(-1), self.p, self.training)
        ctx = (probs @ v).transpose(1, 2).flatten(2)
        out = F.dropout(self.output.dense(ctx), self.p, self.training)
        return self.output.LayerNorm(out + x)


class QFormerDense(nn.Module):
    """intermediate(_query) (dense) or output(_query) (dense, LayerNorm) of a Q-Former layer."""

    def __init__(self, d_in, d_out, eps=None):
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(d_out, eps=eps)


class QFormerLayer(nn.Module):
    def __init__(self, c, index, image_width):
        super().__init__()
        self.p = c["dropout"]
        self.attention = QFormerAttention(c, c["hidden"])
        self.has_cross = index % c["cross_every"] == 0
        if self.has_cross:
            self.crossattention = QFormerAttention(c, image_width)
        # separate feed-forwards for the query positions and the instruction-text positions
        self.intermediate = QFormerDense(c["hidden"], c["inter"])
        self.output = QFormerDense(c["inter"], c["hidden"], c["eps"])
        self.intermediate_query = QFormerDense(c["hidden"], c["inter"])
        self.output_query = QFormerDense(c["inter"], c["hidden"], c["eps"])

    def feed_forward(self, x, inter, out):
        h = F.dropout(out.dense(F.gelu(inter.dense(x))), self.p, self.training)
        return out.LayerNorm(h + x)

    def forward(self, x, mask, image, queries):
        a = self.attention(x, x, mask)
        qa = a[:, :queries]
        if self.has_cross:
            qa = self.crossattention(qa, image, None)
        return torch.cat([self.feed_forward(qa, self.intermediate_query, self.output_query),
                          self.feed_forward(a[:, queries:], self.intermediate, self.output)], 1)


class QFormer(nn.Module):
    def __init__(self, c, image_width):
        super().__init__()
        d = c["hidden"]
        self.p = c["dropout"]
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(c["vocab"], d)
        self.embeddings.position_embeddings = nn.Embedding(c["positions"], d)
        self.embeddings.layernorm = nn.LayerNorm(d, eps=c["eps"])
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(QFormerLayer(c, i, image_width) for i in range(c["layers"]))

    def forward(self, ids, mask, query_tokens, image):
        b, n = ids.shape
        e = self.embeddings
        x = e.word_embeddings(ids) + e.position_embeddings(torch.arange(n))[None]
        x = torch.cat([query_tokens.expand(b, -1, -1), x], 1)
        x = F.dropout(e.layernorm(x), self.p, self.training)
        full = torch.cat([torch.ones(b, query_tokens.shape[1]), mask.float()], 1)
        ext = (1.0 - full[:, None, None, :]) * torch.finfo(torch.float32).min
        for layer in self.encoder.layer:
            x = layer(x, ext, image, query_tokens.shape[1])
        return x[:, :query_tokens.shape[1]]


# ----------------------------------------------------------------------------- T5
def t5_buckets(rel, bidirectional, num_buckets, max_distance):
    out = torch.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        out += (rel > 0).long() * num_buckets
        rel = rel.abs()
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return out + torch.where(small, rel, large)


class T5Attention(nn.Module):
    def __init__(self, c, has_bias, bidirectional):
        super().__init__()
        inner = c["heads"] * c["d_kv"]
        self.c, self.bidirectional = c, bidirectional
        self.q = nn.Linear(c["d_model"], inner, bias=False)
        self.k = nn.Linear(c["d_model"], inner, bias=False)
        self.v = nn.Linear(c["d_model"], inner, bias=False)
        self.o = nn.Linear(inner, c["d_model"], bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(c["buckets"], c["heads"])

    def position_bias(self, q_len, k_len):
        rel = torch.arange(k_len)[None, :] - torch.arange(q_len)[:, None]
        b = t5_buckets(rel, self.bidirectional, self.c["buckets"], self.c["max_distance"])
        return self.relative_attention_bias(b).permute(2, 0, 1)[None]

    def split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.c["heads"], self.c["d_kv"]).transpose(1, 2)

    def forward(self, x, kv, bias):
        q, k, v = self.split(self.q(x)), self.split(self.k(kv)), self.split(self.v(kv))
        s = q @ k.transpose(-1, -2) + bias  # no 1/sqrt(d) in T5
        probs = F.dropout(s.float().softmax(-1), self.c["dropout"], self.training)
        return self.o((probs @ v).transpose(1, 2).flatten(2))


class T5LayerNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class T5Sub(nn.Module):
    """One T5LayerSelfAttention / T5LayerCrossAttention / T5LayerFF: norm, sub-layer, dropout, residual."""

    def __init__(self, c, kind, has_bias=False, bidirectional=True):
        super().__init__()
        self.kind, self.p, self.act = kind, c["dropout"], c["act"]
        self.layer_norm = T5LayerNorm(c["d_model"], c["eps"])
        if kind == "self":
            self.SelfAttention = T5Attention(c, has_bias, bidirectional)
        elif kind == "cross":
            self.EncDecAttention = T5Attention(c, False, bidirectional)
        else:
            self.DenseReluDense = nn.Module()
            self.DenseReluDense.wi_0 = nn.Linear(c["d_model"], c["d_ff"], bias=False)
            self.DenseReluDense.wi_1 = nn.Linear(c["d_model"], c["d_ff"], bias=False)
            self.DenseReluDense.wo = nn.Linear(c["d_ff"], c["d_model"], bias=False)

    def forward(self, x, bias=None, enc=None):
        h = self.layer_norm(x)
        if self.kind == "self":
            y = self.SelfAttention(h, h, bias)
        elif self.kind == "cross":
            y = self.EncDecAttention(h, enc, bias)
        else:
            d = self.DenseReluDense
            g = F.dropout(activation(self.act, d.wi_0(h)) * d.wi_1(h), self.p, self.training)
            y = d.wo(g)
        return x + F.dropout(y, self.p, self.training)


class T5Stack(nn.Module):
    def __init__(self, c, decoder):
        super().__init__()
        self.decoder, self.p = decoder, c["dropout"]
        n = c["decoder_layers"] if decoder else c["layers"]
        self.block = nn.ModuleList()
        for i in range(n):
            blk = nn.Module()
            subs = [T5Sub(c, "self", i == 0, not decoder)]
            if decoder:
                subs.append(T5Sub(c, "cross"))
            subs.append(T5Sub(c, "ff"))
            blk.layer = nn.ModuleList(subs)
            self.block.append(blk)
        self.final_layer_norm = T5LayerNorm(c["d_model"], c["eps"])

    def forward(self, x, mask_bias, enc=None, enc_mask_bias=None):
        x = F.dropout(x, self.p, self.training)
        n = x.shape[1]
        bias = self.block[0].layer[0].SelfAttention.position_bias(n, n) + mask_bias
        for blk in self.block:
            x = blk.layer[0](x, bias)
            if self.decoder:
                x = blk.layer[1](x, enc_mask_bias, enc)
            x = blk.layer[-1](x)
        return F.dropout(self.final_layer_norm(x), self.p, self.training)


class T5(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.shared = nn.Embedding(c["vocab"], c["d_model"])
        self.encoder = T5Stack(c, False)
        self.decoder = T5Stack(c, True)
        self.d_model = c["d_model"]
        self.lm_head = None if c["tied"] else nn.Linear(c["d_model"], c["vocab"], bias=False)

    def forward(self, embeds, mask, labels):
        minf = torch.finfo(torch.float32).min
        enc_bias = (1.0 - mask[:, None, None, :].float()) * minf
        enc = self.encoder(embeds, enc_bias)
        dec_ids = torch.cat([torch.zeros_like(labels[:, :1]), labels[:, :-1]], 1)  # decoder start 0
        dec_ids = dec_ids.masked_fill(dec_ids == -100, 0)  # ignored labels feed the pad id
        t = dec_ids.shape[1]
        causal = torch.where(torch.arange(t)[None, :] <= torch.arange(t)[:, None], 0.0, minf)[None, None]
        y = self.decoder(self.shared(dec_ids), causal, enc, enc_bias)
        # tied: the shared embedding with T5's d_model**-0.5 rescale
        logits = self.lm_head(y) if self.lm_head is not None else (y * self.d_model ** -0.5) @ self.shared.weight.T
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


# ----------------------------------------------------------------------------- InstructBLIP + LoRA
class InstructBlip(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.vision_model = Vision(c["vision"])
        self.query_tokens = nn.Parameter(torch.randn(1, c["queries"], c["qformer"]["hidden"]) * 0.02)
        self.qformer = QFormer(c["qformer"], c["vision"]["hidden"])
        self.language_projection = nn.Linear(c["qformer"]["hidden"], c["t5"]["d_model"])
        self.language_model = T5(c["t5"])

    def forward(self, pixels, qformer_ids, qformer_mask, ids, mask, labels, image_token_id=None):
        image = self.vision_model(pixels)
        queries = self.language_projection(self.qformer(qformer_ids, qformer_mask, self.query_tokens, image))
        embeds = self.language_model.shared(ids)
        if image_token_id is None:  # older layout: queries in front, mask extended
            embeds = torch.cat([queries, embeds], 1)
            mask = torch.cat([torch.ones(ids.shape[0], queries.shape[1], dtype=mask.dtype), mask], 1)
        else:  # newer layout: the queries replace the image placeholder tokens
            embeds = embeds.masked_scatter((ids == image_token_id)[..., None], queries)
        return self.language_model(embeds, mask, labels)


class LoraLinear(nn.Module):
    """PEFT's lora.Linear for one adapter: base(x) + lora_B(lora_A(dropout(x))) * alpha / r."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / r
        self.p = dropout

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(F.dropout(x, self.p, self.training))) * self.scaling


def add_lora(model, r, alpha):
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear) and LORA_TARGETS.fullmatch(n)]
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child, LoraLinear(getattr(parent, child), r, alpha, 0.0))
    for n, p in model.named_parameters():
        p.requires_grad_(".lora_A." in n or ".lora_B." in n)
    return len(names)




def init_like_mmpeft(model, std):
    """InstructBlip.random: N(0, std) for weights and embeddings, norms one and zero bias."""
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ".lora_" in n:
                continue
            if "norm" in n.lower() and n.endswith("weight"):
                p.fill_(1.0)
            elif n.endswith("bias") and "relative_attention_bias" not in n:
                p.zero_()
            else:
                p.normal_(0.0, std)


# ----------------------------------------------------------------------------- timing
DEVICE = torch.device("cpu")


def sync():
    """GPU kernels run asynchronously: wait for them before reading the clock."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def batch(c, b, prompt, answer):
    image = c["vision"]["image"]
    pixels = torch.randn(b, 3, image, image, device=DEVICE)
    q_ids = torch.randint(1, c["qformer"]["vocab"], (b, prompt), device=DEVICE)
    ids = torch.randint(1, c["t5"]["vocab"], (b, prompt), device=DEVICE)
    labels = torch.randint(1, c["t5"]["vocab"], (b, answer), device=DEVICE)
    return pixels, q_ids, torch.ones_like(q_ids), ids, torch.ones_like(ids), labels


def median_seconds(warmup, runs, fn):
    times = []
    for i in range(warmup + runs):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matmul_gflops(n, runs):
    a, b = torch.randn(n, n, device=DEVICE), torch.randn(n, n, device=DEVICE)
    a @ b
    return 2.0 * n ** 3 / median_seconds(1, runs, lambda: a @ b) / 1e9


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": torch.float32, "I64": torch.int64, "I32": torch.int32}
    out = {}
    for name, v in header.items():
        if name != "__metadata__":
            start, end = v["data_offsets"]
            raw = bytearray(data[8 + n + start:8 + n + end])
            t = torch.frombuffer(raw, dtype=dtypes[v["dtype"]]).reshape(v["shape"])
            out[name] = t.long() if t.dtype == torch.int32 else t
    return out


def check(directory):
    """Loads an InstructBLIP-FlanT5 checkpoint of the project's numpy reference (sdk-models test
    resources, blip-reference/t5-*) and prints how far this model's loss and logits are from the
    reference's, so that the timed model is known to be the same model."""
    config = json.load(open(os.path.join(directory, "config.json")))
    model = InstructBlip(config_from_hf(config))
    weights = read_safetensors(os.path.join(directory, "model.safetensors"))
    for prefix in {k[:-len("q_bias")] for k in weights if k.endswith("self_attn.q_bias")}:
        q, v = weights.pop(prefix + "q_bias"), weights.pop(prefix + "v_bias")
        weights[prefix + "qkv.bias"] = torch.cat([q, torch.zeros_like(q), v])
    state = model.state_dict()
    missing = sorted(set(state) - set(weights))
    if missing:
        raise SystemExit(f"{directory}: missing tensors {missing}")
    model.load_state_dict({k: weights[k] for k in state})
    model.eval()
    inputs = read_safetensors(os.path.join(directory, "inputs.safetensors"))
    expected = read_safetensors(os.path.join(directory, "expected.safetensors"))
    with torch.no_grad():
        loss = model(inputs["pixel_values"], inputs["qformer_input_ids"], inputs["qformer_attention_mask"],
                     inputs["input_ids"], inputs["attention_mask"], inputs["labels"], config.get("image_token_id"))
    diff = abs(loss.item() - expected["loss"].item())
    print(json.dumps({"checkpoint": directory, "loss": loss.item(), "reference_loss": expected["loss"].item(),
                      "abs_diff": diff}))
    return diff


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--rank", type=int, default=2)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--answer", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: every core, as DJL)")
    ap.add_argument("--check", metavar="DIR", help="compare with a reference checkpoint instead of timing")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    a = ap.parse_args(argv)
    global DEVICE
    DEVICE = torch.device(a.device)
    if DEVICE.type == "cuda" and not torch.cuda.is_available():
        print(f"--device {a.device}: this torch {torch.__version__} has no usable CUDA", file=sys.stderr)
        return 2
    if a.check:
        return 0 if check(a.check) < 1e-4 else 1
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    matmul = matmul_gflops(2048, 5)

    model = InstructBlip(BENCH)
    init_like_mmpeft(model, 0.02)
    if not a.full:
        add_lora(model, a.rank, 2.0 * a.rank)
    model.to(DEVICE)
    params = list(model.named_parameters())
    trainable = [(n, p) for n, p in params if p.requires_grad]
    model.train()

    def loss():
        return model(*batch(BENCH, a.batch, a.prompt, a.answer))

    with torch.no_grad():
        forward = median_seconds(a.warmup, a.steps, lambda: loss().item())

    def forward_backward():
        loss().backward()
        for _, p in trainable:
            p.grad = None
    fb = median_seconds(a.warmup, a.steps, forward_backward)

    # LAVIS's groups, as the SDK's AdamW: no decay on biases and one-dimensional (norm) weights.
    decay = [p for n, p in trainable if p.ndim >= 2 and not n.endswith(".bias")]
    no_decay = [p for n, p in trainable if not (p.ndim >= 2 and not n.endswith(".bias"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        l = loss()
        l.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
        opt.step()
        l.item()
    train_step = median_seconds(a.warmup, a.steps, step)

    print(json.dumps({
        "implementation": "pytorch-eager " + torch.__version__,
        "mode": "full" if a.full else "lora",
        **({} if a.full else {"rank": a.rank, "alpha": 2.0 * a.rank}),
        "batch": a.batch, "prompt_tokens": a.prompt, "answer_tokens": a.answer, "timed_steps": a.steps,
        "train_step_s": round(train_step, 4),
        "forward_s": round(forward, 4),
        "forward_backward_s": round(fb, 4),
        "samples_per_s": round(a.batch / train_step, 3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "params_total": sum(p.numel() for _, p in params),
        "params_trainable": sum(p.numel() for _, p in trainable),
        "matmul_gflops": round(matmul, 1),
        "intra_op_threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        "device": str(DEVICE),
        "blas_core": blas_core(),
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ},
        **({"peak_gpu_allocated_mb": torch.cuda.max_memory_allocated(DEVICE) // (1024 * 1024)}
           if DEVICE.type == "cuda" else {}),
    }))


def blas_core():
    """The kernel set OpenBLAS chose for this CPU (openblas_get_corename), or what torch's BLAS is.

    OPENBLAS_CORETYPE overrides OpenBLAS's own choice (e.g. Haswell kernels on an AVX-512 CPU), which
    changes matmul speed by ~1.5x, so the JSON line says which kernels ran."""
    import ctypes
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return "openblas " + lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        config = torch.__config__.show()
        return "unknown (torch built with " + ("MKL" if "MKL" in config else "another BLAS") + ")"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
