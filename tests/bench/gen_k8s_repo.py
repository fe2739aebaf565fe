#!/usr/bin/env python3
"""Inputs of the Kubernetes apply benchmark (tests/bench/k8s_apply.sh).

    gen_k8s_repo.py one-app  --workloads N --kubeconfig F --namespace NS OUT_DIR
    gen_k8s_repo.py many-apps --apps N --kubeconfig F --namespace NS OUT_DIR
    gen_k8s_repo.py kubectl-file --namespace NS < LIST.json > FILE.json

one-app:   one Target (context cluster-a, named --target, createNamespace: true) and ONE
           Application with N Score workloads w-0000.. (a container and a service port
           each, replicas 0): N Deployments + N Services + the Namespace in one plan.
many-apps: one Target (the same, createNamespace: false: the namespace is shared, made
           beforehand, as a Haven team namespace is) and N Applications app-0000.. of one
           such workload each: N Deployments + N Services. With --contexts cluster-a,cluster-b
           one Target per context (TARGET-cluster-a, ...), the apps dealt out in turn.
kubectl-file: reads `kubectl get ... -o json --show-managed-fields` (Lists or objects)
           of objects wissel applied and writes the same objects as wissel sent them: of each object
           only the fields the field manager "wissel" owns (its managedFields entry), so no
           server-set field (uid, resourceVersion, status, clusterIP, defaults) and no
           annotation another client added; the namespace changed to NS.

Replicas are 0: the kwok nodes of tests/env hold 3 x 110 Pods, and Pods starting would load
the machine while it is being measured; the Deployment and Service objects are the same.
A Target name of its own per namespace: wissel finds its objects by the labels
wissel.dev/app and wissel.dev/target, and the Namespace kind is listed cluster-wide, so a
second repository with the same application and target names would see the first one's
Namespace as its own and delete it. The same arguments always give the same bytes.
"""
import argparse
import json
import os
import shutil
import sys


def target(name, kubeconfig, namespace, create, context="cluster-a"):
    return f"""---
# {context} of tests/env.
apiVersion: wissel.dev/v1
kind: Target
metadata: {{name: {name}}}
spec:
  provider: kubernetes
  jurisdiction: NL
  kubernetes:
    kubeconfig: {kubeconfig}
    context: {context}
    namespace: {namespace}
    createNamespace: {'true' if create else 'false'}
"""


def workload(name, i):
    return f"""apiVersion: score.dev/v1b1
metadata: {{name: {name}}}
service:
  ports:
    http: {{port: 80, targetPort: 8080}}
containers:
  main:
    image: registry.gemeente.example/bench/{name}:1.{i % 50}.0
    args: ["--listen=:8080"]
    variables:
      LOG_LEVEL: info
      INSTANCE: "{i}"
    resources:
      requests: {{cpu: 10m, memory: 32Mi}}
      limits: {{memory: 64Mi}}
    readinessProbe:
      httpGet: {{path: /readyz, port: 8080}}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def one_app(a, tmp):
    write(os.path.join(tmp, "targets.yaml"), target(a.target, a.kubeconfig, a.namespace, True))
    names = [f"w-{i:04d}" for i in range(a.workloads)]
    for i, n in enumerate(names):
        write(os.path.join(tmp, "workloads", n + ".score.yaml"), workload(n, i))
    listed = "".join(f"\n    - workloads/{n}.score.yaml" for n in names)
    replicas = "".join(f"\n    {n}: 0" for n in names)
    write(os.path.join(tmp, "app.yaml"), f"""apiVersion: wissel.dev/v1
kind: Application
metadata: {{name: bench}}
spec:
  workloads:{listed}
  replicas:{replicas}
  placement: {{primary: {a.target}}}
