/* nn_graphs.c - generate the GCN's graph-classification data set (issue 9,
 * graphs; the stand-in for COLLAB, paper Table 2 / App. C) with igraph's C
 * library, and write it as the validated file of nn/graphs.h.
 *
 * COLLAB (TUDataset: 5,000 ego-networks of researchers, 32-492 nodes, 3
 * classes by field, no node attributes) cannot be downloaded here.  This set
 * has the same task shape: --graphs graphs of --min-nodes..--max-nodes nodes,
 * 3 classes, no node attributes (the engine uses degree features), one
 * generative family per class, whose mean degrees overlap by construction:
 *   target mean degree k ~ U(3, 10) for every graph, whatever its class;
 *   0 stochastic block model: 2-4 blocks of near-equal size, p_out = r p_in
 *     with r ~ U(0.02, 0.25), p_in set so the expected mean degree is k;
 *   1 preferential attachment (Barabasi-Albert, psumtree): round(k / 2)
 *     edges per new node (1..5), attachment power ~ U(0.5, 1.5);
 *   2 small world (Watts-Strogatz ring): round(k / 2) neighbours on each
 *     side (1..5), rewiring probability ~ U(0.02, 0.25);
 * node counts ~ U{min..max}, labels i mod 3 (balanced), loops and multiple
 * edges removed.  All randomness is igraph's default RNG, seeded explicitly
 * with --seed (igraph_rng_seed), so the file is a function of the flags.
 *
 * Usage: nn_graphs --out data/cache/graphs/graphs.bin [--seed 1 --graphs 3000]
 * (make graph-data). */
#include "cli.h"
#include "graphs.h"
#include "io.h"
#include "nso_error.h"
#include <igraph.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *out = "";
static uint64_t seed = 1;
static long ngraphs = 3000, nmin = 30, nmax = 150;

static int cmp_edge(const void *a, const void *b)
{
    const uint16_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
}

static void check(igraph_error_t e, const char *what)
{
    if (e != IGRAPH_SUCCESS) nso_die("igraph: %s failed (%s)", what, igraph_strerror(e));
}

/* one graph of class c with n nodes and target mean degree k */
static void generate(igraph_t *G, int c, int n, double k)
{
    if (c == 0) {
        int B = (int)igraph_rng_get_integer(igraph_rng_default(), 2, 4);
        double r = igraph_rng_get_unif(igraph_rng_default(), 0.02, 0.25);
        igraph_vector_int_t sizes;
        igraph_vector_int_init(&sizes, B);
        for (int b = 0; b < B; b++) VECTOR(sizes)[b] = n / B + (b < n % B);
        double s = (double)n / B;
        double pin = fmin(1.0, k / ((s - 1) + r * (n - s))), pout = r * pin;
        igraph_matrix_t P;
        igraph_matrix_init(&P, B, B);
        for (int i = 0; i < B; i++)
            for (int j = 0; j < B; j++) MATRIX(P, i, j) = i == j ? pin : pout;
        check(igraph_sbm_game(G, n, &P, &sizes, 0, 0), "igraph_sbm_game");
        igraph_matrix_destroy(&P);
        igraph_vector_int_destroy(&sizes);
    } else if (c == 1) {
        int m = (int)lround(k / 2);
        m = m < 1 ? 1 : m > 5 ? 5 : m;
        double power = igraph_rng_get_unif(igraph_rng_default(), 0.5, 1.5);
        check(igraph_barabasi_game(G, n, power, m, NULL, 0, 1.0, 0, IGRAPH_BARABASI_PSUMTREE, NULL),
              "igraph_barabasi_game");
    } else {
        int nei = (int)lround(k / 2);
        nei = nei < 1 ? 1 : nei > 5 ? 5 : nei;
        double p = igraph_rng_get_unif(igraph_rng_default(), 0.02, 0.25);
        check(igraph_watts_strogatz_game(G, 1, n, nei, p, 0, 0), "igraph_watts_strogatz_game");
    }
    check(igraph_simplify(G, 1, 1, NULL), "igraph_simplify");
}

int main(int argc, char **argv)
{
    nso_set_progname("nn_graphs");
    nso_arg_spec specs[] = {
        {"out", NSO_ARG_STRING, &out, 0, 0, "output file (nn/graphs.h format)"},
        {"seed", NSO_ARG_U64, &seed, 0, 4294967295.0, "seed of igraph's default RNG"},
        {"graphs", NSO_ARG_INT, &ngraphs, 3, NN_GRAPH_MAX_GRAPHS, "number of graphs (labels i mod 3)"},
        {"min-nodes", NSO_ARG_INT, &nmin, 12, 1000, "smallest node count"},
        {"max-nodes", NSO_ARG_INT, &nmax, 12, 1000, "largest node count"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_graphs: generate the GCN's 3-class graph data set (stochastic block model,\n"
                  "preferential attachment, small world; overlapping mean degrees) with igraph.");
    if (!*out) nso_die("--out: an output path is required");
    if (nmin > nmax) nso_die("--min-nodes: %ld exceeds --max-nodes %ld", nmin, nmax);
    nso_check_writable("out", out);
    igraph_rng_seed(igraph_rng_default(), (igraph_uint_t)seed);
    nn_graphset g = {(int)ngraphs, 3, (int)nmax, seed, malloc((size_t)ngraphs), malloc(sizeof(int) * ngraphs),
                     malloc(sizeof(size_t) * (ngraphs + 1)), NULL};
    size_t cap = 1 << 16, ne = 0;
    g.edge = malloc(2 * cap * sizeof(uint16_t));
    igraph_vector_int_t el;
    igraph_vector_int_init(&el, 0);
    for (long i = 0; i < ngraphs; i++) {
        int c = (int)(i % 3);
        int n = (int)igraph_rng_get_integer(igraph_rng_default(), nmin, nmax);
        double k = igraph_rng_get_unif(igraph_rng_default(), 3, 10);
        igraph_t G;
        generate(&G, c, n, k);
        check(igraph_get_edgelist(&G, &el, 0), "igraph_get_edgelist");
        size_t m = (size_t)igraph_vector_int_size(&el) / 2;
        while (ne + m > cap) {
            cap *= 2;
            g.edge = realloc(g.edge, 2 * cap * sizeof(uint16_t));
            if (!g.edge) nso_die("out of memory");
        }
        uint16_t *e = g.edge + 2 * ne;
        for (size_t j = 0; j < m; j++) {
            igraph_integer_t a = VECTOR(el)[2 * j], b = VECTOR(el)[2 * j + 1];
            e[2 * j] = (uint16_t)(a < b ? a : b);
            e[2 * j + 1] = (uint16_t)(a < b ? b : a);
        }
        qsort(e, m, 2 * sizeof(uint16_t), cmp_edge);
        g.label[i] = (uint8_t)c;
        g.nodes[i] = n;
        g.eoff[i] = ne;
        ne += m;
        igraph_destroy(&G);
    }
    g.eoff[ngraphs] = ne;
    igraph_vector_int_destroy(&el);
    char msg[512];
    if (nn_graphs_write(out, &g, msg, sizeof msg)) nso_die("--out: %s", msg);
    printf("wrote %s: %ld graphs, %zu edges (seed %llu)\n", out, ngraphs, ne, (unsigned long long)seed);
    nn_graphset_free(&g);
    return 0;
}
