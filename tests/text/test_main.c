/* test_main.c - runs every text CUnit suite; exit status 1 on any failure. */
#include "../cunit_run.h"
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
    int rc = nso_cunit_run("test_text");
    return rc;
}
