// Command embedgen writes the two files that pulumi-resource-kubernetes embeds:
//
//	embedgen <dir of provider/cmd/pulumi-resource-kubernetes> <version> <output dir>
//
// schema-embed.json is the committed schema.json with "version" set and compacted;
// terraform-mapping-embed.json is terraform-mapping.json compacted (as upstream's generate.go).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: embedgen <schema dir> <version> <output dir>")
		os.Exit(2)
	}
	src, version, out := os.Args[1], os.Args[2], os.Args[3]
	if err := run(src, version, out); err != nil {
		fmt.Fprintln(os.Stderr, "embedgen:", err)
		os.Exit(1)
	}
}

func run(src, version, out string) error {
	raw, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		return err
	}
	var schema map[string]json.RawMessage
	if err := json.Unmarshal(raw, &schema); err != nil {
		return fmt.Errorf("schema.json: %w", err)
	}
	v, err := json.Marshal(version)
	if err != nil {
		return err
	}
	schema["version"] = v
	b, err := json.Marshal(schema)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "schema-embed.json"), b, 0o644); err != nil {
		return err
	}

	raw, err = os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return fmt.Errorf("terraform-mapping.json: %w", err)
	}
	return os.WriteFile(filepath.Join(out, "terraform-mapping-embed.json"), compact.Bytes(), 0o644)
}
