/* schedule.c - step-size schedules and the Lemma B.1 random iterate. */
#include "schedule.h"
#include "cli.h"
#include "nso_error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

double nso_schedule_eta(const nso_schedule *s, size_t t)
{
    switch (s->kind) {
    case NSO_SCHED_STEP: return s->eta * pow(s->factor, (double)(t / (s->every ? s->every : 1)));
    case NSO_SCHED_LIST: return s->list[t < s->nlist ? t : s->nlist - 1];
    default: return s->eta;
    }
}

void nso_schedule_parse(const char *spec, double eta, double *buf, size_t cap, nso_schedule *out)
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
        if (every < 1 || !(f > 0 && f <= 1) || *end)
            nso_die("--schedule: expected step:<every >= 1>:<factor in (0,1]>, got '%s'", spec);
        out->kind = NSO_SCHED_STEP;
        out->every = (size_t)every;
        out->factor = f;
    } else if (strncmp(spec, "list:", 5) == 0) {
        out->kind = NSO_SCHED_LIST;
        out->nlist = nso_cli_list("schedule", spec + 5, buf, cap, 0.0, 1e6);
        out->list = buf;
    } else {
        nso_die("--schedule: expected constant, step:<every>:<factor> or list:<eta0,eta1,...>, "
                "got '%s'", spec);
    }
}

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
