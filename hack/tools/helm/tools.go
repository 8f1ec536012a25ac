//go:build tools

// Package tools pins helm's command so that `go mod tidy` keeps its
// dependencies in go.mod/go.sum (built by hack/build-tools.sh).
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
