# nn/nn.mk - the network engine (ISSUE 4), included by the top Makefile.
#
#   make nn-all      build the engine library and the nn tools
#   make nn-test     CUnit suite (exit non-zero on failure)
#   make nn-data     install/fetch and verify Fashion-MNIST and MNIST
#   make table2      Table 2 analog for PROFILE (quick|full) -> $(OUT)/table2*, ledger (the mini-BERT rows
#                    pretrain by MLM on Brown first, cached in $(NN_CACHE)/table2-$(PROFILE)/mlm_*; with the
#                    paper's sigma grid, the ReLU kink term and the MNIST MLP along training)
#   make nn-bench    performance figures -> data/bench.tsv (and their marked copies in docs/nn.md)
#   make nn-bench-hess  only the sub-block Hessian rows (a few CPU seconds)
#   make nn-fuzz     build the libFuzzer loader targets (clang) and run them briefly
#   make graph-data  generate the GCN's graph set (nn_graphs, igraph) -> $(NN_CACHE)/graphs/graphs.bin
#
# Templated engine sources are compiled twice: float (the production path) and
# double (-DNN_F64, an independent path used by the tests).

NN_T_SRC  := nn/conv2d.c nn/linear.c nn/batchnorm.c nn/elementwise.c nn/pool.c \
             nn/softmax_ce.c nn/model.c nn/gelu.c nn/layernorm.c nn/embedding.c \
             nn/cls_pool.c nn/attention.c nn/attention_gemm.c \
             nn/layernorm_blk.c nn/gcn.c nn/gather.c nn/mlm_ce.c
