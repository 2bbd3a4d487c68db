#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the end-to-end test, run by /init in mode e2e inside the
# emulated powernv9 host (run-qemu.sh powernv9-l0 e2e), after our kvm.ko,
# kvm-hv.ko and the VFIO modules are loaded and the BARs are packed:
#  1. binds pci-testdev (1b36:0005) and e1000e (8086:10d3) to vfio-pci
#     (virtio-net, in the same IOMMU group, stays without a driver: a
#     group is viable when each of its devices is bound to vfio-pci or to
#     nothing);
#  2. boots a Linux guest with our QEMU (/e2e/qemu: build-qemu.sh's
#     bundle) passing both through, SLOF placing their BARs; every line
#     of the guest's console is shown here prefixed "guest: ";
#  3. counts the guest's exits to the VMM over the guest's access loops
#     (pci-testdev's BAR0 where firmware put it, then where the guest
#     moved it), each between two console markers;
#  4. prints TAP: the guest's own results, renumbered and prefixed with
#     the boot's name, and the host's (QEMU's exit status, the guest's
#     plan, the exits, the BAR placement; with windows, QEMU's trace of
#     the window following BAR0 as the guest moves it and turns memory
#     decoding off and on).
# One e2e_boot line per guest boot (see the end of this file).
. /etc/ptw.env

mkdir -p /tmp
Q=/e2e/qemu
N=${PTW_E2E_ACCESSES:-1000}
MAC=${PTW_E2E_MAC:?}
GUEST_TIMEOUT=${PTW_E2E_GUEST_TIMEOUT:-240}
EV=/sys/kernel/tracing/events/syscalls/sys_enter_ioctl
T=1
F=0
tap() {	# status description
	if [ "$1" = 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
		F=$((F + 1))
	fi
	T=$((T + 1))
}

. /e2e/host-pci.sh

# Exits to the VMM: QEMU's KVM_RUN ioctls (each one after the first
# follows an exit of the vCPU to QEMU), counted by a hist trigger on the
# ioctl syscall. KVM_RUN is _IO(0xae, 0x80), 0x2000ae80 with powerpc's
# _IOC_NONE (1 << 29). Not KVM's mmio_exits stat (debugfs, binary stats):
# book3s HV never counts it, only PR does; nor kvm_hv's
# kvmppc_run_vcpu_exit event: a fault that becomes KVM_EXIT_MMIO is
# emulated after it fired, with the exit reason still unset.
kvm_runs() {
	awk '/^\{ *cmd:/ { n = $NF } END { print n + 0 }' "$EV/hist"
}

# The exits over one of the guest's loops: exits_tap NAME EXPECT TAG
# WHAT BEGIN END (KVM_RUN counts at the loop's markers; TAG, if any,
# follows the boot's name in the "mmio_accesses" line bench.sh reads).
exits_tap() {
	if [ -n "$5" ] && [ -n "$6" ]; then
		ex=$(($6 - $5))
		echo "ptw: e2e $1${3:+ $3} mmio_accesses $N vmm_exits $ex"
		case "$2" in
		trap) [ "$ex" -ge "$N" ] ;;
		window) [ $((ex * 100)) -le "$N" ] ;;
		*) false ;;
		esac
		tap $? "$1: $ex exits to QEMU for the guest's $N BAR accesses $4 (expect $2)"
	else
		tap 1 "$1: the guest's loop markers reached the host $4 (begin '$5', end '$6')"
	fi
}

