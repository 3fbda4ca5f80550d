/* report.c - read, group and compare fine-tuning result files (ISSUE 8; see
 * report.h).  The selection rule and the paired statistics behind paper
 * Tables 1 and 3, the ablations and Figure 4 live here; the tables and ledger
 * rows themselves are written by ft/tools/ft_report.c.  No paper equation is
 * implemented in this file (statistics over seeds only). */
#include "report.h"
#include "io.h"
#include "tasks.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *xstrdup(const char *s)
{
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (d) memcpy(d, s, l);
    return d;
}

void ft_result_clear(ft_result *r)
{
    if (!r) return;
    free(r->path);
    free(r->task);
    free(r->method);
    free(r->tag);
    free(r->setting);
    free(r->ep_train_loss);
    free(r->ep_test_loss);
    free(r->ep_train_eval_loss);
    free(r->ep_trace);
    free(r->ep_train_acc);
    free(r->ep_test_acc);
    memset(r, 0, sizeof *r);
}

/* value of key=... in a space-separated setting string, or NULL */
static const char *kv(const char *setting, const char *key, char *buf, size_t len)
{
    size_t kl = strlen(key);
    const char *p = setting;
    while (p && *p) {
        while (*p == ' ') p++;
        const char *e = strchr(p, ' ');
        size_t tl = e ? (size_t)(e - p) : strlen(p);
        if (tl > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = tl - kl - 1;
            if (vl >= len) vl = len - 1;
            memcpy(buf, p + kl + 1, vl);
            buf[vl] = 0;
            return buf;
        }
        p = e;
    }
    return NULL;
}

static double kvnum(const char *setting, const char *key)
{
    char b[64];
    const char *v = kv(setting, key, b, sizeof b);
    if (!v) return NAN;
    char *end;
    double x = strtod(v, &end);
    return end == v ? NAN : x;
}

/* the paper's sigma grid (App. C): 0.008, 0.01, 0.012 */
static int in_paper_sigma_grid(double s)
{
    static const double grid[] = {0.008, 0.01, 0.012};
    for (size_t i = 0; i < 3; i++)
        if (fabs(s - grid[i]) <= 1e-9) return 1;
    return 0;
}

void ft_classify(const char *task, const char *method, const char *setting, ft_result *r)
{
    char b[64];
    const char *s = setting ? setting : "";
    r->sigma = kvnum(s, "sigma");
    r->rho = kvnum(s, "rho");
    r->ls = kvnum(s, "ls");
    double k = kvnum(s, "k");
    r->k = isnan(k) ? 1 : (int)k;
    double nn = kvnum(s, "no-negative");
    r->noneg = !isnan(nn) && nn > 0;
    const char *law = kv(s, "noise", b, sizeof b);
    snprintf(r->law, sizeof r->law, "%s", law ? law : "");
    r->reg[0] = 0;
    double wd = kvnum(s, "wd"), l2 = kvnum(s, "l2sp"), aug = kvnum(s, "aug");
    if (!isnan(wd) && wd > 0) snprintf(r->reg, sizeof r->reg, "wd");
    else if (!isnan(l2) && l2 > 0) snprintf(r->reg, sizeof r->reg, "l2sp");
    else if (!isnan(aug) && aug > 0) snprintf(r->reg, sizeof r->reg, "aug");
    if (task && strcmp(task, "source") == 0) r->role = FT_ROLE_SOURCE;
    else if (r->reg[0]) r->role = FT_ROLE_COMBO;
    else if (strcmp(method, "wpgd") == 0 && r->law[0] && strcmp(r->law, "gaussian") != 0)
        r->role = FT_ROLE_LAW;
    else if (strcmp(method, "nso") == 0 && r->noneg) r->role = FT_ROLE_NONEG;
    else if (strcmp(method, "nso") == 0 && r->k >= 3) r->role = FT_ROLE_K3;
    else if (strcmp(method, "nso") == 0 && r->k == 2) r->role = FT_ROLE_K2;
    else if ((strcmp(method, "nso") == 0 || strcmp(method, "wpgd") == 0) && !isnan(r->sigma) &&
             !in_paper_sigma_grid(r->sigma))
        r->role = FT_ROLE_SUPPLEMENT;
    else if (strcmp(method, "bsam") == 0 && !isnan(kvnum(s, "s0")) && kvnum(s, "s0") != 1)
        r->role = FT_ROLE_SUPPLEMENT; /* bSAM off its code's default initial precision */
    else r->role = FT_ROLE_MAIN;
}

