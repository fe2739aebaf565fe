/*
 * scripted.h — an in-process driver for tests of the engine, driven by a script.
 *
 * A struct scripted is a tiny provider held in memory: the objects that "exist" there
 * (each with its body, its deps and, when wissel's markers are on it, owned = true and the
 * fingerprint it was applied with), plus the objects its render() returns. Its driver
 * (scripted_driver) behaves as a well-made real one:
 *
 *   render   copies of the wanted objects, in the order they were wanted
 *   observe  copies of the existing objects, complete unless told otherwise
 *   apply    create / update / delete in memory; a create adds server fields to the body
 *            ("status", metadata.uid) and the action's revision as an annotation, so that
 *            drift detection must ignore them; a create
 *            of an object that exists fails with WSL_E_CONFLICT, as a real API's 409
 *   health   answers from a script (READY when none)
 *
 * and lets a test inject what goes wrong: an object's apply failing N times (transient or
 * hard), observe failing or returning an incomplete list, the process "crashing" after K
 * actions (every later apply fails, optionally after its change has landed, until the
 * test restarts it), health failing. It counts what happened: creates per object (to
 * prove there are no duplicate creates), apply calls at once (to prove parallelism and its
 * bound), and keeps a trace of apply calls ("+create Namespace/ns", "-create Namespace/ns
 * ok") to check orders.
 *
 * It also offers a fake clock (struct wsl_clock): sleeping advances it at once, and each
 * apply call can cost fake time. Thread-safe throughout: the engine calls apply from its
 * workers. Test code only: failures abort with a message.
 */
#ifndef WSL_TEST_SCRIPTED_H
#define WSL_TEST_SCRIPTED_H

#include "orchestrator/engine/clock.h"
#include "providers/provider.h"

#include <stdbool.h>

struct scripted;

/* The driver; its connections are scripted_conn(s). */
extern const struct wsl_driver scripted_driver;

struct scripted *scripted_new(void);
void scripted_free(struct scripted *s);
/* The connection to pass to the driver's functions (no open() needed). */
struct wsl_conn *scripted_conn(struct scripted *s);

/* --- what render returns ------------------------------------------------------------ */

/* Want kind/name with this JSON body, depending on the objects named by the "kind/name"
 * keys that follow (NULL-terminated). */
void scripted_want(struct scripted *s, const char *kind, const char *name,
                   const char *body_json, ...) __attribute__((sentinel));
/* Stop wanting kind/name. */
void scripted_unwant(struct scripted *s, const char *kind, const char *name);

/* --- what exists at the provider ----------------------------------------------------- */

/* Make kind/name exist with this body and deps (NULL-terminated keys); owned: it carries
 * this application's markers, with the fingerprint of this body. */
void scripted_put(struct scripted *s, const char *kind, const char *name, bool owned,
                  const char *body_json, ...) __attribute__((sentinel));
/* Change one value of an existing object's body behind wissel's back: path is dotted
 * ("spec.replicas"), value JSON ("5"). */
void scripted_edit(struct scripted *s, const char *kind, const char *name, const char *path,
                   const char *value_json);
/* Whether kind/name exists; its body (borrowed) or NULL. */
bool scripted_exists(struct scripted *s, const char *kind, const char *name);
json_t *scripted_body(struct scripted *s, const char *kind, const char *name);
/* How many objects exist. */
size_t scripted_count(struct scripted *s);

/* --- faults -------------------------------------------------------------------------- */

/* The next `times` apply calls for kind/name fail with code (times < 0: all of them), at
 * once: a failing call does not wait at the hold gate (so others can be held under way
 * while it fails) and changes nothing. */
void scripted_fail_apply(struct scripted *s, const char *kind, const char *name, int code,
                         int times);
/* observe() fails with code (0: it works again). */
void scripted_fail_observe(struct scripted *s, int code);
/* observe() returns what exists but marks the list incomplete with `why` (NULL: complete). */
void scripted_observe_partial(struct scripted *s, const char *why);
/* After k more successful apply calls the process "crashes": every later call fails with
 * WSL_E_INTERNAL "simulated crash" — the first one after making its change when `lands`
 * (the provider did it; we died before hearing so). k < 0 ends the crash (a restart). */
void scripted_crash_after(struct scripted *s, int k, bool lands);
/* Apply calls wait (up to max_ms of real time) until `width` calls are in progress, so a
 * test can see whether the engine runs them side by side. width 0: no waiting. */
void scripted_hold(struct scripted *s, int width, long max_ms);
/* Each apply call advances the fake clock by ms. */
void scripted_apply_cost(struct scripted *s, long ms);
/* The next health answers: state and reason, in order; the last one repeats. */
void scripted_health(struct scripted *s, enum wsl_health_state state, const char *reason);
/* The next `times` health calls fail with code. */
void scripted_fail_health(struct scripted *s, int code, int times);

/* --- what happened ------------------------------------------------------------------- */

/* Creates of kind/name that reached the provider (not those failed by injection or by the
 * crash before landing; a create of an object that exists is counted: it is the duplicate
 * these counters are there to catch). */
int scripted_creates(struct scripted *s, const char *kind, const char *name);
/* The revision the last apply call for kind/name carried (struct wsl_action's), "" when
 * it had none or there was no call. A create or update also records it on the object, as
 * the annotation WSL_MARK_REVISION in its metadata (when its body has a metadata object),
 * the way the Kubernetes driver does. */
void scripted_revision(struct scripted *s, const char *kind, const char *name, char out[41]);
/* Apply calls made for kind/name, and in all. */
int scripted_calls(struct scripted *s, const char *kind, const char *name);
int scripted_calls_total(struct scripted *s);
/* The most apply calls that were in progress at once. */
int scripted_max_inflight(struct scripted *s);
/* Health calls made. */
int scripted_health_calls(struct scripted *s);
/* The trace of apply calls: "+create Namespace/ns\n" when one starts, "-create
 * Namespace/ns ok\n" (or "err") when it ends. Borrowed. */
const char *scripted_trace(struct scripted *s);
/* The position of line (without its newline) in the trace, or -1. */
long scripted_trace_pos(struct scripted *s, const char *line);

/* --- the fake clock ------------------------------------------------------------------ */

/* A clock that starts at 1 000 000 ms and moves only when slept on or by apply costs. */
struct wsl_clock scripted_clock(struct scripted *s);
long scripted_now(struct scripted *s);
/* Sleeps taken on the fake clock: how many, their sum, and the i-th one's length. */
int scripted_sleeps(struct scripted *s);
long scripted_slept(struct scripted *s);
long scripted_sleep_at(struct scripted *s, int i);

#endif
