/* clock.c — the system clock behind struct wsl_clock, unless a test replaced it. */
#include "orchestrator/engine/clock.h"

#include <errno.h>
#include <time.h>

long wsl_clock_now(const struct wsl_clock *c)
{
    if (c && c->now_ms)
        return c->now_ms(c->ctx);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wsl_clock_sleep(const struct wsl_clock *c, long ms)
{
    if (ms <= 0)
        return;
    if (c && c->sleep_ms) {
        c->sleep_ms(c->ctx, ms);
        return;
    }
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}
