# tests/hess.mk - issue 12, "Hessian tools: pay only for what is measured"
# (included by the top Makefile; the sub-block HVP itself is checked by
# tests/nn/test_hess_sub.c in test_nn):
#   test_probe_seed  nn_cli / ft_run --probe-seed: probes redrawn on the same
#                    evaluation set, defaults unchanged, bad values refused
#   test_doc_bench   docs/nn.md quotes only figures of data/bench.tsv
#                    (scripts/bench_doc.sh --check), and the check can fail
$(BIN)/test_probe_seed: tests/hess/probe_seed.sh $(BIN)/nn_cli $(BIN)/ft_run
	@mkdir -p $(BIN)
	sed -e 's|@BIN@|$(abspath $(BIN))|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
$(BIN)/test_doc_bench: tests/hess/doc_bench.sh scripts/bench_doc.sh
	@mkdir -p $(BIN)
	sed -e 's|@ROOT@|$(CURDIR)|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
TEST_BINS += $(BIN)/test_probe_seed $(BIN)/test_doc_bench
