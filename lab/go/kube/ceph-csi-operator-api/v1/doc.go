// Package v1 holds the Go types of ceph-csi-operator's csi.ceph.io/v1 API, as the operator's
// controllers use them. kube-ceph writes them from the operator release's published CRD
// schemas so that the lab can build the operator from the Go module proxy alone.
//
// The schema markers below and on each field are what controller-gen turns back into the
// CRDs; `lab/operator.sh api-check` compares that output with the release's install.yaml.
//
// +kubebuilder:object:generate=true
// +groupName=csi.ceph.io
package v1
