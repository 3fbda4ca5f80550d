/* augment.h - data augmentation of a float minibatch (ISSUE 8, paper Fig. 4's
 * "data augmentation" regulariser at this machine's scale): random
 * translations and horizontal flips.  No paper equation. */
#ifndef NN_AUGMENT_H
#define NN_AUGMENT_H
#include <gsl/gsl_rng.h>

/* Augment B examples of x (B x (c*h*w), channel-major per example, as
 * nn_dataset_batch fills it) in place.  Per example, in this order of draws
 * from r: dx = uniform in {-shift..shift}, dy likewise, and when flip != 0 a
 * mirror with probability 1/2 (gsl_rng_uniform(r) < 0.5).  The output pixel
 * (i, j) is the input pixel (i - dy, j - dx) of the (mirrored, when drawn)
 * image, 0 outside it.  tmp: c*h*w floats of scratch.  shift >= 0. */
void nn_augment_batch(float *x, int B, int c, int h, int w, int shift, int flip, gsl_rng *r,
                      float *tmp);

#endif
