#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# Host (L0) side of the nested run, by /init in mode l1 inside the
# emulated powernv9 host (run-qemu.sh powernv9-l0 l1), after our kvm.ko
# and kvm-hv.ko are loaded with kvm_hv.ptw_l0_nested_4k as asked for:
# our QEMU (/e2e/qemu) boots the same kernel as a pseries guest with
# cap-nested-hv=on under this host's KVM -- a nested-HV L1 hypervisor --
# with pci-testdev, virtio-net and e1000e emulated by this QEMU (or,
# PTW_L1_PASSTHROUGH=1, this host's own pci-testdev and e1000e passed
# through by VFIO) and the L1 initramfs of run-qemu.sh (our modules, the
# selftests, the init in mode check). The L1's console is this script's
# output, its lines as they are (its TAP and "ptw: run/exit" lines are
# this run's results), but the L1's "ptw: done" is reported as "ptw: l1
# done" so only this host's own init ends the run; then two tests of its
# own (l1_capability, l1_nested_windows). Exit status 0 if the L1
# finished its plan ("ptw: done ok") without stalling.
. /etc/ptw.env

Q=/e2e/qemu
TMO=${PTW_L1_TIMEOUT:-1500}
OUT=/tmp/l1.out
mkdir -p /tmp

QUIET=${PTW_L1_QUIET:-300}
MON=/tmp/l1mon

