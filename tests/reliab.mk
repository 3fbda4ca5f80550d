# tests/reliab.mk - issue 11 (reliability), included by the top Makefile:
#   test_reliab        CUnit: recorded parameters, integer lists, temporaries and
#                      signals, the ledger check, checkpoints, batch-independent Lanczos
#   test_reliab_cases  every program through the failure cases of tests/reliab/cases.tsv
#   test_reliab_kill   a small `make sensing` killed at random moments and crashed
#                      inside its commits, rerun, compared with an uninterrupted run
RELIAB_PROGS := $(BIN)/sensing_fig3 $(BIN)/sensing_report $(BIN)/sensing_prop23 $(BIN)/nsorun \
                $(BIN)/nn_cli $(BIN)/nn_table2 $(BIN)/nn_fig2text $(BIN)/nn_data $(BIN)/ft_run $(BIN)/ft_report $(BIN)/ft_tasks \
                $(BIN)/proofs_taylor_gap $(BIN)/proofs_lower_bound $(BIN)/proofs_momentum \
                $(BIN)/proofs_upper_bound $(BIN)/proofs_nso_variance
$(BIN)/test_reliab: $(BUILD)/tests/reliab/test_reliab.o $(LIBNSO) | $(BIN)/sensing_fig3
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/reliab/test_reliab.o: CFLAGS += -DNSO_BIN='"$(BIN)"'
$(BIN)/test_reliab_cases: tests/reliab/run_cases.sh tests/reliab/cases.tsv $(RELIAB_PROGS)
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BIN@|$(abspath $(BIN))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
$(BIN)/test_reliab_kill: tests/reliab/kill_resume.sh $(BIN)/sensing_fig3 $(BIN)/sensing_report $(BIN)/sensing_prop23
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BUILD@|$(abspath $(BUILD))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
TEST_BINS += $(BIN)/test_reliab $(BIN)/test_reliab_cases $(BIN)/test_reliab_kill
