/* test_mlm.c - masked-language-model pretraining and the split by text
 * (issue 9, text half):
 *   - nn_brown_split on a handmade corpus: exactly ntrain + ntest texts of
 *     each coarse class held out, unlabelled texts always pretraining, the
 *     same seed the same split, another seed another, a class too small
 *     refused naming it; on the real corpus (if cached): the three "brown-*"
 *     sets are the passages of disjoint text sets and add up to every
 *     passage, 16 + 6 held-out texts per class;
 *   - nn_mlm_mask: k = min(M, max(1, round(0.15 n))) distinct ascending
 *     candidate positions (never [PAD]/[CLS]/[SEP]), labels = the original
 *     ids, the 80/10/10 shares within 4.5 binomial standard deviations over
 *     20,000 targets, the position of every candidate chosen with frequency
 *     k / n (4.5 sd); short and empty sequences; nn_mlm_batch deterministic in
 *     (seed, epoch, example) and new masks in another epoch;
 *   - the MLM model (double build, vocabulary 13, width 4, 2 heads, 2 layers,
 *     3 target slots of which some are empty): the loss against an independent
 *     computation from the encoder's final states (gather + decoder + mean
 *     cross-entropy over the targets, 1e-12); the gradient against central
 *     differences (1e-7 x (1 + max |g|)) and the HVP against central
 *     differences of the gradient (1e-6 x (1 + max |Hv|)), GELU and ReLU,
 *     every tensor's Hv block nonzero; float against double (loss 1e-5,
 *     gradient and Hv 1e-3 x max);
 *   - nn_set_mlm_targets refuses positions / ids out of range; the
 *     configuration refuses more slots than positions; the checkpoint
 *     (arch "mlm") loads into a classifier with skip "fc" (encoder equal);
 *   - the bag-of-words baseline: its objective's gradient against central
 *     differences (1e-7), the fitted weights stationary (gradient norm <= 1e-6
 *     of the initial one, l2 > 0 so the minimum is unique), a separable toy
 *     set classified without error, duplicates / specials not counted. */
#include "bow.h"
#include "corpus.h"
#include "mlm.h"
#include "nn.h"
#include "rng.h"
#include "safetensors.h"
#include "test_text.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------- split by text --------------------------------------- */

static void test_split_handmade(void)
{
    /* 5, 6, 7, 8 texts of classes 0..3 and 3 unlabelled, interleaved */
    enum { NT = 29 };
    uint8_t lab[NT];
    int per[5] = {5, 6, 7, 8, 3}, k = 0;
    for (int round = 0; k < NT; round++)
        for (int c = 0; c < 5 && k < NT; c++)
            if (per[c] > 0) {
                per[c]--;
                lab[k++] = c == 4 ? NN_TEXT_NOLABEL : (uint8_t)c;
            }
    nn_corpus c;
    memset(&c, 0, sizeof c);
    c.ntexts = NT;
    c.label = lab;
    unsigned char a[NT], b[NT];
    char err[300];
    CU_ASSERT_FATAL(nn_brown_split(&c, 7, 2, 1, a, err, sizeof err) == NN_DATA_OK);
    int cnt[5][3] = {{0}};
    for (int t = 0; t < NT; t++) cnt[lab[t] == NN_TEXT_NOLABEL ? 4 : lab[t]][a[t]]++;
    for (int q = 0; q < 4; q++) CU_ASSERT(cnt[q][NN_BROWN_FT_TRAIN] == 2 && cnt[q][NN_BROWN_FT_TEST] == 1);
    CU_ASSERT(cnt[4][NN_BROWN_PRE] == 3 && cnt[4][1] == 0 && cnt[4][2] == 0);
    CU_ASSERT(nn_brown_split(&c, 7, 2, 1, b, err, sizeof err) == 0 && !memcmp(a, b, NT));
    int differ = 0;
    for (uint64_t s = 8; s < 12; s++) {
        CU_ASSERT(nn_brown_split(&c, s, 2, 1, b, err, sizeof err) == 0);
        differ += memcmp(a, b, NT) != 0;
    }
    CU_ASSERT(differ >= 3); /* P(a 5-text class splits alike) is small; four seeds */
    CU_ASSERT(nn_brown_split(&c, 7, 4, 2, b, err, sizeof err) == NN_DATA_EFORMAT &&
              strstr(err, "class press has 5 texts, fewer than 4 + 2"));
    CU_ASSERT(nn_brown_split(&c, 7, 0, 2, b, err, sizeof err) == NN_DATA_EFORMAT);
}

