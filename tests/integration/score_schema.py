#!/usr/bin/python3
"""wissel's verdict on Score documents against the official Score JSON Schema.

Run with Debian's /usr/bin/python3 (python3-jsonschema, python3-yaml); prints TAP.

For every document in tests/corpus/score/:
  - the YAML is read with yaml.safe_load and judged by jsonschema.Draft202012Validator
    against ../shared/specs/score/score-v1b1.json (the official schema, beside the repo);
  - the file name's prefix (valid-/invalid-) must match the schema's verdict, so the corpus
    cannot rot;
  - `wissel validate --output json FILE` must reach the same verdict.
For every document in tests/corpus/score-semantic/: the schema accepts it and wissel rejects
it (rules beyond the schema, on purpose; see the README there).
For every sample in ../shared/specs/score/: wissel loads it (exit 0).

Arguments (optional): files or directories to judge instead of the corpus (for exploring);
WISSEL names the binary (default build/asan/wissel).
"""
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SPECS = os.path.normpath(os.path.join(ROOT, "..", "shared", "specs", "score"))
SCHEMA = os.path.join(SPECS, "score-v1b1.json")
CORPUS = os.path.join(ROOT, "tests", "corpus", "score")
SEMANTIC = os.path.join(ROOT, "tests", "corpus", "score-semantic")
WISSEL = os.environ.get("WISSEL") or os.path.join(ROOT, "build", "asan", "wissel")
if not os.path.isabs(WISSEL):
    WISSEL = os.path.join(ROOT, WISSEL)

n = 0
failed = 0


def ok(what):
    global n
    n += 1
    print("ok %d - %s" % (n, what), flush=True)


def not_ok(what):
    global n, failed
    n += 1
    failed += 1
    print("not ok %d - %s" % (n, what), flush=True)


def bail(what):
    not_ok(what)
    sys.exit(1)


def one_line(s, limit=200):
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


try:
    import jsonschema
    import yaml
except ImportError as e:
    bail("%s has python3-jsonschema and python3-yaml (%s)" % (sys.executable, e))

if not os.path.isfile(SCHEMA):
    bail("the Score schema is at %s (clone the shared specs beside the repository)" % SCHEMA)
with open(SCHEMA, encoding="utf-8") as fh:
    schema = json.load(fh)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

if not (os.path.isfile(WISSEL) and os.access(WISSEL, os.X_OK)):
    bail("wissel binary %s exists (make build/asan/wissel)" % WISSEL)

ENV = dict(os.environ)
ENV.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
ENV.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")


def rel(path):
    return os.path.relpath(path, os.path.join(ROOT, "tests", "corpus"))


