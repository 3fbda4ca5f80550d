/* progress.c - see progress.h */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double nso_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nso_progress_begin(nso_progress *p, const char *label, size_t total, size_t already_done)
{
    const char *force = getenv("NSO_PROGRESS");
    p->label = label;
    p->total = total;
    p->start_done = already_done;
    p->shown = (size_t)-1;
    p->t0 = p->last = nso_now();
    p->on = force ? strcmp(force, "1") == 0 : isatty(2);
}

static void fmt_secs(double s, char *buf, size_t n)
{
    if (s < 90) snprintf(buf, n, "%.0f s", s);
    else if (s < 5400) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.1f h", s / 3600);
}

void nso_progress_update(nso_progress *p, size_t done)
{
    if (!p->on) return;
    double t = nso_now();
    if (t - p->last < 0.25 && done < p->total) return;
    p->last = t;
    p->shown = done;
    double el = t - p->t0, rate = done > p->start_done ? (double)(done - p->start_done) / el : 0;
    char e[32], eta[32] = "?";
    fmt_secs(el, e, sizeof e);
    if (rate > 0) fmt_secs((double)(p->total - done) / rate, eta, sizeof eta);
    fprintf(stderr, "\r%s %zu/%zu (%3.0f%%) %s elapsed, ETA %s   ", p->label, done, p->total,
            p->total ? 100.0 * (double)done / (double)p->total : 100.0, e, eta);
    fflush(stderr);
}

void nso_progress_end(nso_progress *p)
{
    if (!p->on) return;
    if (p->shown != p->total) nso_progress_update(p, p->total);
    fputc('\n', stderr);
}

void nso_progress_at_cb(void *ctx, size_t done)
{
    nso_progress_at *a = ctx;
    nso_progress_update(a->p, a->base + done);
}
