#!/usr/bin/env bash
# Progress and fatal errors for the hack scripts (sourced, not run), on stderr:
#   log_init NAME; log "text" -> "NAME: [12s] text"; die "text" -> "NAME: ERROR: text", exit 1.

log_init() {
  DIAGNOSE_LOG_NAME="$1"
  DIAGNOSE_LOG_START=${SECONDS}
}
log() { echo "${DIAGNOSE_LOG_NAME}: [$((SECONDS - DIAGNOSE_LOG_START))s] $*" >&2; }
die() {
  echo "${DIAGNOSE_LOG_NAME}: ERROR: $*" >&2
  exit 1
}
