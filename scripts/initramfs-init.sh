#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the emulated POWER host: load our KVM modules in place of
# Debian's, put small device BARs at 4K offsets inside 64K pages (the
# seed's layout), run the selftests for the requested mode and power off.
# Every line the host side parses starts with "ptw:" or is TAP.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
. /etc/ptw.env
export PTW_MACHINE PTW_MODE PTW_KVM_HV_BUILD_ID PTW_MSIX_INSNS_PER_ACCESS \
	PTW_STRESS_SECS PTW_TESTS PTW_SKIP_TESTS PTW_SKIP_WHY

done_() {
	echo "ptw: done $1"
	sync
	poweroff -f
}

echo "ptw: machine=$PTW_MACHINE mode=$PTW_MODE kernel=$(uname -r)"
insmod /lib/ptw/kvm.ko || { echo "ptw: error: insmod kvm.ko failed"; done_ fail; }
insmod /lib/ptw/kvm-hv.ko || { echo "ptw: error: insmod kvm-hv.ko failed"; done_ fail; }
for m in $(cat /lib/ptw/vfio/order 2>/dev/null); do
	insmod "/lib/ptw/vfio/$m.ko" || echo "ptw: insmod $m.ko failed"
done
# The GNU build ID note of the loaded module, as hex: proves which
# kvm-hv.ko runs (a selftest compares it with PTW_KVM_HV_BUILD_ID).
echo "ptw: kvm_hv build-id $(od -An -tx1 -v /sys/module/kvm_hv/notes/.note.gnu.build-id |
	tr -d ' \n' | cut -c33-)"
# Where the modules' sections are, so an address from a stalled host's
# dump (l1-host.sh) can be looked up in them.
for m in kvm kvm_hv; do
	for sec in .text .data .rodata; do
		echo "ptw: module $m $sec $(cat /sys/module/$m/sections/$sec)"
	done
done
# PTW_NESTED_4K (run-qemu.sh; in mode l1 the L1's): kvm_hv.ptw_nested_4k.
if [ -n "${PTW_NESTED_4K:-}" ]; then
	echo "$PTW_NESTED_4K" >/sys/module/kvm_hv/parameters/ptw_nested_4k
fi
# Nested hosts map window pages with 4K leaves only where the L0 walks
# them (kvm_hv.ptw_nested_4k): say which L0 the pseries results are for.
echo "ptw: hypervisor node '$(tr -d '\0' </proc/device-tree/hypervisor/compatible 2>/dev/null)'," \
	"ptw_nested_4k=$(cat /sys/module/kvm_hv/parameters/ptw_nested_4k)"

# Firmware aligns every memory BAR to 64K. Clearing the BARs of the
# endpoints and rescanning lets the kernel pack small BARs, so a 4K BAR
# ends up at a 4K offset inside a 64K page that it shares with other
# devices' BARs: the layout of the seed thread, every boot the same.
for d in /sys/bus/pci/devices/*; do
	class=$(cat "$d/class")
	case "$class" in 0x0604*) continue ;; esac
	for bar in 4 5 6 7 8 9; do
		printf '\0\0\0\0' |
			dd of="$d/config" bs=4 seek=$bar conv=notrunc 2>/dev/null
	done
	echo 1 >"$d/remove"
done
echo 1 >/sys/bus/pci/rescan
# Drivers built into the kernel (6.12's virtio-pci) claim devices at the
# rescan; with CONFIG_IO_STRICT_DEVMEM a claimed BAR's page cannot be
# mmap'ed through sysfs. The tests own the devices: unbind them.
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/driver" ] || continue
	case "$(cat "$d/class")" in 0x0604*) continue ;; esac
	echo "ptw: unbind ${d##*/} from $(basename "$(readlink "$d/driver")")"
	echo "${d##*/}" >"$d/driver/unbind"
