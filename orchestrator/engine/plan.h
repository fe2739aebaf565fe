/*
 * plan.h — what must change at one target for one application, and in which order.
 *
 * A plan compares the desired objects (render) with the observed ones (observe) by the
 * diff rules of the architecture, the same for every driver:
 *
 *   create   desired, not observed
 *   update   observed with another fingerprint than desired ("fingerprint changed"), or
 *            drift: a value wissel set differs in the observed body ("drift"; fields the
 *            provider added are ignored, see diff.h)
 *   delete   observed, owned by this application and target, no longer desired — only
 *            when the observation was complete; otherwise the plan has no delete at all
 *            and says why in held_back
 *   no-op    everything else
 *
 * An update's `why` is "fingerprint changed", "drift" or "take over" (below); its
 * `changed` lists the paths of the desired body that the observed one does not hold.
 *
 * An object that exists under a desired kind/name without wissel's markers belongs to
 * someone else: planning fails with WSL_E_CONFLICT, unless the caller allows taking such
 * objects over (WSL_PLAN_TAKE_OVER), which plans an update that adds the markers.
 *
 * Order: creates, updates and no-ops in dependency order (an object after those it
 * depends on), then deletes in reverse dependency order (an object before those it
 * depended on, by the observed objects' deps). A dependency on an object outside the set
 * does not order anything (it may exist already); a cycle fails the plan, naming it. Ties
 * go to the earlier object of the desired (for deletes: observed) set, so the same input
 * always gives the same plan.
 */
#ifndef WSL_ENGINE_PLAN_H
#define WSL_ENGINE_PLAN_H

#include "lib/err.h"
#include "providers/provider.h"

#include <stddef.h>

/* Options of wsl_plan_make(), or-ed together. */
enum wsl_plan_flag {
    /* Objects in the way (same kind/name, not owned) are updated and so taken over, rather
     * than failing the plan. The CLI's --force-conflicts. */
    WSL_PLAN_TAKE_OVER = 1 << 0,
    /* Objects wissel owns are applied with force: fields that another manager took (a
     * hand edit with kubectl) are taken back. Objects in the way are still refused.
     * `wissel serve`, for which the repository is the truth. */
    WSL_PLAN_FORCE_OWNED = 1 << 1,
};

struct wsl_plan {
    struct wsl_action *v; /* in execution order; pointers into the object sets */
    size_t n;
    size_t count[4];      /* actions of each type, indexed by enum wsl_action_type */
    char held_back[320];  /* "deletes held back: <why>" when the observation was
                             incomplete; "" otherwise */
    char kept[320];       /* "kept (they hold data; delete them by hand): kind/name, ..."
                             when owned objects marked retain are no longer desired */
    /* The actions v[i] waits for: v[wait[wait_at[i]]] .. v[wait[wait_at[i + 1] - 1]],
     * always earlier in v. For a create or update, the actions of the objects it depends
     * on; for a delete, the deletes of the objects that depended on it (every delete also
     * waits for all creates and updates: wsl_apply_run() sees to that). */
    size_t *wait_at, *wait;
    /* The object sets the actions point into, when the plan owns them (wsl_plan_target);
     * empty after wsl_plan_make, whose caller keeps its sets alive for the plan's life. */
    struct wsl_objset desired, observed;
};

/* Plan desired against observed (flags: enum wsl_plan_flag). The actions point into both
 * sets, which must outlive the plan. Fails without a plan (out is left empty) with
 * WSL_E_CONFLICT naming an object in the way, WSL_E_INVALID naming a dependency cycle, or
 * WSL_E_INTERNAL naming an object that a set holds twice. Free with wsl_plan_free(). */
int wsl_plan_make(const struct wsl_objset *desired, const struct wsl_objset *observed,
                  unsigned flags, struct wsl_plan *out, struct wsl_err *err);

/* Render and observe app with driver d over connection c, and plan; the plan owns both
 * object sets. When render or observe fails there is no plan: the error says so (an
 * observation that failed never yields deletes, nor anything else). */
int wsl_plan_target(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    unsigned flags, struct wsl_plan *out, struct wsl_err *err);
/* The same with nothing desired: the removal of app from the target (every object it
 * owns there deleted, those that hold data kept and named in kept). */
int wsl_plan_remove(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    unsigned flags, struct wsl_plan *out, struct wsl_err *err);
/* The same for a DNS driver: its records for dns (render_dns) instead of render. */
int wsl_plan_dns(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                 const struct wsl_dns_want *dns, unsigned flags, struct wsl_plan *out,
                 struct wsl_err *err);

/* Free the actions (and the object sets the plan owns); the plan is left empty. */
void wsl_plan_free(struct wsl_plan *p);

/* "create", "update", "delete" or "no-op". */
const char *wsl_plan_type_name(enum wsl_action_type t);

/* The object an action is about: the desired one, or for a delete the observed one. */
const struct wsl_object *wsl_plan_object(const struct wsl_action *a);

#endif
