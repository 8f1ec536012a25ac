#!/usr/bin/env bash
# Shared settings for the locally built control-plane tools (sourced, not run).
# The versions here are the single source of truth; hack/tools/go.mod is
# generated from them by hack/gen-tools-gomod.sh.

DIAGNOSE_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIAGNOSE_TOOLS_MODULE_DIR="${DIAGNOSE_REPO_ROOT}/hack/tools"

K8S_VERSION="v1.34.4"
ETCD_VERSION="v3.6.4"
HELM_VERSION="v3.19.5"

# k8s.io/kubernetes v1.X.Y publishes its staging modules as v0.X.Y.
K8S_STAGING_VERSION="v0.${K8S_VERSION#v1.}"

DIAGNOSE_TOOLS_KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
DIAGNOSE_TOOLS_BIN_DIR="${DIAGNOSE_TOOLS_DIR:-${HOME}/.cache/diagnose-operator}/tools/${DIAGNOSE_TOOLS_KEY}"
