#!/usr/bin/env bash
# `npm run mutation`, one source folder at a time: each folder ends with its own report, so a long
# run yields scores as it goes, and a re-run of one folder reuses its own incremental file. Then
# prints the table for docs/testing.md. Usage: bash .ci/mutation-by-folder.sh [folder ...]
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] && set -- internal schemas http policy auth client
mkdir -p .tmp/mutation/by-folder
for folder in "$@"; do
  [ -d "src/$folder" ] || continue
  start=$(date +%s)
  npx stryker run .ci/stryker.config.mjs --mutate "src/$folder/**/*.ts" \
    --incrementalFile ".tmp/mutation/by-folder/incremental-$folder.json" \
    > ".tmp/mutation/by-folder/$folder.log" 2>&1
  echo "src/$folder: exit $?, $(( $(date +%s) - start )) s" | tee -a .tmp/mutation/by-folder/times.txt
  mv -f .tmp/mutation/mutation.json ".tmp/mutation/by-folder/$folder.json" 2>/dev/null
done
node .ci/mutation-table.mjs .tmp/mutation/by-folder/*.json
