//go:build tools

// Package kubelab pins the Kubernetes binaries that lab/kube.sh builds
// (kube-apiserver, kubectl, kube-controller-manager) from the
// k8s.io/kubernetes module. It is never compiled; it only keeps the
// commands' dependencies in go.mod / go.sum.
package kubelab

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
