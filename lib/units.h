/*
 * units.h — durations ("5s", "2m30s", "1h", "250ms") and quantities ("512Mi", "250m",
 * "0.5", "1.5G"), in the notation Kubernetes and Go use.
 */
#ifndef WSL_UNITS_H
#define WSL_UNITS_H

#include "lib/err.h"

#include <stddef.h>
#include <stdint.h>

/* Parse a duration: one or more <number><unit> parts, units h, m, s, ms, us (µs), ns;
 * decimals allowed ("1.5s"); "0" alone is zero. Result in milliseconds (sub-millisecond
 * parts are rounded up to 1 ms when non-zero). */
int wsl_duration_parse(const char *s, int64_t *ms, struct wsl_err *err);
/* Format milliseconds the same way ("2m30s", "250ms", "0s"). */
void wsl_duration_format(int64_t ms, char *out, size_t n);

/* Parse a quantity: a decimal number with an optional suffix — binary (Ki Mi Gi Ti Pi Ei),
 * decimal (k K M G T P E), milli (m) — or an exponent (1e3). Result in thousandths of the
 * unit (so "250m" → 250, "1" → 1000, "1Ki" → 1024000); values beyond ±2^63/1000 units are
 * refused as too large. */
int wsl_quantity_parse(const char *s, int64_t *milli, struct wsl_err *err);

/* Milliseconds of the monotonic clock (for time limits; not a wall-clock time). */
int64_t wsl_monotonic_ms(void);
/* Sleep ms milliseconds (ms <= 0: not at all). */
void wsl_sleep_ms(long ms);

/* The current time as RFC 3339 UTC with microseconds, "2026-11-23T08:30:00.123456Z". */
void wsl_time_now_rfc3339(char out[32]);
/* An RFC 3339 UTC time ("...T08:30:00Z", a fraction allowed) as Unix seconds; 0 when s is
 * not one. */
int64_t wsl_time_parse_rfc3339(const char *s);

#endif
