#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every layer, one summary line each, then the closing line.
#   harness:   userspace tests of our kernel .c files (x86, ASan/UBSan)
#   build(emulator): the QEMU the POWER hosts run in, with the fixes of
#              patches/qemu-emulator/ (scripts/build-emulator.sh, cached)
# then for each kernel of KERNELS (6.1 and 6.12 by default), its own layers
# named after it:
#   build(<k>):     fetch Debian's packages, build kvm.ko and kvm-hv.ko
#   lint(<k>):      checkpatch, kernel-doc, W=1, sparse, uapi numbers
#   selftests(<k>/<host>): kselftests run inside each emulated POWER host
#   selftests(<k>/<host>-debug): the same on the debug kernel (lockdep,
#              KASAN, DEBUG_ATOMIC_SLEEP, ...), for the kernels of
#              DEBUG_KERNELS (6.1 by default); any report fails
#   selftests(<k>/powernv9-l0/pseries-l1), selftests(<k>/powernv9-l0-off/
#              pseries-l1): the emulated powernv9 host (L0, our kvm-hv)
#              runs our QEMU with a nested-HV pseries L1 that runs the
#              selftests: with the L0 serving the L1's 4K leaves, and with
#              kvm_hv.ptw_l0_nested_4k=0 (the L1 falls back to exits); for
#              NESTED_KERNELS, L1_TESTS selects the selftests
#   selftests(<k>/powernv9-l0/pseries-l1-vfio): the same L1 given the
#              L0's own pci-testdev and e1000e through VFIO (its windows
#              over IO memory: shadow leaves onto the L0's windows), for
#              the kernels in both lists
#   e2e(linux-guest): our QEMU (scripts/build-qemu.sh, cached) boots a
#              Linux guest inside the emulated powernv9 host with
#              pci-testdev and e1000e passed through; for the kernels of
#              E2E_KERNELS (6.12 by default: 6.1's VFIO binds nothing)
# A layer that cannot run at all (build failure, boot failure) counts as
# one failure, so the closing line never reads green by omission.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KERNELS=${KERNELS:-6.1 6.12}
MACHINES=${MACHINES:-pseries powernv9 powernv9-hash}
# The hosts that also run on the debug kernel ("" skips its build too),
# and the kernels that have one: a debug kernel is a full kernel build
# (~35 min cold, cached outside the clone), so only 6.1 by default.
DEBUG_MACHINES=${DEBUG_MACHINES-$MACHINES}
DEBUG_KERNELS=${DEBUG_KERNELS-6.1}
# The kernels whose VFIO works ("" skips the end-to-end layer and its
# QEMU build).
E2E_KERNELS=${E2E_KERNELS-6.12}
# The kernels whose powernv9 host also runs the nested L1 (our QEMU, no
# VFIO needed; its VFIO layer only where E2E_KERNELS has the kernel too).
NESTED_KERNELS=${NESTED_KERNELS-6.12 6.1}
# The selftests the nested L1 runs (shell patterns; "" all of them), with
# the L0's support on, and off: then the L1 maps nothing with 4K leaves
# (its window devices say so, KVM_PPC_PTW_INFO_MAP_4K clear) and the same
# selftests expect every window access to exit (README "Nested, end to
# end"). L1_SKIP names selftests to report as skipped there
# (PTW_L1_SKIP_TESTS, with the reason L1_SKIP_WHY).
L1_TESTS=${L1_TESTS-}
L1_OFF_TESTS=${L1_OFF_TESTS-}
L1_SKIP=${L1_SKIP-}
L1_SKIP_WHY=${L1_SKIP_WHY-skipped by L1_SKIP}
cd "$TOP"
mkdir -p build/logs
total_pass=0
total_fail=0
total_skip=0
summary=()

layer() {	# name passed failed [skipped]
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + ${4:-0}))
	if [ -n "${4:-}" ]; then
		summary+=("$1: $2 passed, $3 failed, $4 skipped")
	else
		summary+=("$1: $2 passed, $3 failed")
	fi
	echo "${summary[-1]}"
}

counts() {	# file "prefix": reads "prefix: N passed, M failed"
	sed -nE "s/^$2: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p" "$1" | tail -1
}

