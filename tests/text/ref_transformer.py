#!/usr/bin/env python3
"""ref_transformer.py CHECKPOINT CASE.json - an independent forward pass of the
engine's transformer in pure Python (double precision, no numpy / torch), from
the safetensors checkpoint alone, following the equations of PyTorch's
torch.nn.TransformerEncoderLayer (norm_first=False, dropout 0, batch_first)
with src_key_padding_mask = (token == 0), nn.MultiheadAttention (in_proj rows
q | k | v, heads = consecutive blocks of d / H features, scale 1 / sqrt(d / H)),
nn.LayerNorm (eps 1e-5), GELU exact (erf) or ReLU, then [CLS] = token 0 and
the linear head "fc".  CASE.json (written by test_model.c) holds the tokens,
the labels and the engine's logits and mean loss; exit 1 when they differ by
more than 1e-5 x (1 + max |logit|) (float32 engine against double here)."""
import json
import math
import struct
import sys


def read_st(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    head = json.loads(buf[8:8 + n])
    data = buf[8 + n:]
    meta = head.pop("__metadata__", {})
    out = {}
    for name, e in head.items():
        b, end = e["data_offsets"]
        assert e["dtype"] == "F32", name
        vals = list(struct.unpack("<%df" % ((end - b) // 4), data[b:end]))
        shape = e["shape"]
        if len(shape) == 2:
            vals = [vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]
        out[name] = vals
    return meta, out


def linear(W, b, x):  # x: list of vectors
    return [[sum(wr[k] * v[k] for k in range(len(v))) + b[o] for o, wr in enumerate(W)] for v in x]


def layernorm(g, b, x, eps=1e-5):
    out = []
    for v in x:
        mu = sum(v) / len(v)
        var = sum((a - mu) ** 2 for a in v) / len(v)
        r = 1 / math.sqrt(var + eps)
        out.append([g[c] * (v[c] - mu) * r + b[c] for c in range(len(v))])
    return out


def act(name, z):
    if name == "gelu":
        return z * 0.5 * (1 + math.erf(z / math.sqrt(2)))
    if name == "relu":
        return max(z, 0.0)
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)


def forward(meta, P, toks):
    d = int(meta["nn.hidden"])
    H = int(meta["nn.heads"])
    layers = int(meta["nn.depth"])
    a = meta["nn.act"]
    dh = d // H
    L = len(toks)
    x = [[P["tok.weight"][t][c] + P["pos.weight"][i][c] for c in range(d)] for i, t in enumerate(toks)]
    x = layernorm(P["emb_norm.weight"], P["emb_norm.bias"], x)
    for l in range(layers):
        p = "encoder.layers.%d." % l
        qkv = linear(P[p + "self_attn.in_proj_weight"], P[p + "self_attn.in_proj_bias"], x)
        ctx = [[0.0] * d for _ in range(L)]
        for h in range(H):
            for i in range(L):
                s = []
                for j in range(L):
                    if toks[j] == 0:
                        s.append(-math.inf)
                        continue
                    s.append(sum(qkv[i][h * dh + c] * qkv[j][d + h * dh + c] for c in range(dh)) / math.sqrt(dh))
                m = max(s)
                e = [math.exp(z - m) if z != -math.inf else 0.0 for z in s]
                tot = sum(e)
                for c in range(dh):
                    ctx[i][h * dh + c] = sum(e[j] / tot * qkv[j][2 * d + h * dh + c] for j in range(L))
        o = linear(P[p + "self_attn.out_proj.weight"], P[p + "self_attn.out_proj.bias"], ctx)
        x = layernorm(P[p + "norm1.weight"], P[p + "norm1.bias"], [[u + v for u, v in zip(r, s)] for r, s in zip(x, o)])
        f = linear(P[p + "linear1.weight"], P[p + "linear1.bias"], x)
        f = [[act(a, z) for z in r] for r in f]
        f = linear(P[p + "linear2.weight"], P[p + "linear2.bias"], f)
        x = layernorm(P[p + "norm2.weight"], P[p + "norm2.bias"], [[u + v for u, v in zip(r, s)] for r, s in zip(x, f)])
    return linear(P["fc.weight"], P["fc.bias"], [x[0]])[0]


def main():
    meta, P = read_st(sys.argv[1])
    with open(sys.argv[2]) as f:
        case = json.load(f)
    L = int(meta["nn.seq"])
    toks = case["tokens"]
    B = len(toks) // L
    worst, big, loss = 0.0, 0.0, 0.0
    for b in range(B):
        z = forward(meta, P, toks[b * L:(b + 1) * L])
        for k, v in enumerate(z):
            worst = max(worst, abs(v - case["logits"][b][k]))
            big = max(big, abs(v))
        m = max(z)
        loss += m + math.log(sum(math.exp(v - m) for v in z)) - z[case["labels"][b]]
    loss /= B
    ok = worst <= 1e-5 * (1 + big) and abs(loss - case["loss"]) <= 1e-5 * (1 + abs(loss))
    print("ref_transformer: %d sequences, max |logit difference| %.3g (max |logit| %.3g), "
          "loss %.8f vs engine %.8f: %s" % (B, worst, big, loss, case["loss"], "ok" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
