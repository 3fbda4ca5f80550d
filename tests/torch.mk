# tests/torch.mk - `make check-torch` (issue 12, optional: needs Debian's
# python3-torch, installed when missing and running as root): the engine's
# safetensors checkpoints (MLP, ResNet-8, transformer) loaded into the equivalent PyTorch
# modules give the same loss, accuracy, gradient, HVP, batch-norm running
# statistics and SGD steps (tests/torch/check_torch.py states the tolerances).
# (tests/ is included before nn/: name the library, $(LIBNN) is not defined yet)

$(BIN)/check_torch: $(BUILD)/tests/torch/check_torch.o $(BUILD)/libnn.a $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(BUILD)/libnn.a $(LIBNSO) $(LDLIBS) -lz -o $@
$(BUILD)/tests/torch/%.o: CFLAGS += -Inn

.PHONY: check-torch
check-torch: $(BIN)/check_torch
	@$(TORCH_PY) -c 'import torch' 2>/dev/null || { if [ "$$(id -u)" -eq 0 ]; then \
	  echo "check-torch: installing python3-torch" >&2; DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq python3-torch >&2; else \
	  echo "check-torch: needs Debian's python3-torch: sudo apt-get install -y python3-torch" >&2; \
	  exit 1; fi; }
	@mkdir -p $(BUILD)/check_torch
	OMP_NUM_THREADS=2 $(BIN)/check_torch --dir $(BUILD)/check_torch
	$(TORCH_PY) tests/torch/check_torch.py --dir $(BUILD)/check_torch

# part of `make test` where Debian's PyTorch is already installed (a launcher
# like test_nn_generic): the same comparison, in a fresh temporary directory;
# without PyTorch it says so and passes (PyTorch is optional: the project is C)
$(BIN)/test_torch: $(BIN)/check_torch tests/torch.mk
	@printf '%s\n' '#!/bin/sh' \
	  '# make check-torch inside make test, when PyTorch is importable' \
	  'py=$${TORCH_PY:-/usr/bin/python3}' \
	  'if ! "$$py" -c "import torch" 2>/dev/null; then echo "test_torch: PyTorch not installed: skipped (make check-torch installs it)"; exit 0; fi' \
	  'd=$$(mktemp -d) || exit 1; trap "rm -rf \"$$d\"" EXIT INT TERM' \
	  'bin=$$(dirname "$$0")' \
	  'OMP_NUM_THREADS=2 "$$bin/check_torch" --dir "$$d" && "$$py" tests/torch/check_torch.py --dir "$$d"' > $@
	@chmod +x $@
TEST_BINS += $(BIN)/test_torch