# Boot one host (run-qemu.sh name) in check mode, show its output and set
# p f s (passed failed skipped). kselftest TAP per binary: "ok N",
# "ok N # SKIP", "not ok N". A binary that exits non-zero (not KSFT_SKIP)
# with no "not ok", or does not finish its "1..N" plan, counts as one
# more failure; so does a failed boot.
in_list() {	# word "list of words"
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# run_host host [mode [tag]]: a run's console is logs/<host>-<mode>.log
# (and .out); with a tag it is kept as logs/<host>-<mode>-<tag>.log too,
# so runs of one host and mode (the nested layers) keep theirs.
run_host() {
	local m=$1 mode=${2:-check} tag=${3:-} rc log="$B/logs/$1-${2:-check}.log"

	bash scripts/run-qemu.sh "$m" "$mode" >"$B/logs/$m-$mode.out" 2>&1
	rc=$?
	cat "$B/logs/$m-$mode.out"
	read -r p f s <<<"$(awk '
		/^ptw: run / { n = 0; plan = -1; bad = 0 }
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
		/^1\.\.0 # SKIP/ { s++ }
		/^ok [0-9]+/ { n++; if (/# SKIP/) s++; else p++ }
		/^not ok [0-9]+/ { n++; f++; bad++ }
		/^ptw: exit / {
			if (($4 != 0 && $4 != 4 && !bad) ||
			    (plan >= 0 && n != plan)) f++
		}
		END { print p + 0, f + 0, s + 0 }' "$log" 2>/dev/null)"
	[ -n "${p:-}" ] || { p=0; f=0; s=0; }
	[ $rc = 0 ] || f=$((f + 1))
	if [ -n "$tag" ]; then
		cp "$log" "$B/logs/$m-$mode-$tag.log" 2>/dev/null
		cp "$B/logs/$m-$mode.out" "$B/logs/$m-$mode-$tag.out"
	fi
	return 0
}

echo "== harness"
make -s -C tools/testing/kvm_pt check 2>&1 | tee build/logs/harness.log
read -r p f <<<"$(counts build/logs/harness.log harness)"
[ -n "${p:-}" ] || { p=0; f=1; }
layer harness "$p" "$f"

echo "== build(emulator)"
if bash scripts/build-emulator.sh >build/logs/emulator-build.log 2>&1; then
	tail -1 build/logs/emulator-build.log
	layer "build(emulator)" 1 0
else
	tail -30 build/logs/emulator-build.log
	layer "build(emulator)" 0 1
fi

for k in $KERNELS; do
	export KSERIES=$k B="$TOP/build/$k"
	mkdir -p "$B/logs"
	echo "== build($k)"
	if ! { bash scripts/fetch.sh && bash scripts/build-kvm.sh; } \
		>"$B/logs/build.log" 2>&1; then
		tail -30 "$B/logs/build.log"
		layer "build($k)" 0 1
		continue
	fi
	tail -2 "$B/logs/build.log"
	layer "build($k)" 1 0

	echo "== lint($k)"
	bash scripts/lint.sh 2>&1 | tee "$B/logs/lint.log"
	read -r p f <<<"$(counts "$B/logs/lint.log" lint)"
	[ -n "${p:-}" ] || { p=0; f=1; }
	layer "lint($k)" "$p" "$f"

	echo "== selftests($k)"
	if ! make -s uapi selftests >"$B/logs/selftests-build.log" 2>&1; then
		tail -30 "$B/logs/selftests-build.log"
		layer "selftests($k)" 0 1
		continue
	fi
	for m in $MACHINES; do
		run_host "$m"
		layer "selftests($k/$m)" "$p" "$f" "$s"
	done

	# Our QEMU, the VMM inside the emulated powernv9 host (L0), for the
	# end-to-end run and the nested L1.
	qemu_ok=
	if in_list "$k" "$E2E_KERNELS $NESTED_KERNELS"; then
		if bash scripts/build-qemu.sh >"$B/logs/qemu-build.log" 2>&1; then
			tail -1 "$B/logs/qemu-build.log"
			qemu_ok=1
		else
			tail -30 "$B/logs/qemu-build.log"
			layer "build(qemu/$k)" 0 1
		fi
	fi
	if [ -n "$qemu_ok" ] && in_list "$k" "$E2E_KERNELS"; then
		echo "== e2e(linux-guest) on $k"
		run_host powernv9-l0 e2e
		layer "e2e(linux-guest)" "$p" "$f" "$s"
	fi
	if [ -n "$qemu_ok" ] && in_list "$k" "$NESTED_KERNELS"; then
		# A nested-HV L1 under our kvm-hv (L0) runs the pseries
		# selftests with 4K leaves, then with the L0's support off
		# (the L1 falls back to exits).
		echo "== nested L1 on $k"
		export PTW_L1_SKIP_TESTS=$L1_SKIP PTW_L1_SKIP_WHY=$L1_SKIP_WHY
		PTW_L0_NESTED_4K=1 PTW_L1_TESTS=$L1_TESTS run_host powernv9-l0 l1 on
		layer "selftests($k/powernv9-l0/pseries-l1)" "$p" "$f" "$s"
		PTW_L0_NESTED_4K=0 PTW_L1_TESTS=$L1_OFF_TESTS run_host powernv9-l0 l1 off
		layer "selftests($k/powernv9-l0-off/pseries-l1)" "$p" "$f" "$s"
		# The L1 given the L0's own pci-testdev and e1000e through
		# VFIO (the L0's VFIO: E2E_KERNELS): its windows lie over IO
		# memory.
		if in_list "$k" "$E2E_KERNELS"; then
			PTW_L0_NESTED_4K=1 PTW_L1_PASSTHROUGH=1 PTW_L1_TESTS=$L1_TESTS \
				run_host powernv9-l0 l1 vfio
			layer "selftests($k/powernv9-l0/pseries-l1-vfio)" "$p" "$f" "$s"
		fi
	fi

	case " $DEBUG_KERNELS " in *" $k "*) ;; *) continue ;; esac
	[ -n "$DEBUG_MACHINES" ] || continue
	echo "== selftests($k) on the debug kernel"
	if ! bash scripts/build-debug-kernel.sh \
		>"$B/logs/debug-build.log" 2>&1; then
		tail -30 "$B/logs/debug-build.log"
		layer "build($k-debug)" 0 1
		continue
	fi
	tail -2 "$B/logs/debug-build.log"
	layer "build($k-debug)" 1 0
	for m in $DEBUG_MACHINES; do
		run_host "$m-debug"
		layer "selftests($k/$m-debug)" "$p" "$f" "$s"
	done
done

echo "== summary"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
