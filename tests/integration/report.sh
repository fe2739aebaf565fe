#!/usr/bin/env bash
# `wissel report`: per application the placements with each provider's legal home and the
# last drill from the journal; per portfolio the EU share (of all and of critical
# applications), tested ways out (a passed drill within 90 days) and single-target
# applications; text, JSON and a self-contained HTML page. Needs no test environment.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
target() { # name jurisdiction
    printf -- '---\napiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: %s}\nspec:\n  provider: directory\n  jurisdiction: %s\n  directory: {path: %s}\n' "$1" "$2" "$work/out-$1"
}
app() { # name critical primary [standby]
    printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: %s}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  critical: %s\n  placement: {primary: %s%s}\n' \
        "$1" "$2" "$3" "${4:+, standby: [$4]}" >"$repo/$1.yaml"
}
{ target ams NL; target fra DE; target use US; } >"$repo/targets.yaml"
printf 'apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main: {image: web:1}\n' >"$repo/web.score.yaml"
app loket true ams fra    # EU, critical, standby, drilled recently: a tested way out
app zaken true ams use    # critical, standby in the US: not EU-only
app intranet false ams    # EU, one target only, drilled long ago
app archief false fra ams # EU, standby, its last drill failed

run_wissel report --state "$st" "$repo"
check "the report runs on a repository with no journal yet" [ "$RC" = 0 ]
# Drills in the journal (the records `wissel drill` writes: drill.end with passed and the
# recovery time), appended as the file backend keeps them.
/usr/bin/python3 - "$st/journal.jsonl" <<'EOF'
import datetime, json, os, sys
path = sys.argv[1]
seq = 0
if os.path.exists(path):
    for line in open(path):
        if line.strip():
            seq = json.loads(line)["seq"]
now = datetime.datetime.now(datetime.timezone.utc)
def ts(days): return (now - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
recs = [("loket", 3, True, 4200, "fra"), ("intranet", 200, True, 9000, "ams"), ("archief", 1, False, 61000, "ams")]
with open(path, "a") as f:
    for app, days, passed, ms, to in recs:
        seq += 1
        f.write(json.dumps({"seq": seq, "ts": ts(days), "by": "test:1", "type": "drill.end", "app": app,
                            "passed": passed, "recovery_ms": ms, "to": to}) + "\n")
EOF
run_wissel report --state "$st" "$repo"
check "text: one line per application, EU or not, with each placement's legal home" \
    bash -c 'grep -Eq "^loket +critical +yes .*ams \(directory, NL\), standby fra \(directory, DE\)" <<<"$1" &&
             grep -Eq "^zaken +critical +NO .*standby use \(directory, US\)" <<<"$1"' _ "$OUT"
check "text: the last drill, passed or failed, with the recovery time" \
    bash -c 'grep -q "passed (recovered in 4.2 s)" <<<"$1" && grep -q "FAILED (recovered in 61.0 s)" <<<"$1"' _ "$OUT"
check "text: the portfolio figures" \
    bash -c 'grep -Eq "applications on EU-jurisdiction providers +3 of 4" <<<"$1" &&
             grep -Eq "critical applications on EU providers +1 of 2" <<<"$1" &&
             grep -Eq "tested way out \(drill passed, 90 days\) +1 of 4" <<<"$1" &&
             grep -Eq "depending on one target only +1 of 4" <<<"$1" && grep -Eq "^    intranet$" <<<"$1"' _ "$OUT"

run_wissel report -o json --state "$st" "$repo"
check "JSON: the same model, for machines" bash -c '/usr/bin/python3 -c "
import json, sys
r = json.loads(sys.argv[1])
p = r[\"portfolio\"]
assert (p[\"applications\"], p[\"critical\"], p[\"onEuProviders\"], p[\"criticalOnEuProviders\"]) == (4, 2, 3, 1), p
assert (p[\"testedExit\"], p[\"singleTarget\"], p[\"withStandby\"]) == (1, 1, 3), p
a = {x[\"name\"]: x for x in r[\"applications\"]}
assert a[\"loket\"][\"testedExit\"] and a[\"loket\"][\"lastDrill\"][\"recoveryMs\"] == 4200
assert not a[\"intranet\"][\"testedExit\"], \"a drill 200 days ago is not a tested way out\"
assert not a[\"archief\"][\"testedExit\"] and a[\"archief\"][\"lastDrill\"][\"passed\"] is False
assert a[\"zaken\"][\"lastDrill\"] is None and a[\"zaken\"][\"placements\"][1][\"legalHome\"] == \"US\"
" "$1"' _ "$OUT"

run_wissel report --html "$work/report.html" --state "$st" "$repo"
check "HTML: a self-contained page with the chart and every application" \
    bash -c '[ "$1" = 0 ] && grep -q "<svg" "$2" && grep -q "3 of 4 (75%)" "$2" &&
             [ "$(grep -c "<tr><td>" "$2")" = 4 ] && ! grep -Eqi "<script|src=|href=" "$2"' _ "$RC" "$work/report.html"
run_wissel report --html "$work/no/such/dir/r.html" --state "$st" "$repo"
check "an HTML file that cannot be written: a clear error" \
    bash -c '[ "$1" = 1 ] && grep -q "cannot write .*no/such/dir/r.html" <<<"$2"' _ "$RC" "$ERR"
printf 'kind: Application\n' >"$repo/broken.yaml"
run_wissel report --state "$st" "$repo"
check "manifests with errors: no report, the errors shown" \
    bash -c '[ "$1" = 1 ] && grep -q "broken.yaml" <<<"$2"' _ "$RC" "$ERR"
