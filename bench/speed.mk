# bench/speed.mk - engine speed side by side with PyTorch (issue 12).
#
#   make bench-torch   installs Debian's python3-torch if missing (optional: the
#                      project stays C), then runs bench/torch_bench.py: the same
#                      ResNet-8 workloads in this engine (bench/nn_speed.c, one
#                      process per round) and in PyTorch, interleaved round by
#                      round; writes bench.torch_* rows and ratios to data/bench.tsv.
#   make bench         runs it too when PyTorch is importable (skipped otherwise).

# (bench/ is included before nn/: name the library, $(LIBNN) is not defined yet)
$(BIN)/nn_speed: $(BUILD)/bench/nn_speed.o $(BUILD)/libnn.a $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(BUILD)/libnn.a $(LIBNSO) $(NN_LDLIBS) -o $@

.PHONY: bench-torch
# Debian's interpreter: python3-torch installs into its dist-packages
TORCH_PY ?= /usr/bin/python3
bench-torch: $(BIN)/nn_speed
	@mkdir -p data
	@$(TORCH_PY) -c 'import torch' 2>/dev/null || { if [ "$$(id -u)" -eq 0 ]; then \
	  echo "bench-torch: installing python3-torch" >&2; DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq python3-torch >&2; else \
	  echo "bench-torch: needs Debian's python3-torch: sudo apt-get install -y python3-torch" >&2; \
	  exit 1; fi; }
	OMP_NUM_THREADS=$(NN_NTHREADS) GOMP_SPINCOUNT=10000 $(TORCH_PY) bench/torch_bench.py \
	  --speed $(BIN)/nn_speed --threads $(NN_NTHREADS) --single --tsv data/bench.tsv

# part of `make bench` only where PyTorch is already installed
.PHONY: bench-torch-if-installed
bench-torch-if-installed:
	@if $(TORCH_PY) -c 'import torch' 2>/dev/null; then $(MAKE) --no-print-directory bench-torch; \
	else echo "bench: PyTorch not installed, no bench.torch_* rows (make bench-torch installs it)"; fi
BENCH_TARGETS += bench-torch-if-installed
