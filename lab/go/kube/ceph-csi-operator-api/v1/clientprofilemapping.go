package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// BlockPoolIdPair maps one pool ID of the local cluster to one of the remote cluster.
// +kubebuilder:validation:MinItems:=2
// +kubebuilder:validation:MaxItems:=2
type BlockPoolIdPair []string

// MappingsSpec pairs a local ClientProfile with its mirror's, and their pool IDs.
type MappingsSpec struct {
	// LocalClientProfile names the ClientProfile of this cluster.
	// +kubebuilder:validation:Required
	LocalClientProfile string `json:"localClientProfile,omitempty"`

	// RemoteClientProfile names the ClientProfile of the mirror cluster.
	// +kubebuilder:validation:Required
	RemoteClientProfile string `json:"remoteClientProfile,omitempty"`

	// BlockPoolIdMapping lists pairs of pool IDs, local first.
	// +optional
	BlockPoolIdMapping []BlockPoolIdPair `json:"blockPoolIdMapping,omitempty"`
}

// ClientProfileMappingSpec lists the mappings.
type ClientProfileMappingSpec struct {
	// Mappings pairs ClientProfiles across mirrored clusters.
	// +kubebuilder:validation:Required
	Mappings []MappingsSpec `json:"mappings"`
}

// ClientProfileMappingStatus is empty: the operator reports nothing on this kind.
type ClientProfileMappingStatus struct{}

// ClientProfileMapping maps ClientProfiles and pools between mirrored clusters.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type ClientProfileMapping struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClientProfileMappingSpec   `json:"spec,omitempty"`
	Status ClientProfileMappingStatus `json:"status,omitempty"`
}

// ClientProfileMappingList is a list of ClientProfileMappings.
//
// +kubebuilder:object:root=true
type ClientProfileMappingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClientProfileMapping `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ClientProfileMapping{}, &ClientProfileMappingList{})
}
