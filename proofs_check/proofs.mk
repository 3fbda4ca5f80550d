# proofs_check/proofs.mk - numerical checks of the paper's theorems (ISSUE 3),
# included by the top Makefile.
#
#   make proofs [PROFILE=quick|full]   every check -> $(OUT)/proofs/*.csv, *.md,
#                                      ledger rows in $(LEDGER), figures in $(OUT)/figures
#   make proofs-test                   CUnit suite of the constructions
#   make proofs-bench                  Theorem 4.3 trajectory-steps/s -> data/bench.tsv
#
# One output file per job: a job whose CSV exists is skipped, so `make -j2 proofs`
# runs jobs in parallel and an interrupted run resumes.  `make proofs-clean`
# removes $(OUT)/proofs to force a rerun.
#
# Every program takes --sigma (weight-perturbation std) and, where the check has
# an oracle, --sigma-g (oracle noise); the jobs below use the programs' defaults.
# The objectives come from the problem registry (lib/prob_*.c) and every NSO
# step from the optimizer engine (lib/opt_nso.c).

PROOFS_SEED ?= 20240601
PROOFS_SUP  := pc_util drori_shamir secmom thm43 sens_pop b1run adagrad_ds
PROOFS_PROG := taylor_gap lower_bound momentum upper_bound nso_variance errata lemma_b1 lower_adaptive lemma_a5
PROOFS_SUP_OBJ := $(PROOFS_SUP:%=$(BUILD)/proofs_check/%.o)
PROOFS_BINS := $(PROOFS_PROG:%=$(BIN)/proofs_%)
PROOFS_DIR  := $(OUT)/proofs
PROOFS_FIG  := $(OUT)/figures
PROOFS_ARGS  = --profile $(PROFILE) --seed $(PROOFS_SEED) --out $(PROOFS_DIR) --ledger $(LEDGER)
PROOFS_OBJS := taylor_quadratic taylor_cossum taylor_logcosh taylor_logistic taylor_sensing_random \
               taylor_sensing_interp
PROOFS_KS   := 1 2 4 8 16

.SECONDARY: $(PROOFS_PROG:%=$(BUILD)/proofs_check/%.o) $(BUILD)/bench/proofs_bench.o

$(BIN)/proofs_%: $(BUILD)/proofs_check/%.o $(PROOFS_SUP_OBJ) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(PROOFS_SUP_OBJ) $(LIBNSO) $(LDLIBS) -o $@

# ---- jobs (the CSV is the job's output; it appears atomically at the end) ----
$(PROOFS_DIR)/taylor_%.csv: | $(BIN)/proofs_taylor_gap
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_taylor_gap $(PROOFS_ARGS) --objective $*
$(PROOFS_DIR)/taylor_summary_claims.md: $(PROOFS_OBJS:%=$(PROOFS_DIR)/%.csv) | $(BIN)/proofs_taylor_gap
	$(BIN)/proofs_taylor_gap $(PROOFS_ARGS) --objective summary
$(PROOFS_DIR)/lower_b2.csv: | $(BIN)/proofs_lower_bound
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_lower_bound $(PROOFS_ARGS)
$(PROOFS_DIR)/momentum_lower.csv: | $(BIN)/proofs_momentum
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_momentum $(PROOFS_ARGS)
$(PROOFS_DIR)/nso_variance.csv: | $(BIN)/proofs_nso_variance
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_nso_variance $(PROOFS_ARGS)
$(PROOFS_DIR)/errata_eq29.csv: | $(BIN)/proofs_errata
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_errata $(PROOFS_ARGS)
$(PROOFS_DIR)/lower_adaptive.csv: | $(BIN)/proofs_lower_adaptive
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_lower_adaptive $(PROOFS_ARGS)
# matrix sensing: one BLAS / OpenMP thread, so the numbers do not depend on the machine
$(PROOFS_DIR)/lemma_a5.csv: | $(BIN)/proofs_lemma_a5
	@mkdir -p $(PROOFS_DIR)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/proofs_lemma_a5 $(PROOFS_ARGS)
$(PROOFS_DIR)/lemma_b1.csv: | $(BIN)/proofs_lemma_b1
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_lemma_b1 $(PROOFS_ARGS)
$(PROOFS_DIR)/upper_k%.csv: | $(BIN)/proofs_upper_bound
	@mkdir -p $(PROOFS_DIR)
	$(BIN)/proofs_upper_bound $(PROOFS_ARGS) --k $*
