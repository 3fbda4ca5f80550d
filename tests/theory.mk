# tests/theory.mk - the CUnit suite of the issue-10 theory checks
# (tests/theory/test_theory.c: Lemma B.1's estimator, adaptive steps on
# Theorem 4.5's construction, Lemma A.5's sensing Hessians, bad flags),
# included by the top Makefile after proofs_check/proofs.mk.
$(BIN)/test_theory: $(BUILD)/tests/theory/test_theory.o $(PROOFS_SUP_OBJ) $(LIBNSO) | $(PROOFS_BINS)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(filter %.o,$^) $(LIBNSO) -lcunit $(LDLIBS) -o $@
$(BUILD)/tests/theory/%.o: CFLAGS += -Iproofs_check -DNSO_BIN='"$(BIN)"'

TEST_BINS += $(BIN)/test_theory
