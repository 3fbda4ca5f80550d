# ft/report.mk - the fine-tuning sweep driver and its aggregator (ISSUE 8;
# docs/finetune_plan.md): ft_report (built by ft/ft.mk's ft_% rule), its
# tests, and
#
#   make finetune [PROFILE=quick|full]   phases 0-3 through scripts/manifest.sh -j2,
#                                        then ft_report (tables, ledger rows) and the figures
#
# Results: $(OUT)/ft/ (quick: out/quick/ft, full: data/ft); tables and figure
# data: $(OUT)/ft-report/; figures: $(OUT)/figures/ft_fig*.png.
# Part of `make repro` (REPRO_SERIAL: after the other parts, since the sweep
# runs its own 2 jobs at a time); the quick profile's budget is 4 minutes.

FT_OUT := $(OUT)/ft
.PHONY: finetune finetune-figures
REPRO_SERIAL += finetune
finetune: $(BIN)/ft_report $(BIN)/ft_run $(BIN)/nn_data
	@bash scripts/nn_data.sh $(NN_CACHE) $(BIN)/nn_data
	JOBS=2 bash scripts/ft_sweep.sh $(PROFILE) $(FT_OUT) $(LEDGER)
	$(MAKE) --no-print-directory finetune-figures
finetune-figures:
	@bash scripts/plot.sh $(FT_OUT)-report $(OUT)/figures "$(PROFILE) profile" ft_fig1 ft_fig2 ft_fig4 ft_fig5

$(BIN)/test_ft_report: $(BUILD)/tests/ft/test_ft_report.o $(LIBFT) $(FT_LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBFT) $(FT_LIBNN) $(LIBNSO) -lcunit $(NN_LDLIBS) -o $@

$(BIN)/test_ft_manifest: tests/ft/test_ft_manifest.sh $(BIN)/ft_report
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BIN@|$(abspath $(BIN))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

TEST_BINS += $(BIN)/test_ft_report $(BIN)/test_ft_manifest
