#!/usr/bin/env bash
# nn_hessian_demo.sh BIN OUT CKDIR - the command-line workflow end to end on the
# Table 2 MNIST MLP checkpoint (trained by `make table2`, or trained here if
# absent): evaluate it, then measure trace (with CI), per-layer traces, top-5
# eigenvalues and the SLQ spectral density; draw the density figure.
# Each step is skipped when its output exists (resume rule).
set -euo pipefail
bin=${1:-build/bin}; out=${2:-out/quick}/nn; ck=${3:-data/cache/table2-quick}
mkdir -p "$out" "$ck"
model="$ck/mlp_mnist.safetensors"
if [ ! -s "$model" ]; then
  "$bin/nn_cli" --cmd train --arch mlp --data mnist --ntrain 2000 --epochs 60 --lr 0.02 \
    --decay-every 20 --out "$model" --log "$out/mlp_mnist_train.csv"
fi
"$bin/nn_cli" --cmd eval --model "$model" --data mnist
"$bin/nn_cli" --cmd hessian --model "$model" --data mnist --ntrain 2000 --nmeas 2000 \
  --measure trace,layers,topk,density --probes 100 --iters 60 --slq-runs 3 --out "$out/mlp_mnist"
if command -v gnuplot >/dev/null; then
  gnuplot -e "prefix='$out/mlp_mnist'; title='MNIST MLP 784-128-10: Hessian spectral density (SLQ, 3 x 60 Lanczos steps)'" \
    plots/nn_density.gp && echo "wrote $out/mlp_mnist_density.png"
fi
