package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ReadAffinitySpec asks ceph-csi to read from the OSDs nearest the node, by CRUSH location.
type ReadAffinitySpec struct {
	// CrushLocationLabels are the node labels whose values give the node's CRUSH location.
	// +kubebuilder:validation:MinItems:=1
	// +kubebuilder:validation:Required
	CrushLocationLabels []string `json:"crushLocationLabels,omitempty"`
}

// CephConnectionSpec is how to reach one Ceph cluster.
type CephConnectionSpec struct {
	// Monitors lists the cluster's mon addresses.
	// +kubebuilder:validation:MinItems:=1
	// +kubebuilder:validation:Required
	Monitors []string `json:"monitors"`

	// ReadAffinity turns on localized reads.
	// +optional
	ReadAffinity *ReadAffinitySpec `json:"readAffinity,omitempty"`

	// RbdMirrorDaemonCount is the number of rbd-mirror daemons of the cluster.
	// +kubebuilder:validation:Minimum:=1
	// +optional
	RbdMirrorDaemonCount int `json:"rbdMirrorDaemonCount,omitempty"`
}

// CephConnectionStatus is empty: the operator reports nothing on this kind.
type CephConnectionStatus struct{}

// CephConnection is a Ceph cluster that ClientProfiles refer to.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type CephConnection struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CephConnectionSpec   `json:"spec,omitempty"`
	Status CephConnectionStatus `json:"status,omitempty"`
}

// CephConnectionList is a list of CephConnections.
//
// +kubebuilder:object:root=true
type CephConnectionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CephConnection `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CephConnection{}, &CephConnectionList{})
}
