package v1

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CephFsClientType says how ceph-csi mounts CephFS.
// +kubebuilder:validation:Enum:=autodetect;kernel
type CephFsClientType string

const (
	// AutoDetectCephFsClient lets ceph-csi choose the kernel client or ceph-fuse.
	AutoDetectCephFsClient CephFsClientType = "autodetect"
	// KernelCephFsClient makes ceph-csi use the kernel client.
	KernelCephFsClient CephFsClientType = "kernel"
)

// SnapshotPolicyType says which snapshot sidecar the controller plugin runs.
// +kubebuilder:validation:Enum:=none;volumeGroupSnapshot;volumeSnapshot
type SnapshotPolicyType string

const (
	// NoneSnapshotPolicy runs no snapshotter.
	NoneSnapshotPolicy SnapshotPolicyType = "none"
	// VolumeGroupSnapshotPolicy runs the snapshotter with volume group snapshots.
	VolumeGroupSnapshotPolicy SnapshotPolicyType = "volumeGroupSnapshot"
	// VolumeSnapshotSnapshotPolicy runs the snapshotter for volume snapshots.
	VolumeSnapshotSnapshotPolicy SnapshotPolicyType = "volumeSnapshot"
)

// PeriodicityType is how often the plugins' logs rotate.
// +kubebuilder:validation:Enum:=hourly;daily;weekly;monthly
type PeriodicityType string

// LogRotationSpec is the rotation of the plugins' log files on the host.
// +kubebuilder:validation:XValidation:rule=(has(self.maxLogSize)) || (has(self.periodicity)),message="Either maxLogSize or periodicity must be set"
type LogRotationSpec struct {
	// MaxFiles is how many rotated files are kept.
	// +optional
	MaxFiles int `json:"maxFiles,omitempty"`

	// MaxLogSize rotates a file when it grows past this size.
	// +optional
	MaxLogSize resource.Quantity `json:"maxLogSize,omitempty"`

	// Periodicity rotates the files on a schedule.
	// +optional
	Periodicity PeriodicityType `json:"periodicity,omitempty"`

	// LogHostPath is the host directory of the log files.
	// +optional
	LogHostPath string `json:"logHostPath,omitempty"`
}

// LogSpec is the plugins' logging.
type LogSpec struct {
	// Verbosity is the plugins' log level, 0 (least) to 5.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=5
	// +optional
	Verbosity int `json:"verbosity,omitempty"`

	// Rotation turns on log files on the host, rotated.
	// +optional
	Rotation *LogRotationSpec `json:"rotation,omitempty"`
}

// EncryptionSpec points ceph-csi at its KMS configuration.
type EncryptionSpec struct {
	// ConfigMapRef names the ConfigMap of KMS settings.
	// +kubebuilder:validation:XValidation:rule=self.name != "",message="'.name' cannot be empty"
	// +kubebuilder:validation:Required
	ConfigMapRef corev1.LocalObjectReference `json:"configMapName,omitempty"`
}

// VolumeSpec is an extra volume of a plugin's pods, with where it is mounted.
type VolumeSpec struct {
	// Volume is the pod volume.
	// +optional
	Volume corev1.Volume `json:"volume,omitempty"`

	// Mount is where the plugin container mounts it.
	// +optional
	Mount corev1.VolumeMount `json:"mount,omitempty"`
}

// PodCommonSpec holds the pod settings that the node and controller plugins share.
type PodCommonSpec struct {
	// ServiceAccountName runs the pods as this ServiceAccount.
	// +optional
	ServiceAccountName *string `json:"serviceAccountName,omitempty"`

	// PrioritylClassName is the pods' PriorityClass. (The Go name is the operator's.)
	// +optional
	PrioritylClassName *string `json:"priorityClassName,omitempty"`

	// Labels are added to the pods.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations are added to the pods.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Affinity is the pods' scheduling affinity.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// Tolerations are the pods' tolerations.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// Volumes are extra volumes of the plugin container.
	// +optional
	Volumes []VolumeSpec `json:"volumes,omitempty"`

	// ImagePullPolicy applies to every container of the pods.
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
}

