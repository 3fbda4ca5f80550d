/* test_main.c - runs every nn CUnit suite; exit status 1 on any failure.
 * Single-threaded BLAS is recommended (the nn-test target sets it). */
#include "test_nn.h"
#include <CUnit/Basic.h>
#include <stdio.h>

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    nn_suite_engine();
    nn_suite_hessian();
    nn_suite_hess_sub();
    nn_suite_data();
    nn_suite_safetensors();
    nn_suite_train();
    nn_suite_objective();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    unsigned errs = CU_get_error();
    CU_cleanup_registry();
    if (fails || errs) {
        fprintf(stderr, "test_nn: %u failures\n", fails);
        return 1;
    }
    return 0;
}
