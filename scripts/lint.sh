#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-grade lint of our files, each check counted:
#  - checkpatch --strict: 0 errors, 0 warnings, 0 checks on every kernel
#    file we add and on every hook patch;
#  - W=1: our objects build without a warning (the kernel's PPC_WERROR
#    would make them errors);
#  - sparse (C=2): no warning that the pristine tree does not already
#    have (6.1 has ~200 in shared headers), line numbers ignored so hooks
#    that shift lines do not hide or invent warnings;
#  - kernel-doc -none: no warning;
#  - the end-to-end guest program: checkpatch --strict too; our shell
#    scripts: bash -n and the SPDX line.
# Prints "lint: N passed, M failed" last; exits non-zero on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KSERIES=${KSERIES:-6.1}
B=${B:-$TOP/build/$KSERIES}
eval "$(sed -n 's/^\([A-Z]*\) := \(.*\)$/\1="\2"/p' "$B/versions.mk")"
K="$B/linux"
MK=(make -s -C "$K" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu-
    KERNELVERSION="$KREL" LOCALVERSION= -j"$(nproc)")
L="$B/lint"
rm -rf "$L"
mkdir -p "$L"
pass=0
fail=0
result() {	# name, status, [log]
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "ok - lint $1"
	else
		fail=$((fail + 1))
		echo "not ok - lint $1"
		[ -n "${3:-}" ] && sed 's/^/#   /' "$3" | head -40
	fi
}

cd "$TOP"
kfiles=$(git ls-files --cached --others --exclude-standard \
	 'arch/*.[ch]' 'virt/*.[ch]' 'include/*.h' "compat/$KSERIES/*.h" | sort)
cfiles=$(grep '\.c$' <<<"$kfiles" || true)

