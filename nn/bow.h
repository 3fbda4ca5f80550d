/* bow.h - the bag-of-words baseline of the text rows (issue 9): multinomial
 * logistic regression on the set of word ids of a passage (binary features,
 * [PAD]/[UNK]/[CLS]/[SEP]/[MASK] excluded, plus a bias), trained on a token
 * data set so a reader can see what the fine-tuned transformer adds.
 *
 * Objective: (1/n) sum_i -log softmax(W x_i + b)[y_i] + (l2/2) ||W||^2 (the
 * bias not penalised): convex; minimised by Nesterov's accelerated gradient
 * with step 1 / Lip, Lip = max_i (||x_i||^2 + 1) / 2 + l2 (a bound on the
 * Hessian's largest eigenvalue), for `iters` iterations from 0.
 * Deterministic (no randomness). */
#ifndef NN_BOW_H
#define NN_BOW_H
#include "dataset.h"

typedef struct {
    int V, K;  /* vocabulary (feature ids), classes */
    double *w; /* K x (V + 1): row k = weights of class k, then its bias */
} nn_bow;

/* fit on d (a token data set, ids < vocab); 0 or 1 with msg */
int nn_bow_fit(const nn_dataset *d, int vocab, double l2, int iters, nn_bow *out, char *msg, size_t len);
/* the objective and its gradient (g: K x (V + 1), may be NULL) at b's weights */
double nn_bow_objective(const nn_bow *b, const nn_dataset *d, double l2, double *g);
/* share of d's examples whose argmax class is their label */
double nn_bow_accuracy(const nn_bow *b, const nn_dataset *d);
void nn_bow_free(nn_bow *b);

#endif