#define FAIL(...)                                                                            \
    do {                                                                                     \
        snprintf(msg, len, __VA_ARGS__);                                                     \
        nso_table_free(t);                                                                   \
        ft_result_clear(r);                                                                  \
        return rc;                                                                           \
    } while (0)

static int meta_num(const nso_table *t, const char *key, double *x)
{
    const char *v = nso_table_meta(t, key);
    if (!v) return 0;
    char *end;
    *x = strtod(v, &end);
    if (end == v) return 0;
    while (*end == ' ') end++;
    return *end == 0;
}

/* files written before 2026-11-27 tag --no-negative as nothing: name it in
 * the display tag (grouping uses the setting) */
static int tag_noneg(ft_result *r)
{
    if (r->role != FT_ROLE_NONEG || strstr(r->tag, "no-negative")) return 0;
    size_t n = strlen(r->tag) + sizeof "-no-negative";
    char *t = malloc(n);
    if (!t) return -1;
    snprintf(t, n, "%s-no-negative", r->tag);
    free(r->tag);
    r->tag = t;
    return 0;
}

int ft_result_read(const char *path, ft_result *r, char *msg, size_t len)
{
    /* the epoch table: the current columns, or the six of result files
     * written before train_eval_loss and trace were added (NAN there) */
    static const char *cols8 = "epoch,lr,train_loss,train_acc,test_loss,test_acc,train_eval_loss,trace";
    static const char *cols6 = "epoch,lr,train_loss,train_acc,test_loss,test_acc";
    char tmsg[512];
    int rc = FT_EDATA;
    memset(r, 0, sizeof *r);
    nso_table *t = nso_table_read(path, NULL, tmsg, sizeof tmsg);
    if (!t) FAIL("%s", tmsg);
    if (!t->diverged || t->ncols) {
        char got[512] = "";
        size_t u = 0;
        for (size_t j = 0; j < t->ncols && u < sizeof got; j++)
            u += (size_t)snprintf(got + u, sizeof got - u, "%s%s", j ? "," : "", t->names[j]);
        if (strcmp(got, cols8) && strcmp(got, cols6))
            FAIL("'%s': columns '%s', expected '%s' (or the older '%s')", path, got, cols8, cols6);
    }
    const char *last = t->ncomments ? t->comments[t->ncomments - 1] : "";
    if (strncmp(last, "job: complete", 13) != 0)
        FAIL("'%s': no '# job: complete' seal as the last line (an unfinished or truncated job)",
             path);
    static const char *skeys[] = {"task", "method", "setting", "tag"};
    const char *sv[4];
    for (int i = 0; i < 4; i++)
        if (!(sv[i] = nso_table_meta(t, skeys[i]))) FAIL("'%s': missing header '# %s:'", path, skeys[i]);
    double seed, ep, steps, gps, lr;
    if (!meta_num(t, "seed", &seed) || seed < 0 || seed >= FT_MAX_SEED || seed != floor(seed))
        FAIL("'%s': header '# seed:' missing or outside [0, %d]", path, FT_MAX_SEED - 1);
    if (!meta_num(t, "lr", &lr) || !(lr > 0)) FAIL("'%s': header '# lr:' missing or not > 0", path);
    if (!meta_num(t, "epochs", &ep) || ep < 1) FAIL("'%s': header '# epochs:' missing or < 1", path);
    if (!meta_num(t, "steps", &steps) || steps < 1) FAIL("'%s': header '# steps:' missing or < 1", path);
    if (!meta_num(t, "grads_per_step", &gps) || gps < 1)
        FAIL("'%s': header '# grads_per_step:' missing or < 1", path);
    if (t->diverged) { /* header only: kept, with no final values; it loses every selection */
        rc = FT_ENOMEM;
        r->path = xstrdup(path);
        r->task = xstrdup(sv[0]);
        r->method = xstrdup(sv[1]);
        r->setting = xstrdup(sv[2]);
        r->tag = xstrdup(sv[3]);
        if (!r->path || !r->task || !r->method || !r->setting || !r->tag) FAIL("'%s': out of memory", path);
        r->diverged = 1;
        r->seed = (int)seed;
        r->epochs = (int)ep;
        r->steps = (long)steps;
        r->gps = (int)gps;
        r->lr = lr;
        r->train_loss = r->train_acc = r->val_loss = r->test_loss = r->test_acc = r->dist_w0 = NAN;
        r->trace = r->trace_ci95 = r->lambda1 = r->leading = r->bound = r->gen_gap = NAN;
        r->C = r->alpha_train = r->n = NAN;
        r->val_acc = 0;
        ft_classify(r->task, r->method, r->setting, r);
        if (tag_noneg(r)) FAIL("'%s': out of memory", path);
        nso_table_free(t);
        return FT_OK;
    }
    struct { const char *key; double *dst; } fin[] = {
        {"final.train_loss", &r->train_loss}, {"final.train_acc", &r->train_acc},
        {"final.val_loss", &r->val_loss},     {"final.val_acc", &r->val_acc},
        {"final.test_loss", &r->test_loss},   {"final.test_acc", &r->test_acc},
        {"final.dist_w0", &r->dist_w0}};
    for (size_t i = 0; i < sizeof fin / sizeof fin[0]; i++)
        if (!meta_num(t, fin[i].key, fin[i].dst)) FAIL("'%s': missing or malformed '# %s:'", path, fin[i].key);
    double meas;
    if (!meta_num(t, "final.measured", &meas) || (meas != 0 && meas != 1))
        FAIL("'%s': missing or malformed '# final.measured:' (0 or 1)", path);
    r->measured = meas == 1;
    r->trace = r->trace_ci95 = r->lambda1 = r->leading = r->bound = r->C = r->alpha_train = r->n = NAN;
    r->gen_gap = r->test_loss - r->train_loss;
    if (r->measured) {
        struct { const char *key; double *dst; } mf[] = {
            {"final.trace", &r->trace},           {"final.trace_ci95", &r->trace_ci95},
            {"final.lambda1", &r->lambda1},       {"final.thm22_leading", &r->leading},
            {"final.thm22_bound", &r->bound},     {"final.gen_gap", &r->gen_gap},
            {"final.C", &r->C},                   {"final.alpha_train", &r->alpha_train},
            {"final.n", &r->n}};
        for (size_t i = 0; i < sizeof mf / sizeof mf[0]; i++)
            if (!meta_num(t, mf[i].key, mf[i].dst))
                FAIL("'%s': measured = 1 but '# %s:' is missing or malformed", path, mf[i].key);
    }
    if (t->nrows != (size_t)ep)
        FAIL("'%s': %zu epoch rows, the header says epochs %g", path, t->nrows, ep);
    rc = FT_ENOMEM;
    r->path = xstrdup(path);
    r->task = xstrdup(sv[0]);
    r->method = xstrdup(sv[1]);
    r->setting = xstrdup(sv[2]);
    r->tag = xstrdup(sv[3]);
    r->nep = t->nrows;
    r->ep_train_loss = malloc((r->nep + 1) * sizeof(double));
    r->ep_test_loss = malloc((r->nep + 1) * sizeof(double));
    r->ep_train_acc = malloc((r->nep + 1) * sizeof(double));
    r->ep_test_acc = malloc((r->nep + 1) * sizeof(double));
    r->ep_train_eval_loss = malloc((r->nep + 1) * sizeof(double));
    r->ep_trace = malloc((r->nep + 1) * sizeof(double));
    if (!r->ep_train_eval_loss || !r->ep_trace) FAIL("'%s': out of memory", path);
    if (!r->path || !r->task || !r->method || !r->setting || !r->tag || !r->ep_train_loss ||
        !r->ep_test_loss || !r->ep_train_acc || !r->ep_test_acc)
        FAIL("'%s': out of memory", path);
    for (size_t i = 0; i < r->nep; i++) {
        if (NSO_T(t, i, 0) != (double)(i + 1)) {
            rc = FT_EDATA;
            FAIL("'%s': epoch rows must be numbered 1..%zu (row %zu says %g)", path, r->nep, i + 1,
                 NSO_T(t, i, 0));
        }
        r->ep_train_loss[i] = NSO_T(t, i, 2);
        r->ep_train_acc[i] = NSO_T(t, i, 3);
        r->ep_test_loss[i] = NSO_T(t, i, 4);
        r->ep_test_acc[i] = NSO_T(t, i, 5);
        r->ep_train_eval_loss[i] = t->ncols == 8 ? NSO_T(t, i, 6) : NAN;
        r->ep_trace[i] = t->ncols == 8 ? NSO_T(t, i, 7) : NAN;
    }
    r->seed = (int)seed;
    r->epochs = (int)ep;
    r->steps = (long)steps;
    r->gps = (int)gps;
    r->lr = lr;
    ft_classify(r->task, r->method, r->setting, r);
    if (tag_noneg(r)) FAIL("'%s': out of memory", path);
    nso_table_free(t);
    return FT_OK;
}
#undef FAIL

