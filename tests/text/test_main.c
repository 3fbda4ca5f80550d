/* test_main.c - runs every text CUnit suite; exit status 1 on any failure. */
#include "test_text.h"
#include <CUnit/Basic.h>
#include <stdio.h>

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    text_suite_corpus();
    text_suite_layers();
    text_suite_model();
    text_suite_cli();
    text_suite_mlm();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    unsigned errs = CU_get_error();
    CU_cleanup_registry();
    if (fails || errs) {
        fprintf(stderr, "test_text: %u failures\n", fails);
        return 1;
    }
    return 0;
}
