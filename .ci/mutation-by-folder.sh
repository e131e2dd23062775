#!/usr/bin/env bash
# `npm run mutation`, one source folder at a time: each folder ends with its own report, so a long
# run yields scores as it goes, and a re-run of one folder reuses its own incremental file. Then
# prints the table for docs/testing.md.
# Usage: bash .ci/mutation-by-folder.sh [--parallel] [folder ...]
# --parallel runs the folders at the same time, each with its own sandbox: much of a mutant's time
# is the fault table's real waits, so a 2-core machine is not busy with one run of concurrency 2.
set -uo pipefail
cd "$(dirname "$0")/.."
parallel=false
if [ "${1:-}" = "--parallel" ]; then parallel=true; shift; fi
[ $# -eq 0 ] && set -- internal schemas http policy auth client
dir=.tmp/mutation/by-folder
mkdir -p "$dir"

run_folder() {
  local folder=$1 start
  start=$(date +%s)
  STRYKER_OUT="$dir/$folder-report" STRYKER_TMP=".tmp/stryker-$folder" \
    npx stryker run .ci/stryker.config.mjs --mutate "src/$folder/**/*.ts" \
    --incrementalFile "$dir/incremental-$folder.json" > "$dir/$folder.log" 2>&1
  echo "src/$folder: exit $?, $(($(date +%s) - start)) s" | tee -a "$dir/times.txt"
  cp -f "$dir/$folder-report/mutation.json" "$dir/$folder.json" 2>/dev/null
}

for folder in "$@"; do
  [ -d "src/$folder" ] || continue
  if $parallel; then run_folder "$folder" & else run_folder "$folder"; fi
done
wait
node .ci/mutation-table.mjs "$dir"/*.json