/* ---- loading a directory ---------------------------------------------------- */
typedef struct {
    char **p;
    size_t n, cap;
} strvec;

static int push(strvec *v, const char *s)
{
    if (v->n == v->cap) {
        size_t c = v->cap ? 2 * v->cap : 64;
        char **q = realloc(v->p, c * sizeof *q);
        if (!q) return -1;
        v->p = q;
        v->cap = c;
    }
    if (!(v->p[v->n] = xstrdup(s))) return -1;
    v->n++;
    return 0;
}

static int walk(const char *dir, strvec *v, char *msg, size_t len)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(msg, len, "'%s': cannot open the directory", dir);
        return FT_EDATA;
    }
    struct dirent *e;
    int rc = FT_OK;
    while (rc == FT_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) rc = walk(p, v, msg, len);
        else if (S_ISREG(st.st_mode)) {
            size_t l = strlen(e->d_name);
            if (l > 4 && strcmp(e->d_name + l - 4, ".csv") == 0 && push(v, p) != 0) {
                snprintf(msg, len, "out of memory listing '%s'", dir);
                rc = FT_ENOMEM;
            }
        }
    }
    closedir(d);
    return rc;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

int ft_results_group(ft_results *R, char *msg, size_t len)
{
    free(R->g);
    R->g = calloc(R->nr ? R->nr : 1, sizeof *R->g);
    R->ng = 0;
    if (!R->g) {
        snprintf(msg, len, "out of memory grouping %zu results", R->nr);
        return FT_ENOMEM;
    }
    for (size_t i = 0; i < R->nr; i++) {
        const ft_result *r = &R->r[i];
        ft_group *g = NULL;
        for (size_t j = 0; j < R->ng && !g; j++) {
            ft_group *h = &R->g[j];
            /* the key is the full setting, not the tag: files written before
             * 2026-11-27 tagged a method flag such as --no-negative as nothing */
            if (strcmp(h->task, r->task) == 0 && strcmp(h->method, r->method) == 0 &&
                strcmp(h->setting, r->setting) == 0 && same_num(h->lr, r->lr))
                g = h;
        }
        if (!g) {
            g = &R->g[R->ng++];
            g->task = r->task;
            g->method = r->method;
            g->tag = r->tag;
            g->setting = r->setting;
            g->lr = r->lr;
            g->role = r->role;
            g->law = r->law;
            g->reg = r->reg;
            g->sigma = r->sigma;
            g->rho = r->rho;
            g->ls = r->ls;
            g->k = r->k;
            g->gps = r->gps;
        }
        const ft_result *old = g->seed[r->seed];
        if (!old) {
            g->seed[r->seed] = r;
            g->nseeds++;
        } else if (!old->measured && r->measured) g->seed[r->seed] = r;
    }
    return FT_OK;
}