def schema_verdict(path):
    """(valid, first message) by the Score schema, or (None, why) if the YAML does not load."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as e:
        return None, "PyYAML cannot read it: %s" % one_line(e)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return True, ""
    best = jsonschema.exceptions.best_match(errors)
    where = "/".join(str(p) for p in best.absolute_path)
    return False, one_line("%s: %s" % (where or "(root)", best.message))


def wissel_verdict(path):
    """(valid, first error message, workloads) from `wissel validate --output json`, or
    (None, why, 0) when wissel crashed or its answer does not add up."""
    for attempt in range(5):
        try:
            p = subprocess.run([WISSEL, "validate", "--output", "json", path], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            break
        except OSError as e:  # the binary is being relinked by a concurrent make
            if attempt == 4:
                return None, "cannot run %s: %s" % (WISSEL, e), 0
            time.sleep(1)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error" in err or p.returncode not in (0, 1):
        return None, "wissel exited %d: %s" % (p.returncode, one_line(err, 300)), 0
    try:
        j = json.loads(p.stdout)
    except ValueError as e:
        return None, "wissel printed no JSON (%s): %s" % (e, one_line(p.stdout, 200)), 0
    valid = j.get("valid")
    if valid is not (p.returncode == 0):
        return None, "wissel said valid=%s but exited %d" % (valid, p.returncode), 0
    msgs = [d for d in j.get("diagnostics", []) if d.get("severity") == "error"]
    first = ""
    if msgs:
        d = msgs[0]
        first = "%s:%s: %s" % (d.get("line"), d.get("column"), d.get("message"))
        if d.get("hint"):
            first += " (hint: %s)" % d["hint"]
    return valid, one_line(first), j.get("summary", {}).get("workloads", 0)


def word(v):
    return "valid" if v else "invalid"


def judge_corpus(path):
    name = rel(path) if path.startswith(CORPUS + os.sep) else path
    base = os.path.basename(path)
    if base.startswith("valid-"):
        meant = True
    elif base.startswith("invalid-"):
        meant = False
    else:
        not_ok("%s (the name must start with valid- or invalid-)" % name)
        return
    schema_ok, schema_msg = schema_verdict(path)
    if schema_ok is None:
        not_ok("%s (%s)" % (name, schema_msg))
        return
    if schema_ok != meant:
        not_ok("%s (file name says %s, schema says %s%s)" % (
            name, word(meant), word(schema_ok), ": " + schema_msg if schema_msg else ""))
        return
    wissel_ok, wissel_msg, workloads = wissel_verdict(path)
    if wissel_ok is None:
        not_ok("%s (%s)" % (name, wissel_msg))
    elif wissel_ok != schema_ok:
        why = wissel_msg if not wissel_ok else "accepted it" if workloads else \
            "ignored it: not read as a Score workload"
        not_ok("%s (schema says %s%s, wissel says %s: %s)" % (
            name, word(schema_ok), ": " + schema_msg if schema_msg else "", word(wissel_ok), why))
    elif wissel_ok and workloads != 1:
        not_ok("%s (wissel reported %s workloads, not 1)" % (name, workloads))
    else:
        ok(name)


def judge_semantic(path):
    name = rel(path)
    schema_ok, schema_msg = schema_verdict(path)
    if schema_ok is not True:
        not_ok("%s (a semantic case must be valid by the schema: %s)" % (name, schema_msg))
        return
    wissel_ok, wissel_msg, _ = wissel_verdict(path)
    if wissel_ok is None:
        not_ok("%s (%s)" % (name, wissel_msg))
    elif wissel_ok:
        not_ok("%s (schema accepts it, and wissel must reject it but accepted it)" % name)
    else:
        ok("%s (schema accepts, wissel rejects on purpose: %s)" % (name, wissel_msg))


def judge_sample(path):
    name = "sample %s loads" % os.path.basename(path)
    schema_ok, schema_msg = schema_verdict(path)
    wissel_ok, wissel_msg, workloads = wissel_verdict(path)
    if schema_ok is not True:
        not_ok("%s (the schema rejects its own sample: %s)" % (name, schema_msg))
    elif wissel_ok is None:
        not_ok("%s (%s)" % (name, wissel_msg))
    elif not wissel_ok:
        not_ok("%s (wissel rejects it: %s)" % (name, wissel_msg))
    elif workloads != 1:
        not_ok("%s (wissel reported %s workloads, not 1)" % (name, workloads))
    else:
        ok(name)


def yamls(d):
    return sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml")))


def main(args):
    if args:
        for a in args:
            for p in yamls(a) if os.path.isdir(a) else [a]:
                judge_corpus(os.path.abspath(p))
    else:
        docs = yamls(CORPUS)
        valid = sum(os.path.basename(p).startswith("valid-") for p in docs)
        invalid = sum(os.path.basename(p).startswith("invalid-") for p in docs)
        print("# corpus: %d documents (%d valid, %d invalid); schema: %s" % (
            len(docs), valid, invalid, SCHEMA))
        if valid < 20 or invalid < 20:
            not_ok("the corpus holds at least 20 valid and 20 invalid documents "
                   "(%d valid, %d invalid)" % (valid, invalid))
        for p in docs:
            judge_corpus(p)
        for p in yamls(SEMANTIC):
            judge_semantic(p)
        samples = yamls(SPECS)
        if not samples:
            not_ok("the Score samples are in %s" % SPECS)
        for p in samples:
            judge_sample(p)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
