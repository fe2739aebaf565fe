#include "lib/log.h"

#include "lib/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECRETS 64

static struct {
    enum wsl_log_level level;
    bool json;
    FILE *out;
    char *secrets[MAX_SECRETS];
    size_t nsecrets;
} L = {WSL_LOG_WARN, false, NULL, {0}, 0};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void wsl_log_setup(enum wsl_log_level level, enum wsl_log_format format, FILE *out)
{
    pthread_mutex_lock(&lock);
    L.level = level;
    L.out = out;
    FILE *f = out ? out : stderr;
    L.json = format == WSL_LOG_JSON || (format == WSL_LOG_AUTO && !isatty(fileno(f)));
    pthread_mutex_unlock(&lock);
}

int wsl_log_level_parse(const char *name, enum wsl_log_level *out)
{
    for (int i = 0; i <= WSL_LOG_OFF; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum wsl_log_level)i;
            return 0;
        }
    }
    return -1;
}

bool wsl_log_enabled(enum wsl_log_level level)
{
    return level >= L.level && level < WSL_LOG_OFF;
}

void wsl_log_secret(const char *value)
{
    if (!value || strlen(value) < 4)
        return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < L.nsecrets; i++) {
        if (strcmp(L.secrets[i], value) == 0)
            goto out;
    }
    if (L.nsecrets < MAX_SECRETS)
        L.secrets[L.nsecrets++] = wsl_xstrdup(value);
out:
    pthread_mutex_unlock(&lock);
}

void wsl_log_secrets_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < L.nsecrets; i++)
        free(L.secrets[i]);
    L.nsecrets = 0;
    pthread_mutex_unlock(&lock);
}

bool wsl_log_key_is_secret(const char *key)
{
    static const char *words[] = {"authorization", "token", "password", "passwd", "secret",
                                  "credential", "apikey", "api_key", "api-key",
                                  "privatekey", "private_key", "private-key", "cookie"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        if (strcasestr(key, words[i]))
            return true;
    }
    return false;
}

static bool looks_like_credential(const char *v)
{
    return strncasecmp(v, "Bearer ", 7) == 0 || strncasecmp(v, "Basic ", 6) == 0;
}

/* Append text with every registered secret replaced by "[redacted]". Caller holds lock. */
static void put_masked(struct wsl_buf *b, const char *s)
{
    while (*s) {
        size_t hit = 0;
        for (size_t i = 0; i < L.nsecrets && !hit; i++) {
            size_t n = strlen(L.secrets[i]);
            if (strncmp(s, L.secrets[i], n) == 0)
                hit = n;
        }
        if (hit) {
            wsl_buf_puts(b, "[redacted]");
            s += hit;
        } else {
            wsl_buf_putc(b, *s++);
        }
    }
}

static void put_value(struct wsl_buf *b, const char *key, const char *v, bool json)
{
    struct wsl_buf m = WSL_BUF_INIT;
    if (!v)
        v = "";
    if (wsl_log_key_is_secret(key) || looks_like_credential(v))
        wsl_buf_puts(&m, "[redacted]");
    else
        put_masked(&m, v);
    if (json)
        wsl_buf_put_json_string(b, wsl_buf_str(&m));
    else if (strpbrk(wsl_buf_str(&m), " \"=") || m.len == 0)
        wsl_buf_put_json_string(b, wsl_buf_str(&m));
    else
        wsl_buf_puts(b, wsl_buf_str(&m));
    wsl_buf_free(&m);
}

static void timestamp(char *out, size_t n, bool iso)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    if (iso) {
        size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
    } else {
        strftime(out, n, "%H:%M:%S", &tm);
    }
}

static void emit(enum wsl_log_level level, const char *component, const char *msg, va_list ap)
{
    struct wsl_buf b = WSL_BUF_INIT;
    char ts[40];
    pthread_mutex_lock(&lock);
    timestamp(ts, sizeof ts, L.json);
    if (L.json) {
        wsl_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[level]);
        if (component)
            wsl_buf_printf(&b, ",\"component\":\"%s\"", component);
        wsl_buf_puts(&b, ",\"msg\":");
        put_value(&b, "msg", msg, true);
    } else {
        wsl_buf_printf(&b, "%s %-5s ", ts, level_names[level]);
        if (component)
            wsl_buf_printf(&b, "%s: ", component);
        put_masked(&b, msg);
    }
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        if (L.json) {
            wsl_buf_putc(&b, ',');
            wsl_buf_put_json_string(&b, k);
            wsl_buf_putc(&b, ':');
        } else {
            wsl_buf_printf(&b, " %s=", k);
        }
        put_value(&b, k, v, L.json);
    }
    wsl_buf_puts(&b, L.json ? "}\n" : "\n");
    FILE *f = L.out ? L.out : stderr;
    fwrite(b.data, 1, b.len, f);
    fflush(f);
    pthread_mutex_unlock(&lock);
    wsl_buf_free(&b);
}

void wsl_log(enum wsl_log_level level, const char *component, const char *msg, ...)
{
    if (!wsl_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, msg);
    emit(level, component, msg, ap);
    va_end(ap);
}

/* emit() takes a va_list of fields; this wrapper supplies an empty one. */
static void emit_plain(enum wsl_log_level level, const char *component, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    emit(level, component, msg, ap);
    va_end(ap);
}

void wsl_logf(enum wsl_log_level level, const char *component, const char *fmt, ...)
{
    if (!wsl_log_enabled(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit_plain(level, component, msg, (const char *)NULL);
}
