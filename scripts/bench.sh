#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the benchmarks, one line each, host named at the end: one
# boot of each radix host (with-window and status-quo runs side by side in
# the same boot; the MSI-X line carries the host's own instruction counts
# per trapped and per exited table write, perf on QEMU's emulated PMU),
# then the sub-page BAR benchmark again with an HPT guest on the hash
# host. emul_x86_insns on the MSI-X line is the harness's callgrind count
# of the emulator function alone (x86, stub callbacks), not the cost of a
# trapped access.
# Arguments: the hosts to boot (default: pseries powernv9 powernv9-hash).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$TOP/build/${KSERIES:-6.1}}
export B
cd "$TOP"
I=$(make -s -C tools/testing/kvm_pt bench-insns | sed -n 's/^insns_per_access=//p')
# Exported under its old name: the selftest prints it as emul_x86_insns
[ -n "$I" ] || { echo "bench: no instruction count from callgrind" >&2; exit 1; }
export PTW_MSIX_INSNS_PER_ACCESS=$I
mkdir -p "$B/logs"
rc=0
for m in ${*:-pseries powernv9 powernv9-hash}; do
	bash scripts/run-qemu.sh "$m" bench >"$B/logs/bench-$m.out" 2>&1 || rc=$?
	grep -E '^(not ok|# )' "$B/logs/bench-$m.out" || true
	grep -E '^bench ' "$B/logs/$m-bench.log" | sed "s/\$/ host=$m/" ||
		{ echo "bench: no bench line from $m" >&2; rc=1; }
done
exit $rc
