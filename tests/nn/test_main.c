/* test_main.c - runs every nn CUnit suite; exit status 1 on any failure.
 * Single-threaded BLAS is recommended (the nn-test target sets it). */
#include "../cunit_run.h"
#include "test_nn.h"
#include <CUnit/Basic.h>
#include <stdio.h>

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    nn_suite_engine();
    nn_suite_hessian();
    nn_suite_hess_sub();
    nn_suite_quad();
    nn_suite_data();
    nn_suite_safetensors();
    nn_suite_train();
    nn_suite_objective();
    int rc = nso_cunit_run("test_nn");
    return rc;
}
