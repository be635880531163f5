/* Yardstick for `athbench secp256k1-recover`: the same recoveries as a plain
 * C loop over libsecp256k1 (parse the compact recoverable signature, recover,
 * serialize the public key uncompressed), on the inputs athbench wrote.
 *
 *   secp256k1_recover FILE N    FILE: N records of hash(32) r(32) s(32) recid(1)
 *
 * Prints one line in athbench's format: best of REPETITIONS passes after a
 * warm-up, and the same check value athbench prints, to show equal work. */
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

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: secp256k1_recover FILE N\n"); return 2; }
    long n = atol(argv[2]);
    if (n <= 0) { fprintf(stderr, "secp256k1_recover: N must be positive\n"); return 2; }
    unsigned char *in = malloc((size_t)n * RECORD), *out = malloc((size_t)n * 65);
    FILE *f = fopen(argv[1], "rb");
    if (!in || !out || !f || fread(in, RECORD, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "secp256k1_recover: cannot read %ld inputs from %s\n", n, argv[1]);
        return 1;
    }
    fclose(f);
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);

    pass(ctx, in, out, n);
    double best = 1e300;
    for (int r = 0; r < REPETITIONS; r++) {
        double start = now_ns();
        pass(ctx, in, out, n);
        double elapsed = now_ns() - start;
        if (elapsed < best) best = elapsed;
    }
    uint64_t check = 0;
    for (long i = 0; i < n; i++) check = check * 31 + out[i * 65 + 1] + out[i * 65 + 64];
    printf("secp256k1-recover-c n=%ld ns_per_op=%.0f check=%llu\n", n, best / (double)n, (unsigned long long)check);
    secp256k1_context_destroy(ctx);
    free(in);
    free(out);
    return 0;
}
