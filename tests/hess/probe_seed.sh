#!/bin/bash
# probe_seed.sh - issue 12: the probes of a Hessian measurement have their own
# seed.  nn_cli --cmd hessian --probe-seed P draws the Hutchinson probes and
# the Lanczos start vectors from P, the split (evaluation set) still from
# --seed:
#   - no --probe-seed = --probe-seed equal to --seed (same rows; the params
#     record differs only by the flag, which is recorded only when given);
#   - the same probe seed twice: byte-identical files;
#   - two probe seeds: the same loss and accuracy (same examples), different
#     trace estimates and Ritz values;
#   - a bad value: one line naming the flag, exit 2, nothing written.
# ft_run --probe-seed the same way (when Fashion-MNIST is installed: its
# source task): same model file and training rows, other trace / lambda_1.
# Installed by tests/hess.mk into $(BIN)/test_probe_seed (@BIN@ baked in).
set -u
B=@BIN@
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
T=$(mktemp -d /tmp/nso_probeseed_XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail=0
ok() { echo "  ok: $1"; }
no() { echo "  FAIL: $1"; fail=1; }
# an IDX cache of 200 random 28x28 images, labels 0..9 in turn
mkdir -p c/mnist
{ printf '\x00\x00\x08\x03\x00\x00\x00\xc8\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c $((200 * 784)) /dev/urandom; } > c/mnist/mnist-images.idx
{ printf '\x00\x00\x08\x01\x00\x00\x00\xc8'; for i in $(seq 0 199); do printf "\\x0$((i % 10))"; done; } > c/mnist/mnist-labels.idx
"$B/nn_cli" --cmd train --data mnist --cache c --ntrain 100 --epochs 1 --batch 10 --out m.safetensors >/dev/null 2>&1 ||
    { echo "test_probe_seed: could not train the fixture model"; exit 1; }
H="--cmd hessian --data mnist --ntrain 100 --nmeas 40 --chunk 20 --probes 12 --min-probes 12 --measure trace,layers,topk --iters 6 --k 3"
run() { # run DIR FLAGS...
    local d=$1; shift
    mkdir -p "$d" && (cd "$d" && "$B/nn_cli" $H --cache ../c --model ../m.safetensors "$@" --out h >/dev/null 2>err) ||
        no "nn_cli $* failed: $(cat "$d/err" 2>/dev/null)"
}
body() { grep -v '^# \(git\|params\):' "$1"; }
field() { awk -F, -v q="$2" '$1 == q {print $3; exit}' "$1"; } # value of the first row of quantity q
run def
run same1 --probe-seed 1
run p7a --probe-seed 7
run p7b --probe-seed 7
run p8 --probe-seed 8
if cmp -s <(body def/h_hessian.csv) <(body same1/h_hessian.csv); then ok "no --probe-seed = --probe-seed equal to --seed (1)"
else no "default and --probe-seed 1 differ"; fi
grep -q -- '--probe-seed' def/h_hessian.csv && no "the default run records --probe-seed" || ok "the default run's params record has no --probe-seed"
grep -q -- '--probe-seed 7' p7a/h_hessian.csv && ok "--probe-seed is recorded when given" || no "--probe-seed 7 not recorded"
cmp -s p7a/h_hessian.csv p7b/h_hessian.csv && ok "the same probe seed twice: identical files" || no "--probe-seed 7 twice differs"
for q in loss accuracy; do
    [ -n "$(field p7a/h_hessian.csv $q)" ] && [ "$(field p7a/h_hessian.csv $q)" = "$(field p8/h_hessian.csv $q)" ] &&
        [ "$(field p7a/h_hessian.csv $q)" = "$(field def/h_hessian.csv $q)" ] &&
        ok "$q: the same evaluation set under every probe seed" || no "$q differs between probe seeds"
done
for q in trace eigenvalue; do
    a=$(field p7a/h_hessian.csv $q) b=$(field p8/h_hessian.csv $q) c=$(field def/h_hessian.csv $q)
    [ -n "$a" ] && [ "$a" != "$b" ] && [ "$a" != "$c" ] && [ "$b" != "$c" ] &&
        ok "$q: probe seeds 1, 7, 8 give $c, $a, $b" || no "$q: probe seeds 1, 7, 8 give '$c', '$a', '$b' (expected three different estimates)"
done
# bad values: one line naming the flag, exit 2, nothing written
for v in -3 x 1e3 2000000000000000000; do
    mkdir -p bad && (cd bad && "$B/nn_cli" $H --cache ../c --model ../m.safetensors --probe-seed "$v" --out h >/dev/null 2>err)
    st=$?
    [ $st = 2 ] && [ "$(wc -l < bad/err)" = 1 ] && grep -q -- '--probe-seed: expected an integer in \[0, ' bad/err && [ ! -e bad/h_hessian.csv ] &&
        ok "--probe-seed $v: refused (exit 2, one line, nothing written)" || no "--probe-seed $v: status $st, '$(cat bad/err)'"
done
# ft_run: the measurement's probes, same model
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    F="--task source --seed 3 --epochs 1 --subset 64 --eval-n 64 --measure --hess-n 20 --probes 4 --lanczos 3 --alpha-n 2 --alpha-probes 2 --trace-every 1 --trace-probes 2 --trace-lanczos 1 --chunk 20"
    for p in def 5 5b 6; do
        mkdir -p ft$p
        extra=""; [ $p != def ] && extra="--probe-seed ${p%b}"
        (cd ft$p && "$B/ft_run" $F $extra --save s.safetensors --out r.csv >/dev/null 2>err) || no "ft_run $extra failed: $(cat ft$p/err)"
    done
    hdr() { grep '^# final\.\(trace\|lambda1\):' "$1"; }
    cmp -s ft5/r.csv ft5b/r.csv && ok "ft_run: the same probe seed twice: identical files" || no "ft_run --probe-seed 5 twice differs"
    cmp -s ft5/s.safetensors ft6/s.safetensors && cmp -s ftdef/s.safetensors ft5/s.safetensors &&
        ok "ft_run: the same model under every probe seed" || no "ft_run: the model depends on --probe-seed"
    [ "$(grep '^# final.test_loss' ft5/r.csv)" = "$(grep '^# final.test_loss' ft6/r.csv)" ] && [ -n "$(hdr ft5/r.csv)" ] &&
        [ "$(hdr ft5/r.csv)" != "$(hdr ft6/r.csv)" ] && [ "$(hdr ft5/r.csv)" != "$(hdr ftdef/r.csv)" ] &&
        ok "ft_run: probe seeds 5 and 6 give other trace / lambda_1 on the same model" || no "ft_run: trace or lambda_1 do not depend on --probe-seed"
    grep -q -- '--probe-seed' ftdef/r.csv && no "ft_run: the default run records --probe-seed" || ok "ft_run: the default run's params record has no --probe-seed"
else
    echo "  (ft_run part skipped: Fashion-MNIST not installed)"
fi
[ $fail = 0 ] && echo "test_probe_seed: all checks passed" || echo "test_probe_seed: FAILED"
exit $fail
