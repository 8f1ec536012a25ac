#!/usr/bin/env bash
# Runs the named npm scripts in order, each one's wall time printed as it ends and all of them in a
# table at the end. Stops at the first failure (later suites depend on earlier ones: the image
# before the e2e suite), naming it.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
results=()
status=0
for suite in "$@"; do
  echo "== [$((SECONDS - start))s] npm run $suite"
  t=$SECONDS
  npm run -s "$suite"
  rc=$?
  took=$((SECONDS - t))
  results+=("$(printf '%-18s %6ss  %s' "$suite" "$took" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  echo "== $suite: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in ${took}s"
  if [ $rc -ne 0 ]; then
    status=$rc
    break
  fi
done
echo
echo "suite                time  result"
printf '%s\n' "${results[@]}"
echo "total              $((SECONDS - start))s"
exit $status