int ft_results_load(const char *dir, ft_results *R, char *msg, size_t len)
{
    memset(R, 0, sizeof *R);
    strvec v = {0};
    int rc = walk(dir, &v, msg, len);
    if (rc == FT_OK && v.n == 0) {
        snprintf(msg, len, "'%s': no result files (*.csv) found", dir);
        rc = FT_EDATA;
    }
    if (rc == FT_OK) {
        qsort(v.p, v.n, sizeof *v.p, cmpstr);
        R->r = calloc(v.n, sizeof *R->r);
        if (!R->r) {
            snprintf(msg, len, "out of memory reading %zu files", v.n);
            rc = FT_ENOMEM;
        }
        for (size_t i = 0; rc == FT_OK && i < v.n; i++) {
            rc = ft_result_read(v.p[i], &R->r[i], msg, len);
            if (rc == FT_OK) R->nr++;
        }
    }
    for (size_t i = 0; i < v.n; i++) free(v.p[i]);
    free(v.p);
    if (rc == FT_OK) rc = ft_results_group(R, msg, len);
    if (rc != FT_OK) ft_results_free(R);
    return rc;
}

void ft_results_free(ft_results *R)
{
    for (size_t i = 0; i < R->nr; i++) ft_result_clear(&R->r[i]);
    free(R->r);
    free(R->g);
    memset(R, 0, sizeof *R);
}