done
# The memory BARs as packed; also kept for e2e-host.sh (/tmp/host-bars).
mkdir -p /tmp
for d in /sys/bus/pci/devices/*; do
	i=0
	while read -r start end flags; do
		if [ "$start" != 0x0000000000000000 ] && [ $((flags & 0x200)) != 0 ]; then
			echo "ptw: bar ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $i $start $end"
		fi
		i=$((i + 1))
	done <"$d/resource"
done | tee /tmp/host-bars

# The selftests(6.12/powernv9-l0/pseries-l1) layers: this host is the L0
# (ptw_l0_nested_4k as asked for) of a nested-HV L1 that runs the
# selftests (scripts/l1-host.sh passes its console on).
if [ "$PTW_MODE" = l1 ]; then
	echo "$PTW_L0_NESTED_4K" >/sys/module/kvm_hv/parameters/ptw_l0_nested_4k
	echo "ptw: L0 ptw_l0_nested_4k=$(cat /sys/module/kvm_hv/parameters/ptw_l0_nested_4k)"
	if sh /e2e/l1-host.sh; then
		done_ ok
	fi
	done_ fail
fi

# make e2e / the e2e(linux-guest) layer: a real VMM and a Linux guest
# instead of the selftests (scripts/e2e-host.sh prints the TAP).
if [ "$PTW_MODE" = e2e ]; then
	echo "ptw: run e2e"
	sh /e2e/host.sh
	echo "ptw: exit e2e $?"
	done_ ok
fi

for t in /selftests/*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	# make run: the demos, and on a kernel with working VFIO the VFIO
	# path (vfio_window skips itself on 6.1).
	case "$PTW_MODE:$name" in
	check:bench_* | check:demo_* | bench:[!b]*) continue ;;
	run:demo_* | run:vfio_window) ;;
	run:*) continue ;;
	esac
	# The hash host runs the HPT guest tests (hash_*, *_hpt), the
	# stress tests (stress_*: HPT guests there, radix elsewhere) and
	# the sub-page BAR benchmark with an HPT guest; the radix hosts skip
	# the HPT tests.
	case "$PTW_MACHINE:$name" in
	*-hash:hash_* | *-hash:*_hpt | *-hash:stress_* | *-hash:bench_subpage_bar) ;;
	*-hash:* | *:hash_* | *:*_hpt) continue ;;
	esac
	# PTW_TESTS (run-qemu.sh passes it on): only the selftests whose
	# names match one of its shell patterns, for a quick focused run.
	if [ -n "${PTW_TESTS:-}" ]; then
		hit=0
		for pat in $PTW_TESTS; do
			case "$name" in $pat) hit=1 ;; esac
		done
		[ $hit = 1 ] || continue
	fi
	# PTW_SKIP_TESTS: selftests reported as skipped (TAP "1..0 # SKIP"
	# with PTW_SKIP_WHY, counted as one skip) rather than run.
	skip=0
	for pat in ${PTW_SKIP_TESTS:-}; do
		case "$name" in $pat) skip=1 ;; esac
	done
	if [ $skip = 1 ]; then
		echo "ptw: run $name"
		echo "1..0 # SKIP ${PTW_SKIP_WHY:-skipped by PTW_SKIP_TESTS}"
		echo "ptw: exit $name 4"
		continue
	fi
	echo "ptw: run $name"
	"$t"
	echo "ptw: exit $name $?"
done
# A nested host says what its L0 answered (logged by kvm-hv when a VM
# created its window device; quiet keeps it off the console).
dmesg | sed -n 's/.*\(kvm-hv: ptw: L0 .*\)/ptw: \1/p'
# Debug kernel: is lockdep still on (it turns itself off at its first
# report)? run-qemu.sh fails a debug run without "ptw: debug_locks 1".
if [ -r /proc/lockdep_stats ]; then
	echo "ptw: debug_locks $(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)"
	echo "ptw: $(dmesg | grep -m1 -E 'KASAN (init done|not enabled)')"
fi
done_ ok
