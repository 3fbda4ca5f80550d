/* hess_sub_check.h - the sub-block HVP check of test_hess_sub.c, included
 * twice (T = float / double, S(x) = x##_f32 / x##_f64).  No include guard on
 * purpose.
 *
 * For a model, a batch and a list of parameter-name prefixes (one selection
 * each): the R passes restricted to the selection (nn_hvp_multi_from, two
 * directions in one call, starting at nn_first_op) against the full HVP
 * (nn_hvp, first op 0) of the same directions (zero outside the selection),
 * on every parameter of the ops from the first selected one on; the entries
 * before it must be 0.  Before the restricted call a full HVP along a dense
 * direction fills the R workspace, so stale R-activations of the skipped
 * layers would show.  Returns the number of failed checks. */

static int S(check_sub)(const char *label, const nn_config *c, int B, const float *x, const uint8_t *y,
                        const char *const *prefixes, int npre, double tol)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(7, "test/hess-sub");
    S(nn_model) *m = S(nn_model_create)(c, B, r, msg, sizeof msg);
    if (!m) {
        printf("\n  %s: %s", label, msg);
        gsl_rng_free(r);
        return 1;
    }
    /* the transformer: weights larger than the initialisation (0.02), so every
     * term of the Hessian shows; the others: batch-norm parameters away from
     * 1 / 0 (as test_engine.c); running statistics that keep units alive */
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *X = &m->tensors[t];
        int bn = strstr(X->name, "bn") || strstr(X->name, "downsample.1");
        if (X->buffer == 0 && (c->arch == NN_ARCH_TRANSFORMER || bn))
            for (size_t i = X->off; i < X->off + X->n; i++)
                m->params[i] += (T)((bn ? 0.2 : 0.3) * sin(1.7 * i + 0.2));
    }
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *X = &m->tensors[t];
        if (X->buffer == 1) /* running mean near 0, running variance in [0.5, 1.5] */
            for (size_t i = X->off; i < X->off + X->n; i++)
                m->stats[i] = (T)(strstr(X->name, "running_var") ? 0.5 + gsl_rng_uniform(r)
                                                                  : 0.2 * (gsl_rng_uniform(r) - 0.5));
    }
    gsl_rng_free(r);
    const size_t n = m->nparams;
    T *dense = malloc(n * sizeof(T)), *hd = malloc(n * sizeof(T));
    T *v0 = calloc(n, sizeof(T)), *v1 = calloc(n, sizeof(T));
    T *hr0 = malloc(n * sizeof(T)), *hr1 = malloc(n * sizeof(T));
    T *hf0 = malloc(n * sizeof(T)), *hf1 = malloc(n * sizeof(T));
    /* per parameter: the tape index of the op owning it */
    int *owner = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) owner[i] = -1;
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        if (o->tw >= 0)
            for (size_t k = 0; k < m->tensors[o->tw].n; k++) owner[m->tensors[o->tw].off + k] = i;
        if (o->tb >= 0)
            for (size_t k = 0; k < m->tensors[o->tb].n; k++) owner[m->tensors[o->tb].off + k] = i;
    }
    int fails = 0;
    for (size_t i = 0; i < n; i++) {
        if (owner[i] < 0) fails++; /* every parameter belongs to an op */
        dense[i] = (T)sin(0.9 * i + 0.4);
    }
    for (int p = 0; p < npre; p++) {
        unsigned char tsel[NN_MAX_TENSORS] = {0};
        int nt = 0;
        for (int t = 0; t < m->ntensors; t++)
            if (m->tensors[t].buffer == 0 && nn_test_prefix_match(m->tensors[t].name, prefixes[p])) {
                tsel[t] = 1;
                nt++;
            }
        int first = S(nn_first_op)(m, tsel);
        /* the definition: no op before `first` owns a selected tensor, op `first` does */
        int ok_first = nt > 0 && first >= 0 && first < m->nops;
        for (int i = 0; ok_first && i < first; i++) {
            const nn_op *o = &m->ops[i];
            if ((o->tw >= 0 && tsel[o->tw]) || (o->tb >= 0 && tsel[o->tb])) ok_first = 0;
        }
        if (ok_first) {
            const nn_op *o = &m->ops[first];
            ok_first = (o->tw >= 0 && tsel[o->tw]) || (o->tb >= 0 && tsel[o->tb]);
        }
        CU_ASSERT(ok_first);
        fails += !ok_first;
        if (!ok_first) continue;
        /* two directions on the selection, zero elsewhere */
        memset(v0, 0, n * sizeof(T));
        memset(v1, 0, n * sizeof(T));
        for (int t = 0; t < m->ntensors; t++)
            if (tsel[t])
                for (size_t k = m->tensors[t].off; k < m->tensors[t].off + m->tensors[t].n; k++) {
                    v0[k] = (T)cos(0.7 * k + 0.1);
                    v1[k] = (T)sin(1.3 * k + 0.5);
                }
        S(nn_hvp)(m, x, y, B, dense, hd); /* non-zero R state everywhere */
        const T *vv[2] = {v0, v1};
        T *hh[2] = {hr0, hr1};
        double Lr = S(nn_hvp_multi_from)(m, x, y, B, 2, vv, hh, first);
        double Lf = S(nn_hvp)(m, x, y, B, v0, hf0);
        S(nn_hvp)(m, x, y, B, v1, hf1);
        double err = 0, mx = 0, msel = 0, before = 0;
        for (size_t i = 0; i < n; i++) {
            if (owner[i] < first) {
                before = fmax(before, fmax(fabs(hr0[i]), fabs(hr1[i])));
                continue;
            }
            err = fmax(err, fmax(fabs(hr0[i] - hf0[i]), fabs(hr1[i] - hf1[i])));
            mx = fmax(mx, fmax(fabs(hf0[i]), fabs(hf1[i])));
            if (v0[i] != 0) msel = fmax(msel, fmax(fabs(hf0[i]), fabs(hf1[i])));
        }
        /* the selected block itself is not trivial */
        int ok = err <= tol * mx && msel > 1e-6 && before == 0 && Lr == Lf;
        printf("\n  %s [%s] '%s': first op %d of %d, restricted vs full %.2e x max|Hv| %.3g (tol %.0e; "
               "selected block max %.3g)%s",
               label, sizeof(T) == 4 ? "f32" : "f64", prefixes[p], first, m->nops, mx > 0 ? err / mx : err,
               mx, tol, msel, ok ? "" : " FAILED");
        CU_ASSERT(ok);
        fails += !ok;
    }
    free(dense);
    free(hd);
    free(v0);
    free(v1);
    free(hr0);
    free(hr1);
    free(hf0);
    free(hf1);
    free(owner);
    S(nn_model_free)(m);
    return fails;
}
