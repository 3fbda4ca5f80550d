/* schedule.h - step-size schedules eta_t and output rules.
 *
 * Schedules: constant; step decay (eta * factor^floor(t / every)); milestones
 * (eta * factor^(number of milestones <= t), e.g. x0.1 at 1/3 and 2/3 of
 * training as in the paper's App. C); an explicit list (the last value
 * repeats).  Output rules: the last iterate, or the random
 * iterate of Lemma B.1: t in {0..T-1} with Pr[t = j] proportional to eta_j.
 */
#ifndef NSO_SCHEDULE_H
#define NSO_SCHEDULE_H
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef enum { NSO_SCHED_CONSTANT, NSO_SCHED_STEP, NSO_SCHED_LIST, NSO_SCHED_MILESTONES } nso_sched_kind;

typedef struct {
    nso_sched_kind kind;
    double eta;        /* base step */
    double factor;     /* step decay factor in (0, 1] */
    size_t every;      /* step decay period (>= 1) */
    const double *list; /* LIST: the step sizes; MILESTONES: the steps (ascending) */
    size_t nlist;
} nso_schedule;

double nso_schedule_eta(const nso_schedule *s, size_t t);
/* Parse "constant", "step:<every>:<factor>", "milestones:<factor>:<t1,t2,...>"
 * or "list:0.1,0.05,..." with base step eta.  Returns NSO_OK, or NSO_EINVAL
 * with the accepted forms in msg.  The list storage is owned by the
 * caller-provided buffer (cap entries). */
int nso_schedule_parse(const char *spec, double eta, double *buf, size_t cap, nso_schedule *out,
                       char *msg, size_t len);

/* Lemma B.1 random iterate: draw t in {0, ..., T-1} with Pr proportional to eta_t */
size_t nso_random_iterate(const nso_schedule *s, size_t T, gsl_rng *r);

#endif
