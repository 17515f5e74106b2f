#!/usr/bin/env bash
# The CI hook: what a runner invokes to verify the site and then build it.
#
#   bash hooks/ci.sh [--device auto|cpu|cuda] [--reports DIR] [--site DIR|--no-site] [more `modelsite check` options]
#
# Validates the index, runs `modelsite check` (reports in DIR: check.json and check-junit.xml),
# then builds the site with `mkdocs build --strict` into the --site folder (default site/), with
# the check's report, so every block shows the output it just had. A shard of a sweep (`--shard K/N`)
# passes --no-site: the job that merges the shards' reports builds the site once. Expects the environment that `make install`
# creates (.venv); set MODELSITE_BIN to use another. Exits non-zero when any step fails.
set -euo pipefail

bin=${MODELSITE_BIN:-.venv/bin}
device=auto
reports=reports
site=site
check_options=()
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --reports) reports=$2; shift 2 ;;
    --site) site=$2; shift 2 ;;
    --no-site) site=; shift ;;
    *) check_options+=("$1"); shift ;;
  esac
done

# auto: pages at once from the cores and memory (and GPU memory on cuda); each page gets cores // jobs threads.
jobs=${MODELSITE_JOBS:-auto}
export NO_MKDOCS_2_WARNING=1

mkdir -p "$reports"
"$bin/modelsite" validate
status=0
"$bin/modelsite" check --device "$device" --jobs "$jobs" \
  --report "$reports/check.json" --junit "$reports/check-junit.xml" ${check_options[@]+"${check_options[@]}"} || status=$?
if [ "$status" -ne 0 ]; then
  echo "hooks/ci.sh: the check failed (exit $status); the site is not built" >&2
  exit "$status"
fi
if [ -z "$site" ]; then
  echo "hooks/ci.sh: check passed on $device (reports in $reports/); no site built (--no-site)"
  exit 0
fi
"$bin/mkdocs" build --strict --site-dir "$site"
echo "hooks/ci.sh: check passed on $device and the site is built in $site/ (reports in $reports/)"
