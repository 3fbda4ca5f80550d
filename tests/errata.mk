# tests/errata.mk - proofs_errata (proofs_check/errata.c) against hand-computed
# values, its ledger rows and its bad input (tests/errata/test_errata.c).
$(BIN)/test_errata: $(BUILD)/tests/errata/test_errata.o $(LIBNSO) | $(BIN)/proofs_errata
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/errata/%.o: CFLAGS += -DNSO_BIN='"$(BIN)"'

TEST_BINS += $(BIN)/test_errata