for f in $kfiles patches/*.patch patches/"$KSERIES"/*.patch; do
	[ -f "$f" ] || continue
	log="$L/checkpatch-$(echo "$f" | tr / _).log"
	if [[ $f == *.patch ]]; then
		"$K/scripts/checkpatch.pl" --strict --no-tree "$f" >"$log" 2>&1
	else
		"$K/scripts/checkpatch.pl" --strict --no-tree -f "$f" >"$log" 2>&1
	fi
	grep -qE '^total: 0 errors, 0 warnings(, 0 checks)?,' "$log"
	result "checkpatch $f" $? "$log"
done

# The end-to-end test's guest program is kernel style too.
for f in $(git ls-files --cached --others --exclude-standard 'tools/testing/e2e/*.[ch]'); do
	log="$L/checkpatch-$(echo "$f" | tr / _).log"
	"$K/scripts/checkpatch.pl" --strict --no-tree -f "$f" >"$log" 2>&1
	grep -qE '^total: 0 errors, 0 warnings(, 0 checks)?,' "$log"
	result "checkpatch $f" $? "$log"
done

# Our scripts (bash, and busybox sh for the initramfs ones): they parse,
# and carry the SPDX line under the #! line.
for f in $(git ls-files --cached --others --exclude-standard 'scripts/*.sh' .ci/run); do
	log="$L/shell-$(echo "$f" | tr / _).log"
	{ bash -n "$f"
	  sed -n 2p "$f" | grep -qx '# SPDX-License-Identifier: GPL-2.0' ||
		echo "$f: no '# SPDX-License-Identifier: GPL-2.0' on line 2"; } >"$log" 2>&1
	[ ! -s "$log" ]
	result "shell $f parses, SPDX" $? "$log"
done

for f in $kfiles; do
	log="$L/kernel-doc-$(echo "$f" | tr / _).log"
	"$K/scripts/kernel-doc" -none "$f" >"$log" 2>&1
	[ ! -s "$log" ]
	result "kernel-doc $f" $? "$log"
done

# W=1 over the whole KVM module directory, warnings in our files count;
# then sparse over it, compared with the pristine baseline. The second
# build also puts the objects back to their normal flags.
log="$L/w1.log"
"${MK[@]}" W=1 M=arch/powerpc/kvm modules >"$log" 2>&1
w1rc=$?
: >"$L/w1-ours.log"
for f in $cfiles $(grep '\.h$' <<<"$kfiles"); do
	grep -F "$f:" "$log" | grep -E 'warning:|error:' >>"$L/w1-ours.log"
done
[ $w1rc = 0 ] && [ ! -s "$L/w1-ours.log" ]
result "W=1 on our files" $? "$L/w1-ours.log"

for f in $cfiles; do
	o="$K/${f%.c}.o"
	[ -f "$o" ]
	result "$f is built into the modules" $?
done

log="$L/sparse.log"
"${MK[@]}" C=2 M=arch/powerpc/kvm modules >"$log" 2>&1
sprc=$?
norm() { grep -E 'warning:|error:' "$1" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u; }
norm "$B/sparse-baseline.raw" >"$L/sparse-base.txt"
norm "$log" >"$L/sparse-now.txt"
comm -13 "$L/sparse-base.txt" "$L/sparse-now.txt" >"$L/sparse-new.txt"
[ $sprc = 0 ] && [ ! -s "$L/sparse-new.txt" ]
result "sparse: no new warnings" $? "$L/sparse-new.txt"

# uapi numbers (README "uapi numbers"): ours must be free in the pristine
# kernel, i.e. above its last capability and device type.
h="$PRISTINE/include/uapi/linux/kvm.h"
uapi_patch=$(ls patches/"$KSERIES"/0002-*.patch patches/0002-*.patch 2>/dev/null | head -1)
cap=$(sed -n 's/^+#define KVM_CAP_PPC_PT_WINDOW \([0-9]*\)$/\1/p' "$uapi_patch")
dev=$(sed -n 's/^+.*KVM_DEV_TYPE_PPC_PT_WINDOW = \([0-9]*\),$/\1/p' "$uapi_patch")
maxcap=$(sed -n 's/^#define KVM_CAP_[A-Z0-9_]* \([0-9]*\)$/\1/p' "$h" | sort -n | tail -1)
ndev=$(sed -n '/^enum kvm_device_type {/,/^};/p' "$h" |
	grep -cE '^[[:space:]]+KVM_DEV_TYPE_[A-Z0-9_]+( = 1)?,$')
echo "uapi: ours cap=$cap dev=$dev; $KPKGVER ends at cap $maxcap, device type $ndev" >"$L/uapi.log"
[ -n "$cap" ] && [ -n "$dev" ] && [ "$cap" -gt "$maxcap" ] && [ "$dev" -gt "$ndev" ]
result "uapi numbers free in linux $KPKGVER ($(cat "$L/uapi.log"))" $? "$L/uapi.log"

# H_PTW_NESTED_4K: a KVM-private hcall number no kernel we build for uses.
hv="$PRISTINE/arch/powerpc/include/asm/hvcall.h"
hnum=$(sed -n 's/^#define H_PTW_NESTED_4K[[:space:]]*\(0x[0-9A-Fa-f]*\)$/\1/p' \
	arch/powerpc/include/asm/kvm_ptw.h)
hused=$(grep -ciE "^#define[[:space:]]+H_[A-Z0-9_]+[[:space:]]+$hnum([[:space:]]|$)" "$hv")
grep -iE "^#define[[:space:]]+H_[A-Z0-9_]+[[:space:]]+$hnum([[:space:]]|$)" "$hv" >"$L/hcall.log"
[ -n "$hnum" ] && [ "$hused" = 0 ]
result "hcall number ${hnum:-?} free in linux $KPKGVER's asm/hvcall.h" $? "$L/hcall.log"

# The QEMU patch carries its own copy of our uapi (QEMU's linux-headers/):
# the same header, byte for byte, and the same numbers as the kernel's.
qh=$(ls patches/qemu/0001-*.patch 2>/dev/null | head -1)
{
	[ -n "$qh" ] || { echo "no patches/qemu/0001-*.patch"; exit 1; }
	sed -n '/^+++ b\/linux-headers\/linux\/kvm_ppc_pt_window.h$/,/^diff --git\|^-- $/p' "$qh" |
		sed -n '/^@@/,$p' | sed -n 's/^+//p' |
		diff -u include/uapi/linux/kvm_ppc_pt_window.h - &&
	grep -qx "+#define KVM_CAP_PPC_PT_WINDOW $cap" "$qh" &&
	grep -qx "+	KVM_DEV_TYPE_PPC_PT_WINDOW = $dev," "$qh"
} >"$L/qemu-uapi.log" 2>&1
result "patches/qemu carries include/uapi/linux/kvm_ppc_pt_window.h and cap $cap, device type $dev" $? "$L/qemu-uapi.log"

echo "lint: $pass passed, $fail failed"
[ "$fail" = 0 ]
