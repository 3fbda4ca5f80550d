# tests/toolkit.mk - CUnit suite of lib's Hessian toolkit (dense operators vs
# LAPACK) and of lib's CSV reader / atomic writer; included by the top Makefile.
TOOLKIT_TEST_SRC := $(wildcard tests/toolkit/*.c)
$(BIN)/test_toolkit: $(TOOLKIT_TEST_SRC:%.c=$(BUILD)/%.o) $(LIBNSO)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(LIBNSO) -lcunit $(LDLIBS) -o $@
TEST_BINS += $(BIN)/test_toolkit
