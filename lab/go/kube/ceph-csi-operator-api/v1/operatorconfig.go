package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// OperatorLogSpec is the operator's own logging.
type OperatorLogSpec struct {
	// Verbosity is the operator's log level, 0 (least) to 3.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=3
	// +optional
	Verbosity int `json:"verbosity,omitempty"`
}

// OperatorConfigSpec is the operator's configuration.
type OperatorConfigSpec struct {
	// Log is the operator's logging.
	// +optional
	Log *OperatorLogSpec `json:"log,omitempty"`

	// DriverSpecDefaults apply to every Driver where the Driver leaves a field unset.
	// +optional
	DriverSpecDefaults *DriverSpec `json:"driverSpecDefaults,omitempty"`
}

// OperatorConfigStatus is empty: the operator reports nothing on this kind.
type OperatorConfigStatus struct{}

// OperatorConfig configures the operator of its namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type OperatorConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   OperatorConfigSpec   `json:"spec,omitempty"`
	Status OperatorConfigStatus `json:"status,omitempty"`
}

// OperatorConfigList is a list of OperatorConfigs.
//
// +kubebuilder:object:root=true
type OperatorConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OperatorConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OperatorConfig{}, &OperatorConfigList{})
}
