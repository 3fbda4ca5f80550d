/* progress.h - progress line with ETA on a terminal; silent otherwise.
 *
 * Writes "\r<label> 1234/10000 (12%) 3.1 s elapsed, ETA 22 s" to stderr at
 * most a few times a second, only when stderr is a terminal (or when
 * NSO_PROGRESS=1 forces it).  Nothing is written when not on a terminal. */
#ifndef NSO_PROGRESS_H
#define NSO_PROGRESS_H
#include <stddef.h>

typedef struct {
    const char *label;
    size_t total, start_done, shown; /* shown: the count on the line now */
    double t0, last;
    int on;
} nso_progress;

void nso_progress_begin(nso_progress *p, const char *label, size_t total, size_t already_done);
void nso_progress_update(nso_progress *p, size_t done);
void nso_progress_end(nso_progress *p);
double nso_now(void); /* monotonic seconds */
/* A progress callback (void *ctx, size_t done) for the Hessian tools and other
 * loops that count from 0: reports base + done to p. */
typedef struct {
    nso_progress *p;
    size_t base;
} nso_progress_at;
void nso_progress_at_cb(void *ctx, size_t done);

#endif
