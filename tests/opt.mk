# tests/opt.mk - the optimizer-engine suite (tests/test_opt.c), included by the
# top Makefile: hand-computed steps of the SAM family, every method x every
# problem through the single-run and lock-step driver, save/resume, samples,
# parameter tables.
TEST_BINS += $(BIN)/test_opt
$(BIN)/test_opt: $(BUILD)/tests/test_opt.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
