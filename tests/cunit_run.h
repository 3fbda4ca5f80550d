/* cunit_run.h - the end of every CUnit test program: run the registered
 * suites (verbose), then clean the registry up.  Returns the exit status:
 * 0 when everything passed, 1 when an assertion or a test failed, or a
 * suite's initialisation failed (CUnit then skips that suite's tests without
 * counting them as failures: counted here, so a broken setup cannot pass). */
#ifndef NSO_CUNIT_RUN_H
#define NSO_CUNIT_RUN_H
#include <CUnit/Basic.h>
#include <stdio.h>

static inline int nso_cunit_run(const char *prog)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned na = CU_get_number_of_failures(), nt = CU_get_number_of_tests_failed(),
             ns = CU_get_number_of_suites_failed();
    CU_ErrorCode err = CU_get_error();
    CU_cleanup_registry();
    if (na || nt || ns || err != CUE_SUCCESS) {
        fprintf(stderr, "%s: %u assertion(s) failed in %u test(s); %u suite(s) failed to initialise; CUnit error %d\n",
                prog, na, nt, ns, (int)err);
        return 1;
    }
    return 0;
}
#endif
