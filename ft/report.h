/* report.h - the fine-tuning aggregator's library part (ISSUE 8): read the
 * result files of ft_run (contract: /work/notes/ft_result_format.md, kept in
 * docs/finetune_plan.md section 4), group them by (task, method, tag, lr) with
 * one result per seed, classify each group's role in the paper's tables from
 * its method and setting, the selection rule of the plan, and paired
 * comparisons between two groups over their common seeds (lib/stats.h).
 *
 * Library code: functions return FT_OK / FT_EINVAL / FT_ENOMEM / FT_EDATA
 * with a one-line message naming the file; nothing is printed. */
#ifndef FT_REPORT_H
#define FT_REPORT_H
#include "stats.h"
#include <stddef.h>

#define FT_MAX_SEED 16 /* seeds 0 .. FT_MAX_SEED - 1 */

/* what a group is in the paper's tables */
typedef enum {
    FT_ROLE_MAIN = 0,   /* a Table 3 method at a paper-grid setting (WP-SGD: Gaussian) */
    FT_ROLE_LAW,        /* WP-SGD with a non-Gaussian law (Table 1); law in .law */
    FT_ROLE_NONEG,      /* NSO ablation: no negative point */
    FT_ROLE_K2,         /* NSO ablation: k = 2 */
    FT_ROLE_K3,         /* NSO ablation: k >= 3 */
    FT_ROLE_COMBO,      /* Figure 4: a regulariser (.reg), alone (gd) or with NSO */
    FT_ROLE_SUPPLEMENT, /* NSO / WP-SGD at a sigma outside the paper's grid; bSAM with s0 != 1 */
    FT_ROLE_SOURCE      /* the source pretraining job */
} ft_role;

typedef struct {
    char *path, *task, *method, *tag, *setting;
    int seed, epochs, gps;
    int diverged; /* "# status: diverged": no final values (NAN), val_acc 0 for selection */
    long steps;
    double lr;
    /* final lines (eval-mode batch norm, whole parts) */
    double train_loss, train_acc, val_loss, val_acc, test_loss, test_acc, dist_w0;
    int measured;
    double trace, trace_ci95, lambda1, leading, bound, gen_gap, C, alpha_train, n;
    /* per-epoch columns */
    size_t nep;
    double *ep_train_loss, *ep_test_loss, *ep_train_acc, *ep_test_acc;
    /* eval-mode training loss at the test-evaluation epochs and the trace at
     * the --trace-every epochs (NAN elsewhere, and in older files) */
    double *ep_train_eval_loss, *ep_trace;
    /* parsed from the setting */
    ft_role role;
    char law[32], reg[8]; /* noise law; regulariser "wd", "l2sp", "aug" or "" */
    double sigma, rho, ls; /* NAN when absent */
    int k, noneg;
} ft_result;

typedef struct {
    const char *task, *method, *tag, *setting; /* borrowed from the first result */
    double lr;
    ft_role role;
    const char *law, *reg;
    double sigma, rho, ls;
    int k, gps;
    const ft_result *seed[FT_MAX_SEED]; /* NULL where the seed is missing */
    size_t nseeds;
} ft_group;

typedef struct {
    ft_result *r;
    size_t nr;
    ft_group *g;
    size_t ng;
} ft_results;

/* Read one result file into *r (fields allocated; free with ft_result_clear).
 * FT_EDATA with a message naming the file when it does not follow the
 * contract: a missing header key, wrong columns, a missing final line, no
 * "# job: complete" seal (a truncated or unfinished job).  A sealed run that
 * says "# status: diverged" is read (header only) with diverged = 1, every
 * final value NAN and val_acc = 0, so it loses every selection and is left
 * out of every statistic. */
int ft_result_read(const char *path, ft_result *r, char *msg, size_t len);
void ft_result_clear(ft_result *r);

/* Classify a method + setting string ("sigma=0.01 noise=gaussian ... k=1 ls=0.1").
 * Fills role, law, reg, sigma, rho, ls, k, noneg. */
void ft_classify(const char *task, const char *method, const char *setting, ft_result *r);

/* Every *.csv under dir (recursively, sorted by path), then grouped.  A
 * duplicate (group, seed) keeps the measured result (else the first).
 * Any unreadable file fails the whole load (the message names it). */
int ft_results_load(const char *dir, ft_results *out, char *msg, size_t len);
/* group an already filled out->r[0..nr) (used by ft_results_load and tests) */
int ft_results_group(ft_results *out, char *msg, size_t len);
void ft_results_free(ft_results *R);

/* Selection (plan section 3): among the groups of `task` with `method` and
 * role `role` (for FT_ROLE_LAW also law == `law`; lr == `lr` unless lr is
 * NAN), those with every seed in sel_seeds, the largest mean validation
 * accuracy at the last epoch (final.val_acc); ties (|difference| <= 1e-12)
 * go to the smaller perturbation: rho, then sigma, then ls, then lr.
 * Returns the group index, or -1 with a message when no group qualifies. */
long ft_select(const ft_results *R, const char *task, const char *method, ft_role role,
               const char *law, double lr, const int *sel_seeds, size_t nsel, char *msg,
               size_t len);

/* A final-line quantity of a result, by name ("test_acc", "trace", ...);
 * NAN when unknown or not measured. */
double ft_value(const ft_result *r, const char *name);

/* mean +- sd of `name` over the group's seeds (n >= 2, else FT_EDATA) */
int ft_group_stat(const ft_group *g, const char *name, nso_meansd *out, char *msg, size_t len);

/* Paired comparison a - b of `name` over the seeds both groups have (n >= 2),
 * with `log_scale` comparing log values.  FT_EDATA when fewer than 2 pairs. */
int ft_group_paired(const ft_group *a, const ft_group *b, const char *name, int log_scale,
                    nso_paired *out, char *msg, size_t len);

/* number of classes of a task (10 for mnist-*, 5 for fashion59-* and source) */
int ft_task_classes(const char *task);

#endif
