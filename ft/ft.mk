# ft/ft.mk - fine-tuning experiment infrastructure (ISSUE 8), included by the
# top Makefile: the tasks' splits (ft/*.c, program ft_tasks), the manifest
# runner's tests and the sweep target.
#
#   make ft-all                       build libft and ft_tasks
#   make sweep MANIFEST=path [JOBS=N] run a job manifest (scripts/manifest.sh; docs/sweeps.md)

FT_SRC   := $(wildcard ft/*.c)
FT_OBJ   := $(FT_SRC:%.c=$(BUILD)/%.o)
LIBFT    := $(BUILD)/libft.a
FT_TOOLS := $(patsubst ft/tools/%.c,$(BIN)/%,$(wildcard ft/tools/*.c))
# nn/nn.mk is included after this file: name its library by path here (the same
# path as its LIBNN), since prerequisites are expanded when the rule is read
FT_LIBNN := $(BUILD)/libnn.a

$(BUILD)/ft/%.o: CFLAGS += -Inn -Ift
$(BUILD)/tests/ft/%.o: CFLAGS += -Inn -Ift

$(LIBFT): $(FT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/ft_%: $(BUILD)/ft/tools/ft_%.o $(LIBFT) $(FT_LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBFT) $(FT_LIBNN) $(LIBNSO) $(NN_LDLIBS) -o $@

$(BIN)/test_ft: $(BUILD)/tests/ft/test_ft.o $(LIBFT) $(FT_LIBNN) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBFT) $(FT_LIBNN) $(LIBNSO) -lcunit $(NN_LDLIBS) -o $@

# the job program's tests run the built ft_run (its path baked in)
$(BUILD)/tests/ft/test_ft_run.o: CFLAGS += -DFT_RUN_BIN='"$(abspath $(BIN))/ft_run"'
$(BIN)/test_ft_run: $(BUILD)/tests/ft/test_ft_run.o $(LIBFT) $(FT_LIBNN) $(LIBNSO) $(BIN)/ft_run
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBFT) $(FT_LIBNN) $(LIBNSO) -lcunit $(NN_LDLIBS) -o $@

# shell test suites: installed into $(BIN) with the checkout and $(BIN) baked in
FT_SH_TESTS := $(BIN)/test_manifest $(BIN)/test_ft_tasks
$(FT_SH_TESTS): $(BIN)/test_%: tests/ft/test_%.sh $(FT_TOOLS)
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BIN@|$(abspath $(BIN))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

.SECONDARY: $(FT_TOOLS:$(BIN)/%=$(BUILD)/ft/tools/%.o)
.PHONY: ft-all sweep
ft-all: $(LIBFT) $(FT_TOOLS) $(BIN)/test_ft $(BIN)/test_ft_run

MANIFEST ?=
sweep:
	@test -n "$(MANIFEST)" || { echo "make sweep: set MANIFEST=path (docs/sweeps.md)" >&2; exit 2; }
	bash scripts/manifest.sh -j $(JOBS) $(MANIFEST)

TEST_BINS += $(BIN)/test_ft $(BIN)/test_ft_run $(FT_SH_TESTS)
