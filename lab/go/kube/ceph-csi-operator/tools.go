//go:build tools

// Package operatorlab pins the ceph-csi-operator release that lab/kube.sh builds and whose
// deploy/all-in-one/install.yaml the lab serves to the program. It is never compiled; it only
// keeps the operator's dependencies in go.mod / go.sum.
package operatorlab

import _ "github.com/ceph/ceph-csi-operator/cmd"