// NodePluginResourcesSpec is the resources of each container of the node plugin.
type NodePluginResourcesSpec struct {
	// +optional
	Registrar *corev1.ResourceRequirements `json:"registrar,omitempty"`
	// +optional
	Liveness *corev1.ResourceRequirements `json:"liveness,omitempty"`
	// +optional
	Addons *corev1.ResourceRequirements `json:"addons,omitempty"`
	// +optional
	LogRotator *corev1.ResourceRequirements `json:"logRotator,omitempty"`
	// +optional
	Plugin *corev1.ResourceRequirements `json:"plugin,omitempty"`
}

// TopologySpec makes volumes topology-aware.
type TopologySpec struct {
	// DomainLabels are the node labels that name a node's failure domains.
	// +kubebuilder:validation:Required
	DomainLabels []string `json:"domainLabels,omitempty"`
}

// NodePluginSpec is the node plugin's DaemonSet.
type NodePluginSpec struct {
	PodCommonSpec `json:",inline"`

	// UpdateStrategy is the DaemonSet's update strategy.
	// +optional
	UpdateStrategy *appsv1.DaemonSetUpdateStrategy `json:"updateStrategy,omitempty"`

	// Resources per container.
	// +optional
	Resources NodePluginResourcesSpec `json:"resources,omitempty"`

	// KubeletDirPath is the kubelet's root directory on the nodes.
	// +optional
	KubeletDirPath string `json:"kubeletDirPath,omitempty"`

	// EnableSeLinuxHostMount mounts the host's /etc/selinux into the plugin.
	// +optional
	EnableSeLinuxHostMount *bool `json:"enableSeLinuxHostMount,omitempty"`

	// Topology makes the node plugin report failure domains.
	// +optional
	Topology *TopologySpec `json:"topology,omitempty"`

	// ContainerExtraArgs adds arguments to containers, by container name.
	// +optional
	ContainerExtraArgs map[string][]string `json:"containerExtraArgs,omitempty"`
}

// ControllerPluginResourcesSpec is the resources of each container of the controller plugin.
type ControllerPluginResourcesSpec struct {
	// +optional
	Attacher *corev1.ResourceRequirements `json:"attacher,omitempty"`
	// +optional
	Snapshotter *corev1.ResourceRequirements `json:"snapshotter,omitempty"`
	// +optional
	Resizer *corev1.ResourceRequirements `json:"resizer,omitempty"`
	// +optional
	Provisioner *corev1.ResourceRequirements `json:"provisioner,omitempty"`
	// +optional
	OMapGenerator *corev1.ResourceRequirements `json:"omapGenerator,omitempty"`
	// +optional
	Liveness *corev1.ResourceRequirements `json:"liveness,omitempty"`
	// +optional
	Addons *corev1.ResourceRequirements `json:"addons,omitempty"`
	// +optional
	LogRotator *corev1.ResourceRequirements `json:"logRotator,omitempty"`
	// +optional
	Plugin *corev1.ResourceRequirements `json:"plugin,omitempty"`
}

// ControllerPluginSpec is the controller plugin's Deployment.
type ControllerPluginSpec struct {
	PodCommonSpec `json:",inline"`

	// HostNetwork runs the pods in the host's network namespace.
	// +optional
	HostNetwork *bool `json:"hostNetwork,omitempty"`

	// DeploymentStrategy is the Deployment's strategy.
	// +optional
	DeploymentStrategy *appsv1.DeploymentStrategy `json:"deploymentStrategy,omitempty"`

	// Replicas of the Deployment.
	// +kubebuilder:validation:Minimum:=1
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Resources per container.
	// +optional
	Resources ControllerPluginResourcesSpec `json:"resources,omitempty"`

	// Privileged runs the plugin container privileged.
	// +optional
	Privileged *bool `json:"privileged,omitempty"`

	// ContainerExtraArgs adds arguments to containers, by container name.
	// +optional
	ContainerExtraArgs map[string][]string `json:"containerExtraArgs,omitempty"`
}

// LivenessSpec serves the plugins' liveness metrics.
type LivenessSpec struct {
	// MetricsPort is the port of the liveness sidecar's metrics.
	// +kubebuilder:validation:Minimum:=1024
	// +kubebuilder:validation:Maximum:=65535
	// +kubebuilder:validation:Required
	MetricsPort int `json:"metricsPort,omitempty"`
}

