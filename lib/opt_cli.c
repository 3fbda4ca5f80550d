/* opt_cli.c - command-line flags from the optimizers' parameter tables
 * (optimizer.h): one string flag per distinct parameter name over the
 * registry, checked against the chosen method's table after parsing.
 * Program-side helpers: nso_opt_cli_apply ends the program (exit 2) with a
 * one-line error naming the flag. */
#include "cli.h"
#include "nso_error.h"
#include "optimizer.h"
#include <stdio.h>
#include <string.h>

static char helps[NSO_MAX_PARAMS * 8][160];
static int flagv[NSO_MAX_PARAMS * 8]; /* bare flags (NSO_PK_FLAG) land here */

size_t nso_opt_cli_specs(nso_arg_spec *specs, size_t cap, const char **texts)
{
    size_t n = 0;
    for (size_t t = 0; nso_opt_types[t]; t++)
        for (size_t i = 0; i < nso_opt_types[t]->nparams; i++) {
            const nso_param_def *p = &nso_opt_types[t]->params[i];
            size_t j = 0;
            while (j < n && strcmp(specs[j].name, p->name) != 0) j++;
            if (j < n) continue;
            if (n == cap || n == sizeof helps / sizeof helps[0]) return n;
            /* "meaning [methods: a, b]" */
            char who[96] = "";
            size_t o = 0;
            for (size_t u = 0; nso_opt_types[u]; u++)
                if (nso_opt_param_index(nso_opt_types[u], p->name) >= 0 && o < sizeof who)
                    o += (size_t)snprintf(who + o, sizeof who - o, "%s%s", o ? "," : "",
                                          nso_opt_types[u]->name);
            snprintf(helps[n], sizeof helps[n], "%s [%s]", p->help, who);
            texts[n] = NULL;
            flagv[n] = 0;
            if (p->kind == NSO_PK_FLAG)
                specs[n] = (nso_arg_spec){p->name, NSO_ARG_FLAG, &flagv[n], 0, 0, helps[n]};
            else
                specs[n] = (nso_arg_spec){p->name, NSO_ARG_STRING, &texts[n], 0, 0, helps[n]};
            n++;
        }
    return n;
}

void nso_opt_cli_apply(const nso_opt_type *t, const char *const *texts, nso_param_set *s)
{
    char msg[512];
    size_t n = 0;
    for (size_t u = 0; nso_opt_types[u]; u++)
        for (size_t i = 0; i < nso_opt_types[u]->nparams; i++) {
            const char *name = nso_opt_types[u]->params[i].name;
            /* the spec order of nso_opt_cli_specs: first appearance */
            int first = 1;
            for (size_t v = 0; v <= u && first; v++)
                for (size_t k = 0; k < (v == u ? i : nso_opt_types[v]->nparams); k++)
                    if (strcmp(nso_opt_types[v]->params[k].name, name) == 0) {
                        first = 0;
                        break;
                    }
            if (!first) continue;
            const char *txt = nso_opt_types[u]->params[i].kind == NSO_PK_FLAG
                                  ? (flagv[n] ? "1" : NULL) : texts[n];
            n++;
            if (!txt) continue;
            if (nso_params_set_str(s, t, name, txt, msg, sizeof msg) != NSO_OK)
                nso_die("--%s: %s", name, msg);
        }
}

void nso_opt_print_list(FILE *f)
{
    for (size_t t = 0; nso_opt_types[t]; t++) {
        const nso_opt_type *o = nso_opt_types[t];
        fprintf(f, "  %-10s %s\n", o->name, o->help);
        if (o->source) fprintf(f, "             source: %s\n", o->source);
        for (size_t i = 0; i < o->nparams; i++) {
            const nso_param_def *p = &o->params[i];
            char def[48];
            if (p->kind == NSO_PK_LAW) snprintf(def, sizeof def, "%s", nso_noise_laws[(size_t)p->def]->name);
            else snprintf(def, sizeof def, "%g", p->def);
            if (p->kind == NSO_PK_REAL || p->kind == NSO_PK_INT)
                fprintf(f, "      --%-12s %s (default %s, range [%g, %g])\n", p->name, p->help, def,
                        p->min, p->max);
            else
                fprintf(f, "      --%-12s %s (default %s)\n", p->name, p->help, def);
        }
    }
}
