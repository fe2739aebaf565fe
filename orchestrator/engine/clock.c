/* clock.c — the system clock behind struct wsl_clock, unless a test replaced it. */
#include "orchestrator/engine/clock.h"

#include "lib/units.h"

long wsl_clock_now(const struct wsl_clock *c)
{
    if (c && c->now_ms)
        return c->now_ms(c->ctx);
    return (long)wsl_monotonic_ms();
}

void wsl_clock_sleep(const struct wsl_clock *c, long ms)
{
    if (ms <= 0)
        return;
    if (c && c->sleep_ms) {
        c->sleep_ms(c->ctx, ms);
        return;
    }
    wsl_sleep_ms(ms);
}
