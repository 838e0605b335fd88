//go:build tools

// Package controllergen pins the controller-gen that lab/operator.sh builds: it generates the
// deepcopy functions of ../ceph-csi-operator-api and the CRDs that `lab/operator.sh api-check`
// compares with the operator release's install.yaml. v0.17.2 is the version the release's
// CRDs were generated with (their controller-gen.kubebuilder.io/version annotation).
package controllergen

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