/* ---- values and statistics ------------------------------------------------- */
double ft_value(const ft_result *r, const char *name)
{
    struct { const char *n; double v; int needs_measure; } t[] = {
        {"train_loss", r->train_loss, 0}, {"train_acc", r->train_acc, 0},
        {"val_loss", r->val_loss, 0},     {"val_acc", r->val_acc, 0},
        {"test_loss", r->test_loss, 0},   {"test_acc", r->test_acc, 0},
        {"dist_w0", r->dist_w0, 0},       {"gen_gap", r->test_loss - r->train_loss, 0},
        {"trace", r->trace, 1},           {"lambda1", r->lambda1, 1},
        {"leading", r->leading, 1},       {"bound", r->bound, 1}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].n) == 0) return (t[i].needs_measure && !r->measured) ? NAN : t[i].v;
    return NAN;
}

int ft_group_stat(const ft_group *g, const char *name, nso_meansd *out, char *msg, size_t len)
{
    double x[FT_MAX_SEED];
    size_t n = 0;
    for (int s = 0; s < FT_MAX_SEED; s++) {
        if (!g->seed[s]) continue;
        double v = ft_value(g->seed[s], name);
        if (isfinite(v)) x[n++] = v;
    }
    if (n < 2) {
        snprintf(msg, len, "%s %s/%s: %s known for %zu seed(s), need 2", g->task, g->method, g->tag,
                 name, n);
        return FT_EDATA;
    }
    return nso_mean_sd(x, n, out, msg, len) == 0 ? FT_OK : FT_EDATA;
}

int ft_group_paired(const ft_group *a, const ft_group *b, const char *name, int log_scale,
                    nso_paired *out, char *msg, size_t len)
{
    double x[FT_MAX_SEED], y[FT_MAX_SEED];
    size_t n = 0;
    for (int s = 0; s < FT_MAX_SEED; s++) {
        if (!a->seed[s] || !b->seed[s]) continue;
        double u = ft_value(a->seed[s], name), v = ft_value(b->seed[s], name);
        if (log_scale) {
            u = u > 0 ? log(u) : NAN;
            v = v > 0 ? log(v) : NAN;
        }
        if (!isfinite(u) || !isfinite(v)) continue;
        x[n] = u;
        y[n++] = v;
    }
    if (n < 2) {
        snprintf(msg, len, "%s: %s/%s vs %s/%s: %zu common seed(s) with %s, need 2", a->task,
                 a->method, a->tag, b->method, b->tag, n, name);
        return FT_EDATA;
    }
    return nso_paired_t(x, y, n, 0.95, out, msg, len) == 0 ? FT_OK : FT_EDATA;
}

/* tie-break: smaller perturbation first (rho, sigma, ls, lr); NAN counts as 0 */
static int smaller(const ft_group *a, const ft_group *b)
{
    double ka[4] = {a->rho, a->sigma, a->ls, a->lr}, kb[4] = {b->rho, b->sigma, b->ls, b->lr};
    for (int i = 0; i < 4; i++) {
        double x = isnan(ka[i]) ? 0 : ka[i], y = isnan(kb[i]) ? 0 : kb[i];
        if (x < y) return 1;
        if (x > y) return 0;
    }
    return 0;
}

long ft_select(const ft_results *R, const char *task, const char *method, ft_role role,
               const char *law, double lr, const int *sel, size_t nsel, char *msg, size_t len)
{
    long best = -1;
    double bv = -INFINITY;
    for (size_t j = 0; j < R->ng; j++) {
        const ft_group *g = &R->g[j];
        if (strcmp(g->task, task) != 0 || strcmp(g->method, method) != 0 || g->role != role) continue;
        if (role == FT_ROLE_LAW && (!law || strcmp(g->law, law) != 0)) continue;
        if (!isnan(lr) && fabs(g->lr - lr) > 1e-12 * lr) continue;
        double sum = 0;
        size_t k;
        for (k = 0; k < nsel; k++) {
            if (sel[k] < 0 || sel[k] >= FT_MAX_SEED || !g->seed[sel[k]]) break;
            sum += g->seed[sel[k]]->val_acc;
        }
        if (k < nsel || nsel == 0) continue;
        double m = sum / (double)nsel;
        if (best < 0 || m > bv + 1e-12 || (fabs(m - bv) <= 1e-12 && smaller(g, &R->g[best]))) {
            best = (long)j;
            bv = m;
        }
    }
    if (best < 0)
        snprintf(msg, len, "no %s run of task %s%s%s has all %zu selection seeds", method, task,
                 law ? " with noise " : "", law ? law : "", nsel);
    return best;
}

int ft_task_classes(const char *task)
{
    return strncmp(task, "mnist", 5) == 0 ? 10 : 5;
}