""")


def many_apps(a, tmp):
    contexts = a.contexts.split(",")
    names = [a.target] if len(contexts) == 1 else [f"{a.target}-{c}" for c in contexts]
    write(os.path.join(tmp, "targets.yaml"),
          "".join(target(n, a.kubeconfig, a.namespace, False, c) for n, c in zip(names, contexts)))
    for i in range(a.apps):
        name = f"app-{i:04d}"
        d = os.path.join(tmp, "apps", name)
        write(os.path.join(d, "web.score.yaml"), workload("web", i))
        write(os.path.join(d, "app.yaml"), f"""apiVersion: wissel.dev/v1
kind: Application
metadata: {{name: {name}}}
spec:
  workloads: [web.score.yaml]
  replicas: {{web: 0}}
  placement: {{primary: {names[i % len(names)]}}}
""")


# --- kubectl-file ----------------------------------------------------------------------
# A managedFields fieldsV1 set: "f:NAME" a field of a map, "k:{...}" the list item whose
# key fields have these values, "v:VALUE" an item of a set-like list, "." the node itself.
# A field with no children in the set is owned whole.

def owned(value, fields):
    children = [k for k in fields if k != "."]
    if not children:
        return value
    if isinstance(value, dict):
        out = {}
        for k in children:
            if k.startswith("f:") and k[2:] in value:
                out[k[2:]] = owned(value[k[2:]], fields[k])
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            for k in children:
                if k.startswith("k:"):
                    key = json.loads(k[2:])
                    if isinstance(item, dict) and all(item.get(f) == v for f, v in key.items()):
                        out.append(owned(item, fields[k]))
                        break
                elif k.startswith("v:") and json.loads(k[2:]) == item:
                    out.append(item)
                    break
        return out
    return value


def kubectl_file(a):
    text, dec, pos, objs = sys.stdin.read(), json.JSONDecoder(), 0, []
    while text[pos:].strip():  # one or more JSON documents: Lists or single objects
        pos += len(text[pos:]) - len(text[pos:].lstrip())
        doc, pos = dec.raw_decode(text, pos)
        objs += doc["items"] if doc.get("kind") == "List" else [doc]
    items = []
    for obj in objs:
        mine = [m for m in obj["metadata"].get("managedFields", [])
                if m.get("manager") == "wissel" and m.get("operation") == "Apply"]
        if not mine:
            sys.exit(f"{obj['kind']}/{obj['metadata']['name']} has no fields of manager wissel")
        body = owned(obj, mine[0]["fieldsV1"])
        body["apiVersion"], body["kind"] = obj["apiVersion"], obj["kind"]
        meta = body.setdefault("metadata", {})
        meta["name"] = obj["metadata"]["name"]
        if obj["kind"] == "Namespace":
            meta["name"] = a.namespace
            meta.get("labels", {}).pop("kubernetes.io/metadata.name", None)  # the server's
        else:
            meta["namespace"] = a.namespace
        items.append(body)
    # the Namespace first: kubectl applies in the order of the file
    items.sort(key=lambda o: o["kind"] != "Namespace")
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout,
              separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("one-app")
    p.add_argument("--workloads", type=int, default=1000)
    q = sub.add_parser("many-apps")
    q.add_argument("--apps", type=int, default=1000)
    q.add_argument("--contexts", default="cluster-a",
                   help="comma-separated kubeconfig contexts: one Target each "
                        "(TARGET-CONTEXT when several), the apps dealt out in turn")
    for s in (p, q):
        s.add_argument("--kubeconfig", required=True)
        s.add_argument("--namespace", required=True)
        s.add_argument("--target", default="cluster-a")
        s.add_argument("out")
    k = sub.add_parser("kubectl-file")
    k.add_argument("--namespace", required=True)
    a = ap.parse_args()
    if a.cmd == "kubectl-file":
        kubectl_file(a)
        return
    tmp = a.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (one_app if a.cmd == "one-app" else many_apps)(a, tmp)
    shutil.rmtree(a.out, ignore_errors=True)
    os.rename(tmp, a.out)


if __name__ == "__main__":
    main()
