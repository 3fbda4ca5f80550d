# tests/torch.mk - `make check-torch` (issue 12, optional: needs Debian's
# python3-torch, installed when missing and running as root): the engine's
# safetensors checkpoints (MLP, ResNet-8) loaded into the equivalent PyTorch
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
