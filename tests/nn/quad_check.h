/* quad_check.h - the quadratic-form check of test_quad.c, included twice
 * (T = float / double, S(x) = x##_f32 / x##_f64).  No include guard on
 * purpose.
 *
 * For a model, a batch, a label smoothing and a list of selections
 * (parameter-name prefixes; "" = every parameter): two directions v zero
 * outside the selection, the forward-mode quadratic forms
 * nn_quad_multi_from(first = nn_first_op) against v . (H v) from the
 * R-operator HVP over all parameters (nn_hvp_multi, an independent reverse
 * pass), summed in double.  Tolerance: tol x sum_i |v_i (H v)_i| (the
 * products' size, so that cancellation in the sum does not hide an error).
 * Returns the number of failed checks. */

static int S(check_quad)(const char *label, const nn_config *c, int B, const float *x,
                         const uint8_t *y, double smoothing, const char *const *prefixes, int npre,
                         double tol)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(11, "test/quad");
    S(nn_model) *m = S(nn_model_create)(c, B, r, msg, sizeof msg);
    if (!m) {
        printf("\n  %s: %s", label, msg);
        gsl_rng_free(r);
        return 1;
    }
    m->label_smoothing = smoothing;
    /* batch-norm parameters away from 1 / 0, running statistics that keep
     * units alive (as hess_sub_check.h) */
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *X = &m->tensors[t];
        int bn = strstr(X->name, "bn") || strstr(X->name, "downsample.1");
        for (size_t i = X->off; X->buffer == 0 && bn && i < X->off + X->n; i++)
            m->params[i] += (T)(0.2 * sin(1.7 * i + 0.2));
        for (size_t i = X->off; X->buffer == 1 && i < X->off + X->n; i++)
            m->stats[i] = (T)(strstr(X->name, "running_var") ? 0.5 + gsl_rng_uniform(r)
                                                              : 0.2 * (gsl_rng_uniform(r) - 0.5));
    }
    gsl_rng_free(r);
    int fails = 0;
    if (!S(nn_quad_ok)(m)) {
        printf("\n  %s: nn_quad_ok is 0", label);
        S(nn_model_free)(m);
        return 1;
    }
    const size_t n = m->nparams;
    T *v[2], *hv[2];
    for (int j = 0; j < 2; j++) {
        v[j] = calloc(n, sizeof(T));
        hv[j] = malloc(n * sizeof(T));
    }
    for (int p = 0; p < npre; p++) {
        unsigned char tsel[NN_MAX_TENSORS] = {0};
        for (int t = 0; t < m->ntensors; t++)
            if (m->tensors[t].buffer == 0 && (!*prefixes[p] || nn_test_prefix_match(m->tensors[t].name, prefixes[p])))
                tsel[t] = 1;
        int first = S(nn_first_op)(m, tsel);
        for (int j = 0; j < 2; j++) {
            memset(v[j], 0, n * sizeof(T));
            for (int t = 0; t < m->ntensors; t++)
                for (size_t i = m->tensors[t].off; tsel[t] && i < m->tensors[t].off + m->tensors[t].n; i++)
                    v[j][i] = (T)(j ? (i % 3 ? 1 : -1) : sin(0.7 * i + 0.3));
        }
        double q[2] = {NAN, NAN};
        double Lq = S(nn_quad_multi_from)(m, x, y, B, 2, (const T *const *)v, q, first);
        double Lh = S(nn_hvp_multi)(m, x, y, B, 2, (const T *const *)v, hv);
        for (int j = 0; j < 2; j++) {
            double ref = 0, size = 0;
            for (size_t i = 0; i < n; i++) {
                ref += (double)v[j][i] * hv[j][i];
                size += fabs((double)v[j][i] * hv[j][i]);
            }
            double err = fabs(q[j] - ref);
            int ok = isfinite(q[j]) && err <= tol * size && size > 0 && Lq == Lh;
            if (!ok || j == 0)
                printf("\n  %s [%s] v%d: v'Hv %.6g, forward mode %.6g, |diff| %.1e x %.2g (tol %.0e)%s",
                       label, *prefixes[p] ? prefixes[p] : "all", j, ref, q[j], size > 0 ? err / size : err,
                       size, tol, ok ? "" : "  FAIL");
            fails += !ok;
        }
    }
    for (int j = 0; j < 2; j++) {
        free(v[j]);
        free(hv[j]);
    }
    S(nn_model_free)(m);
    return fails;
}
