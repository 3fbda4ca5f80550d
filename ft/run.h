/* run.h - pieces of the fine-tuning job program ft_run (ISSUE 8) that are
 * library code, so they can be tested on their own: the Theorem 2.2
 * quantities from measured numbers (thm22.c) and the SHA-256 of a file
 * (sha256.c, to record which source checkpoint a run started from).
 * Statuses and messages only; nothing is printed. */
#ifndef FT_RUN_H
#define FT_RUN_H
#include <stddef.h>
#include <stdint.h>

/* ---- Theorem 2.2 (thm22.c) ---- */
typedef struct {
    double train_loss; /* \hat L(W): mean training loss at W */
    double C;          /* the loss bound C (we use the largest per-example training loss) */
    double alpha;      /* alpha: the largest per-example Hessian trace (an estimate) */
    double r;          /* r = ||W - W_0|| */
    double n;          /* training-set size */
    double beta;       /* beta in (0, 1) */
    double delta;      /* confidence 1 - delta, delta in (0, 1) */
} ft_thm22_in;

typedef struct {
    double leading;  /* sqrt(C alpha r^2 / n), the leading term of eq. (2) */
    double sigma2;   /* eq. (21): sigma^2 = r / (1 - beta) sqrt(C / (alpha n)) */
    double kl;       /* KL(Q || P) = r^2 / (2 sigma^2) (Prop. A.2), 0 when r = 0 */
    double bound;    /* the computable part of eq. (20) + \hat L / beta: a bound on L(W) */
} ft_thm22_out;

/* The bound on the population loss L(W) of eq. (20) with sigma from eq. (21),
 * without the terms whose constants the theorem leaves unknown (C_1 sigma^3
 * of Lemma A.4 and the uniform-convergence term with C_2, C_3 of Lemma A.5):
 *   bound = \hat L / beta + (1 - beta) / beta * sigma^2 alpha / 2
 *           + C (r^2 / (2 sigma^2) + log(1 / delta)) / (2 beta (1 - beta) n).
 * With sigma^2 of eq. (21) the two middle terms are (1/(2 beta) + 1/(4 beta))
 * sqrt(C alpha r^2 / n).  r = 0 gives sigma = 0 and both terms 0 (their
 * limit).  FT_EINVAL with msg when an input is out of range (alpha <= 0, C <= 0,
 * n < 1, beta or delta outside (0, 1), a negative or non-finite value). */
int ft_thm22(const ft_thm22_in *in, ft_thm22_out *out, char *msg, size_t len);

/* ---- SHA-256 (sha256.c) ---- */
/* digest of len bytes */
void ft_sha256(const void *data, size_t len, uint8_t out[32]);
/* lowercase hex digest of a file into hex (65 bytes); 0, or -1 when the file
 * cannot be read */
int ft_sha256_file(const char *path, char hex[65]);

#endif
