/* test_toolkit.h - the suites of test_toolkit: lib's Hessian toolkit on dense
 * operators and lib's CSV reader / atomic writer. */
#ifndef TEST_TOOLKIT_H
#define TEST_TOOLKIT_H
#include <CUnit/CUnit.h>
void toolkit_suite_hessian(void);
void toolkit_suite_csv(void);
#endif
