/* layer_f32.c - the layer wrappers on the float build (see layer_wrap.h). */
#include "nn_impl.h"
#include "layer_test.h"
#include <stdlib.h>
#define REAL float
#define W(x) x##_s
#define KN(x) x##_f32
#include "layer_wrap.h"
