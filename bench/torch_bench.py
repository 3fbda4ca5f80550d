#!/usr/bin/env python3
"""torch_bench.py - this engine and PyTorch side by side on the same ResNet-8
workloads, interleaved round by round so both see the same machine load
(`make bench-torch`; issue 12).

Workloads (ResNet-8 16-32-64, 28x28x1, 10 classes, batch 32, same threads):
  train  one SGD training step (batch-statistics batch norm)
  grad   loss + gradient of one batch, eval-mode batch norm
  hvp    one exact Hessian-vector product, eval-mode batch norm (PyTorch:
         double backward; this engine: the R-operator)
  hutch  Hutchinson trace, 100 Rademacher probes over 1,000 examples in
         chunks of 100 (this engine in full; PyTorch projected from
         --torch-probes probes, it takes minutes)
The engine runs as bench/nn_speed (one process per round, its own warm-up);
PyTorch runs in this process.  Each figure is the median over --rounds
rounds.  Rows "metric<TAB>value<TAB>unit<TAB>target" go to stdout and are
upserted into --tsv (other rows kept).  Targets with <=, >=, < are checked by
the report; the first row gives the machine and the load average.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """CIFAR-style basic block, names as the engine's safetensors export"""

    def __init__(self, cin, w, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, w, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.downsample = None
        if stride != 1 or cin != w:
            self.downsample = nn.Sequential(nn.Conv2d(cin, w, 1, stride, bias=False),
                                            nn.BatchNorm2d(w))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        sc = x if self.downsample is None else self.downsample(x)
        return F.relu(out + sc)


class ResNet(nn.Module):
    """the engine's ResNet (depth 6n+2, widths 16-32-64, global average pool)"""

    def __init__(self, depth=8, in_c=1, nclass=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_c, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for st in range(3):
            w = 16 << st
            blocks = []
            for b in range(n):
                blocks.append(Block(cin, w, 2 if st > 0 and b == 0 else 1))
                cin = w
            setattr(self, "layer%d" % (st + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(64, nclass)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(dim=(2, 3)))


def hvp(model, params, x, y, v):
    loss = F.cross_entropy(model(x), y)
    g = torch.autograd.grad(loss, params, create_graph=True)
    return torch.autograd.grad(g, params, grad_outputs=v)


def torch_time(what, steps, warmup, B=32):
    """seconds per step of one PyTorch workload"""
    torch.manual_seed(1)
    model = ResNet()
    params = [p for p in model.parameters()]
    x = torch.rand(B, 1, 28, 28)
    y = torch.arange(B) % 10
    v = [torch.randint(0, 2, p.shape).float() * 2 - 1 for p in params]
    opt = torch.optim.SGD(params, lr=0.01)
    if what == "train":
        model.train()
    else:
        model.eval()
    t = 0.0
    for s in range(warmup + steps):
        if s == warmup:
            t = time.perf_counter()
        if what == "train":
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
        elif what == "grad":
            model.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
        else:
            hvp(model, params, x, y, v)
    return (time.perf_counter() - t) / steps


def torch_hutch(probes, nex=1000, chunk=100):
    """seconds for `probes` Hutchinson probes over nex examples (eval BN)"""
    torch.manual_seed(1)
    model = ResNet().eval()
    params = [p for p in model.parameters()]
    g = torch.Generator().manual_seed(2)
    X = torch.randint(0, 256, (nex, 1, 28, 28), generator=g).float() / 255
    Y = torch.arange(nex) % 10
    t = time.perf_counter()
    est = 0.0
    for _ in range(probes):
        v = [torch.randint(0, 2, p.shape, generator=g).float() * 2 - 1 for p in params]
        for s in range(0, nex, chunk):
            hv = hvp(model, params, X[s:s + chunk], Y[s:s + chunk], v)
            est += sum(float((a * b).sum()) for a, b in zip(v, hv)) * min(chunk, nex - s) / nex
    return time.perf_counter() - t


def nn_time(speed, what, steps, warmup, extra=(), threads=None):
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    out = subprocess.run([speed, "--what", what, "--steps", str(steps), "--warmup", str(warmup)]
                         + list(extra), check=True, capture_output=True, text=True, env=env).stdout
    return float(out.split("\t")[1])


def rounds(a, threads):
    """median seconds per step of each workload, engine and PyTorch alternating"""
    torch.set_num_threads(threads)
    res = {}
    for r in range(a.rounds):
        for what in ("train", "grad", "hvp"):
            res.setdefault(("nn", what), []).append(nn_time(a.speed, what, a.steps, 5, threads=threads))
            res.setdefault(("torch", what), []).append(torch_time(what, a.steps, 5))
        print("%d thread(s), round %d: %s" % (threads, r + 1, " ".join(
            "%s/%s %.2f ms" % (k[0], k[1], 1e3 * v[-1]) for k, v in sorted(res.items()))), flush=True)
    return {k: statistics.median(v) for k, v in res.items()}


def upsert(tsv, rows, header):
    keep = []
    names = {r[0] for r in rows}
    if os.path.exists(tsv):
        with open(tsv) as f:
            for line in f:
                if line.startswith("metric\t"):
                    continue
                if line.split("\t", 1)[0] in names or line.startswith("# make bench-torch"):
                    continue
                keep.append(line)
    tmp = "%s.tmp.%d" % (tsv, os.getpid())
    with open(tmp, "w") as f:
        f.write("metric\tvalue\tunit\ttarget\n")
        f.write(header + "\n")
        for line in keep:
            f.write(line)
        for r in rows:
            f.write("\t".join(r) + "\n")
    os.replace(tmp, tsv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speed", required=True, help="path of the nn_speed binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--torch-probes", type=int, default=4)
    ap.add_argument("--no-hutch", action="store_true", help="skip the Hutchinson rows")
    ap.add_argument("--single", action="store_true",
                    help="also 1-thread rounds (bench.torch_1t_* rows: kernels alone, less "
                         "sensitive to other jobs on the machine)")
    ap.add_argument("--tsv", default="data/bench.tsv")
    a = ap.parse_args()
    if not os.access(a.speed, os.X_OK):
        sys.exit("torch_bench: --speed: '%s' is not an executable" % a.speed)
    load0 = open("/proc/loadavg").read().split()[:3]
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    header = ("# make bench-torch: PyTorch %s, %d threads, %d cores (%s); load average before: %s"
              % (torch.__version__, a.threads, os.cpu_count(), cpu, " ".join(load0)))
    print(header, flush=True)
    med = rounds(a, a.threads)
    B = 32
    rows = []

    def put(metric, value, unit, target):
        rows.append((metric, "%.4g" % value, unit, target))
        print("\t".join(rows[-1]), flush=True)

    put("bench.torch_loadavg_1min", float(load0[0]), "processes", "context: 2 cores; > 2 means shared")
    put("bench.torch_train_images_per_s", B / med[("torch", "train")], "images/s", "PyTorch, batch 32")
    put("bench.torch_nn_train_images_per_s", B / med[("nn", "train")], "images/s", "this engine, same run")
    put("bench.torch_train_ratio", med[("torch", "train")] / med[("nn", "train")], "engine/PyTorch images/s", ">= 1.3")
    put("bench.torch_grad_ms", 1e3 * med[("torch", "grad")], "ms", "PyTorch, eval BN, batch 32")
    put("bench.torch_nn_grad_ms", 1e3 * med[("nn", "grad")], "ms", "this engine, same run")
    put("bench.torch_grad_ratio", med[("nn", "grad")] / med[("torch", "grad")], "engine/PyTorch time", "<= 0.75")
    put("bench.torch_hvp_ms", 1e3 * med[("torch", "hvp")], "ms", "PyTorch double backward")
    put("bench.torch_nn_hvp_ms", 1e3 * med[("nn", "hvp")], "ms", "this engine, R-operator")
    put("bench.torch_hvp_ratio", med[("nn", "hvp")] / med[("torch", "hvp")], "engine/PyTorch time", "<= 1")
    put("bench.torch_nn_hvp_over_grad", med[("nn", "hvp")] / med[("nn", "grad")], "gradients", "<= 2.5")
    put("bench.torch_hvp_over_grad", med[("torch", "hvp")] / med[("torch", "grad")], "gradients", "PyTorch, for comparison")
    if not a.no_hutch:
        tn = nn_time(a.speed, "hutch", 1, 0, ["--probes", "100", "--examples", "1000"], threads=a.threads)
        tt = torch_hutch(a.torch_probes) * 100 / a.torch_probes
        put("bench.torch_nn_hutch_100x1000_s", tn, "s", "< 60")
        put("bench.torch_hutch_100x1000_s", tt, "s (projected from %d probes)" % a.torch_probes, "PyTorch, same run")
        put("bench.torch_hutch_ratio", tn / tt, "engine/PyTorch time", "<= 1")
    if a.single:
        m1 = rounds(a, 1)
        put("bench.torch_1t_train_ratio", m1[("torch", "train")] / m1[("nn", "train")],
            "engine/PyTorch images/s", "1 thread each: %.0f vs %.0f images/s"
            % (B / m1[("nn", "train")], B / m1[("torch", "train")]))
        put("bench.torch_1t_grad_ratio", m1[("nn", "grad")] / m1[("torch", "grad")],
            "engine/PyTorch time", "1 thread each: %.1f vs %.1f ms"
            % (1e3 * m1[("nn", "grad")], 1e3 * m1[("torch", "grad")]))
        put("bench.torch_1t_hvp_ratio", m1[("nn", "hvp")] / m1[("torch", "hvp")],
            "engine/PyTorch time", "1 thread each: %.1f vs %.1f ms"
            % (1e3 * m1[("nn", "hvp")], 1e3 * m1[("torch", "hvp")]))
        put("bench.torch_1t_nn_hvp_over_grad", m1[("nn", "hvp")] / m1[("nn", "grad")], "gradients",
            "1 thread")
        torch.set_num_threads(a.threads)
    load1 = open("/proc/loadavg").read().split()[0]
    put("bench.torch_loadavg_1min_after", float(load1), "processes", "context")
    upsert(a.tsv, rows, header)


if __name__ == "__main__":
    main()