NN_SRC    := $(filter-out $(NN_T_SRC),$(wildcard nn/*.c))
NN_OBJ    := $(NN_SRC:%.c=$(BUILD)/%.o) $(NN_T_SRC:%.c=$(BUILD)/%.o) \
             $(NN_T_SRC:nn/%.c=$(BUILD)/nn/f64/%.o)
LIBNN     := $(BUILD)/libnn.a
NN_LDLIBS := $(LDLIBS) -lz
NN_TOOLS  := $(patsubst nn/tools/%.c,$(BIN)/%,$(wildcard nn/tools/*.c))
NN_CACHE  ?= data/cache
NN_NTHREADS ?= 2

$(BUILD)/nn/f64/%.o: nn/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DNN_F64 -MMD -MP -c $< -o $@

$(LIBNN): $(NN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/nn_%: $(BUILD)/nn/tools/nn_%.o $(LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNN) $(LIBNSO) $(NN_LDLIBS) -o $@

NN_TEST_SRC := $(wildcard tests/nn/*.c)
$(BIN)/test_nn: $(NN_TEST_SRC:%.c=$(BUILD)/%.o) $(LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(LIBNN) $(LIBNSO) -lcunit $(NN_LDLIBS) -o $@
$(BUILD)/tests/nn/%.o: CFLAGS += -Inn

$(BIN)/nn_bench: $(BUILD)/bench/nn_bench.o $(LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNN) $(LIBNSO) $(NN_LDLIBS) -o $@
$(BUILD)/bench/nn_%.o: CFLAGS += -Inn -fopenmp
$(BUILD)/nn/tools/%.o: CFLAGS += -Inn

.SECONDARY: $(NN_TOOLS:$(BIN)/%=$(BUILD)/nn/tools/%.o)
.PHONY: nn-all nn-test nn-data table2 nn-bench nn-bench-hess nn-fuzz
nn-all: $(LIBNN) $(NN_TOOLS) $(BIN)/test_nn

nn-test: $(BIN)/test_nn $(BIN)/fuzz_replay
	OMP_NUM_THREADS=2 GOMP_SPINCOUNT=10000 $(BIN)/test_nn
	$(BIN)/fuzz_replay

nn-data: $(BIN)/nn_data
	@bash scripts/nn_data.sh $(NN_CACHE) $(BIN)/nn_data

table2: $(BIN)/nn_table2 $(BIN)/nn_data $(NN_CACHE)/graphs/graphs.bin
	@bash scripts/nn_data.sh $(NN_CACHE) $(BIN)/nn_data
	@bash scripts/text_data.sh $(NN_CACHE) $(BIN)/nn_data
	@mkdir -p $(OUT)/table2 $(NN_CACHE)/table2-$(PROFILE)
	OMP_NUM_THREADS=$(NN_NTHREADS) GOMP_SPINCOUNT=10000 $(BIN)/nn_table2 --profile $(PROFILE) \
	  --cache $(NN_CACHE) --ckdir $(NN_CACHE)/table2-$(PROFILE) --outdir $(OUT)/table2 \
	  --ledger $(LEDGER) --table $(OUT)/table2.md
	@if command -v gnuplot >/dev/null; then \
	  gnuplot -e "dir='$(OUT)/table2'" plots/table2.gp && echo "wrote $(OUT)/table2/table2.png"; \
	  gnuplot -e "dir='$(OUT)/table2'" plots/table2_mech.gp && echo "wrote $(OUT)/table2/table2_mech.png"; fi

nn-bench: $(BIN)/nn_bench
	@mkdir -p data
	OMP_NUM_THREADS=$(NN_NTHREADS) GOMP_SPINCOUNT=10000 $(BIN)/nn_bench --tsv data/bench.tsv
	@bash scripts/bench_doc.sh docs/nn.md data/bench.tsv

# the sub-block Hessian rows alone (a few CPU seconds; issue 12)
nn-bench-hess: $(BIN)/nn_bench
	@mkdir -p data
	OMP_NUM_THREADS=$(NN_NTHREADS) GOMP_SPINCOUNT=10000 $(BIN)/nn_bench --only hess-sub --tsv data/bench.tsv
	@bash scripts/bench_doc.sh docs/nn.md data/bench.tsv

TEST_BINS      += $(BIN)/test_nn
REPRO_TARGETS  += table2
FIGURE_TARGETS += table2
BENCH_TARGETS  += nn-bench

# The engine's kernels are compiled with NN_OPT for the baseline ISA (no
# -march=native: a binary runs on any x86-64).  conv_direct.c carries its own
# AVX2+FMA and AVX-512 variants, chosen at run time (nn/simd.c); fused
# multiply-adds are allowed there (-ffp-contract=fast).
NN_OPT ?= -O3
$(BUILD)/nn/%.o: CFLAGS += $(NN_OPT) -fopenmp
$(BUILD)/nn/conv_direct.o $(BUILD)/nn/conv_winograd.o: CFLAGS += -ffp-contract=fast
# selects and clamps vectorise only when a select may not raise FP exceptions
$(BUILD)/nn/%.o $(BUILD)/nn/f64/%.o: CFLAGS += -fno-trapping-math

# ---- fuzzing (libFuzzer, clang) and the replay of corpora + regressions ----
# csv: lib's CSV reader; ckpt: lib's checkpoint loader (issue 11); brown: the corpus reader; graphs: the GCN's graph file
NN_FUZZ_TARGETS := idx json safetensors brown csv ckpt graphs
NN_FUZZ_SECONDS ?= 30
NN_FUZZ_SRC := nn/dataset.c nn/corpus.c nn/safetensors.c nn/config.c nn/model.c nn/conv2d.c nn/linear.c \
               nn/conv_direct.c nn/conv_winograd.c nn/simd.c \
               nn/batchnorm.c nn/elementwise.c nn/pool.c nn/softmax_ce.c nn/gelu.c nn/layernorm.c \
               nn/embedding.c nn/cls_pool.c nn/attention.c nn/attention_gemm.c nn/layernorm_blk.c \
               nn/gcn.c nn/graphs.c $(wildcard lib/*.c)
$(BUILD)/tests/fuzz/replay_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Inn -DLLVMFuzzerTestOneInput=fuzz_$* -MMD -MP -c $< -o $@
$(BIN)/fuzz_replay: $(BUILD)/tests/fuzz/replay.o $(NN_FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%.o) $(LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(LIBNN) $(LIBNSO) $(NN_LDLIBS) -o $@
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(NN_FUZZ_SRC)
	@mkdir -p $(dir $@)
	clang -g -O1 -std=c11 -D_DEFAULT_SOURCE -Ilib -Inn -fopenmp -fsanitize=fuzzer,address,undefined $^ \
	  -lgsl -llapacke -lopenblas -lz -lm -o $@
nn-fuzz: $(NN_FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	@for t in $(NN_FUZZ_TARGETS); do mkdir -p $(BUILD)/fuzz/corpus_$$t tests/fuzz/regressions/$$t; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(NN_FUZZ_SECONDS) -max_len=65536 \
	    -artifact_prefix=tests/fuzz/regressions/$$t/ $(BUILD)/fuzz/corpus_$$t tests/fuzz/corpus/$$t \
	    2>&1 | tail -n 2 || exit 1; done
TEST_BINS += $(BIN)/fuzz_replay

# ---- the command-line workflow + SLQ density figure (uses table2's checkpoint) ----
.PHONY: nn-density
nn-density: $(BIN)/nn_cli
	OMP_NUM_THREADS=$(NN_NTHREADS) GOMP_SPINCOUNT=10000 bash scripts/nn_hessian_demo.sh $(BIN) $(OUT) $(NN_CACHE)/table2-$(PROFILE)
FIGURE_TARGETS += nn-density

# ---- the GCN's graph data set (issue 9, graphs): only the generator links igraph ----
GRAPH_SEED ?= 1
GRAPH_COUNT ?= 3000
$(BIN)/nn_graphs: $(BUILD)/nn/tools/nn_graphs.o $(LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNN) $(LIBNSO) $(NN_LDLIBS) -ligraph -o $@
$(BUILD)/nn/tools/nn_graphs.o: CFLAGS += -I/usr/include/igraph
.PHONY: graph-data
graph-data: $(NN_CACHE)/graphs/graphs.bin
$(NN_CACHE)/graphs/graphs.bin: | $(BIN)/nn_graphs
	@mkdir -p $(dir $@)
	$(BIN)/nn_graphs --seed $(GRAPH_SEED) --graphs $(GRAPH_COUNT) --out $@
