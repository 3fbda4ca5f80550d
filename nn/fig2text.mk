# nn/fig2text.mk - Fig. 2's text panel (issue 9): SGD vs NSO fine-tuning the
# MLM-pretrained mini-BERT on Brown genres (nn/tools/nn_fig2text.c), row
# fig2.text.gap_reduction.
#
#   make fig2text   validation runs of NSO's sigma grid (seed 1) -> select.csv
#                   -> final runs (SGD, NSO 0.01, NSO at the chosen sigma; each
#                   seed) -> summary.csv, fig2text.md, ledger row, figure
#
# One file per job (make -j runs them in parallel, a finished job is skipped;
# nso_csv writes atomically, so an interrupted job leaves no file).  The
# pretrained encoder is table2's (make table2 writes
# $(NN_CACHE)/table2-$(PROFILE)/mlm_32x2.safetensors): the only place that
# pretrains, so fig2text comes after table2 (REPRO_SERIAL in make repro).
# Cost (this machine, one core per job, measured while another job ran):
# quick 8 jobs, ~21 CPU-s in all; full 13 jobs: per job ~3 s + per epoch 1.1 s
# (SGD), 1.5 s (NSO, two gradients per step), 1.4 s (NSO on validation), i.e.
# SGD ~52 s, NSO ~72 s, validation ~65 s per job of 45 epochs: ~14 CPU-min in
# all (~10.5 when sigma 0.01 is chosen: its runs are copied), ~7 min on 2 cores.

# nn/nn.mk's default (this file is included before it)
NN_CACHE ?= data/cache
F2T_DIR  := $(OUT)/fig2text
F2T_CK   := $(NN_CACHE)/table2-$(PROFILE)/mlm_32x2.safetensors
ifeq ($(PROFILE),full)
  F2T_GRID  := 0.005 0.01 0.02 0.04
  F2T_SEEDS := 1 2 3
else
  F2T_GRID  := 0.01 0.04
  F2T_SEEDS := 1 2
endif
F2T_RUN  := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/nn_fig2text --profile $(PROFILE) --cache $(NN_CACHE) \
            --pretrained $(F2T_CK)
F2T_VAL  := $(foreach s,$(F2T_GRID),$(F2T_DIR)/val_nso_s$(s)_seed1.csv)
F2T_FIN  := $(foreach d,$(F2T_SEEDS),$(F2T_DIR)/test_gd_seed$(d).csv $(F2T_DIR)/test_nso_s0.01_seed$(d).csv \
            $(F2T_DIR)/best_seed$(d).csv)

$(F2T_CK):
	$(MAKE) table2

$(F2T_DIR)/val_nso_s%_seed1.csv: | $(BIN)/nn_fig2text $(F2T_CK)
	@mkdir -p $(F2T_DIR)
	$(F2T_RUN) --method nso --sigma $* --eval val --seed 1 --out $@
$(F2T_DIR)/select.csv: $(F2T_VAL) | $(BIN)/nn_fig2text
	$(BIN)/nn_fig2text --mode select --profile $(PROFILE) --indir $(F2T_DIR) \
	  --grid $(subst $(space),$(comma),$(strip $(F2T_GRID))) --seed 1 --out $@
$(F2T_DIR)/test_gd_seed%.csv: | $(BIN)/nn_fig2text $(F2T_CK)
	@mkdir -p $(F2T_DIR)
	$(F2T_RUN) --method gd --seed $* --out $@
$(F2T_DIR)/test_nso_s0.01_seed%.csv: | $(BIN)/nn_fig2text $(F2T_CK)
	@mkdir -p $(F2T_DIR)
	$(F2T_RUN) --method nso --sigma 0.01 --seed $* --out $@
# NSO at the chosen sigma: a copy of the 0.01 run when 0.01 was chosen (no second run)
$(F2T_DIR)/best_seed%.csv: $(F2T_DIR)/select.csv $(F2T_DIR)/test_nso_s0.01_seed%.csv | $(BIN)/nn_fig2text $(F2T_CK)
	@s=$$(awk -F, '!/^#/ && $$3 == 1 { print $$1 }' $<); \
	if [ "$$s" = 0.01 ]; then echo "cp $(word 2,$^) $@"; cp $(word 2,$^) $@.tmp.cp && mv $@.tmp.cp $@; \
	else echo "$(F2T_RUN) --method nso --sigma-from $< --seed $* --out $@"; \
	  $(F2T_RUN) --method nso --sigma-from $< --seed $* --out $@; fi
$(F2T_DIR)/summary.csv: $(F2T_FIN) $(F2T_DIR)/select.csv | $(BIN)/nn_fig2text
	$(BIN)/nn_fig2text --mode report --profile $(PROFILE) --indir $(F2T_DIR) --sigma-from $(F2T_DIR)/select.csv \
	  --seeds $(subst $(space),$(comma),$(strip $(F2T_SEEDS))) --md $(F2T_DIR)/fig2text.md --ledger $(LEDGER) \
	  --command "make fig2text PROFILE=$(PROFILE)" --summary $@

.PHONY: fig2text
# in make repro it is a serial part: its jobs run -j$(JOBS) here
fig2text: | $(BIN)/nn_fig2text
	$(MAKE) --no-print-directory -j$(JOBS) $(F2T_DIR)/summary.csv
	@bash scripts/plot.sh $(F2T_DIR) $(OUT)/figures "$(PROFILE) profile" fig2text

REPRO_SERIAL += fig2text
