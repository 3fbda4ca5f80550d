# tools/tools.mk - small maintenance programs over the toolkit's files, included
# by the top Makefile.  ledger_kinds: the kind column of the claims ledger
# (lib/claim_kinds.c is the one table; `make report` checks the ledger with it).
TOOLS_PROGS := $(patsubst tools/%.c,$(BIN)/%,$(wildcard tools/*.c))
$(BIN)/%: $(BUILD)/tools/%.o $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $< $(LIBNSO) $(LDLIBS) -o $@
all: $(TOOLS_PROGS)
