# tests/ledger.mk - the claims ledger's kind column (tests/ledger/test_ledger.c):
# the one table lib/claim_kinds.c, refusal of unregistered ids, migration of the
# old 7-column format, the ledger_kinds program, the committed data/claims.tsv
# and the report's per-kind counts.  Included by the top Makefile.
$(BIN)/test_ledger: $(BUILD)/tests/ledger/test_ledger.o $(LIBNSO) | $(BIN)/ledger_kinds
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/ledger/%.o: CFLAGS += -DNSO_BIN='"$(BIN)"'

TEST_BINS += $(BIN)/test_ledger
