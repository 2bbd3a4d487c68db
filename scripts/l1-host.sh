#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# Host (L0) side of the nested run, by /init in mode l1 inside the
# emulated powernv9 host (run-qemu.sh powernv9-l0 l1), after our kvm.ko
# and kvm-hv.ko are loaded with kvm_hv.ptw_l0_nested_4k as asked for:
# our QEMU (/e2e/qemu) boots the same kernel as a pseries guest with
# cap-nested-hv=on under this host's KVM -- a nested-HV L1 hypervisor --
# with pci-testdev, virtio-net and e1000e emulated by this QEMU and the
# L1 initramfs of run-qemu.sh (our modules, the selftests, the init in
# mode check). The L1's console is this script's output, its lines as
# they are (its TAP and "ptw: run/exit" lines are this run's results),
# but the L1's "ptw: done" is reported as "ptw: l1 done" so only this
# host's own init ends the run. Exit status 0 if the L1 finished its
# plan ("ptw: done ok") and QEMU exited with 0.
. /etc/ptw.env

Q=/e2e/qemu
TMO=${PTW_L1_TIMEOUT:-1500}
OUT=/tmp/l1.out
mkdir -p /tmp

echo "ptw: l1 boot: pseries,cap-nested-hv=on -accel kvm -cpu host -m 3G -smp 1, timeout ${TMO}s"
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
	-device pci-testdev -device virtio-net-pci,romfile= -device e1000e,romfile= \
	</dev/null 2>&1 | tr -d '\r' | sed 's/^ptw: done /ptw: l1 done /' | tee "$OUT"
rc=$?
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
grep -q '^ptw: l1 done ok' "$OUT" || {
	echo "ptw: l1 error: the L1 did not finish (no 'ptw: done ok'); the L0's kernel log:"
	dmesg | tail -60 | sed 's/^/ptw: l0 dmesg: /'
	exit 1
}
exit 0
