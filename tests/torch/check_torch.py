#!/usr/bin/env python3
"""check_torch.py - a checkpoint of this engine is the same network in PyTorch
(`make check-torch`; issue 12).

For each architecture written by check_torch.c (MLP 784-128-10, ResNet-8, the
BERT-shaped transformer), the safetensors checkpoint is loaded into the
equivalent torch.nn module (state dict names as exported; no safetensors
package needed; the transformer is tok / pos embeddings, emb_norm, an
nn.TransformerEncoder of post-LN nn.TransformerEncoderLayer with the [PAD]
tokens as src_key_padding_mask, the [CLS] state and the linear head fc), and on
the same 16 examples PyTorch recomputes what the engine recorded:

  quantity                                   tolerance (float32 on both sides)
  loss, eval-mode batch norm                 |d| <= 1e-5 max(1, |loss|)
  top-1 hits                                 equal
  gradient                                   relative 2-norm error <= 1e-4
  Hessian-vector product (double backward)   relative 2-norm error <= 1e-3
  training-mode loss and gradient            1e-5 / 1e-4 as above
  running mean / var after that step         relative 2-norm error <= 1e-5
  num_batches_tracked after it               equal
  3 SGD steps (lr 0.05): losses, parameters  1e-5 relative (losses), 1e-5
                                             relative 2-norm (parameters)

The tolerances are a few float32 roundings of the summed magnitudes: the
engine (direct / Winograd convolutions) and PyTorch (oneDNN) add in different
orders, and the HVP's second derivative amplifies the differences more.
Exit status 1 if anything is outside its tolerance.
"""
import argparse
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/bench")
from torch_bench import ResNet  # noqa: E402  (the same module as the benchmark)


def read_st(path):
    """a safetensors file -> {name: tensor} (F32, F64, I64)"""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    head = json.loads(buf[8:8 + n])
    data = buf[8 + n:]
    out = {}
    types = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    for name, e in head.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=types[e["dtype"]])
        out[name] = t.reshape(e["shape"]) if e["shape"] else t.reshape(())
    return out


class MLP(nn.Module):
    def __init__(self, hidden=128, nin=784, nclass=10):
        super().__init__()
        self.fc1 = nn.Linear(nin, hidden)
        self.fc2 = nn.Linear(hidden, nclass)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def read_meta(path):
    """the __metadata__ of a safetensors file (strings)"""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})


class TinyBert(nn.Module):
    """the engine's transformer: names as its safetensors export"""

    def __init__(self, vocab, seq, d, heads, ffn, depth, nclass, act):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.emb_norm = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, activation=act,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.fc = nn.Linear(d, nclass)

    def forward(self, x):
        ids = x.long()
        h = self.emb_norm(self.tok(ids) + self.pos(torch.arange(ids.shape[1])))
        h = self.encoder(h, src_key_padding_mask=ids == 0)
        return self.fc(h[:, 0])


def make_model(arch, d, ck):
    if arch == "mlp":
        return MLP()
    if arch == "resnet8":
        return ResNet()
    meta = read_meta("%s/%s.safetensors" % (d, arch))
    vocab, width = ck["tok.weight"].shape
    depth = len({k.split(".")[2] for k in ck if k.startswith("encoder.layers.")})
    act = meta.get("nn.act", "gelu")
    return TinyBert(vocab, int(meta["nn.seq"]), width, int(meta["nn.heads"]), int(meta["nn.ffn"]),
                    depth, ck["fc.weight"].shape[0], act if act in ("gelu", "relu") else "gelu")


def rel(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    return float((a - b).norm() / max(float(b.norm()), 1e-30))


def check(arch, d):
    ck = read_st("%s/%s.safetensors" % (d, arch))
    res = read_st("%s/%s.result.safetensors" % (d, arch))
    model = make_model(arch, d, ck)
    model.load_state_dict(ck, strict=True)
    params = dict(model.named_parameters())
    names = list(params)
    x, y = res["x"], res["y"].long()
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    rows = []
    bn = "" if arch == "transformer" else " BN"  # the transformer has no batch norm: both modes agree

    def row(what, err, tol, ok=None):
        ok = err <= tol if ok is None else ok
        rows.append((arch, what, err, tol, ok))

    def flat(prefix):
        return torch.cat([res["%s.%s" % (prefix, n)].flatten() for n in names])

    # eval mode: loss, accuracy, gradient, HVP
    model.eval()
    z = model(x)
    L = loss_fn(z, y)
    g = torch.autograd.grad(L, list(params.values()), create_graph=True)
    Le = float(res["loss_eval"])
    row("loss (eval%s)" % bn, abs(float(L) - Le) / max(1.0, abs(Le)), 1e-5)
    hits = int((z.argmax(1) == y).sum())
    row("top-1 hits %d vs %d" % (int(res["correct"]), hits), 0.0, 0.0, hits == int(res["correct"]))
    row("gradient (eval%s)" % bn, rel(flat("grad"), torch.cat([t.flatten() for t in g]).detach()), 1e-4)
    v = [res["v.%s" % n] for n in names]
    hv = torch.autograd.grad(g, list(params.values()), grad_outputs=v)
    row("Hessian-vector product", rel(flat("hv"), torch.cat([t.flatten() for t in hv])), 1e-3)
    # one training-mode pass: loss, gradient, running statistics
    state0 = {k: t.clone() for k, t in model.state_dict().items()}
    model.train()
    model.zero_grad(set_to_none=True)
    Lt = loss_fn(model(x), y)
    Lt.backward()
    row("loss (training%s)" % bn, abs(float(Lt) - float(res["loss_train"])) / max(1.0, abs(float(Lt))), 1e-5)
    row("gradient (training%s)" % bn,
        rel(flat("tgrad"), torch.cat([params[n].grad.flatten() for n in names])), 1e-4)
    sd = model.state_dict()
    rs = [k for k in sd if k.endswith("running_mean") or k.endswith("running_var")]
    if rs:
        row("running mean/var after the step",
            rel(torch.cat([res["rs." + k].flatten() for k in rs]), torch.cat([sd[k].flatten() for k in rs])),
            1e-5)
        nbt = [int(sd[k]) for k in sd if k.endswith("num_batches_tracked")]
        want = int(float(res["num_batches_tracked"]))
        row("num_batches_tracked %d" % want, 0.0, 0.0, all(n == want for n in nbt))
    # 3 SGD steps from the checkpoint state
    model.load_state_dict(state0)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        opt.zero_grad(set_to_none=True)
        Ls = loss_fn(model(x), y)
        Ls.backward()
        opt.step()
        losses.append(float(Ls))
    el = res["sgd_loss"]
    row("3 SGD steps: losses", max(abs(a - float(b)) / max(1.0, abs(a)) for a, b in zip(losses, el)), 1e-5)
    row("3 SGD steps: parameters",
        rel(flat("sgd"), torch.cat([params[n].detach().flatten() for n in names])), 1e-5)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="directory written by check_torch")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rows = check("mlp", a.dir) + check("resnet8", a.dir) + check("transformer", a.dir)
    bad = 0
    print("%-8s %-40s %10s %8s  %s" % ("model", "quantity", "error", "tol", "ok"))
    for arch, what, err, tol, ok in rows:
        print("%-8s %-40s %10.2e %8.0e  %s" % (arch, what, err, tol, "yes" if ok else "NO"))
        bad += not ok
    print("check-torch: %s" % ("all %d checks passed" % len(rows) if not bad else "%d of %d FAILED" % (bad, len(rows))))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
