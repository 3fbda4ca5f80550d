# tests/gcn.mk - the graph half of issue 9: the graph file reader (malformed
# files refused with one line naming the file), the GCN's graph layers against
# a dense A_hat built independently, the model's gradient and HVP against
# central differences of the double build, float against double, the
# checkpoint's names, and the generator's determinism (one CUnit binary).
# (tests/ is included before nn/: name the library, $(LIBNN) is not defined yet)

GCN_TEST_SRC := $(wildcard tests/gcn/*.c)
$(BIN)/test_gcn: $(GCN_TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libnn.a $(LIBNSO) | $(BIN)/nn_graphs $(BIN)/nn_cli
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(BUILD)/libnn.a $(LIBNSO) -lcunit $(LDLIBS) -lz -o $@
$(BUILD)/tests/gcn/%.o: CFLAGS += -Inn -DNN_BIN='"$(BIN)"'

TEST_BINS += $(BIN)/test_gcn
# the failure cases of tests/reliab/cases.tsv run nn_graphs too
$(BIN)/test_reliab_cases: $(BIN)/nn_graphs
