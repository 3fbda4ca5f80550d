# sim/sensing.mk - the matrix-sensing experiments (paper Sec. 2.1.1, 3.1, Fig. 3, Prop. 2.3).
# One job per seed (make -j parallelises; a finished seed is skipped; an
# interrupted one resumes from its checkpoint).

EXT_SIGMAS := 0.016,0.024,0.032,0.048,0.064
ifeq ($(PROFILE),full)
  EXT_SEEDS   := 1 2
  FIG3_SEEDS  := 1 2 3 4 5
  FIG3_ARGS   := --d 100 --r 5 --steps 10000
  PROP23_ARGS := --d 50 --r 2 --ms 400,500,600,800,1000 --steps 8000 --reps 256 \
                 --hard-ms 50,75,100,125,150,200,300,400,500,600,800,1000
else
  EXT_SEEDS   := 1 2
  FIG3_SEEDS  := 1 2 3
  FIG3_ARGS   := --d 40 --r 2 --steps 4000
  PROP23_ARGS := --d 30 --r 2 --ms 240,300,360,420 --steps 5000 --reps 64 \
                 --hard-ms 30,45,60,75,90,120,180,240,300,360,420
endif
comma := ,
empty :=
space := $(empty) $(empty)
SENS_DIR := $(OUT)/sensing
FIG_DIR  := $(OUT)/figures
FIG3_DONE := $(foreach s,$(FIG3_SEEDS),$(SENS_DIR)/seed$(s)/.done)

# Each job uses one BLAS thread so that make -j2 keeps both cores busy.
$(SENS_DIR)/seed%/.done: | $(BIN)/sensing_fig3
	@mkdir -p $(SENS_DIR)
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/sensing_fig3 $(FIG3_ARGS) --seed $* --outdir $(SENS_DIR)
	@touch $@

$(SENS_DIR)/fig3_summary.csv: $(FIG3_DONE) | $(BIN)/sensing_report
	$(BIN)/sensing_report --indir $(SENS_DIR) --ledger $(LEDGER) --profile $(PROFILE) \
	  --seeds $(subst $(space),$(comma),$(FIG3_SEEDS)) --command "make repro PROFILE=$(PROFILE)"

$(SENS_DIR)/prop23_summary.csv: | $(BIN)/sensing_prop23
	@mkdir -p $(SENS_DIR)
	$(BIN)/sensing_prop23 $(PROP23_ARGS) --outdir $(SENS_DIR) --ledger $(LEDGER) \
	  --command "make repro PROFILE=$(PROFILE)"

# supplement: the same sweep on a wider sigma grid (fewer seeds), rows fig3.extended_grid, fig3.ext_trace_order
EXT_DIR  := $(OUT)/sensing_ext
EXT_DONE := $(foreach s,$(EXT_SEEDS),$(EXT_DIR)/seed$(s)/.done)
$(EXT_DIR)/seed%/.done: | $(BIN)/sensing_fig3
	@mkdir -p $(EXT_DIR)
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/sensing_fig3 $(FIG3_ARGS) --sigmas $(EXT_SIGMAS) --seed $* --outdir $(EXT_DIR)
	@touch $@
$(EXT_DIR)/fig3_summary.csv: $(EXT_DONE) | $(BIN)/sensing_report
	$(BIN)/sensing_report --indir $(EXT_DIR) --ledger $(LEDGER) --profile $(PROFILE) --mode extended \
	  --sigmas $(EXT_SIGMAS) --seeds $(subst $(space),$(comma),$(EXT_SEEDS)) --command "make repro PROFILE=$(PROFILE)"

# supplements of issue 10 (rows fig3.mechanism_*, fig3.long_horizon*): manifests of
# independent jobs (scripts/sensing_manifest.sh, run by scripts/manifest.sh; a
# finished job is skipped, an interrupted one resumes from its checkpoint).
# In `make repro` after the parallel parts (REPRO_SERIAL): the long manifest
# reads the sigmas chosen by the Fig. 3 sweeps.  Full-profile cost, measured
# with one core per job: mechanism 3 jobs of 17-20 CPU-minutes (0.1 s per step:
# 30 gradients, WP-GD with 16 draws most of them); long horizon 8 jobs of at
# most 15 (WP-GD, 8.5 ms per step) or 21 (NSO, 12 ms) CPU-minutes, at most 2.4
# CPU-hours in all, less where a run reaches its validation plateau.
MECH_DIR := $(OUT)/sensing_mech
LONG_DIR := $(OUT)/sensing_long
SENS_LOGS := out/logs
ifeq ($(PROFILE),full)
  SUPP_BUDGET := 10000
else
  SUPP_BUDGET := 4000
endif
$(MECH_DIR)/mech_summary.csv: | $(BIN)/sensing_fig3 $(BIN)/sensing_report
	@man=$$(SENS_BIN=$(BIN) bash scripts/sensing_manifest.sh $(PROFILE) mech $(OUT)) && \
	  bash scripts/manifest.sh -j $(JOBS) --logdir $(SENS_LOGS)/sensing_mech-$(PROFILE) $$man
	$(BIN)/sensing_report --mode mechanism --indir $(MECH_DIR) --ledger $(LEDGER) --profile $(PROFILE) \
	  --seeds 1,2,3 --sigmas 0.016 --wpgd-k 1,4,16 --nso-iso 0,1,0.25,0.0625 --command "make sensing-supp PROFILE=$(PROFILE)"
$(LONG_DIR)/long_summary.csv: | $(SENS_DIR)/fig3_summary.csv $(EXT_DIR)/fig3_summary.csv $(BIN)/sensing_fig3 $(BIN)/sensing_report
	@man=$$(SENS_BIN=$(BIN) bash scripts/sensing_manifest.sh $(PROFILE) long $(OUT)) && \
	  bash scripts/manifest.sh -j $(JOBS) --logdir $(SENS_LOGS)/sensing_long-$(PROFILE) $$man
	$(BIN)/sensing_report --mode long --indir $(LONG_DIR) --ledger $(LEDGER) --profile $(PROFILE) --seeds 1,2 \
	  --main-summary $(SENS_DIR)/fig3_summary.csv --ext-summary $(EXT_DIR)/fig3_summary.csv --budget $(SUPP_BUDGET) \
	  --command "make sensing-supp PROFILE=$(PROFILE)"
sensing-mech: $(MECH_DIR)/mech_summary.csv
sensing-long: $(LONG_DIR)/long_summary.csv
sensing-supp: sensing-mech sensing-long
sensing-supp-figures: sensing-supp
	@bash scripts/plot.sh $(MECH_DIR) $(FIG_DIR) "$(PROFILE) profile" fig3_mech
	@bash scripts/plot.sh $(LONG_DIR) $(FIG_DIR) "$(PROFILE) profile" fig3_long
REPRO_SERIAL   += sensing-supp
FIGURE_TARGETS += sensing-supp-figures
.PHONY: sensing-mech sensing-long sensing-supp sensing-supp-figures

sensing: $(SENS_DIR)/fig3_summary.csv $(SENS_DIR)/prop23_summary.csv $(EXT_DIR)/fig3_summary.csv
sensing-figures: sensing
	@bash scripts/plot.sh $(SENS_DIR) $(FIG_DIR) "$(PROFILE) profile" fig3 fig3_trace prop23
	@bash scripts/plot.sh $(EXT_DIR) $(FIG_DIR) "$(PROFILE) profile, extended sigma grid" fig3=fig3_ext

REPRO_TARGETS  += sensing
FIGURE_TARGETS += sensing-figures
.PHONY: sensing sensing-figures
