# tests/kernels.mk - the engine's fast float kernels against their references
# (tests/kernels/test_kernels.c, every ISA variant the CPU runs), and the whole
# nn suite once more with the portable fallback forced (NN_SIMD=generic), so
# the baseline-ISA kernels are tested on machines that have AVX2/AVX-512.
# (tests/ is included before nn/: name the library, $(LIBNN) is not defined yet)

$(BIN)/test_nn_kernels: $(BUILD)/tests/kernels/test_kernels.o $(BUILD)/tests/kernels/bn_base.o \
                       $(BUILD)/libnn.a $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(BUILD)/libnn.a $(LIBNSO) -lcunit $(LDLIBS) -lz -o $@
$(BUILD)/tests/kernels/%.o: CFLAGS += -Inn -fopenmp
# batchnorm.c once more, baseline ISA only, its functions renamed *_f32_base:
# the library's run-time clones (NN_CLONES) must give the same bits
$(BUILD)/tests/kernels/bn_base.o: nn/batchnorm.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Inn -O3 -fopenmp -fno-trapping-math -DNN_BASELINE_COPY -MMD -MP -c $< -o $@

# a two-line launcher, so that `make test` (which runs each TEST_BINS entry as
# is) runs test_nn with the fallback kernels
$(BIN)/test_nn_generic: $(BIN)/test_nn
	@printf '#!/bin/sh\n# test_nn with the portable fallback kernels forced\nNN_SIMD=generic exec "$$(dirname "$$0")/test_nn" "$$@"\n' > $@
	@chmod +x $@

TEST_BINS += $(BIN)/test_nn_kernels $(BIN)/test_nn_generic
