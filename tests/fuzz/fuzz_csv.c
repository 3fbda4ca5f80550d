/* fuzz_csv.c - libFuzzer target for the one CSV reader of lib/io.h
 * (nso_table_read_stream: header, column names, field counts, numbers, text
 * columns, row count) and for nso_params_get on the '# params:' record.
 * The first input byte chooses the reader's options. */
#define _POSIX_C_SOURCE 200809L
#include "io.h"
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char *cols[4] = {NULL, "step,train_relmse,val_relmse,test_relmse,dist,loss", "m,point,a", "a,b"};
    static const char *text[4] = {NULL, NULL, "point", "b"};
    nso_table_opts o = {cols[data[0] & 3], text[(data[0] >> 2) & 3], (size_t)(data[0] >> 4)};
    if (o.text_cols && !o.columns) o.text_cols = NULL;
    FILE *f = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : NULL;
    if (!f) return 0;
    char msg[512];
    nso_table *t = nso_table_read_stream(f, "fuzz.csv", &o, msg, sizeof msg);
    fclose(f);
    if (t) {
        volatile double s = 0;
        for (size_t i = 0; i < t->nrows * t->ncols; i++) s += t->v[i];
        for (size_t r = 0; r < t->nrows; r++)
            for (size_t c = 0; c < t->ncols; c++) {
                const char *x = NSO_TEXT(t, r, c);
                if (x) s += x[0];
            }
        const char *p = nso_table_meta(t, "params");
        char v[64];
        if (p) {
            nso_params_get(p, "steps", v, sizeof v);
            nso_params_get(p, "k", v, sizeof v);
        }
        nso_table_col(t, "step");
        nso_table_free(t);
    }
    return 0;
}