// LeaderElectionSpec is the controller plugin's leader election, in seconds.
type LeaderElectionSpec struct {
	// +kubebuilder:validation:Minimum:=0
	// +optional
	LeaseDuration int `json:"leaseDuration,omitempty"`

	// +kubebuilder:validation:Minimum:=0
	// +optional
	RenewDeadline int `json:"renewDeadline,omitempty"`

	// +kubebuilder:validation:Minimum:=0
	// +optional
	RetryPeriod int `json:"retryPeriod,omitempty"`
}

// DriverSpec is one CSI driver's deployment and settings.
type DriverSpec struct {
	// Log is the plugins' logging.
	// +optional
	Log *LogSpec `json:"log,omitempty"`

	// ImageSet names a ConfigMap of container images that replace the operator's defaults.
	// +kubebuilder:validation:XValidation:rule=self.name != "",message="'.name' cannot be empty"
	// +optional
	ImageSet *corev1.LocalObjectReference `json:"imageSet,omitempty"`

	// ClusterName is the Kubernetes cluster's name, passed to the plugins.
	// +optional
	ClusterName *string `json:"clusterName,omitempty"`

	// EnableMetadata sets metadata on the Ceph volumes.
	// +optional
	EnableMetadata *bool `json:"enableMetadata,omitempty"`

	// GRpcTimeout is the plugins' gRPC timeout, in seconds.
	// +kubebuilder:validation:Minimum:=0
	// +optional
	GRpcTimeout int `json:"grpcTimeout,omitempty"`

	// SnapshotPolicy is which snapshot sidecar runs.
	// +optional
	SnapshotPolicy SnapshotPolicyType `json:"snapshotPolicy,omitempty"`

	// GenerateOMapInfo runs the OMap generator sidecar.
	// +optional
	GenerateOMapInfo *bool `json:"generateOMapInfo,omitempty"`

	// FsGroupPolicy is the CSIDriver's fsGroupPolicy.
	// +optional
	FsGroupPolicy storagev1.FSGroupPolicy `json:"fsGroupPolicy,omitempty"`

	// Encryption points at the KMS configuration.
	// +optional
	Encryption *EncryptionSpec `json:"encryption,omitempty"`

	// NodePlugin is the node plugin's DaemonSet.
	// +optional
	NodePlugin *NodePluginSpec `json:"nodePlugin,omitempty"`

	// ControllerPlugin is the controller plugin's Deployment.
	// +optional
	ControllerPlugin *ControllerPluginSpec `json:"controllerPlugin,omitempty"`

	// AttachRequired is the CSIDriver's attachRequired.
	// +optional
	AttachRequired *bool `json:"attachRequired,omitempty"`

	// DeployCsiAddons runs the csi-addons sidecar.
	// +optional
	DeployCsiAddons *bool `json:"deployCsiAddons,omitempty"`

	// CephFsClientType is how CephFS volumes are mounted.
	// +optional
	CephFsClientType CephFsClientType `json:"cephFsClientType,omitempty"`

	// KernelMountOptions are passed to kernel mounts.
	// +optional
	KernelMountOptions map[string]string `json:"kernelMountOptions,omitempty"`

	// FuseMountOptions are passed to ceph-fuse mounts.
	// +optional
	FuseMountOptions map[string]string `json:"fuseMountOptions,omitempty"`

	// Liveness serves the liveness metrics.
	// +optional
	Liveness *LivenessSpec `json:"liveness,omitempty"`

	// LeaderElection tunes the controller plugin's leader election.
	// +optional
	LeaderElection *LeaderElectionSpec `json:"leaderElection,omitempty"`

	// EnableFencing runs the fencing controllers.
	// +optional
	EnableFencing *bool `json:"enableFencing,omitempty"`
}

// DriverStatus is empty: the operator reports nothing on this kind.
type DriverStatus struct{}

// Driver is one ceph-csi driver; its name is the CSI driver name.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule=`self.metadata.name.matches('^(.+\\.)?(rbd|cephfs|nfs|nvmeof)?\\.csi\\.ceph\\.com$')`,message=".metadata.name must match: '[<prefix>.](rbd|cephfs|nfs|nvmeof).csi.ceph.com'"
type Driver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DriverSpec   `json:"spec,omitempty"`
	Status DriverStatus `json:"status,omitempty"`
}

// DriverList is a list of Drivers.
//
// +kubebuilder:object:root=true
type DriverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Driver `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Driver{}, &DriverList{})
}
