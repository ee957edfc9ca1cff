#!/usr/bin/env bash
# Runs every fuzz target listed in fuzz/Cargo.toml (or only the TARGETs named after SECONDS) for SECONDS
# each (default 60), one after the other, one libFuzzer process at a time,
# on the stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly-only sanitizer flags).
# Exit status is non-zero if any target found a crash; crash inputs land in fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
case "$secs" in ''|*[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;; esac
shift || true
targets=$(awk '/^\[\[bin\]\]/ { inbin = 1; next } inbin && /^name *=/ { gsub(/.*= *"|".*/, ""); print; inbin = 0 }' Cargo.toml)
if [ $# -gt 0 ]; then
  for t in "$@"; do
    printf '%s\n' $targets | grep -qx -- "$t" || { echo "unknown target: $t" >&2; exit 2; }
  done
  targets="$*"
fi
[ -n "$targets" ] || { echo "no [[bin]] targets in fuzz/Cargo.toml" >&2; exit 2; }
failed=()
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "==> $t (${secs}s)"
  # A scratch copy of the seed corpus receives new inputs, so the committed seeds stay small.
  work=$(mktemp -d)
  cp -r "corpus/$t/." "$work/" 2>/dev/null || true
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "$work" -- -max_total_time="$secs" -rss_limit_mb=2048 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)'
  rc=${PIPESTATUS[0]}
  rm -rf "$work"
  if [ "$rc" != 0 ]; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all fuzz targets ran ${secs}s without a crash"
