/*
 * clock.h — the engine's sense of time, replaceable so that tests of retries, time-outs
 * and health waits run in microseconds instead of minutes.
 */
#ifndef WSL_ENGINE_CLOCK_H
#define WSL_ENGINE_CLOCK_H

/* A monotonic clock in milliseconds and a sleep. A NULL function means the system's. */
struct wsl_clock {
    long (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, long ms);
    void *ctx;
};

/* Milliseconds on c's monotonic clock (c may be NULL: the system's). */
long wsl_clock_now(const struct wsl_clock *c);
/* Sleep ms milliseconds on c's clock (nothing for ms <= 0). */
void wsl_clock_sleep(const struct wsl_clock *c, long ms);

#endif
