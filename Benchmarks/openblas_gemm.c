/* The yardstick for `athbench gemm`: a plain C program calling OpenBLAS
 * cblas_dgemm on N×N float64 matrices holding int8 values (as the worker's
 * CPU backend does), best of three.
 *
 *   openblas_gemm N
 *
 * Prints `openblas n=... ms=... gflops=...`. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s N\n", argv[0]); return 2; }
    int n = atoi(argv[1]);
    if (n <= 0 || n > 16384) { fprintf(stderr, "bad N\n"); return 2; }
    size_t count = (size_t)n * n;
    double *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b), *c = malloc(count * sizeof *c);
    if (!a || !b || !c) { fprintf(stderr, "out of memory\n"); return 1; }
    unsigned x = 12345;
    for (size_t i = 0; i < count; i++) {
        x = x * 1103515245u + 12345u; a[i] = (double)(signed char)(x >> 16);
        x = x * 1103515245u + 12345u; b[i] = (double)(signed char)(x >> 16);
    }
    double best = 1e300;
    for (int r = 0; r < 3; r++) {
        double t = now_ns();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        double d = now_ns() - t;
        if (d < best) best = d;
    }
    printf("openblas n=%d ms=%.2f gflops=%.1f check=%.0f\n", n, best / 1e6, 2.0 * n * n * (double)n / best, c[count / 2]);
    free(a); free(b); free(c);
    return 0;
}
