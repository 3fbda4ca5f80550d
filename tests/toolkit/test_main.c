/* test_main.c - runs the toolkit CUnit suites; exit status 1 on any failure. */
#include "../cunit_run.h"
#include "test_toolkit.h"
#include <CUnit/Basic.h>
#include <stdio.h>

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    toolkit_suite_hessian();
    toolkit_suite_csv();
    int rc = nso_cunit_run("test_toolkit");
    return rc;
}