static void test_split_real(void)
{
    const char *path = "data/cache/" NN_BROWN_FILE;
    if (access(path, R_OK)) {
        printf("\n  (skipped: %s missing; make text-data)", path);
        return;
    }
    nn_corpus c;
    nn_vocab v;
    nn_textset all;
    char err[400];
    CU_ASSERT_FATAL(nn_brown_load(path, &c, err, sizeof err) == 0);
    unsigned char *part = malloc(c.ntexts), *keep = malloc(c.ntexts);
    CU_ASSERT_FATAL(nn_brown_split(&c, NN_BROWN_SPLIT_SEED, NN_BROWN_FT_TRAIN_TEXTS, NN_BROWN_FT_TEST_TEXTS, part,
                                   err, sizeof err) == 0);
    int texts[NN_TEXT_NCLASS][3] = {{0}};
    for (int t = 0; t < c.ntexts; t++)
        if (c.label[t] != NN_TEXT_NOLABEL) texts[c.label[t]][part[t]]++;
        else CU_ASSERT(part[t] == NN_BROWN_PRE);
    for (int k = 0; k < NN_TEXT_NCLASS; k++)
        CU_ASSERT(texts[k][NN_BROWN_FT_TRAIN] == 16 && texts[k][NN_BROWN_FT_TEST] == 6);
    /* passages per part counted from the texts' own passages */
    CU_ASSERT_FATAL(nn_vocab_build(&c, NN_BROWN_VOCAB, &v, err, sizeof err) == 0);
    CU_ASSERT_FATAL(nn_text_passages(&c, &v, NN_BROWN_SEQ, NULL, 0, &all, err, sizeof err) == 0);
    int want[3] = {0};
    for (int i = 0; i < all.n; i++) want[part[all.text[i]]]++;
    static const char *names[3] = {"brown-pre", "brown-ft", "brown-ft-test"};
    int total = 0;
    for (int p = 0; p < 3; p++) {
        nn_dataset d;
        CU_ASSERT_FATAL(nn_dataset_open(names[p], "data/cache", &d, err, sizeof err) == 0);
        CU_ASSERT(d.n == want[p] && d.w == NN_BROWN_SEQ && d.nclass == (p ? 4 : 1));
        /* the passages are exactly those of the part's texts, in corpus order */
        int j = 0, same = 1;
        for (int i = 0; i < all.n && same; i++)
            if (part[all.text[i]] == p) {
                same = j < d.n && !memcmp(d.tokens + (size_t)j * d.w, all.tok + (size_t)i * all.L,
                                          sizeof(int32_t) * all.L) &&
                       (p == 0 ? d.labels[j] == 0 : d.labels[j] == all.label[i]);
                j++;
            }
        CU_ASSERT(same && j == d.n);
        total += d.n;
        nn_dataset_free(&d);
    }
    CU_ASSERT(total == all.n && all.n == 18730);
    printf("\n  passages: pretraining %d, fine-tuning train %d, test %d", want[0], want[1], want[2]);
    /* another split seed moves texts */
    CU_ASSERT(nn_brown_split(&c, 2, 16, 6, keep, err, sizeof err) == 0 && memcmp(keep, part, c.ntexts));
    nn_dataset d2;
    CU_ASSERT(nn_dataset_open_seeded("brown-ft", "data/cache", 2, &d2, err, sizeof err) == 0);
    CU_ASSERT(d2.n != want[1] || memcmp(d2.tokens, all.tok, 64)); /* (a different set) */
    nn_dataset_free(&d2);
    CU_ASSERT(nn_dataset_open("brown-nope", "data/cache", &d2, err, sizeof err) == NN_DATA_EFORMAT &&
              strstr(err, "brown-ft-test"));
    free(part);
    free(keep);
    nn_textset_free(&all);
    nn_vocab_free(&v);
    nn_corpus_free(&c);
}

/* ---------------- masking recipe -------------------------------------- */

