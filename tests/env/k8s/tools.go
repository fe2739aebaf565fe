//go:build tools

// Package k8s only records, for `go mod tidy`, which commands of k8s.io/kubernetes the test
// environment builds; tests/env/components/k8s.sh builds them with `go build`.
package k8s

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
