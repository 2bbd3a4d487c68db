#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot an emulated POWER host (QEMU TCG) with Debian's ppc64le kernel, our
# kvm.ko/kvm-hv.ko and the selftests in an initramfs, and run one mode:
#   run-qemu.sh pseries|powernv9|powernv9-hash check|run|bench
#   run-qemu.sh powernv9-l0 e2e|l1
# powernv9-l0 is the powernv9 host with 6G and, in mode e2e, a real VMM:
# our QEMU (scripts/build-qemu.sh's bundle), a Linux guest (the same
# kernel) and its initramfs (scripts/build-e2e-guest.sh); its /init runs
# scripts/e2e-host.sh instead of the selftests (see README "End to end").
# A machine name with "-debug" appended (pseries-debug, ...) boots the
# debug kernel of scripts/build-debug-kernel.sh (lockdep, KASAN, ...) with
# the modules built for it instead, and also fails on any lockdep, KASAN,
# KFENCE, sleeping-in-atomic or RCU report.
# The emulator is our build of QEMU (scripts/build-emulator.sh, built when
# build/emulator is missing: the fixes of patches/qemu-emulator/);
# PTW_EMULATOR names another binary (qemu-system-ppc64: Debian's own).
# The console goes to build/<series>/logs/<machine>-<mode>.log. Exit status is
# non-zero on a timeout, an oops/panic/warning, or a missing "ptw: done ok".
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$TOP/build/${KSERIES:-6.1}}
MACHINE=${1:?usage: run-qemu.sh pseries|powernv9|powernv9-hash check|run|bench, or powernv9-l0 e2e|l1}
MODE=${2:-check}
TIMEOUT=${PTW_QEMU_TIMEOUT:-600}
die() { echo "run-qemu: error: $*" >&2; exit 1; }

[ -f "$B/versions.mk" ] || die "run scripts/fetch.sh first"
EMULATOR=${PTW_EMULATOR:-$TOP/build/emulator/bin/qemu-system-ppc64}
if [ -z "${PTW_EMULATOR:-}" ] && [ ! -x "$EMULATOR" ]; then
	bash "$TOP/scripts/build-emulator.sh" || die "the emulator does not build"
fi
eval "$(sed -n 's/^\([A-Z]*\) := \(.*\)$/\1="\2"/p' "$B/versions.mk")"
MODS="$B/modules"
NAME=$MACHINE
DEBUG=0
case "$MACHINE" in
*-debug)
	# The debug kernel runs several times slower under TCG; its
	# console shows warnings too (quiet hides KERN_WARNING, the level
	# of lockdep's and RCU's reports and of WARN()).
	DEBUG=1
	MACHINE=${MACHINE%-debug}
	KIMAGE="$B/debug/vmlinux"
	MODS="$B/modules-debug"
	TIMEOUT=${PTW_QEMU_TIMEOUT:-1800}
	DEBUG_APPEND="loglevel=5"
	;;
esac
for f in "$MODS/kvm.ko" "$MODS/kvm-hv.ko" "$KIMAGE" "$BUSYBOX"; do
	[ -f "$f" ] || die "missing $f (make modules?)"
done

