/* The yardstick for `athbench gossip`: one thread writes a SIZE-byte
 * message to PEERS plain TCP connections on 127.0.0.1 (no encryption, no
 * framing) and each receiving thread reads it whole; the time from the first
 * write until every receiver has it, best of ROUNDS after one warm-up.
 *
 *   loopback_fanout SIZE PEERS ROUNDS
 *
 * Prints `loopback size=... peers=... best_ms=... mb_per_s=...`. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t size;
static int rounds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done_count;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *receiver(void *arg) {
    int fd = *(int *)arg;
    char *buf = malloc(1 << 16);
    for (int r = 0; r <= rounds; r++) {
        size_t got = 0;
        while (got < size) {
            ssize_t n = read(fd, buf, (size - got) < (1 << 16) ? (size - got) : (1 << 16));
            if (n <= 0) { perror("read"); exit(1); }
            got += (size_t)n;
        }
        pthread_mutex_lock(&lock);
        done_count++;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s SIZE PEERS ROUNDS\n", argv[0]); return 2; }
    size = strtoul(argv[1], NULL, 10);
    int peers = atoi(argv[2]);
    rounds = atoi(argv[3]);
    if (size == 0 || peers <= 0 || peers > 64 || rounds <= 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 64)) { perror("listen"); return 1; }
    socklen_t len = sizeof addr;
    getsockname(listener, (struct sockaddr *)&addr, &len);
    int out[64], in[64];
    pthread_t threads[64];
    int one = 1;
    for (int i = 0; i < peers; i++) {
        out[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(out[i], (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); return 1; }
        setsockopt(out[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        in[i] = accept(listener, NULL, NULL);
        pthread_create(&threads[i], NULL, receiver, &in[i]);
    }
    char *message = malloc(size);
    for (size_t i = 0; i < size; i++) message[i] = (char)(i * 131 + 17);
    double best = 1e30;
    for (int r = 0; r <= rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < peers; i++) {
            size_t sent = 0;
            while (sent < size) {
                ssize_t n = write(out[i], message + sent, size - sent);
                if (n <= 0) { perror("write"); return 1; }
                sent += (size_t)n;
            }
        }
        pthread_mutex_lock(&lock);
        while (done_count < (r + 1) * peers) pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        double ns = now_ns() - t0;
        if (r > 0 && ns < best) best = ns;
    }
    for (int i = 0; i < peers; i++) pthread_join(threads[i], NULL);
    printf("loopback size=%zu peers=%d rounds=%d best_ms=%.2f mb_per_s=%.1f\n", size, peers, rounds, best / 1e6,
           (double)size * peers / best * 1e3);
    return 0;
}
