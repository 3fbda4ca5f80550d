# tests/fig2text.mk - Fig. 2's text panel (nn/tools/nn_fig2text.c): a tiny job run
# twice (byte-identical), the sigma selection and the report on a tiny set, bad
# flags (tests/fig2text/fig2text.sh; needs the Brown corpus, skipped without it)
$(BIN)/test_fig2text: tests/fig2text/fig2text.sh $(BIN)/nn_fig2text $(BIN)/nn_cli
	@mkdir -p $(BIN)
	sed -e 's|@BIN@|$(abspath $(BIN))|g' -e 's|@ROOT@|$(CURDIR)|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
TEST_BINS += $(BIN)/test_fig2text
