/* claim_kinds.c - the one table of ledger row kinds (issue 10: what a verdict means).
 *
 * Every row of the claims ledger (data/claims.tsv) carries a kind, and the kind
 * comes from this table only: nso_ledger_put() looks the id up here and refuses
 * (NSO_EINVAL) an id that is not registered, so a program that writes a new row
 * fails until its id is added below.  Kinds:
 *   claim       a paper statement tested as written, on the paper's instance or a
 *               faithful one
 *   analog      the paper's statement on a substitute setting (smaller model, other
 *               data, synthetic objective, changed protocol)
 *   erratum     a slip in the paper's text; verdict "holds" means the paper is wrong
 *               (or, for a harmless slip, that the corrected form is the one that holds)
 *   supplement  our own question, extrapolated from the paper's text (the row's paper
 *               column quotes the text)
 *   sanity      true by construction: it checks the code, not the paper
 *   info        no pass/fail meaning (the verdict only says the number was measured)
 *
 * Lookup: the first entry whose pattern matches the whole id (fnmatch(3), '*' matches
 * any characters including dots) wins, so exact ids come before patterns.  Patterns
 * are used only for families whose members a command-line flag chooses.
 *
 * Not an algorithm file: no paper equation lives here. */
#include "io.h"
#include <fnmatch.h>
#include <string.h>

typedef struct {
    const char *pattern, *kind, *why;
} kind_entry;

