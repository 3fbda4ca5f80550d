# tests/problems.mk - the CUnit suite of the problem registry and the
# sample-sharing oracle (tests/test_problems.c), included by the top Makefile.
$(BIN)/test_problems: $(BUILD)/tests/test_problems.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@

TEST_BINS += $(BIN)/test_problems
