#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the benchmarks, one line each, from one boot of the emulated
# pseries host (with-window and status-quo runs side by side in the same
# boot) plus the harness's instruction count per emulated MSI-X table
# access (callgrind on x86, the same msix_emul.c the kernel builds).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$TOP/build}
export B
cd "$TOP"
I=$(make -s -C tools/testing/kvm_pt bench-insns | sed -n 's/^insns_per_access=//p')
[ -n "$I" ] || { echo "bench: no instruction count from callgrind" >&2; exit 1; }
export PTW_MSIX_INSNS_PER_ACCESS=$I
mkdir -p "$B/logs"
rc=0
bash scripts/run-qemu.sh "${1:-pseries}" bench >"$B/logs/bench.out" 2>&1 || rc=$?
grep -E '^(not ok|# )' "$B/logs/bench.out" || true
grep -E '^bench ' "$B/logs/${1:-pseries}-bench.log" || { echo "bench: no bench line" >&2; rc=1; }
exit $rc
