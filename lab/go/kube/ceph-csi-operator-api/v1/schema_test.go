package v1_test

// The types of this package are written by kube-ceph, not copied: this test is what keeps them
// faithful to the operator release. It runs controller-gen over the package and compares each
// generated CustomResourceDefinition with the one of the same name in the release's
// install.yaml, everything but descriptions: property paths, types, formats, required lists,
// enums, defaults, nullable, list and map types, and every x-kubernetes-* marker. It reports
// the first path that differs. lab/operator.sh api-check runs it with both inputs set.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The five kinds the operator serves, by CRD name.
var wantCRDs = []string{
	"cephconnections.csi.ceph.io",
	"clientprofilemappings.csi.ceph.io",
	"clientprofiles.csi.ceph.io",
	"drivers.csi.ceph.io",
	"operatorconfigs.csi.ceph.io",
}

func mustEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this test through lab/operator.sh api-check", name)
	}
	return v
}

// crdsIn reads every CustomResourceDefinition of a multi-document YAML file, by name.
func crdsIn(t *testing.T, data []byte, into map[string]map[string]any) {
	t.Helper()
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("parsing YAML: %v", err)
		}
		if obj == nil || obj["kind"] != "CustomResourceDefinition" {
			continue
		}
		name, _ := obj["metadata"].(map[string]any)["name"].(string)
		into[name] = obj
	}
}

// withoutDescriptions drops the description of every schema node. It knows which maps are
// schemas, so a property that is itself named "description" is kept.
func withoutDescriptions(schema any) any {
	node, ok := schema.(map[string]any)
	if !ok {
		return schema
	}
	out := map[string]any{}
	for k, v := range node {
		switch k {
		case "description":
		case "properties", "patternProperties", "definitions", "dependencies":
			props := map[string]any{}
			for name, sub := range v.(map[string]any) {
				props[name] = withoutDescriptions(sub)
			}
			out[k] = props
		case "items", "additionalProperties", "not", "additionalItems":
			out[k] = withoutDescriptions(v)
		case "anyOf", "allOf", "oneOf":
			var list []any
			for _, sub := range v.([]any) {
				list = append(list, withoutDescriptions(sub))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	return out
}

// comparable is a CRD's spec with the descriptions of every version's schema removed.
func comparable(crd map[string]any) map[string]any {
	spec := crd["spec"].(map[string]any)
	out := map[string]any{}
	for k, v := range spec {
		out[k] = v
	}
	var versions []any
	for _, v := range spec["versions"].([]any) {
		version := map[string]any{}
		for k, x := range v.(map[string]any) {
			version[k] = x
		}
		if s, ok := version["schema"].(map[string]any); ok {
			version["schema"] = map[string]any{"openAPIV3Schema": withoutDescriptions(s["openAPIV3Schema"])}
		}
		versions = append(versions, version)
	}
	out["versions"] = versions
	return out
}

// firstDifference walks both values in a fixed order and returns the first path where they
// differ, with both sides; "" when they are equal.
func firstDifference(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: install.yaml has an object, the types give %s", path, show(got))
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inW:
				return fmt.Sprintf("%s.%s: not in install.yaml, the types give %s", path, k, show(gv))
			case !inG:
				return fmt.Sprintf("%s.%s: install.yaml has %s, the types give nothing", path, k, show(wv))
			}
			if d := firstDifference(path+"."+k, wv, gv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: install.yaml has a list, the types give %s", path, show(got))
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if d := firstDifference(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: install.yaml has %d items, the types give %d: %s against %s", path, len(w), len(g), show(w), show(g))
		}
		return ""
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("%s: install.yaml has %s, the types give %s", path, show(want), show(got))
		}
		return ""
	}
}

func show(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strings.ReplaceAll(s, "\n", " ")
}

func TestCRDsMatchTheRelease(t *testing.T) {
	controllerGen := mustEnv(t, "CONTROLLER_GEN")
	installYAML := mustEnv(t, "OPERATOR_INSTALL_YAML")

	released := map[string]map[string]any{}
	data, err := os.ReadFile(installYAML)
	if err != nil {
		t.Fatal(err)
	}
	crdsIn(t, data, released)

	outDir := t.TempDir()
	// The test runs in this package's directory; controller-gen reads the package from there.
	gen := exec.Command(controllerGen, "crd", "paths=.", "output:crd:dir="+outDir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen crd: %v\n%s", err, out)
	}
	generated := map[string]map[string]any{}
	files, _ := filepath.Glob(filepath.Join(outDir, "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crdsIn(t, data, generated)
	}

	if len(generated) != len(wantCRDs) {
		names := make([]string, 0, len(generated))
		for n := range generated {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Errorf("controller-gen made %d CRDs (%s), want the %d of the release", len(names), strings.Join(names, ", "), len(wantCRDs))
	}
	for _, name := range wantCRDs {
		t.Run(name, func(t *testing.T) {
			want, ok := released[name]
			if !ok {
				t.Fatalf("%s is not in %s", name, installYAML)
			}
			got, ok := generated[name]
			if !ok {
				t.Fatalf("controller-gen made no %s from the types", name)
			}
			if d := firstDifference("spec", comparable(want), comparable(got)); d != "" {
				t.Fatalf("%s differs from the release at %s", name, d)
			}
		})
	}
}