$(PROOFS_DIR)/sandwich.csv: $(PROOFS_KS:%=$(PROOFS_DIR)/upper_k%.csv) | $(BIN)/proofs_upper_bound
	$(BIN)/proofs_upper_bound $(PROOFS_ARGS) --pool
# Theorem 4.3 under every other symmetric law: one job per (law, k), k in {1, 4}
PROOFS_LAWS   := laplace uniform binomial rademacher
PROOFS_LAW_KS := 1 4
define PROOFS_LAW_JOB
$$(PROOFS_DIR)/upper_$(1)_k%.csv: | $$(BIN)/proofs_upper_bound
	@mkdir -p $$(PROOFS_DIR)
	$$(BIN)/proofs_upper_bound $$(PROOFS_ARGS) --law $(1) --k $$*
endef
$(foreach l,$(PROOFS_LAWS),$(eval $(call PROOFS_LAW_JOB,$(l))))
$(PROOFS_DIR)/upper_laws.csv: $(PROOFS_LAW_KS:%=$(PROOFS_DIR)/upper_k%.csv) \
    $(foreach l,$(PROOFS_LAWS),$(PROOFS_LAW_KS:%=$(PROOFS_DIR)/upper_$(l)_k%.csv)) | $(BIN)/proofs_upper_bound
	$(BIN)/proofs_upper_bound $(PROOFS_ARGS) --pool-laws

PROOFS_DATA := $(PROOFS_DIR)/taylor_summary_claims.md $(PROOFS_DIR)/lower_b2.csv \
               $(PROOFS_DIR)/momentum_lower.csv $(PROOFS_DIR)/nso_variance.csv $(PROOFS_DIR)/sandwich.csv \
               $(PROOFS_DIR)/errata_eq29.csv $(PROOFS_DIR)/upper_laws.csv \
               $(PROOFS_DIR)/lemma_b1.csv $(PROOFS_DIR)/lower_adaptive.csv \
               $(PROOFS_DIR)/lemma_a5.csv

# ---- figures (PNG + PDF); data is still produced without gnuplot ----
PROOFS_FIGS := taylor lower momentum upper variance sandwich upper_laws lemma_b1 lower_adaptive lemma_a5
PROOFS_PNG  := $(PROOFS_FIGS:%=$(PROOFS_FIG)/proofs_%.png)
$(PROOFS_FIG)/proofs_%.png: plots/proofs_%.gp $(PROOFS_DATA)
	@mkdir -p $(PROOFS_FIG)
	@if command -v gnuplot >/dev/null 2>&1; then \
	  gnuplot -e "indir='$(PROOFS_DIR)'; outbase='$(PROOFS_FIG)/proofs_$*'" $< && echo "figure $@ (+ .pdf)"; \
	else echo "gnuplot not found: data for $@ is in $(PROOFS_DIR); install it with 'apt-get install gnuplot-nox'"; fi

.PHONY: proofs proofs-test proofs-bench proofs-clean
proofs: $(PROOFS_DATA) $(PROOFS_PNG)
	@cat $(PROOFS_DIR)/*_claims.md > $(PROOFS_DIR)/claims_table.md.tmp && mv $(PROOFS_DIR)/claims_table.md.tmp $(PROOFS_DIR)/claims_table.md
	@echo "proofs: ledger rows in $(LEDGER); tables in $(PROOFS_DIR)/*.md; figures in $(PROOFS_FIG)"

proofs-clean:
	rm -rf $(PROOFS_DIR) $(PROOFS_PNG) $(PROOFS_PNG:.png=.pdf)

# ---- tests ----
PROOFS_TEST_SRC := $(wildcard tests/proofs/*.c)
$(BIN)/test_proofs: $(PROOFS_TEST_SRC:%.c=$(BUILD)/%.o) $(PROOFS_SUP_OBJ) $(LIBNSO) | $(PROOFS_BINS)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/proofs/%.o: CFLAGS += -Iproofs_check -DNSO_BIN='"$(BIN)"'
proofs-test: $(BIN)/test_proofs
	$(BIN)/test_proofs

# ---- benchmark ----
$(BIN)/proofs_bench: $(BUILD)/bench/proofs_bench.o $(PROOFS_SUP_OBJ) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(PROOFS_SUP_OBJ) $(LIBNSO) $(LDLIBS) -o $@
$(BUILD)/bench/proofs_%.o: CFLAGS += -Iproofs_check
proofs-bench: $(BIN)/proofs_bench
	@mkdir -p data
	$(BIN)/proofs_bench --tsv data/bench.tsv

TEST_BINS     += $(BIN)/test_proofs
REPRO_TARGETS += proofs
BENCH_TARGETS += proofs-bench
