# tests/sens_fused.mk - the fused sensing pass (lib/sensing_fused.c) against a
# scalar loop with its documented order of operations, bit for bit, for every
# vector width the CPU runs (tests/sens/test_fused.c).
TEST_BINS += $(BIN)/test_sens_fused
$(BIN)/test_sens_fused: $(BUILD)/tests/sens/test_fused.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
