# tests/sens.mk - issue 10's matrix-sensing supplements (tests/sens/test_sens.c):
# WP-GD with K draws, NSO + isotropic noise, M = sum A_i^2, small-init GD and the
# trace-penalised search; and tests/sens/test_sens_flow.sh, the mechanism and
# long-horizon flows at a tiny size (runs, plateau resume, reports, ledger rows).
TEST_BINS += $(BIN)/test_sens $(BIN)/test_sens_flow
$(BIN)/test_sens: $(BUILD)/tests/sens/test_sens.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BIN)/test_sens_flow: tests/sens/test_sens_flow.sh $(BIN)/sensing_fig3 $(BIN)/sensing_report
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BIN@|$(abspath $(BIN))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