static const kind_entry KINDS[] = {
    /* ---- Prop. 2.1 and Table 2 (proofs_check/taylor_gap.c, nn/tools/nn_table2.c) ---- */
    {"prop2.1.quadratic_exact", "sanity",
     "the two-point estimate of F - f has a zero per-draw remainder on a quadratic, so the row checks the estimator "
     "and the noise laws' second moments, not Prop. 2.1"},
    {"prop2.1.remainder_order.*", "claim", "Prop. 2.1 eq. (1) on registry objectives that meet its assumptions"},
    {"table2.mlp_fashion.rel_residual", "analog",
     "Table 2's protocol on an MLP trained on Fashion-MNIST (the paper: MNIST MLP, BERT, GCN); sigma grid scaled by the "
     "trace, training subset"},
    {"table2.mlp_mnist.rel_residual", "analog",
     "Table 2's MNIST MLP column, but with the sigma grid scaled by the trace (not the paper's 0.020-0.030), a training "
     "subset and fewer epochs than 'training loss close to zero'"},
    {"table2.resnet.rel_residual", "analog",
     "Table 2's protocol on a ResNet-8 on Fashion-MNIST (not in the paper's table); sigma grid scaled by the trace, "
     "measurement subset"},
    {"table2.mlp_fashion.rel_residual.paper_grid", "analog",
     "the mlp_fashion row on the paper's own MLP sigma grid 0.020-0.030 (Fashion-MNIST, training subset)"},
    {"table2.mlp_mnist.rel_residual.paper_grid", "analog",
     "Table 2's MNIST MLP column on its own sigma grid 0.020-0.030, but a training subset and fewer epochs than "
     "'training loss close to zero'"},
    {"table2.resnet.rel_residual.paper_grid", "analog",
     "the resnet row on the paper's MLP sigma grid 0.020-0.030 (the paper has no ResNet column)"},
    {"table2.mlp_mnist_fc2.rel_residual", "supplement",
     "control for our explanation of the failing ReLU rows: only the last layer perturbed, where the loss is smooth "
     "(no kink of ReLU is crossed)"},
    {"table2.mlp_mnist_softplus.rel_residual", "supplement",
     "control for our explanation of the failing ReLU rows: the same MLP with softplus (no kinks)"},
    {"table2.mlp_fashion.kink_term", "supplement",
     "our explanation of the failing ReLU rows, measured: the Taylor term plus the kink term the Hessian misses"},
    {"table2.mlp_mnist.kink_term", "supplement",
     "our explanation of the failing ReLU rows, measured: the Taylor term plus the kink term the Hessian misses"},
    {"table2.mlp_fashion.sign_flips", "sanity",
     "the perturbation of a pre-activation is exactly Gaussian, so the measured sign-change fraction must equal its "
     "prediction: checks the counting code"},
    {"table2.mlp_mnist.sign_flips", "sanity",
     "the perturbation of a pre-activation is exactly Gaussian, so the measured sign-change fraction must equal its "
     "prediction: checks the counting code"},
    {"table2.mlp_mnist.trajectory", "supplement",
     "our observation behind the failing ReLU rows: the deviation from the Taylor term along training"},
    {"table2.mlp_mnist.trajectory_kink", "supplement",
     "our explanation of the failing ReLU rows along training: the Taylor term plus the kink term at every checkpoint"},
    {"table2.gcn.rel_residual", "analog",
     "Table 2's COLLAB GCN column (two graph convolutions of width 128, ReLU, mean pool, 100 epochs from random "
     "initialisation) on a generated stand-in for COLLAB (3 igraph families, degree features: nn/tools/nn_graphs.c); "
     "sigma grid scaled by the trace, training subset"},
    {"table2.gcn_smooth.rel_residual", "analog",
     "the gcn row's network with softplus instead of ReLU (no kinks), on the same stand-in for COLLAB: the control of "
     "our kink explanation on a graph network"},
    {"table2.transformer.rel_residual", "analog",
     "a mini-BERT (2 layers, width 32, GELU) MLM-pretrained on the Brown corpus and fine-tuned on the genres of "
     "held-out texts stands in for BERT-Base fine-tuned on MRPC; sigma grid scaled by the trace, measurement subset"},
    {"table2.transformer_relu.rel_residual", "analog",
     "the mini-BERT of table2.transformer with ReLU instead of GELU (the control for ReLU kinks; the paper's BERT "
     "uses GELU); sigma grid scaled by the trace, measurement subset"},
    {"table2.gcn.rel_residual.paper_grid", "analog",
     "table2.gcn.rel_residual on the paper's own COLLAB-column sigma grid (0.040-0.050)"},
    {"table2.gcn_smooth.rel_residual.paper_grid", "analog",
     "table2.gcn_smooth.rel_residual on the paper's own COLLAB-column sigma grid (0.040-0.050)"},
    {"table2.transformer.rel_residual.paper_grid", "analog",
     "table2.transformer.rel_residual on the paper's own BERT-column sigma grid (0.0070-0.0080)"},
    {"table2.transformer_relu.rel_residual.paper_grid", "analog",
     "table2.transformer_relu.rel_residual on the paper's own BERT-column sigma grid (0.0070-0.0080)"},
    {"table2.transformer.text", "info",
     "what the mini-BERT learned (pretraining loss, fine-tuned vs bag-of-words accuracy); no pass/fail meaning"},
    {"table2.*.rel_residual", "analog",
     "Table 2's protocol on a synthetic objective (the paper measures networks), with the two-point (antithetic) gap "
     "where the paper uses the one-point gap"},
    {"table2.*.rel_residual.one_point", "analog",
     "Table 2's protocol (one-point gap f(W+U) - f(W), as the paper) on a synthetic objective at the registry's "
     "initial point, which is not a trained minimum"},
    /* ---- Lemma 4.4 (proofs_check/nso_variance.c) ---- */
    {"lemma4.4.xi", "sanity",
     "the paired oracle gives W+U and W-U the same noise draw, so xi is the mean of k iid draws and k E||xi||^2 = "
     "sigma^2 by construction"},
    {"lemma4.4.xi.independent", "claim",
     "Lemma 4.4's xi half with an oracle whose noise is not shared between W+U and W-U"},
    {"lemma4.4.delta", "claim", "Lemma 4.4's delta half on sepcos (smooth, C known) under four symmetric laws"},
    {"nso.variance_vs_wp", "supplement",
     "the paper motivates the negative point by cancelling the first-order term (Sec. 1); it does not state a "
     "variance comparison"},
    /* ---- Theorem 4.3 (proofs_check/upper_bound.c) ---- */
    {"thm4.3.upper_holds", "claim", "eq. (6) on the registry problem with an additive oracle"},
    {"thm4.3.rate_T", "claim", "the T^{-1/2} rate of eq. (6)"},
    {"thm4.3.rate_k", "claim", "the k^{-1/2} factor of eq. (6)"},
    {"thm4.3.tightness", "info", "how far below eq. (6) the measurement sits; no pass/fail meaning"},
    {"thm4.3.upper_holds.laws", "claim",
     "eq. (6) under every symmetric law of lib/noise.h (the theorem allows any P symmetric at zero)"},
    {"thm4.3.rate_T.laws", "claim", "the T^{-1/2} rate of eq. (6) under every symmetric law"},
    /* ---- Lemma A.5 (proofs_check/lemma_a5.c) ---- */
    {"lemmaA5.trace_rate", "analog",
     "Lemma A.5's uniform convergence (through the trace, eq. 17) on matrix sensing along a data-dependent GD path, "
     "not in Theorem 2.2's fine-tuning setting"},
    {"lemmaA5.frobenius_rate", "analog",
     "Lemma A.5's eq. (13) (Frobenius norm) on matrix sensing along a data-dependent GD path, not in Theorem 2.2's "
     "fine-tuning setting"},
    /* ---- Lemma B.1 (proofs_check/lemma_b1.c) ---- */
    {"lemmaB1.eq29_schedules", "claim",
     "eq. (29) with non-constant steps and its random-iterate rule on Theorem 4.3's noisy instance"},
    {"lemmaB1.random_iterate", "sanity",
     "the sampled t ~ eta_t estimates the eta-weighted average by construction of the sampler: it checks the code"},
    /* ---- Theorem 4.5, Lemmas B.2/B.3 (proofs_check/lower_bound.c, upper_bound.c) ---- */
    {"thm4.5.lipschitz", "claim", "the construction's h_i and g have C-Lipschitz derivatives, as the paper says"},
    {"thm4.5.init_gap", "sanity",
     "the step schedule is chosen on the boundary of Lemma B.2's condition, so F(W_0) - min F = D^2 (ratio 1) by design"},
    {"thm4.5.init_gap.B3", "claim", "Lemma B.3's instance as written must satisfy Assumption 4.2"},
    {"thm4.5.dynamics_eq42", "claim", "eq. (42): the construction's coordinates 1.. never feel a gradient"},
    {"thm4.5.lower_holds.B2", "claim", "Lemma B.2's bound on its construction"},
    {"thm4.5.lower_holds.B3", "claim", "Lemma B.3's bound on its construction"},
    {"thm4.5.sandwich_ratio", "claim", "Theorems 4.3 and 4.5 together: the rates match"},
    {"thm4.5.adaptive.lower_holds", "claim",
     "the remark after Theorem 4.5 (adaptive steps chosen from past iterates) on its construction, with AdaGrad-norm"},
    {"thm4.5.adaptive.dynamics_eq42", "claim",
     "the remark's mechanism: eq. (42) with widths set online from the adaptive steps"},
    /* ---- App. B.3 momentum (proofs_check/momentum.c) ---- */
    {"lemmaB5.closed_form", "claim", "Lemma B.5's closed form (with the proof's C^2) against the exact recursion"},
    {"lemmaB6.lower_holds", "claim", "Lemma B.6 on its quadratic"},
    {"lemmaB7.lower_holds", "claim", "Lemma B.7 on its two quadratics"},
    {"thmB4.rate", "claim", "Theorem B.4's T^{-1/2} rate, judged on the asymptotic local slope"},
    {"thmB4.constant", "supplement",
     "our explanation of Theorem B.4's hidden constant: its dependence on mu through the effective step eta/(1-mu)"},
    {"thmB4.rate.kappa_scaled", "supplement", "our repair of eq. (50): kappa from the effective step eta/(1-mu)"},
    /* ---- errata (proofs_check/ programs): the prefix is the kind ---- */
    {"errata.*", "erratum", "a slip in the paper's text, checked numerically; holds = the paper's form is wrong"},
    /* ---- matrix sensing (sim/sensing_report.c, sim/sensing_prop23.c) ---- */
    {"fig3.gd_overfits", "claim", "Sec. 3.1 on the paper's instance (d = 100, r = 5)"},
    {"fig3.all_interpolate", "claim", "Sec. 3.1 / Fig. 3a on the paper's instance"},
    {"fig3.nso_lowest_val", "claim", "Sec. 3.1 / Fig. 3b on the paper's instance, at its fixed 10,000-step budget"},
    {"fig3.nso_lower_trace", "supplement",
     "Fig. 3 shows losses only; the trace ordering extrapolates Sec. 3's 'this improvement can be explained by the "
     "regularization of the Hessian'"},
    {"fig3.extended_grid", "supplement", "Fig. 3 on a sigma grid beyond the paper's"},
    {"fig3.mechanism_k", "supplement",
     "our test of our explanation of fig3.nso_lowest_val (WP-GD averaging k one-point draws); the paper gives none"},
    {"fig3.mechanism_iso", "supplement",
     "our test of our explanation of fig3.nso_lowest_val (NSO plus isotropic noise of WP-GD's variance)"},
    {"fig3.long_horizon", "supplement",
     "Fig. 3b's ordering at the end state (validation plateau or 10x the steps) instead of the paper's fixed budget"},
    {"fig3.long_horizon_ext", "supplement",
     "Fig. 3b's ordering at the end state, each method at the sigma chosen on our extended grid"},
    {"fig3.ext_trace_order", "supplement",
     "fig3.nso_lower_trace's question on our extended sigma grid (the paper's Fig. 3 shows losses only)"},
    {"prop2.3.trace", "claim", "Prop. 2.3 on matrix sensing at several m"},
    {"prop2.3.trace_hard", "claim",
     "Prop. 2.3 against the hardest interpolating solutions we can construct (small initialisation, trace-penalised "
     "search), at the m of prop2.3.trace"},
    {"prop2.3.trace_low_m", "supplement",
     "our question: below which m does an interpolating W with a smaller trace than U* exist (the proof's appeal to "
     "Recht et al. needs enough measurements; the statement names no threshold)"},
    {"prop2.3.lambda1", "claim", "Sec. 2.1.1's 'a similar statement holds' for lambda_1"},
    /* ---- fine-tuning (ft/tools/ft_report.c): the paper's claims on a scaled-down substitute
     * (ResNet-8 pretrained on Fashion-MNIST 0-4, three small tasks, CPU budgets) ---- */
    {"table1.wp_vs_sgd", "analog", "Table 1 on the scaled-down fine-tuning substitute"},
    {"table1.laws_agree", "analog", "Table 1 on the scaled-down fine-tuning substitute"},
    {"table1.binomial_collapse", "analog", "Table 1 on the scaled-down fine-tuning substitute"},
    {"table1.centred_binomial_ok", "supplement", "our hypothesis for Table 1's binomial collapse (its mean 2 sigma)"},
    {"table3.*.nso_vs_best", "analog", "Table 3 on the scaled-down fine-tuning substitute, one task"},
    {"table3.accuracy_gain", "analog", "Table 3 on the scaled-down fine-tuning substitute"},
    {"table3.trace_reduction", "analog", "Table 3 on the scaled-down fine-tuning substitute"},
    {"table3.lambda1_reduction", "analog", "Table 3 / Fig. 5 on the scaled-down fine-tuning substitute"},
    {"fig2.gap_reduction", "analog", "Fig. 2 / Sec. 2.2 on the scaled-down fine-tuning substitute"},
    {"fig2.text.gap_reduction", "analog",
     "Fig. 2's text panel: the MLM-pretrained mini-BERT (2 layers, width 32) fine-tuned on the genres of held-out "
     "Brown texts stands in for the paper's text model"},
    {"ablation.negative", "analog", "Sec. 3.2's ablation on the scaled-down fine-tuning substitute"},
    {"ablation.k2", "analog", "Sec. 3.2's ablation on the scaled-down fine-tuning substitute"},
    {"ablation.k3plus", "analog", "Sec. 3.2's ablation on the scaled-down fine-tuning substitute"},
    {"fig4.combo_trace", "analog", "Fig. 4 on the scaled-down fine-tuning substitute"},
    {"fig4.combo_loss", "analog", "Fig. 4 on the scaled-down fine-tuning substitute"},
    {"thm2.2.bound_holds", "analog",
     "the computable part of eq. (3) (constants from eqs. 20-21) on the scaled-down fine-tuned models"},
    {"thm2.2.ranking", "analog", "Thm 2.2's leading term on the scaled-down fine-tuned models"},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static const char *const VALID[] = {"claim", "analog", "erratum", "supplement", "sanity", "info"};

const char *nso_claim_kind(const char *id, const char **why)
{
    if (why) *why = NULL;
    if (!id || !*id) return NULL;
    for (size_t i = 0; i < NKINDS; i++)
        if (fnmatch(KINDS[i].pattern, id, 0) == 0) {
            if (why) *why = KINDS[i].why;
            return KINDS[i].kind;
        }
    return NULL;
}

int nso_claim_kind_valid(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof VALID / sizeof VALID[0]; i++)
        if (strcmp(kind, VALID[i]) == 0) return 1;
    return 0;
}

size_t nso_claim_kind_entries(void) { return NKINDS; }

const char *nso_claim_kind_entry(size_t i, const char **pattern, const char **why)
{
    if (i >= NKINDS) return NULL;
    if (pattern) *pattern = KINDS[i].pattern;
    if (why) *why = KINDS[i].why;
    return KINDS[i].kind;
}