# An initramfs root for a host: busybox, our modules, the selftests, the
# init and its environment. mkroot DIR MACHINE MODE TESTS
mkroot() {
	local R=$1 MACHINE=$2 MODE=$3 PTW_TESTS=$4
	rm -rf "$R"
	mkdir -p "$R"/{bin,lib/ptw,selftests,etc,proc,sys,dev}
	cp "$BUSYBOX" "$R/bin/busybox"
	cp "$MODS/kvm.ko" "$MODS/kvm-hv.ko" "$R/lib/ptw/"
	# Debian's own VFIO modules, in load order, for the vfio_* selftests (not
	# on the debug kernel: they are built for Debian's).
	if [ $DEBUG = 0 ]; then
		mkdir -p "$R/lib/ptw/vfio"
		for m in vfio vfio_virqfd vfio_spapr_eeh vfio_iommu_spapr_tce \
			 vfio-pci-core vfio-pci; do
			# Ours where we build it (patched vfio-pci), else Debian's.
			f=$MODS/$m.ko
			[ -f "$f" ] ||
				f=$(find "$KMODDIR/kernel/drivers/vfio" -name "$m.ko*" 2>/dev/null | head -1)
			[ -n "$f" ] || continue
			case "$f" in
			*.xz) xz -dc "$f" ;;
			*) cat "$f" ;;
			esac >"$R/lib/ptw/vfio/$m.ko"
			echo "$m" >>"$R/lib/ptw/vfio/order"
		done
	fi
	[ -d "$B/selftests" ] && find "$B/selftests" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$R/selftests/" \;
	install -m 755 "$TOP/scripts/initramfs-init.sh" "$R/init"
	cat >"$R/etc/ptw.env" <<-EOF
	PTW_MACHINE=$MACHINE
	PTW_MODE=$MODE
	PTW_MSIX_INSNS_PER_ACCESS=${PTW_MSIX_INSNS_PER_ACCESS:-}
	PTW_STRESS_SECS=${PTW_STRESS_SECS:-}
	PTW_TESTS="${PTW_TESTS:-}"
	PTW_NESTED_4K=${PTW_NESTED_4K:-}
	PTW_KVM_HV_BUILD_ID=$(powerpc64le-linux-gnu-readelf -n "$MODS/kvm-hv.ko" |
		sed -n 's/^ *Build ID: //p')
	EOF
}
R="$B/initramfs-$NAME-$MODE"
mkroot "$R" "$MACHINE" "$MODE" "${PTW_TESTS:-}"

# The MAC the e1000e gets from this QEMU: the guest must read this one,
# not QEMU's default (52:54:00:12:34:56).
E2E_MAC=52:54:00:e2:e0:01
if [ "$MODE" = e2e ]; then
	[ "$MACHINE" = powernv9-l0 ] || die "mode e2e runs on powernv9-l0 only"
	[ -x "$B/qemu/bin/qemu-system-ppc64" ] ||
		die "no QEMU bundle in $B/qemu (make qemu, scripts/build-qemu.sh)"
	bash "$TOP/scripts/build-e2e-guest.sh"
	mkdir -p "$R/e2e"
	cp -rL "$B/qemu" "$R/e2e/qemu"
	# The guest boots the host's kernel; its symbols are not needed.
	powerpc64le-linux-gnu-strip -o "$R/e2e/vmlinux" "$KIMAGE"
	cp "$B/e2e/guest.cpio.gz" "$R/e2e/"
	install -m 755 "$TOP/scripts/e2e-host.sh" "$R/e2e/host.sh"
	install -m 644 "$TOP/scripts/host-pci.sh" "$R/e2e/host-pci.sh"
	# Values may hold spaces: single-quoted for the init's shell.
	q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
	cat >>"$R/etc/ptw.env" <<EOF
