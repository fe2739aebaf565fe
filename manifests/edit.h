/*
 * edit.h — change an Application's placement in its manifest file the way a person would:
 * only the names that change are rewritten, where they are written; comments, order,
 * quoting elsewhere and layout stay as they were.
 *
 * `wissel switch --commit` uses it to make git say where the application now runs. The
 * new text is parsed again and compared with the old one: it must say the same in every
 * document except the changed placement, or nothing is returned and the error says which
 * change to make by hand (a name behind a YAML alias, a list written in a way this does
 * not edit, ...).
 */
#ifndef WSL_MANIFESTS_EDIT_H
#define WSL_MANIFESTS_EDIT_H

#include "lib/buf.h"
#include "lib/err.h"
#include "manifests/wissel.h"

#include <stdbool.h>

/* The text of app's file (app->path) in which spec.placement.primary is `primary` (the
 * primary now, or one of the standbys: then it trades places with the old primary, each
 * written where the other was) and `drop` (NULL: none) is no longer a standby (its list
 * item removed; when it was the only one, the entries standby and mode go with it).
 * *changed says whether the text differs. Returns 0 with the text in out; WSL_E_INVALID
 * naming file:line:col when the change cannot be written so, when the Application would
 * no longer be valid, or when primary/drop are not placements of app; WSL_E_IO when the
 * file cannot be read. */
int wsl_edit_placement(const struct wsl_app *app, const char *primary, const char *drop,
                       struct wsl_buf *out, bool *changed, struct wsl_err *err);

#endif