static void test_mask_recipe(void)
{
    enum { LL = 64, VV = 100, MM = 10, NS = 2300 };
    int32_t tok[LL];
    float x[LL];
    int32_t pos[MM], lab[MM];
    gsl_rng *r = nso_rng_named(3, "test/mlm");
    long nmask = 0, nrand = 0, nkeep = 0, ntarget = 0, hits[LL] = {0};
    for (int s = 0; s < NS; s++) {
        tok[0] = NN_TOK_CLS;
        for (int t = 1; t < 63; t++) tok[t] = NN_TOK_SPECIAL + (int)((t * 7 + s * 13) % (VV - NN_TOK_SPECIAL));
        tok[63] = NN_TOK_SEP;
        int k = nn_mlm_mask(tok, LL, MM, VV, r, x, pos, lab);
        CU_ASSERT(k == 9); /* round(0.15 x 62) */
        for (int i = 0; i < MM; i++) {
            if (i >= k) {
                CU_ASSERT(lab[i] == -1 && pos[i] == 0);
                continue;
            }
            CU_ASSERT(pos[i] >= 1 && pos[i] <= 62 && (i == 0 || pos[i] > pos[i - 1]));
            CU_ASSERT(lab[i] == tok[pos[i]]);
            hits[pos[i]]++;
            ntarget++;
            if (x[pos[i]] == NN_TOK_MASK) nmask++;
            else if ((int32_t)x[pos[i]] == tok[pos[i]]) nkeep++;
            else {
                CU_ASSERT(x[pos[i]] >= NN_TOK_SPECIAL && x[pos[i]] < VV);
                nrand++;
            }
        }
        for (int t = 0; t < LL; t++) { /* nothing else changes */
            int chosen = 0;
            for (int i = 0; i < k; i++) chosen |= pos[i] == t;
            if (!chosen) CU_ASSERT(x[t] == tok[t]);
        }
    }
    /* shares: p = 0.8, 0.1 (+ 0.1/95 of the random draws hit the original), 0.1 */
    double n = (double)ntarget, pk = 0.1 + 0.1 / (VV - NN_TOK_SPECIAL), pr = 0.1 - 0.1 / (VV - NN_TOK_SPECIAL);
    CU_ASSERT(fabs(nmask - 0.8 * n) <= 4.5 * sqrt(n * 0.8 * 0.2));
    CU_ASSERT(fabs(nkeep - pk * n) <= 4.5 * sqrt(n * pk * (1 - pk)));
    CU_ASSERT(fabs(nrand - pr * n) <= 4.5 * sqrt(n * pr * (1 - pr)));
    for (int t = 1; t <= 62; t++) { /* each candidate with probability 9/62 */
        double p = 9.0 / 62;
        CU_ASSERT(fabs(hits[t] - p * NS) <= 4.5 * sqrt(NS * p * (1 - p)));
    }
    CU_ASSERT(hits[0] == 0 && hits[63] == 0);
    /* short: [CLS] a b [SEP] [PAD]...: one target; nothing to mask: none */
    int32_t sh[8] = {NN_TOK_CLS, 9, 11, NN_TOK_SEP, 0, 0, 0, 0};
    CU_ASSERT(nn_mlm_mask(sh, 8, 3, VV, r, x, pos, lab) == 1 && (pos[0] == 1 || pos[0] == 2) && lab[1] == -1);
    int32_t none[4] = {NN_TOK_CLS, NN_TOK_SEP, 0, 0};
    CU_ASSERT(nn_mlm_mask(none, 4, 3, VV, r, x, pos, lab) == 0 && lab[0] == -1 && x[1] == NN_TOK_SEP);
    /* the batch: a function of (seed, epoch, example) */
    enum { ND = 5 };
    nn_dataset d = {ND, 1, 1, LL, 1, NULL, calloc(ND, 1), malloc(sizeof(int32_t) * ND * LL)};
    for (int i = 0; i < ND * LL; i++) d.tokens[i] = i % LL == 0 ? NN_TOK_CLS : NN_TOK_SPECIAL + i % 50;
    int idx1[2] = {3, 1}, idx2[3] = {0, 1, 4};
    float x1[2 * LL], x2[3 * LL], x3[3 * LL];
    int32_t p1[2 * MM], l1[2 * MM], p2[3 * MM], l2[3 * MM], p3[3 * MM], l3[3 * MM];
    nn_mlm_batch(&d, idx1, 2, MM, VV, 5, 2, r, x1, p1, l1);
    nn_mlm_batch(&d, idx2, 3, MM, VV, 5, 2, r, x2, p2, l2);
    CU_ASSERT(!memcmp(x1 + LL, x2 + LL, sizeof(float) * LL) && !memcmp(p1 + MM, p2 + MM, sizeof(int32_t) * MM) &&
              !memcmp(l1 + MM, l2 + MM, sizeof(int32_t) * MM)); /* example 1 alike in both batches */
    nn_mlm_batch(&d, idx2, 3, MM, VV, 5, 3, r, x3, p3, l3);
    CU_ASSERT(memcmp(p2, p3, sizeof p2) != 0); /* another epoch, other masks */
    nn_mlm_batch(&d, idx2, 3, MM, VV, 6, 2, r, x3, p3, l3);
    CU_ASSERT(memcmp(p2, p3, sizeof p2) != 0); /* another seed */
    free(d.labels);
    free(d.tokens);
    gsl_rng_free(r);
}

