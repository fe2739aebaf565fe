/*
 * log.h — the one logger.
 *
 * Human-readable lines on a terminal, JSON lines otherwise (for journald, Loki and friends).
 * Secrets never reach the output: fields whose key names a secret (authorization, token,
 * password, secret, credential, api key, private key, cookie) are written as "[redacted]",
 * values that look like HTTP credentials ("Bearer ...", "Basic ...") likewise, and any value
 * registered with wsl_log_secret() is masked wherever it appears, message text included.
 * Thread-safe.
 */
#ifndef WSL_LOG_H
#define WSL_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum wsl_log_level { WSL_LOG_DEBUG, WSL_LOG_INFO, WSL_LOG_WARN, WSL_LOG_ERROR, WSL_LOG_OFF };
enum wsl_log_format { WSL_LOG_AUTO, WSL_LOG_TEXT, WSL_LOG_JSON };

/* Configure: minimum level, format (AUTO: text on a TTY, JSON otherwise), stream (NULL: stderr). */
void wsl_log_setup(enum wsl_log_level level, enum wsl_log_format format, FILE *out);
/* "debug", "info", "warn", "error", "off" → level. Returns 0, or -1 for an unknown name. */
int wsl_log_level_parse(const char *name, enum wsl_log_level *out);
bool wsl_log_enabled(enum wsl_log_level level);
/* Register a secret value (copied): it is masked in every later log line. Values shorter
 * than 4 bytes are ignored, since masking them would garble ordinary text. */
void wsl_log_secret(const char *value);
/* Forget every registered secret (tests). */
void wsl_log_secrets_clear(void);
/* True when a field of this name holds a secret. */
bool wsl_log_key_is_secret(const char *key);

/* One log line: message plus key/value string fields, the list ended by NULL.
 *   wsl_log(WSL_LOG_INFO, "http", "request sent", "method", "GET", "url", u, NULL); */
void wsl_log(enum wsl_log_level level, const char *component, const char *msg, ...)
    __attribute__((sentinel));
/* A printf-style message without fields. */
void wsl_logf(enum wsl_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
