// Command pulumi-resource-kubernetes builds the Kubernetes resource provider from the Go module
// github.com/pulumi/pulumi-kubernetes/provider/v4 for the lab.
//
// Upstream's own main (provider/cmd/pulumi-resource-kubernetes) embeds two files that its
// Makefile generates and git ignores, so they are not in the module zip. lab/pulumi.sh copies
// this directory to a temporary build directory, runs ./embedgen there to write
// schema-embed.json and terraform-mapping-embed.json from the module's committed schema.json and
// terraform-mapping.json (the same transformation as upstream's generate.go: set the schema's
// version, compact both), and builds there. Nothing generated is kept in the repository.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is set with -ldflags -X by lab/pulumi.sh.
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
