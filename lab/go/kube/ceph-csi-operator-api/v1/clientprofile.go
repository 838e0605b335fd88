package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CephCsiSecretsSpec names Secrets that ceph-csi uses beyond the StorageClass's own.
type CephCsiSecretsSpec struct {
	// ControllerPublishSecret is the Secret for ControllerPublishVolume calls.
	// +optional
	ControllerPublishSecret corev1.SecretReference `json:"controllerPublishSecret,omitempty"`
}

// CephFsConfigSpec is a ClientProfile's CephFS settings.
type CephFsConfigSpec struct {
	// SubVolumeGroup is the subvolume group volumes are made in.
	// +optional
	SubVolumeGroup string `json:"subVolumeGroup,omitempty"`

	// KernelMountOptions are passed to kernel CephFS mounts.
	// +optional
	KernelMountOptions map[string]string `json:"kernelMountOptions,omitempty"`

	// FuseMountOptions are passed to ceph-fuse mounts.
	// +optional
	FuseMountOptions map[string]string `json:"fuseMountOptions,omitempty"`

	// RadosNamespace holds the subvolumes' metadata; it cannot change once set.
	// +kubebuilder:validation:XValidation:rule=self == oldSelf,message="field is immutable"
	// +optional
	RadosNamespace *string `json:"radosNamespace,omitempty"`

	// CephCsiSecrets names further Secrets.
	// +optional
	CephCsiSecrets *CephCsiSecretsSpec `json:"cephCsiSecrets,omitempty"`
}

// RbdConfigSpec is a ClientProfile's RBD settings.
type RbdConfigSpec struct {
	// RadosNamespace confines the images; it cannot change once set.
	// +kubebuilder:validation:XValidation:rule=self == oldSelf,message="field is immutable"
	// +optional
	RadosNamespace string `json:"radosNamespace,omitempty"`

	// CephCsiSecrets names further Secrets.
	// +optional
	CephCsiSecrets *CephCsiSecretsSpec `json:"cephCsiSecrets,omitempty"`
}

// NvmeofConfigSpec is a ClientProfile's NVMe-oF settings.
type NvmeofConfigSpec struct {
	// RadosNamespace confines the images; it cannot change once set.
	// +kubebuilder:validation:XValidation:rule=self == oldSelf,message="field is immutable"
	// +optional
	RadosNamespace string `json:"radosNamespace,omitempty"`

	// CephCsiSecrets names further Secrets.
	// +optional
	CephCsiSecrets *CephCsiSecretsSpec `json:"cephCsiSecrets,omitempty"`
}

// NfsConfigSpec is a ClientProfile's NFS settings; the API defines none yet.
type NfsConfigSpec struct{}

// ClientProfileSpec is what a StorageClass's clusterID stands for.
type ClientProfileSpec struct {
	// CephConnectionRef names the CephConnection in the same namespace.
	// +kubebuilder:validation:XValidation:rule=self.name != "",message="'.name' cannot be empty"
	// +kubebuilder:validation:Required
	CephConnectionRef corev1.LocalObjectReference `json:"cephConnectionRef"`

	// CephFs holds the CephFS settings.
	// +optional
	CephFs *CephFsConfigSpec `json:"cephFs,omitempty"`

	// Rbd holds the RBD settings.
	// +optional
	Rbd *RbdConfigSpec `json:"rbd,omitempty"`

	// Nfs holds the NFS settings.
	// +optional
	Nfs *NfsConfigSpec `json:"nfs,omitempty"`

	// Nvmeof holds the NVMe-oF settings.
	// +optional
	Nvmeof *NvmeofConfigSpec `json:"nvmeof,omitempty"`
}

// ClientProfileStatus is empty: the operator reports nothing on this kind.
type ClientProfileStatus struct{}

// ClientProfile is one clusterID of ceph-csi's configuration.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type ClientProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClientProfileSpec   `json:"spec,omitempty"`
	Status ClientProfileStatus `json:"status,omitempty"`
}

// ClientProfileList is a list of ClientProfiles.
//
// +kubebuilder:object:root=true
type ClientProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClientProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ClientProfile{}, &ClientProfileList{})
}
