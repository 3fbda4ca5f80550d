/* schedule.c - step-size schedules and the Lemma B.1 random iterate. */
#include "schedule.h"
#include <stdio.h>
#include "nso_error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

double nso_schedule_eta(const nso_schedule *s, size_t t)
{
    switch (s->kind) {
    case NSO_SCHED_STEP: return s->eta * pow(s->factor, (double)(t / (s->every ? s->every : 1)));
    case NSO_SCHED_LIST: return s->list[t < s->nlist ? t : s->nlist - 1];
    case NSO_SCHED_MILESTONES: {
        double e = s->eta;
        for (size_t i = 0; i < s->nlist && (double)t >= s->list[i]; i++) e *= s->factor;
        return e;
    }
    default: return s->eta;
    }
}

/* comma-separated finite numbers in [lo, hi] into buf; count or -1 */
static long parse_list(const char *s, double *buf, size_t cap, double lo, double hi)
{
    size_t n = 0;
    while (*s) {
        char *end;
        double x = strtod(s, &end);
        if (end == s || !isfinite(x) || x < lo || x > hi || n == cap) return -1;
        buf[n++] = x;
        if (*end == ',') end++;
        else if (*end) return -1;
        s = end;
    }
    return n ? (long)n : -1;
}

int nso_schedule_parse(const char *spec, double eta, double *buf, size_t cap, nso_schedule *out,
                       char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    out->eta = eta;
    out->factor = 1.0;
    out->every = 1;
    if (strcmp(spec, "constant") == 0) {
        out->kind = NSO_SCHED_CONSTANT;
    } else if (strncmp(spec, "step:", 5) == 0) {
        char *end;
        long every = strtol(spec + 5, &end, 10);
        double f = (*end == ':') ? strtod(end + 1, &end) : NAN;
        if (every < 1 || !(f > 0 && f <= 1) || *end) {
            snprintf(msg, len, "expected step:<every >= 1>:<factor in (0,1]>, got '%s'", spec);
            return NSO_EINVAL;
        }
        out->kind = NSO_SCHED_STEP;
        out->every = (size_t)every;
        out->factor = f;
    } else if (strncmp(spec, "milestones:", 11) == 0) {
        char *end;
        double f = strtod(spec + 11, &end);
        long n = (*end == ':' && f > 0 && f <= 1) ? parse_list(end + 1, buf, cap, 0, 1e15) : -1;
        for (long i = 1; n > 0 && i < n; i++)
            if (!(buf[i] > buf[i - 1])) n = -1;
        for (long i = 0; n > 0 && i < n; i++)
            if (buf[i] != floor(buf[i])) n = -1;
        if (n < 0) {
            snprintf(msg, len,
                     "expected milestones:<factor in (0,1]>:<t1,t2,...> (ascending integer steps, "
                     "at most %zu), got '%s'", cap, spec);
            return NSO_EINVAL;
        }
        out->kind = NSO_SCHED_MILESTONES;
        out->factor = f;
        out->list = buf;
        out->nlist = (size_t)n;
    } else if (strncmp(spec, "list:", 5) == 0) {
        long n = parse_list(spec + 5, buf, cap, 0.0, 1e6);
        if (n < 0) {
            snprintf(msg, len, "expected list:<eta0,eta1,...> (at most %zu numbers in [0, 1e6]), got '%s'",
                     cap, spec);
            return NSO_EINVAL;
        }
        out->kind = NSO_SCHED_LIST;
        out->nlist = (size_t)n;
        out->list = buf;
    } else {
        snprintf(msg, len,
                 "expected constant, step:<every>:<factor>, milestones:<factor>:<t1,t2,...> or "
                 "list:<eta0,eta1,...>, got '%s'", spec);
        return NSO_EINVAL;
    }
    return NSO_OK;
}

/* @paper lemma:B.1 */
size_t nso_random_iterate(const nso_schedule *s, size_t T, gsl_rng *r)
{
    double total = 0;
    for (size_t t = 0; t < T; t++) total += nso_schedule_eta(s, t);
    double u = gsl_rng_uniform(r) * total, acc = 0;
    for (size_t t = 0; t < T; t++) {
        acc += nso_schedule_eta(s, t);
        if (u < acc) return t;
    }
    return T ? T - 1 : 0;
}
