/* asserts.h — assertions the unit tests share (include after cmocka.h). */
#ifndef WSL_TEST_ASSERTS_H
#define WSL_TEST_ASSERTS_H

#include "lib/err.h"

#include <string.h>

/* hay contains needle. */
#define assert_contains(hay, needle)                                                          \
    do {                                                                                      \
        const char *h_ = (hay);                                                               \
        if (!h_ || !strstr(h_, (needle)))                                                     \
            fail_msg("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", (needle));         \
    } while (0)

/* hay does not contain needle. */
#define assert_not_contains(hay, needle)                                                      \
    do {                                                                                      \
        const char *h_ = (hay);                                                               \
        if (h_ && strstr(h_, (needle)))                                                       \
            fail_msg("\"%s\" contains \"%s\"", h_, (needle));                                \
    } while (0)

/* A wsl_code result is want; otherwise say both codes and the error's message. */
#define assert_code(rc, want, err)                                                            \
    do {                                                                                      \
        int rc_ = (rc);                                                                       \
        if (rc_ != (want))                                                                    \
            fail_msg("got %d (%s), want %d (%s): %s", rc_, wsl_code_name(rc_), (int)(want),   \
                     wsl_code_name(want), (err)->msg);                                        \
    } while (0)

#endif
