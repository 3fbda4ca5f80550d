#include "test_nn.h"
void nn_suite_hessian(void) {}
