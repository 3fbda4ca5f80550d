/* test_main.c - runs the toolkit CUnit suites; exit status 1 on any failure. */
#include "test_toolkit.h"
#include <CUnit/Basic.h>
#include <stdio.h>

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    toolkit_suite_hessian();
    toolkit_suite_csv();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    unsigned errs = CU_get_error();
    CU_cleanup_registry();
    if (fails || errs) {
        fprintf(stderr, "test_toolkit: %u failures\n", fails);
        return 1;
    }
    return 0;
}
