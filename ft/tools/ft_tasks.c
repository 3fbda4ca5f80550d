/* ft_tasks.c - print and validate the fine-tuning tasks' splits for one seed
 * (ISSUE 8): per task and part the size, the per-class counts and a
 * fingerprint of the chosen images; every split is checked (sizes, exact
 * class balance, labels, disjoint parts) and --write exports it as IDX files.
 *
 *   ft_tasks --seed 3                     all tasks, seed 3
 *   ft_tasks --task mnist-200 --seed 1 --write out/tasks
 *
 * Output: TSV "task seed part n per_class fingerprint".  Exit 0 when every
 * split checks, 1 when one does not (a one-line reason), 2 on bad input. */
#include "cli.h"
#include "dataset.h"
#include "io.h"
#include "nso_error.h"
#include "tasks.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *task = "all", *cache = "data/cache", *outdir = "";
static uint64_t seed = 1;

static nso_arg_spec specs[] = {
    {"task", NSO_ARG_STRING, &task, 0, 0, "a task name or 'all'"},
    {"seed", NSO_ARG_U64, &seed, 0, 1e18, "split seed (the source task is pretrained with seed 0)"},
    {"cache", NSO_ARG_STRING, &cache, 0, 0, "data cache (make nn-data)"},
    {"write", NSO_ARG_STRING, &outdir, 0, 0, "directory: write <task>-s<seed>-<part>-{images,labels}.idx"},
};
#define NSPECS (sizeof specs / sizeof *specs)

static void row(const ft_task *t, const char *part, const nn_dataset *d, const int *idx)
{
    int cnt[256] = {0};
    for (int k = 0; k < d->n; k++) cnt[d->labels[k]]++;
    printf("%s\t%" PRIu64 "\t%s\t%d\t", t->name, seed, part, d->n);
    for (int c = 0; c < d->nclass; c++) printf("%s%d", c ? "/" : "", cnt[c]);
    printf("\t%016" PRIx64 "\n", ft_fingerprint(idx, d->n));
}

int main(int argc, char **argv)
{
    nso_set_progname("ft_tasks");
    nso_cli_parse(argc, argv, specs, NSPECS,
                  "ft_tasks - print and validate the fine-tuning tasks' splits for one seed\n"
                  "  ft_tasks [--task NAME|all] [--seed S] [--cache DIR] [--write DIR]\n");
    const ft_task *only = NULL;
    if (strcmp(task, "all") != 0 && !(only = ft_task_find(task)))
        nso_die("--task: unknown task '%s' (accepted: all, %s)", task, ft_task_names());
    char err[512];
    int bad = 0;
    printf("task\tseed\tpart\tn\tper_class\tfingerprint\n");
    for (int i = 0; ft_task_list[i]; i++) {
        const ft_task *t = ft_task_list[i];
        if (only && t != only) continue;
        nn_dataset pool = {0}, test = {0};
        if (nn_dataset_open(t->pool, cache, &pool, err, sizeof err))
            nso_die("--cache: task %s: %s", t->name, err);
        if (t->test_pool && nn_dataset_open(t->test_pool, cache, &test, err, sizeof err))
            nso_die("--cache: task %s: %s", t->name, err);
        ft_split s;
        if (ft_task_make(t, seed, &pool, t->test_pool ? &test : NULL, &s, err, sizeof err)) {
            fprintf(stderr, "ft_tasks: task %s seed %" PRIu64 ": %s\n", t->name, seed, err);
            bad = 1;
        } else {
            if (ft_split_check(&s, &pool, t->test_pool ? &test : NULL, err, sizeof err)) {
                fprintf(stderr, "ft_tasks: task %s seed %" PRIu64 ": %s\n", t->name, seed, err);
                bad = 1;
            }
            row(t, "train", &s.train, s.itrain);
            row(t, "val", &s.val, s.ival);
            row(t, "test", &s.test, s.itest);
            const char *pn[3] = {"train", "val", "test"};
            const nn_dataset *pd[3] = {&s.train, &s.val, &s.test};
            /* the folder only once the data are loaded and split */
            if (*outdir && nso_mkdirs(outdir)) nso_die("--write: cannot create directory '%s'", outdir);
            for (int p = 0; *outdir && p < 3; p++) {
                char a[4200], b[4200];
                snprintf(a, sizeof a, "%s/%s-s%" PRIu64 "-%s-images.idx", outdir, t->name, seed, pn[p]);
                snprintf(b, sizeof b, "%s/%s-s%" PRIu64 "-%s-labels.idx", outdir, t->name, seed, pn[p]);
                if (nn_idx_write(a, b, pd[p], err, sizeof err)) {
                    fprintf(stderr, "ft_tasks: --write: %s\n", err);
                    bad = 1;
                }
            }
            ft_split_free(&s);
        }
        nn_dataset_free(&pool);
        if (t->test_pool) nn_dataset_free(&test);
    }
    return bad;
}
