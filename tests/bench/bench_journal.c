/*
 * bench_journal — latency of wsl_state_append(): N appends (default 10,000) of a typical
 * record (an "action" of about 250 bytes), each durable before the next starts, one
 * process. Prints p50, p99, max and the total; figures, never a verdict (tests/bench/run).
 *
 *   bench_journal [DIR [N]]         the file backend in DIR (default build/bench/journal;
 *                                   emptied first), fdatasync per record
 *   bench_journal etcd://... [N]    an etcd cluster (any state spec works)
 */
#include "lib/log.h"
#include "orchestrator/state/state.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double ms(int64_t ns)
{
    return (double)ns / 1e6;
}

/* The p-th percentile of n sorted values, by nearest rank. */
static int64_t pct(const int64_t *sorted, long n, int p)
{
    long rank = (n * p + 99) / 100;
    return sorted[rank > 0 ? rank - 1 : 0];
}

int main(int argc, char **argv)
{
    const char *spec = argc > 1 ? argv[1] : "build/bench/journal";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 10000;
    if (n <= 0) {
        fprintf(stderr, "bench_journal: N must be positive\n");
        return 2;
    }
    wsl_log_setup(WSL_LOG_ERROR, WSL_LOG_TEXT, NULL);
    bool file = !strstr(spec, "://");
    if (file) { /* start from an empty journal: its size does not matter, but be fair */
        char path[4096];
        snprintf(path, sizeof path, "%s/journal.jsonl", strncmp(spec, "dir:", 4) ? spec : spec + 4);
        unlink(path);
    }
    struct wsl_state *st;
    struct wsl_err err = {0};
    if (wsl_state_open(spec, &st, &err) != 0) {
        fprintf(stderr, "bench_journal: %s\n", err.msg);
        return 1;
    }
    int64_t *lat = malloc((size_t)n * sizeof *lat);
    int64_t start = now_ns();
    size_t bytes = 0;
    for (long i = 0; i < n; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "type", "action", "app",
                              "shop", "target", "k8s-eu-west", "kind", "Deployment", "name",
                              "web", "action", "update", "fingerprint",
                              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                              "i", (int)i);
        int64_t t0 = now_ns();
        if (wsl_state_append(st, r, NULL, &err) != 0) {
            fprintf(stderr, "bench_journal: append %ld: %s\n", i, err.msg);
            return 1;
        }
        lat[i] = now_ns() - t0;
        char *s = json_dumps(r, JSON_COMPACT);
        bytes += strlen(s) + 1;
        free(s);
        json_decref(r);
    }
    int64_t total = now_ns() - start;
    wsl_state_close(st);
    qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
    printf("journal: %ld appends of a %zu-byte record to %s (%s)\n", n, bytes / (size_t)n, spec,
           file ? "file backend, fdatasync per record" : "committed by the cluster per record");
    printf("  append p50   %9.3f ms\n", ms(pct(lat, n, 50)));
    printf("  append p99   %9.3f ms\n", ms(pct(lat, n, 99)));
    printf("  append max   %9.3f ms\n", ms(lat[n - 1]));
    printf("  total        %9.3f s   (%.0f appends/s)\n", (double)total / 1e9,
           (double)n / ((double)total / 1e9));
    free(lat);
    return 0;
}
