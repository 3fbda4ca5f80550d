/* thm22.c - the Theorem 2.2 quantities of a fine-tuned model from measured
 * numbers: the leading term sqrt(C alpha r^2 / n) of eq. (2), and the bound
 * on L(W) of eq. (20) with the PAC-Bayes posterior Q = N(W, sigma^2 I), prior
 * P = N(W_0, sigma^2 I) (KL = r^2 / (2 sigma^2), Prop. A.2) and sigma^2 chosen
 * by eq. (21).  See run.h for what is left out (the terms with unknown
 * constants) and why the result bounds L(W), not the gap.
 * @paper eq:20
 * @paper eq:21
 * @paper thm:2.2 */
#include "run.h"
#include "tasks.h"
#include <math.h>
#include <stdio.h>

int ft_thm22(const ft_thm22_in *in, ft_thm22_out *out, char *msg, size_t len)
{
    const char *bad = NULL;
    if (!(isfinite(in->train_loss) && in->train_loss >= 0)) bad = "train_loss must be finite and >= 0";
    else if (!(isfinite(in->C) && in->C > 0)) bad = "C must be finite and > 0";
    else if (!(isfinite(in->alpha) && in->alpha > 0)) bad = "alpha must be finite and > 0";
    else if (!(isfinite(in->r) && in->r >= 0)) bad = "r must be finite and >= 0";
    else if (!(isfinite(in->n) && in->n >= 1)) bad = "n must be >= 1";
    else if (!(in->beta > 0 && in->beta < 1)) bad = "beta must be in (0, 1)";
    else if (!(in->delta > 0 && in->delta < 1)) bad = "delta must be in (0, 1)";
    if (bad) {
        if (msg && len) snprintf(msg, len, "%s", bad);
        out->leading = out->sigma2 = out->kl = out->bound = NAN;
        return FT_EINVAL;
    }
    const double b = in->beta, C = in->C, a = in->alpha, r = in->r, n = in->n;
    out->leading = sqrt(C * a * r * r / n);
    out->sigma2 = r / (1 - b) * sqrt(C / (a * n)); /* eq. (21) */
    out->kl = r > 0 ? r * r / (2 * out->sigma2) : 0;
    out->bound = in->train_loss / b + (1 - b) / b * out->sigma2 * a / 2 +
                 C * (out->kl + log(1 / in->delta)) / (2 * b * (1 - b) * n); /* eq. (20) */
    return FT_OK;
}
