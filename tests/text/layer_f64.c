/* layer_f64.c - the layer wrappers on the double build (see layer_wrap.h). */
#define NN_F64
#include "nn_impl.h"
#include "layer_test.h"
#include <stdlib.h>
#define REAL double
#define W(x) x##_d
#define KN(x) x##_f64
#include "layer_wrap.h"