PTW_E2E_MAC=$E2E_MAC
PTW_E2E_ACCESSES=$(q "${PTW_E2E_ACCESSES:-}")
PTW_E2E_EXPECT=$(q "${PTW_E2E_EXPECT:-}")
PTW_E2E_VFIO_OPTS=$(q "${PTW_E2E_VFIO_OPTS:-}")
PTW_E2E_QEMU_ARGS=$(q "${PTW_E2E_QEMU_ARGS:-}")
PTW_E2E_GUEST_ARGS=$(q "${PTW_E2E_GUEST_ARGS:-}")
PTW_E2E_GUEST_TIMEOUT=$(q "${PTW_E2E_GUEST_TIMEOUT:-}")
EOF
fi
# Mode l1 (powernv9-l0 only): a nested-HV L1 hypervisor. Our QEMU boots
# the host's kernel as a pseries guest with cap-nested-hv=on under the
# host's KVM (ours; kvm_hv.ptw_l0_nested_4k=$PTW_L0_NESTED_4K, default 1),
# with an initramfs like the pseries host's (our modules, the selftests
# of PTW_L1_TESTS, the init in mode check; PTW_L1_NESTED_4K sets the L1's
# kvm_hv.ptw_nested_4k; PTW_L1_SKIP_TESTS the selftests it reports as
# skipped, PTW_L1_SKIP_WHY why). scripts/l1-host.sh runs it and passes
# its console on: its TAP is this run's.
if [ "$MODE" = l1 ]; then
	[ "$MACHINE" = powernv9-l0 ] || die "mode l1 runs on powernv9-l0 only"
	[ $DEBUG = 0 ] || die "mode l1 runs on the production kernel"
	[ -x "$B/qemu/bin/qemu-system-ppc64" ] ||
		die "no QEMU bundle in $B/qemu (make qemu, scripts/build-qemu.sh)"
	R1="$B/initramfs-$NAME-l1-guest"
	mkroot "$R1" pseries check "${PTW_L1_TESTS:-}"
	cat >>"$R1/etc/ptw.env" <<-EOF
	PTW_NESTED_4K=${PTW_L1_NESTED_4K:-}
	PTW_SKIP_TESTS="${PTW_L1_SKIP_TESTS:-}"
	PTW_SKIP_WHY="${PTW_L1_SKIP_WHY:-}"
	EOF
	(cd "$R1" && find . | cpio -o -H newc --quiet) | gzip -1 >"$R1.cpio.gz"
	mkdir -p "$R/e2e"
	cp -rL "$B/qemu" "$R/e2e/qemu"
	powerpc64le-linux-gnu-strip -o "$R/e2e/vmlinux" "$KIMAGE"
	cp "$R1.cpio.gz" "$R/e2e/l1.cpio.gz"
	install -m 755 "$TOP/scripts/l1-host.sh" "$R/e2e/l1-host.sh"
	install -m 644 "$TOP/scripts/host-pci.sh" "$R/e2e/host-pci.sh"
	cat >>"$R/etc/ptw.env" <<-EOF
	PTW_L0_NESTED_4K=${PTW_L0_NESTED_4K:-1}
	PTW_L1_TIMEOUT=${PTW_L1_TIMEOUT:-}
	PTW_L1_QUIET=${PTW_L1_QUIET:-}
	PTW_L1_KPROBES="${PTW_L1_KPROBES:-}"
	PTW_L1_DMESG=${PTW_L1_DMESG:-}
	PTW_L1_PASSTHROUGH=${PTW_L1_PASSTHROUGH:-}
	EOF
	TIMEOUT=${PTW_QEMU_TIMEOUT:-2400}
fi
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$R.cpio.gz"

# The devices give the host small BARs with MSI-X: pci-testdev (4K BAR0
# with known contents), virtio-net (4K MSI-X BAR, table 0, PBA 0x800) and
# e1000e (16K MSI-X BAR, table 0, PBA 0x2000). No network backend.
case "$MACHINE" in
pseries)
	QM=(-M pseries,cap-nested-hv=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	    -cpu POWER9 -m 3G -smp 2)
	DEVS=(-device pci-testdev -device virtio-net-pci -device e1000e)
	CONSOLE=hvc0
	NODEFAULTS=-nodefaults
	# A 1G page for the test of KVM's 1G leaves beside a window.
	# disable_ddw: QEMU 7.2 reports ibm,lrdr-capacity 0, and 6.12 then
	# fails the PHB's DDW and its VFIO container (MAP_DMA -ENODEV).
	EXTRA_APPEND="hugepagesz=1G hugepages=1 disable_ddw"
	;;
powernv9)
	QM=(-M powernv9 -cpu POWER9 -m 3G -smp 1)
	# Functions of one slot share the root port's window, so their
	# small BARs can share a 64K page as on pseries.
	DEVS=(-device pci-testdev,bus=pcie.0,addr=0.0,multifunction=on
	      -device virtio-net-pci,bus=pcie.0,addr=0.1
	      -device e1000e,bus=pcie.0,addr=0.2)
	CONSOLE=hvc0
	NODEFAULTS=	# the PHBs are default devices here
	# powernv aligns every BAR to PAGE_SIZE by default; ask for 4K so a
	# rescan packs the small BARs as pseries does.
	EXTRA_APPEND="pci=resource_alignment=12@pci:1b36:0005;12@pci:1af4:1041;12@pci:8086:10d3"
	;;
powernv9-l0)
	# powernv9 with room for a real VMM and its guest: QEMU, its
	# libraries, the guest's kernel and initramfs live in the initramfs,
	# the guest gets 1G.
	QM=(-M powernv9 -cpu POWER9 -m 6G -smp 1)
	DEVS=(-device pci-testdev,bus=pcie.0,addr=0.0,multifunction=on
	      -device virtio-net-pci,bus=pcie.0,addr=0.1
	      -device "e1000e,bus=pcie.0,addr=0.2,mac=$E2E_MAC")
	CONSOLE=hvc0
	NODEFAULTS=
	EXTRA_APPEND="pci=resource_alignment=12@pci:1b36:0005;12@pci:1af4:1041;12@pci:8086:10d3"
	;;
