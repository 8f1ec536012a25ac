#!/usr/bin/env bash
# Stopping what the hack scripts started under setsid with a pid file (sourced, not run; needs
# lib/log.sh). Safe under `set -e`.

# pid_alive PID: running and not a zombie.
pid_alive() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "${state}" && "${state}" != "Z" ]]
}

# stop_pidfile FILE NAME: TERM the process group in FILE if the pid is still NAME's binary (pids
# get reused), KILL after 10 s; removes FILE.
stop_pidfile() {
  local f="$1" name="$2" pid exe i
  [[ -f "${f}" ]] || return 0
  pid="$(cat "${f}")"
  rm -f "${f}"
  if ! [[ "${pid}" =~ ^[0-9]+$ ]] || ! pid_alive "${pid}"; then return 0; fi
  exe="$(readlink "/proc/${pid}/exe" 2>/dev/null || true)"
  if [[ "${exe##*/}" != "${name}" ]]; then
    log "pid ${pid} is no longer ${name} (${exe}); skipping"
    return 0
  fi
  kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "${pid}" || break
    sleep 0.1
  done
  if pid_alive "${pid}"; then
    kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
  fi
  log "stopped ${name} (pid ${pid})"
}