TD=$(find_dev 0x1b36:0x0005)
E1K=$(find_dev 0x8086:0x10d3)
echo "ptw: e2e pci-testdev $TD, e1000e $E1K (IOMMU group $(basename "$(readlink "/sys/bus/pci/devices/$TD/iommu_group")"))"
for d in /sys/kernel/iommu_groups/"$(basename "$(readlink "/sys/bus/pci/devices/$TD/iommu_group")")"/devices/*; do
	echo "ptw: e2e group member ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") driver $(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)"
done
vfio_bind "$TD"
tap $? "pci-testdev $TD bound to vfio-pci"
vfio_bind "$E1K"
tap $? "e1000e $E1K bound to vfio-pci"
ls /dev/vfio/ | sed 's/^/ptw: e2e \/dev\/vfio\//'
echo 'hist:keys=cmd.hex if cmd == 0x2000ae80' >"$EV/trigger"
[ -r "$EV/hist" ]
tap $? "KVM_RUN counting (syscalls:sys_enter_ioctl hist trigger)"

# One guest boot: e2e_boot NAME EXPECT [VFIO-OPTIONS [QEMU-ARGS]]
#   EXPECT: trap   every loop access exits to QEMU (vmm_exits >= accesses)
#           window the loop's accesses go through a window (vmm_exits
#                  at most 1% of them)
#   VFIO-OPTIONS are appended to both "-device vfio-pci,host=..." (e.g.
#   ",x-foo=off"); QEMU-ARGS are more QEMU arguments. PTW_E2E_VFIO_OPTS and
#   PTW_E2E_QEMU_ARGS (run-qemu.sh passes them from the environment) are
#   added to every boot.
e2e_boot() {
	name=$1 expect=$2 vopts="${3:-}${PTW_E2E_VFIO_OPTS:-}"
	log=/tmp/guest-$name.log
	: >"$log"
	echo "ptw: e2e boot $name (expect $expect): -device vfio-pci,host=$TD$vopts -device vfio-pci,host=$E1K$vopts ${4:-} ${PTW_E2E_QEMU_ARGS:-}"
	t0=$(date +%s)
	# QEMU-ARGS may hold trace patterns: no globbing while they expand.
	set -f
	# The bundle's own loader and libraries (the host initramfs has no
	# /lib64/ld64.so.2); -L for SLOF.
	# shellcheck disable=SC2086
	"$Q/lib/ld64.so.2" --library-path "$Q/lib" "$Q/bin/qemu-system-ppc64" \
		-L "$Q/share/qemu" \
		-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off \
		-accel kvm -cpu host -m 1G -smp 1 -nographic -nodefaults \
		-serial "file:$log" -kernel /e2e/vmlinux -initrd /e2e/guest.cpio.gz \
		-append "console=hvc0 rdinit=/init quiet iomem=relaxed e2e.mac=$MAC e2e.n=$N ${PTW_E2E_GUEST_ARGS:-}" \
		-device "vfio-pci,host=$TD$vopts" -device "vfio-pci,host=$E1K$vopts" \
		${4:-} ${PTW_E2E_QEMU_ARGS:-} >"/tmp/qemu-$name.out" 2>&1 &
	qpid=$!
	set +f
	shown=0 x0= x1= m0= m1= qrc=
	while :; do
		# Running unless gone or a zombie not yet reaped.
		st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$qpid/stat" 2>/dev/null)
		alive=1
		[ -n "$st" ] && [ "$st" != Z ] || alive=0
		total=$(wc -l <"$log")
		if [ "$total" -gt "$shown" ]; then
			new=$(sed -n "$((shown + 1)),${total}p" "$log" | tr -d '\r')
			printf '%s\n' "$new" | sed 's/^/guest: /'
			shown=$total
			# The loop markers: the guest sleeps 2 s after each.
			case "$new" in *"e2e: loop begin"*) x0=$(kvm_runs) ;; esac
			case "$new" in *"e2e: loop end"*) x1=$(kvm_runs) ;; esac
			case "$new" in *"e2e: moved loop begin"*) m0=$(kvm_runs) ;; esac
			case "$new" in *"e2e: moved loop end"*) m1=$(kvm_runs) ;; esac
		fi
		[ $alive = 0 ] && break
		if [ $(($(date +%s) - t0)) -ge "$GUEST_TIMEOUT" ]; then
			echo "ptw: e2e $name: guest still running after ${GUEST_TIMEOUT}s, killing QEMU"
			kill -9 $qpid
		fi
		usleep 200000
	done
	wait $qpid
	qrc=$?
	secs=$(($(date +%s) - t0))
	sed 's/^/ptw: e2e qemu: /' "/tmp/qemu-$name.out"
	[ $qrc = 0 ]
	tap $? "$name: QEMU exited with 0 ($qrc) after ${secs}s"

	# The guest's TAP, renumbered; what its plan names but it never
	# printed fails.
	tr -d '\r' <"$log" >"$log.txt"
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log.txt" | tail -1)
	got=0
	while read -r line; do
		case "$line" in
		"ok "[0-9]*) tap 0 "$name: guest: ${line#* - }" ;;
		"not ok "[0-9]*) tap 1 "$name: guest: ${line#* - }" ;;
		*) continue ;;
		esac
		got=$((got + 1))
	done <"$log.txt"
	[ -n "$plan" ] && [ "$got" = "$plan" ]
	tap $? "$name: the guest ran its plan to the end ($got of ${plan:-?} results)"

	exits_tap "$name" "$expect" "" "where firmware put BAR0" "$x0" "$x1"
	exits_tap "$name" "$expect" moved "where the guest moved BAR0" "$m0" "$m1"

	# With windows, the window device's counters at QEMU's exit
	# (trace vfio_ptw_stats): pci-testdev's BAR mapped with 4K pages,
	# none of the windows' accesses exited, and e1000e's interrupts went
	# through the kernel's MSI-X table (routed vectors, deliveries).
	if [ "$expect" = window ]; then
		st=$(grep -m1 'vfio_ptw_stats' "/tmp/qemu-$name.out")
		v() { echo "$st" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
		[ -n "$st" ] && [ "$(v maps_4k)" -gt 0 ] && [ "$(v vmm_exits)" = 0 ] &&
			[ "$(v msix_routed)" -gt 0 ] && [ "$(v msix_delivered)" -gt 0 ]
		tap $? "$name: windows mapped 4K pages, no window access exited, MSI-X delivered through the kernel's table (${st#*vfio_ptw_stats })"

		# The guest moved pci-testdev's BAR0 (one config write, "e2e:
		# testdev move OLD NEW") and back: QEMU MOVEd the window both
		# ways, the new place at another offset of its 64K page than
		# the host's BAR. Decoding off and on: REMOVE, then ADD there.
		mv=$(sed -n 's/^e2e: testdev move \(0x[0-9a-f]*\) \(0x[0-9a-f]*\) .*/\1 \2/p' "$log.txt")
		old=${mv% *} new=${mv#* }
		hoff=$(sed -n "s/^ptw: bar $TD 0x1b36:0x0005 0 \(0x[0-9a-f]*\) .*/\1/p" /tmp/host-bars)
		hoff=$((${hoff:-0} & 0xffff))
		grep -E "vfio_ptw_(add|move|remove) +\\($TD\\) BAR 0 " "/tmp/qemu-$name.out" |
			sed 's/^/ptw: e2e testdev window: /'
		[ -n "$mv" ] && [ $((new & 0xffff)) != "$hoff" ] &&
			grep -q "vfio_ptw_move *($TD) BAR 0 window $old -> $new " "/tmp/qemu-$name.out" &&
			grep -q "vfio_ptw_move *($TD) BAR 0 window $new -> $old " "/tmp/qemu-$name.out"
		tap $? "$name: QEMU moved pci-testdev's BAR0 window ${old:-?} -> ${new:-?} (+0x$(printf %04x $((${new:-0} & 0xffff))) in its 64K page, host's +0x$(printf %04x "$hoff")) and back (vfio_ptw_move)"
		[ -n "$mv" ] && awk -v td="($TD)" -v at=" BAR 0 window at $new " '
			index($0, td) && index($0, at) && /vfio_ptw_remove/ { r = 1 }
			r && index($0, td) && index($0, at) && /vfio_ptw_add/ { a = 1 }
			END { exit !a }' "/tmp/qemu-$name.out"
		tap $? "$name: memory decoding off and on removed pci-testdev's window at ${new:-?} and added it there again (vfio_ptw_remove, vfio_ptw_add)"
	fi

	# Where the BARs are: the host's (init's "ptw: bar" lines, from
	# the host's sysfs) and the guest's (from the guest's sysfs).
	for vd in 0x1b36:0x0005 0x8086:0x10d3; do
		sed -n "s/^bar [^ ]* $vd \([0-9]\) \(0x[0-9a-f]*\) .*/\1 \2/p" "$log.txt" |
		while read -r i gstart; do
			hstart=$(sed -n "s/^ptw: bar [^ ]* $vd $i \(0x[0-9a-f]*\) .*/\1/p" /tmp/host-bars)
			[ -n "$hstart" ] || continue
			printf 'ptw: e2e %s %s BAR%d host %s (+0x%04x) guest %s (+0x%04x) in their 64K pages: %s\n' \
				"$name" "$vd" "$i" "$hstart" $((hstart & 0xffff)) "$gstart" \
				$((gstart & 0xffff)) \
				"$([ $((hstart & 0xffff)) = $((gstart & 0xffff)) ] && echo same || echo differ)"
		done
	done | tee "/tmp/bars-$name"
	grep -q ': differ$' "/tmp/bars-$name"
	tap $? "$name: a passed-through BAR sits at another offset of its 64K page in guest and host"
}

# The host's BAR lines: /tmp/host-bars, as init printed them.

# The boots. With our patch (patches/qemu: vfio-pci has x-ptw), the BARs
# VFIO cannot mmap become passthrough IO windows: the loop's accesses
# reach the device without exits; then the same guest with windows off
# (x-ptw=off), where every access exits to QEMU, as with Debian's QEMU
# (an empty series: one boot).
if "$Q/lib/ld64.so.2" --library-path "$Q/lib" "$Q/bin/qemu-system-ppc64" \
	-device vfio-pci,help 2>&1 | grep -q 'x-ptw'; then
	e2e_boot ptw "${PTW_E2E_EXPECT:-window}" "" "-trace vfio_ptw_*"
	e2e_boot no-ptw trap ",x-ptw=off"
else
	e2e_boot default "${PTW_E2E_EXPECT:-trap}"
fi

echo "1..$((T - 1))"
[ $F = 0 ]
