/* augment.c - random translations (zero fill) and horizontal flips of a
 * float minibatch, see augment.h.  No paper equation: the augmentation
 * regulariser of the fine-tuning experiments (paper Fig. 4, at this scale). */
#include "augment.h"
#include <string.h>

void nn_augment_batch(float *x, int B, int c, int h, int w, int shift, int flip, gsl_rng *r,
                      float *tmp)
{
    size_t per = (size_t)c * h * w;
    for (int b = 0; b < B; b++) {
        int dx = shift ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * shift + 1)) - shift : 0;
        int dy = shift ? (int)gsl_rng_uniform_int(r, (unsigned long)(2 * shift + 1)) - shift : 0;
        int mir = flip ? gsl_rng_uniform(r) < 0.5 : 0;
        if (!dx && !dy && !mir) continue;
        float *e = x + (size_t)b * per;
        memcpy(tmp, e, per * sizeof(float));
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    int si = i - dy, sj = j - dx;
                    float v = 0;
                    if (si >= 0 && si < h && sj >= 0 && sj < w)
                        v = tmp[((size_t)ch * h + si) * w + (mir ? w - 1 - sj : sj)];
                    e[((size_t)ch * h + i) * w + j] = v;
                }
    }
}