# A stalled L1 is stopped after $QUIET s without a console line rather
# than at the timeout, and shows where it stands: its registers and
# stack by QEMU's monitor (a pipe chardev: a FIFO pair; the L1's module
# text is not readable there), the L0's view of the QEMU threads (kernel
# stacks), the instructions the L0 emulated (kvm:kvm_ppc_instr) and every
# L0 CPU's backtrace.
l1_stall_dump() {
	local pid t

	echo "ptw: l1 stall: no console line for ${QUIET}s; the L1's vCPU and the L0's view follow"
	# stop first: every command kicks the vCPU out of KVM_RUN, and a
	# kick may be all the L1 waits for
	for c in stop "info registers" "x/512gx \$r1" cont; do
		echo "$c" >"$MON.in"
		sleep 3
	done
	sed 's/^/ptw: l1 monitor: /' /tmp/l1mon.txt
	pid=$(cat /tmp/l1.pid)
	for t in /proc/$pid/task/*; do
		echo "ptw: l0 task $(cat "$t/comm") $(sed 's/.*) //' "$t/stat" | cut -d' ' -f1)"
		sed 's/^/ptw: l0 stack: /' "$t/stack" 2>/dev/null
	done
	echo 0 >$TR/tracing_on
	# the L0's last emulations outside the L1's linear map (its modules)
	grep -v "pc 0xc000" $TR/trace | tail -80 | sed 's/^/ptw: l0 trace: /'
	# the L0's init area's bounds (its modules' sections: its boot log)
	grep -w "__init_begin\|__init_end\|_stext" /proc/kallsyms | sed 's/^/ptw: l0 sym: /'
	echo l >/proc/sysrq-trigger
	sleep 2
	dmesg | tail -80 | sed 's/^/ptw: l0 dmesg: /'
}

l1_watch() {
	local last pid n=0

	while [ ! -s /tmp/l1.pid ] && [ $n -lt 60 ]; do
		sleep 1
		n=$((n + 1))
	done
	pid=$(cat /tmp/l1.pid 2>/dev/null)
	while kill -0 "$pid" 2>/dev/null; do
		sleep 15
		last=$(stat -c %Y /tmp/l1.raw 2>/dev/null || echo 0)
		[ $(($(date +%s) - last)) -lt "$QUIET" ] && continue
		: >/tmp/l1.stalled
		l1_stall_dump
		# does the L1 go on after the kicks? (a lost wakeup would)
		sleep 20
		echo "ptw: l1 stall: stopping the L1"
		kill -KILL "$pid"
		return
	done
}

# The instructions the L0 emulates, for a stall's dump.
TR=/sys/kernel/tracing
echo 16384 >$TR/buffer_size_kb
# PTW_L1_KPROBES (shell words): kprobe_events lines as well, e.g.
# "r:qcopy~kvmhv_copy_from_guest_radix~ret=\$retval" ("~" for a space).
echo 1 >$TR/events/kvm/kvm_ppc_instr/enable
for k in ${PTW_L1_KPROBES:-}; do
	echo "$k" | tr '~' ' ' >>$TR/kprobe_events
done
[ -z "${PTW_L1_KPROBES:-}" ] || echo 1 >$TR/events/kprobes/enable
# The L1's devices: emulated by our QEMU, or with PTW_L1_PASSTHROUGH=1
# this host's own pci-testdev and e1000e passed through by VFIO (and our
# QEMU's windows): the L1's windows then lie over IO memory the L1 was
# given, which this host's kvm-hv maps for the L1 with 4K leaves where
# the offsets differ, and the L1's 4K leaves over it are served with
# shadow leaves onto those windows (README "Nested": case (b)).
L1_DEVS="-device pci-testdev -device virtio-net-pci,romfile= -device e1000e,romfile="
if [ "${PTW_L1_PASSTHROUGH:-0}" = 1 ]; then
	. /e2e/host-pci.sh
	TD=$(find_dev 0x1b36:0x0005)
	E1K=$(find_dev 0x8086:0x10d3)
	vfio_bind "$TD" && vfio_bind "$E1K" ||
		echo "ptw: l1 error: cannot bind $TD and $E1K to vfio-pci"
	L1_DEVS="-device vfio-pci,host=$TD -device virtio-net-pci,romfile= -device vfio-pci,host=$E1K"
	echo "ptw: l1 passthrough: pci-testdev $TD, e1000e $E1K"
fi
# The L2 accesses this host served through the L1's leaves onto the L1's
# windows (kvm_ptw_nested_fault), in a trace instance of their own so
# the emulation trace cannot overwrite them.
NT=$TR/instances/ptw_nested
mkdir -p $NT
echo 4096 >$NT/buffer_size_kb
echo 1 >$NT/events/kvm_ptw/kvm_ptw_nested_fault/enable
rm -f "$MON.in" "$MON.out" /tmp/l1.pid /tmp/l1.stalled
mkfifo "$MON.in" "$MON.out"
cat "$MON.out" >/tmp/l1mon.txt &
: >/tmp/l1.raw
echo "ptw: l1 boot: pseries,cap-nested-hv=on -accel kvm -cpu host -m 3G -smp 1, timeout ${TMO}s, stall ${QUIET}s"
t0=$(date +%s)
# The bundle's own loader and libraries; -L for SLOF. The L1's command
# line is the pseries host's (a 1G page for the 1G-leaf test,
# disable_ddw for its VFIO container).
timeout -s KILL "$TMO" "$Q/lib/ld64.so.2" --library-path "$Q/lib" \
	"$Q/bin/qemu-system-ppc64" -L "$Q/share/qemu" \
	-M pseries,cap-nested-hv=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off \
	-accel kvm -cpu host -m 3G -smp 1 -nographic -nodefaults \
	-serial mon:stdio -no-reboot \
	-kernel /e2e/vmlinux -initrd /e2e/l1.cpio.gz \
	-append "console=hvc0 rdinit=/init quiet oops=panic panic=-1 hugepagesz=1G hugepages=1 disable_ddw" \
	$L1_DEVS \
	-chardev pipe,id=l1mon,path="$MON" -mon chardev=l1mon,mode=readline \
	-pidfile /tmp/l1.pid </dev/null 2>&1 | tee /tmp/l1.raw | tr -d '\r' |
	sed 's/^ptw: done /ptw: l1 done /' | tee "$OUT" &
tpid=$!
l1_watch &
wait "$tpid"
echo "ptw: l1 qemu exited after $(($(date +%s) - t0)) s"
# PTW_L1_DMESG=1: the L0's kernel log in any case.
[ "${PTW_L1_DMESG:-0}" = 1 ] && dmesg | sed 's/^/ptw: l0 dmesg: /'
# The L1 says what its L0 answered (its init prints kvm-hv's log line): a
# test of its own, in the selftests' TAP form.
if [ "${PTW_L0_NESTED_4K:-1}" = 1 ]; then
	want='answers H_PTW_NESTED_4K with 0, flags 0xf: window pages map with 4K leaves'
else
	want='answers H_PTW_NESTED_4K with -2, flags 0x0: window pages exit to the VMM'
fi
echo "ptw: run l1_capability"
echo "1..1"
if grep -q "^ptw: kvm-hv: ptw: L0 (linux,kvm) $want\$" "$OUT"; then
	echo "ok 1 the L1's kvm-hv reports: L0 (linux,kvm) $want"
else
	echo "not ok 1 the L1's kvm-hv does not report: L0 (linux,kvm) $want"
fi
echo "ptw: exit l1_capability 0"
# Case (b) of README "Nested": with the devices passed through, the L1's
# 4K leaves over its windows are served with shadow leaves, and every
# host page one maps lies inside a BAR of a device the L1 was given;
# with emulated devices the L1 VM has no windows here and none is served.
echo 0 >$NT/tracing_on
grep 'kvm_ptw_nested_fault:' $NT/trace >/tmp/l1.nested
n=$(wc -l </tmp/l1.nested)
hpas=$(sed -n 's/.* hpa \(0x[0-9a-f]*\)$/\1/p' /tmp/l1.nested | grep -v '^0x0$' | sort -u)
m=$(grep -vc ' hpa 0x0$' /tmp/l1.nested)
echo "ptw: run l1_nested_windows"
echo "1..1"
if [ "${PTW_L1_PASSTHROUGH:-0}" = 1 ]; then
	out=0
	for h in $hpas; do
		inside=0
		for d in "$TD" "$E1K"; do
			while read -r start end flags; do
				[ $((start)) -ne 0 ] && [ $((h)) -ge $((start)) ] &&
					[ $((h + 0xfff)) -le $((end)) ] && inside=1
			done <"/sys/bus/pci/devices/$d/resource"
		done
		[ $inside = 1 ] || { out=$((out + 1)); echo "# host page $h is in no BAR of $TD or $E1K"; }
	done
	echo "# L2 accesses through the L1's window leaves: $n, $m with a shadow leaf, host pages: $(echo $hpas)"
	if [ "$m" -gt 0 ] && [ $out = 0 ]; then
		echo "ok 1 the L1's 4K leaves over its windows map $m times, onto $(echo $hpas | wc -w) host pages, each inside a passed-through BAR"
	else
		echo "not ok 1 the L1's 4K leaves over its windows: $m mapped, $out host pages outside the passed-through BARs"
	fi
elif [ "$n" = 0 ]; then
	echo "ok 1 emulated devices: no L2 access reached an L1 window here"
else
	echo "not ok 1 emulated devices, yet $n L2 accesses reached an L1 window here"
fi
echo "ptw: exit l1_nested_windows 0"
# A stall fails the run even if the kicks let the L1 finish.
if [ -e /tmp/l1.stalled ]; then
	echo "ptw: l1 error: the L1 stalled (dump above)"
	exit 1
fi
grep -q '^ptw: l1 done ok' "$OUT" || {
	echo "ptw: l1 error: the L1 did not finish (no 'ptw: done ok'); the L0's kernel log:"
	dmesg | tail -60 | sed 's/^/ptw: l0 dmesg: /'
	exit 1
}
exit 0
