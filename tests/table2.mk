# tests/table2.mk - the Table 2 diagnostics (tests/table2/test_table2.c): the
# one-point gap's closed form (proofs_check/gap_est.h) and the ReLU kink term
# and sign changes (nn/kink.c).
# (tests/ may be included before nn/: name the library, $(LIBNN) may not be defined yet)
$(BIN)/test_table2: $(BUILD)/tests/table2/test_table2.o $(BUILD)/libnn.a $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(BUILD)/libnn.a $(LIBNSO) -lcunit $(LDLIBS) -lz -o $@
$(BUILD)/tests/table2/%.o: CFLAGS += -Inn -Iproofs_check

TEST_BINS += $(BIN)/test_table2
