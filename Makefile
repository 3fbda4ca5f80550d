# Makefile - NSO paper reproduction toolkit (C11).
#
#   make repro [PROFILE=quick|full]   regenerate figures, ledger and report
#   make test                         CUnit suites (non-zero exit on failure)
#   make test-asan                    the same under ASan + UBSan
#   make bench                        performance figures -> data/bench.tsv
#   make proofs / make report / make figures / make deps / make clean
#
# Quick-profile outputs go to out/quick/ (never committed); the full profile
# writes the committed results under data/ and paper_repro.md.

PROFILE ?= quick
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CC      ?= gcc
OPT     ?= -O2
GITREV  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wno-format-truncation -Wno-stringop-truncation \
           -D_DEFAULT_SOURCE -Ilib $(SAN)
LDLIBS  := -lgsl -llapacke -lopenblas -lm -fopenmp
BUILD   ?= build
BIN     := $(BUILD)/bin

ifeq ($(PROFILE),full)
  OUT    := data
  REPORT := paper_repro.md
else ifeq ($(PROFILE),quick)
  OUT    := out/quick
  REPORT := out/quick/paper_repro.md
else
  $(error PROFILE must be quick or full, got '$(PROFILE)')
endif
LEDGER := $(OUT)/claims.tsv

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBNSO  := $(BUILD)/libnso.a

SIM_PROGS := $(patsubst sim/%.c,$(BIN)/%,$(wildcard sim/*.c))

.PHONY: all deps test test-asan repro report figures bench proofs clean check-deps
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LIBNSO) $(SIM_PROGS)

deps:
	@bash scripts/deps.sh

$(BUILD)/gitrev.h: FORCE
	@mkdir -p $(BUILD)
	@echo '#define NSO_GIT_REV "$(GITREV)"' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
FORCE:

$(BUILD)/lib/io.o: $(BUILD)/gitrev.h
$(BUILD)/lib/io.o: CFLAGS += -include $(BUILD)/gitrev.h

$(BUILD)/lib/sensing_fused.o: CFLAGS += -fopenmp -O3

# every compile first makes sure the Debian packages are there (once per build dir)
$(BUILD)/.deps-ok: scripts/deps.sh
	@mkdir -p $(BUILD)
	@bash scripts/deps.sh
	@touch $@

$(BUILD)/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBNSO): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/sim/%.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) $(LDLIBS) -o $@

# ---- tests ------------------------------------------------------------
TEST_BINS := $(BIN)/test_lib
$(BIN)/test_lib: $(BUILD)/tests/test_lib.o $(LIBNSO) | $(SIM_PROGS)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/test_lib.o: CFLAGS += -DNSO_BIN='"$(BIN)"'

# ---- benchmarks -------------------------------------------------------
BENCH_TARGETS := bench-sensing
$(BIN)/bench_sensing: $(BUILD)/bench/bench_sensing.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) $(LDLIBS) -o $@

REPRO_TARGETS :=
# run after REPRO_TARGETS, one at a time (each runs its own parallel jobs)
REPRO_SERIAL :=
FIGURE_TARGETS :=

-include $(wildcard */*.mk)

repro: check-deps all
	$(MAKE) -j$(JOBS) $(REPRO_TARGETS)
	$(if $(strip $(REPRO_SERIAL)),$(MAKE) $(REPRO_SERIAL))
	$(MAKE) figures
	$(MAKE) report
	@echo "repro ($(PROFILE)): ledger $(LEDGER), report $(REPORT), figures $(OUT)/figures/"

figures: $(FIGURE_TARGETS)

# the ledger must carry the kinds of lib/claim_kinds.c (ledger_kinds --migrate fixes an old one)
report: $(BIN)/ledger_kinds
	@$(BIN)/ledger_kinds --ledger $(LEDGER) --check
	@mkdir -p $(OUT) && $(BIN)/ledger_kinds --list $(OUT)/ledger_kinds.md
	@bash scripts/paper_index.sh
	@bash scripts/render_report.sh $(PROFILE) $(OUT) $(REPORT)

test: check-deps all $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do echo "== $$t"; ./$$t || fail=1; done; \
	echo "== paper tags (docs/paper_refs.tsv)"; bash scripts/paper_index.sh --check || fail=1; \
	if [ $$fail -ne 0 ]; then echo "make test: FAILED"; exit 1; fi; echo "make test: all suites passed"

# the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
test-asan: check-deps
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) BUILD=build-asan OPT="-O1" \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

check-deps:
	@bash scripts/deps.sh --check-only >/dev/null 2>&1 || bash scripts/deps.sh

# benchmarks run one after the other (never in parallel: they time things);
# data/bench.tsv is rewritten, its first line says when and on what machine
bench: check-deps all
	@mkdir -p data
	@printf '# make bench at git %s on %s cores (%s); load average before: %s\n' "$(GITREV)" \
	  "$$(nproc)" "$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
	  "$$(cut -d' ' -f1-3 /proc/loadavg)" > data/bench.tsv
	@for t in $(BENCH_TARGETS); do $(MAKE) --no-print-directory -j1 $$t || exit 1; done
	@echo "bench: rows in data/bench.tsv"
bench-sensing: $(BIN)/bench_sensing
	@mkdir -p data
	$(BIN)/bench_sensing --tsv data/bench.tsv

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf $(BUILD) out/quick
