/* graphs.h - the graph-classification data set of the GCN (issue 9, graphs):
 * a validated binary file of labelled undirected graphs, and its conversion
 * to model input records (nn.h, nn_gcn_record_size).
 *
 * The graphs are generated once by nn_graphs (nn/tools/nn_graphs.c, igraph's
 * C library; `make graph-data`), which writes this file; everything else
 * reads the file (only the generator links igraph).  A file rather than
 * generation at load time: the data set is then a fixed input that the
 * loader validates and that is fuzzed like the other loaders, and the
 * engine does not depend on igraph.
 *
 * Format (little-endian): "NNGRAPH1", u64 generator seed, u32 graphs,
 * u16 classes (2..255), u16 largest node count N (1..NN_GCN_MAX_NODES);
 * then per graph: u8 label (< classes), u16 nodes n (1..N; 0 is an empty
 * graph, refused), u32 edges m (<= n (n - 1) / 2), m pairs (u16 u, u16 v)
 * with u < v < n in strictly increasing (u, v) order (no self-loops, no
 * duplicates); no trailing bytes.
 *
 * Node features: the engine computes them from the degrees (nn.h,
 * NN_GCN_FEATURES; as COLLAB, the graphs carry no node attributes).
 *
 * Every function returns NN_DATA_OK or an error with a one-line message
 * naming the file; it never crashes on malformed input (fuzzed). */
#ifndef NN_GRAPHS_H
#define NN_GRAPHS_H
#include "dataset.h"
#include <stddef.h>
#include <stdint.h>

#define NN_GRAPH_MAGIC "NNGRAPH1"
#define NN_GRAPH_MAX_GRAPHS 1000000
/* the file's name under a cache directory (make graph-data) */
#define NN_GRAPH_FILE "graphs/graphs.bin"

typedef struct {
    int n, nclass, max_nodes;
    uint64_t seed;
    uint8_t *label;   /* n */
    int *nodes;       /* n */
    size_t *eoff;     /* n + 1 offsets into edge */
    uint16_t *edge;   /* 2 x edges: u, v */
} nn_graphset;

int nn_graphs_parse(const uint8_t *buf, size_t len, const char *what, nn_graphset *g, char *err, size_t errlen);
int nn_graphs_load(const char *path, nn_graphset *g, char *err, size_t errlen);
/* write g atomically (temporary + rename); g must be valid */
int nn_graphs_write(const char *path, const nn_graphset *g, char *err, size_t errlen);
void nn_graphset_free(nn_graphset *g);
/* the data set of model input records (nn.h: integers, held in d->tokens):
 * c = 1, h = N (the file's largest node count), h w = the record size
 * 3 + N + E, E >= the largest 2 m (rounded up so that N divides the size).
 * The model of such a set: in_c = NN_GCN_FEATURES, in_h = h, in_w = h w - 3 - h. */
int nn_graphs_dataset(const nn_graphset *g, const char *what, nn_dataset *d, char *err, size_t errlen);

#endif
