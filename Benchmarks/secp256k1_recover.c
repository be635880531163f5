/* Yardstick for `athbench secp256k1-recover`: the same recoveries as a plain
 * C loop over libsecp256k1 (parse the compact recoverable signature, recover,
 * serialize the public key uncompressed), on the inputs athbench wrote.
 *
 *   secp256k1_recover FILE N [THREADS]   FILE: N records of hash(32) r(32) s(32) recid(1)
 *
 * With THREADS > 1 each pass splits the records into THREADS contiguous
 * shares recovered at once on as many threads (the multi-threaded yardstick).
 *
 * Prints one line in athbench's format: best of REPETITIONS passes after a
 * warm-up, and the same check value athbench prints, to show equal work. */
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RECORD 97
#define REPETITIONS 7

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void pass(const secp256k1_context *ctx, const unsigned char *in, unsigned char *out, long n) {
    for (long i = 0; i < n; i++) {
        const unsigned char *rec = in + i * RECORD;
        secp256k1_ecdsa_recoverable_signature sig;
        secp256k1_pubkey key;
        size_t len = 65;
        if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, rec + 32, rec[96]) ||
            !secp256k1_ecdsa_recover(ctx, &key, &sig, rec) ||
            !secp256k1_ec_pubkey_serialize(ctx, out + i * 65, &len, &key, SECP256K1_EC_UNCOMPRESSED)) {
            fprintf(stderr, "secp256k1_recover: input %ld failed\n", i);
            exit(1);
        }
    }
}

struct share { const secp256k1_context *ctx; const unsigned char *in; unsigned char *out; long n; };

static void *run_share(void *arg) {
    struct share *s = arg;
    pass(s->ctx, s->in, s->out, s->n);
    return NULL;
}

static void threaded_pass(const secp256k1_context *ctx, const unsigned char *in, unsigned char *out, long n, int threads) {
    if (threads <= 1) { pass(ctx, in, out, n); return; }
    pthread_t tid[64];
    struct share shares[64];
    long chunk = (n + threads - 1) / threads;
    for (int t = 0; t < threads; t++) {
        long lo = t * chunk, hi = lo + chunk > n ? n : lo + chunk;
        shares[t] = (struct share){ctx, in + lo * RECORD, out + lo * 65, hi > lo ? hi - lo : 0};
        pthread_create(&tid[t], NULL, run_share, &shares[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: secp256k1_recover FILE N [THREADS]\n"); return 2; }
    long n = atol(argv[2]);
    int threads = argc == 4 ? atoi(argv[3]) : 1;
    if (threads < 1 || threads > 64) { fprintf(stderr, "secp256k1_recover: THREADS must lie in 1...64\n"); return 2; }
    if (n <= 0) { fprintf(stderr, "secp256k1_recover: N must be positive\n"); return 2; }
    unsigned char *in = malloc((size_t)n * RECORD), *out = malloc((size_t)n * 65);
    FILE *f = fopen(argv[1], "rb");
    if (!in || !out || !f || fread(in, RECORD, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "secp256k1_recover: cannot read %ld inputs from %s\n", n, argv[1]);
        return 1;
    }
    fclose(f);
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);

    threaded_pass(ctx, in, out, n, threads);
    double best = 1e300;
    for (int r = 0; r < REPETITIONS; r++) {
        double start = now_ns();
        threaded_pass(ctx, in, out, n, threads);
        double elapsed = now_ns() - start;
        if (elapsed < best) best = elapsed;
    }
    uint64_t check = 0;
    for (long i = 0; i < n; i++) check = check * 31 + out[i * 65 + 1] + out[i * 65 + 64];
    printf("secp256k1-recover-c n=%ld threads=%d ns_per_op=%.0f check=%llu\n", n, threads, best / (double)n,
           (unsigned long long)check);
    secp256k1_context_destroy(ctx);
    free(in);
    free(out);
    return 0;
}
