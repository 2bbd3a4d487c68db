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
# then the Linux guest of our QEMU (powernv9-l0: bench linux-guest).
# Arguments: the hosts to boot (default: pseries powernv9 powernv9-hash
# powernv9-l0).
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

# The Linux guest of our QEMU in the emulated powernv9 host (make e2e):
# one host boot, the guest booted with windows and with x-ptw=off, each
# running the same loop of PTW_E2E_ACCESSES loads and stores on
# pci-testdev's 4K BAR (host +0x4000, guest where SLOF put it). vmm_exits
# counts KVM_RUN ioctls of QEMU between the guest's loop markers (book3s
# HV has no MMIO exit counter), so it includes the few exits of anything
# else in that interval (timer, console); the window counters are QEMU's
# vfio_ptw_stats of the window boot (the whole guest run).
linux_guest_bench() {
	local log="$B/logs/powernv9-l0-e2e.log" w b st

	bash scripts/build-qemu.sh >"$B/logs/bench-qemu.out" 2>&1 ||
		{ echo "bench: no QEMU build (see $B/logs/bench-qemu.out)" >&2; return 1; }
	PTW_E2E_ACCESSES=${PTW_E2E_ACCESSES:-10000} \
		bash scripts/run-qemu.sh powernv9-l0 e2e >"$B/logs/bench-powernv9-l0.out" 2>&1
	grep -E '^not ok' "$B/logs/bench-powernv9-l0.out" || true
	w=$(sed -n 's/^ptw: e2e ptw mmio_accesses \([0-9]*\) vmm_exits \([0-9]*\)$/\1 \2/p' "$log")
	b=$(sed -n 's/^ptw: e2e no-ptw mmio_accesses [0-9]* vmm_exits \([0-9]*\)$/\1/p' "$log")
	st=$(sed -n 's/.*vfio_ptw_stats \(faults=.*\)$/\1/p' "$log" | head -1 |
		grep -oE '(maps_4k|vmm_exits|msix_routed|msix_delivered)=[0-9]+' |
		sed 's/^vmm_exits/window_exits/' | tr '\n' ' ')
	[ -n "$w" ] && [ -n "$b" ] ||
		{ echo "bench: no linux-guest counts in $log" >&2; return 1; }
	set -- $w
	echo "bench linux-guest: mmio_accesses=$1 vmm_exits=$2 baseline_vmm_exits=$b ${st}host=powernv9-l0"
}
for m in ${*:-pseries powernv9 powernv9-hash powernv9-l0}; do
	if [ "$m" = powernv9-l0 ]; then
		linux_guest_bench || rc=1
		continue
	fi
	bash scripts/run-qemu.sh "$m" bench >"$B/logs/bench-$m.out" 2>&1 || rc=$?
	grep -E '^(not ok|# )' "$B/logs/bench-$m.out" || true
	grep -E '^bench ' "$B/logs/$m-bench.log" | sed "s/\$/ host=$m/" ||
		{ echo "bench: no bench line from $m" >&2; rc=1; }
done
exit $rc