/* ---------------- the MLM model --------------------------------------- */

enum { V = 13, D = 4, HEADS = 2, L = 6, NB = 3, M = 3 };
static const nn_config tiny = {NN_ARCH_MLM, 2, D, V, HEADS, L, M, NN_ACT_GELU};
/* masked inputs (4 = [MASK]); example 0 has pads and one empty slot, example 2 two */
static const float X[NB * L] = {2, 7, 4, 3, 0, 0, 2, 4, 9, 5, 4, 3, 2, 6, 12, 4, 8, 3};
static const int32_t POS[NB * M] = {1, 2, 0, 1, 3, 4, 3, 0, 0};
static const int32_t LAB[NB * M] = {7, 11, -1, 10, 5, 6, 9, -1, -1};

static double maxabs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

static nn_model_f64 *make64(const nn_config *c, uint64_t seed)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "test/mlm");
    nn_model_f64 *m = nn_model_create_f64(c, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    if (!m) {
        printf("\n  %s", msg);
        return NULL;
    }
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += 0.3 * sin(1.7 * i + 0.2);
    if (nn_set_mlm_targets_f64(m, POS, LAB, NB)) printf("\n  targets refused");
    return m;
}

static void check_mlm(const nn_config *c)
{
    nn_model_f64 *m = make64(c, 5);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(m->mlm_count == 6);
    const size_t n = m->nparams;
    /* the loss from the encoder's final states, computed here */
    double L0 = nn_loss_f64(m, X, NULL, NB, NULL);
    const nn_op *g = NULL, *fc = &m->ops[m->nops - 1];
    for (int i = 0; i < m->nops; i++)
        if (m->ops[i].kind == NN_OP_GATHER) g = &m->ops[i];
    CU_ASSERT_FATAL(g != NULL && fc->kind == NN_OP_LINEAR && fc->cout == V);
    const double *h = m->act[g->x], *W = m->params + fc->w, *bias = m->params + fc->b;
    double want = 0;
    int cnt = 0;
    for (int b = 0; b < NB; b++)
        for (int j = 0; j < M; j++) {
            if (LAB[b * M + j] < 0) continue;
            double z[V], mx = -1e300, s = 0;
            for (int k = 0; k < V; k++) {
                z[k] = bias[k];
                for (int e = 0; e < D; e++) z[k] += W[k * D + e] * h[(size_t)e * NB * L + b * L + POS[b * M + j]];
                mx = fmax(mx, z[k]);
            }
            for (int k = 0; k < V; k++) s += exp(z[k] - mx);
            want += mx + log(s) - z[LAB[b * M + j]];
            cnt++;
        }
    want /= cnt;
    CU_ASSERT(fabs(L0 - want) <= 1e-12 * (1 + fabs(want)));
    if (!(fabs(L0 - want) <= 1e-12 * (1 + fabs(want)))) printf("\n  loss %.15g, by hand %.15g", L0, want);
    /* gradient against central differences */
    const double hh = 1e-5;
    double *gr = malloc(n * sizeof *gr), *fd = malloc(n * sizeof *fd), *v = malloc(n * sizeof *v);
    double *hv = malloc(n * sizeof *hv), *g1 = malloc(n * sizeof *g1), *w0 = malloc(n * sizeof *w0);
    CU_ASSERT(fabs(nn_loss_grad_f64(m, X, NULL, NB) - L0) == 0);
    memcpy(gr, m->grads, n * sizeof *gr);
    memcpy(w0, m->params, n * sizeof *w0);
    for (size_t i = 0; i < n; i++) {
        m->params[i] = w0[i] + hh;
        double a = nn_loss_f64(m, X, NULL, NB, NULL);
        m->params[i] = w0[i] - hh;
        double b = nn_loss_f64(m, X, NULL, NB, NULL);
        m->params[i] = w0[i];
        fd[i] = (a - b) / (2 * hh);
    }
    double eg = 0, mg = maxabs(gr, n);
    for (size_t i = 0; i < n; i++) eg = fmax(eg, fabs(gr[i] - fd[i]));
    CU_ASSERT(eg <= 1e-7 * (1 + mg) && mg > 1e-3);
    if (!(eg <= 1e-7 * (1 + mg))) printf("\n  gradient: max error %.3g (max |g| %.3g)", eg, mg);
    /* HVP against central differences of the gradient */
    for (size_t i = 0; i < n; i++) v[i] = sin(0.9 * i + 0.4);
    nn_hvp_f64(m, X, NULL, NB, v, hv);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] + hh * v[i];
    nn_loss_grad_f64(m, X, NULL, NB);
    memcpy(g1, m->grads, n * sizeof *g1);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] - hh * v[i];
    nn_loss_grad_f64(m, X, NULL, NB);
    memcpy(m->params, w0, n * sizeof *w0);
    double eh = 0, mh = maxabs(hv, n);
    for (size_t i = 0; i < n; i++) eh = fmax(eh, fabs(hv[i] - (g1[i] - m->grads[i]) / (2 * hh)));
    CU_ASSERT(eh <= 1e-6 * (1 + mh) && mh > 1e-3);
    if (!(eh <= 1e-6 * (1 + mh))) printf("\n  HVP: max error %.3g (max |Hv| %.3g)", eh, mh);
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        double s = maxabs(hv + T->off, T->n);
        if (!(s > 1e-6)) printf("\n  %s: Hv is zero", T->name);
        CU_ASSERT(s > 1e-6);
    }
    /* float against double */
    text_check_f32(c, NB, X, NULL, POS, LAB, n, w0, v, L0, gr, mg, hv, mh);
    free(gr); free(fd); free(v); free(hv); free(g1); free(w0);
    nn_model_free_f64(m);
}