powernv9-hash)
	# The same host with a hash MMU: KVM offers HPT guests here.
	QM=(-M powernv9 -cpu POWER9 -m 3G -smp 1)
	DEVS=(-device pci-testdev,bus=pcie.0,addr=0.0,multifunction=on
	      -device virtio-net-pci,bus=pcie.0,addr=0.1
	      -device e1000e,bus=pcie.0,addr=0.2)
	CONSOLE=hvc0
	NODEFAULTS=
	EXTRA_APPEND="disable_radix pci=resource_alignment=12@pci:1b36:0005;12@pci:1af4:1041;12@pci:8086:10d3"
	;;
*) die "unknown machine $MACHINE" ;;
esac

mkdir -p "$B/logs"
LOG="$B/logs/$NAME-$MODE.log"
echo "run-qemu: booting $NAME ($MODE), console in $LOG"
set +e
# One emulated host at a time on this machine (2 cores): concurrent runs
# (another clone, a helper's worktree) wait here instead of starving.
flock "${PTW_QEMU_LOCK:-/tmp/kvm-pt-qemu.lock}" \
timeout --foreground -k 10 "$TIMEOUT" "$EMULATOR" "${QM[@]}" -accel tcg \
	-nographic $NODEFAULTS -serial mon:stdio -no-reboot \
	-kernel "$KIMAGE" -initrd "$R.cpio.gz" \
	-append "console=$CONSOLE rdinit=/init quiet oops=panic panic=-1 ${EXTRA_APPEND:-} ${DEBUG_APPEND:-}" \
	"${DEVS[@]}" </dev/null >"$LOG" 2>&1
rc=$?
set -e
tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
# The TAP and our own lines, for the caller and for humans; a demo's
# output whole.
if [ "$MODE" = run ]; then
	sed -n '/^ptw: run /,/^ptw: exit /p' "$LOG"
elif [ "$MODE" = e2e ] || [ "$MODE" = l1 ]; then
	grep -E '^(ptw:|guest:|TAP version|1\.\.|ok |not ok |#)' "$LOG" || true
else
	grep -E '^(ptw:|TAP version|1\.\.|ok |not ok |#)' "$LOG" || true
fi
fail=0
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "run-qemu: error: $MACHINE timed out after ${TIMEOUT}s"
	fail=1
fi
if grep -nE 'Oops|Kernel panic|BUG:|WARNING:|Unable to handle kernel|Call Trace' "$LOG"; then
	echo "run-qemu: error: the emulated host's kernel reported a failure (see $LOG)"
	fail=1
fi
if [ $DEBUG = 1 ]; then
	# Reports of the debug options that do not all start with BUG: or
	# WARNING: (lockdep's "INFO:" lines start with WARNING: already).
	rep='BUG:|WARNING:|Oops|Kernel panic|Call Trace|ODEBUG:|list_(add|del) corruption|KFENCE:|KASAN:|detected stalls?|possible (circular|recursive)|suspicious RCU usage|lock held when returning|inconsistent lock state|DEBUG_LOCKS_WARN_ON'
	first=$(grep -nE "$rep" "$LOG" | head -1 | cut -d: -f1 || true)
	if [ -n "$first" ]; then
		echo "run-qemu: error: debug kernel report in $LOG, from line $first:"
		sed -n "$((first > 5 ? first - 5 : 1)),$((first + 80))p" "$LOG"
		fail=1
	fi
	# lockdep switches itself off after its first report, or when an
	# earlier splat (ours or not) tainted the run: then nothing was checked.
	if ! grep -q '^ptw: debug_locks 1$' "$LOG"; then
		echo "run-qemu: error: lockdep was not on at the end of the run (no 'ptw: debug_locks 1')"
		fail=1
	fi
fi
grep -q '^ptw: done ok' "$LOG" || { echo "run-qemu: error: no 'ptw: done ok' in $LOG"; fail=1; }
exit $fail
