//go:build tools

// Package tools only records, for `go mod tidy`, the upstream command this module builds:
// tools/registry.ts runs `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` here.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