static void test_mlm_gelu(void) { check_mlm(&tiny); }

static void test_mlm_relu(void)
{
    nn_config c = tiny;
    c.act = NN_ACT_RELU;
    check_mlm(&c);
}

static void test_mlm_errors_checkpoint(void)
{
    char msg[300], path[64];
    nn_config c = tiny;
    c.nclass = L + 1;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "masked positions per sequence (7)"));
    gsl_rng *r = nso_rng_named(3, "x");
    nn_model_f32 *a = nn_model_create_f32(&tiny, NB, r, msg, sizeof msg);
    CU_ASSERT_FATAL(a != NULL);
    int32_t p[NB * M], l[NB * M];
    memcpy(p, POS, sizeof p);
    memcpy(l, LAB, sizeof l);
    p[4] = L;
    CU_ASSERT(nn_set_mlm_targets_f32(a, p, l, NB) == 1);
    p[4] = 3;
    l[2] = V;
    CU_ASSERT(nn_set_mlm_targets_f32(a, p, l, NB) == 1);
    l[2] = -2;
    CU_ASSERT(nn_set_mlm_targets_f32(a, p, l, NB) == 1);
    CU_ASSERT(nn_set_mlm_targets_f32(a, POS, LAB, NB + 1) == 1);
    CU_ASSERT(nn_set_mlm_targets_f32(a, POS, LAB, NB) == 0 && a->mlm_count == 6);
    /* a classifier refuses MLM targets */
    nn_config cl = tiny;
    cl.arch = NN_ARCH_TRANSFORMER;
    cl.nclass = 4;
    nn_model_f32 *b = nn_model_create_f32(&cl, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(nn_set_mlm_targets_f32(b, POS, LAB, NB) == 1);
    /* the checkpoint: arch mlm, decoder fc [V, D]; the classifier takes the encoder */
    snprintf(path, sizeof path, "/tmp/test_mlm_%d.safetensors", (int)getpid());
    CU_ASSERT_FATAL(nn_st_save(path, a, msg, sizeof msg) == 0);
    nn_config rc;
    CU_ASSERT(nn_st_config(path, &rc, msg, sizeof msg) == 0 && memcmp(&rc, &tiny, sizeof rc) == 0);
    const nn_tensor *fw = &a->tensors[a->ntensors - 2];
    CU_ASSERT(!strcmp(fw->name, "fc.weight") && fw->shape[0] == V && fw->shape[1] == D);
    CU_ASSERT(nn_st_load(path, b, NULL, msg, sizeof msg) != 0);
    CU_ASSERT(nn_st_load(path, b, "fc", msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(a->params, b->params, fw->off * sizeof(float)) == 0);
    remove(path);
    nn_model_free_f32(a);
    nn_model_free_f32(b);
}

static void test_bow(void)
{
    enum { NE = 8, LB = 6, VB = 12 };
    /* class = which of the words 5..7 the passage holds; 8..11 are noise, repeated */
    static const int32_t T[NE * LB] = {2, 5, 8, 8, 3, 0,  2, 9, 5, 3, 0, 0,  2, 6, 10, 6, 3, 0,
                                       2, 11, 6, 3, 0, 0, 2, 7, 9, 3, 0, 0,  2, 8, 7, 11, 3, 0,
                                       2, 5, 10, 11, 3, 0, 2, 4, 7, 1, 3, 0};
    static const uint8_t Yb[NE] = {0, 0, 1, 1, 2, 2, 0, 2};
    nn_dataset d = {NE, 1, 1, LB, 3, NULL, (uint8_t *)Yb, (int32_t *)T};
    char msg[200];
    nn_bow b;
    CU_ASSERT_FATAL(nn_bow_fit(&d, VB, 1e-2, 2000, &b, msg, sizeof msg) == 0);
    const size_t P = 3 * (VB + 1);
    double g[3 * (VB + 1)], g0[3 * (VB + 1)], w0[3 * (VB + 1)];
    double f = nn_bow_objective(&b, &d, 1e-2, g);
    double n = 0;
    for (size_t j = 0; j < P; j++) n += g[j] * g[j];
    memcpy(w0, b.w, sizeof w0);
    memset(b.w, 0, sizeof w0);
    nn_bow_objective(&b, &d, 1e-2, g0);
    double n0 = 0;
    for (size_t j = 0; j < P; j++) n0 += g0[j] * g0[j];
    CU_ASSERT(sqrt(n) <= 1e-6 * sqrt(n0) && f < log(3.0));
    memcpy(b.w, w0, sizeof w0);
    CU_ASSERT(nn_bow_accuracy(&b, &d) == 1.0);
    /* specials (ids < 5) and repeats: features of passage 7 are {7} only */
    for (int k = 0; k < 3; k++) CU_ASSERT(b.w[k * (VB + 1) + 4] == 0 && b.w[k * (VB + 1) + 1] == 0);
    /* gradient against central differences at another point */
    for (size_t j = 0; j < P; j++) b.w[j] = 0.3 * sin(1.3 * j + 0.1);
    nn_bow_objective(&b, &d, 0.05, g);
    double e = 0, mg = 0;
    for (size_t j = 0; j < P; j++) {
        double keep = b.w[j], h = 1e-5;
        b.w[j] = keep + h;
        double a = nn_bow_objective(&b, &d, 0.05, NULL);
        b.w[j] = keep - h;
        double c = nn_bow_objective(&b, &d, 0.05, NULL);
        b.w[j] = keep;
        e = fmax(e, fabs((a - c) / (2 * h) - g[j]));
        mg = fmax(mg, fabs(g[j]));
    }
    CU_ASSERT(e <= 1e-7 * (1 + mg) && mg > 1e-3);
    nn_bow_free(&b);
    nn_dataset img = d;
    img.tokens = NULL;
    CU_ASSERT(nn_bow_fit(&img, VB, 1e-2, 10, &b, msg, sizeof msg) == 1 && strstr(msg, "token data set"));
}

void text_suite_mlm(void)
{
    CU_pSuite s = CU_add_suite("text_mlm", NULL, NULL);
    CU_add_test(s, "split by text: handmade corpus (counts, seeds, errors)", test_split_handmade);
    CU_add_test(s, "split by text: the brown-* sets on the real corpus", test_split_real);
    CU_add_test(s, "masking recipe: 15%, 80/10/10, uniform positions, determinism", test_mask_recipe);
    CU_add_test(s, "MLM model (GELU): loss by hand, gradient and HVP vs central differences", test_mlm_gelu);
    CU_add_test(s, "MLM model (ReLU): the same", test_mlm_relu);
    CU_add_test(s, "MLM targets and configuration refused; checkpoint into a classifier", test_mlm_errors_checkpoint);
    CU_add_test(s, "bag of words: gradient, stationary fit, separable toy set", test_bow);
}
