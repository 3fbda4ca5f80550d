/* test_nn.h - shared declarations of the nn CUnit suites. */
#ifndef TEST_NN_H
#define TEST_NN_H
#include <CUnit/CUnit.h>
void nn_suite_engine(void);
void nn_suite_hessian(void);
void nn_suite_hess_sub(void);
void nn_suite_quad(void);
void nn_suite_data(void);
void nn_suite_safetensors(void);
void nn_suite_train(void);
void nn_suite_objective(void);
#endif
