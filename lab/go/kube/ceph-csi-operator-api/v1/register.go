package v1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion names the API group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "csi.ceph.io", Version: "v1"}

	// SchemeBuilder collects the kinds; each kind's file registers itself in init.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a runtime.Scheme (the operator's manager).
	AddToScheme = SchemeBuilder.AddToScheme
)
