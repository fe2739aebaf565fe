/*
 * report.h — the portfolio report (`wissel report`): for an auditor, a council or a CIO,
 * where every application runs, under which law, whether it has a way out, and whether
 * that way out was tested.
 *
 * Per application: its placements (target, role, provider, the Target's jurisdiction and
 * the provider's legal home), classification, criticality, whether a standby exists, and
 * the last drill from the journal (when, passed or not, the measured recovery time).
 * Per portfolio: how many applications (and critical ones) run only on providers whose
 * legal home is in the EU, how many have a passed drill in the last 90 days (a tested way
 * out), and which depend on one Target only (no placement elsewhere).
 *
 * Legal home: the provider's own (a hyperscaler's is the US, wherever its region is —
 * the CLOUD Act reaches it), or, for self-hosted technology (Kubernetes, Docker), the
 * Target's jurisdiction. DNS placements are not counted: they say where the name is
 * served, not where the application runs.
 */
#ifndef WSL_REPORT_H
#define WSL_REPORT_H

#include "lib/buf.h"
#include "manifests/repo.h"
#include "orchestrator/state/state.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#define WSL_REPORT_TESTED_DAYS 90

/* The report as JSON (new reference): {"generated", "applications": [...], "portfolio"}.
 * st may be NULL (no journal: no drill is known). now: Unix seconds. */
json_t *wsl_report_build(const struct wsl_repo *repo, struct wsl_state *st, int64_t now);
/* A person's reading of it: a table per application and the portfolio figures. */
void wsl_report_text(const json_t *report, FILE *out);
/* A self-contained HTML page (inline CSS and SVG, no scripts, no outside resources). */
void wsl_report_html(const json_t *report, struct wsl_buf *out);

#endif
