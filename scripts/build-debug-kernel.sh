#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug host kernel of make check's debug layers, and our modules for it:
#  1. vmlinux: the pristine linux-source of Debian's kernel (what Debian's
#     own vmlinux is built from: our hook patches only touch module code)
#     configured with allnoconfig + scripts/debug-kernel.config (lockdep,
#     KASAN, DEBUG_ATOMIC_SLEEP, ...), built once and cached outside the
#     clone in $PTW_DEBUG_CACHE/debug-<version>-<key>/, key = sha of the
#     config fragment, the compiler version and the recipe below;
#  2. build/linux-debug: a hard-linked copy of that tree (KVM's object
#     directories copied for real, the cache is never written), on which
#     scripts/build-kvm.sh lays our files and hooks and builds kvm.ko and
#     kvm-hv.ko, exactly as for Debian's kernel; our own objects are
#     KASAN-instrumented again (6.1 turns KASAN off for all of
#     arch/powerpc/kvm because of its real-mode code; ours runs in virtual
#     mode).
# Result: build/debug/vmlinux and build/modules-debug/{kvm,kvm-hv}.ko.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$TOP/build/${KSERIES:-6.1}}
CACHE=${PTW_DEBUG_CACHE:-/var/cache/kvm-pt}
FRAG="$TOP/scripts/debug-kernel.config"
# Bump when the way vmlinux is built below changes.
RECIPE=1
die() { echo "build-debug-kernel: error: $*" >&2; exit 1; }
log() { echo "build-debug-kernel: $*"; }

[ -f "$B/versions.mk" ] || die "run scripts/fetch.sh first (no $B/versions.mk)"
eval "$(sed -n 's/^\([A-Z]*\) := \(.*\)$/\1="\2"/p' "$B/versions.mk")"

CROSS=powerpc64le-linux-gnu-
DKREL="$KREL-ptwdebug"
key=$( { echo "recipe $RECIPE $KPKGVER"; cat "$FRAG"; "${CROSS}gcc" --version | head -1; } |
	sha256sum | cut -c1-16)
C="$CACHE/debug-$KPKGVER-$key"
MK=(make -s ARCH=powerpc CROSS_COMPILE="$CROSS" KERNELVERSION="$DKREL"
    LOCALVERSION= -j"$(nproc)")

mkdir -p "$CACHE"
# One debug kernel build at a time on this machine, whichever clone asks.
exec 9>"$CACHE/.lock"
flock 9
if [ ! -f "$C/.done" ]; then
	log "building the debug kernel $DKREL into $C (cold: minutes)"
	start=$(date +%s)
	rm -rf "$C"
	mkdir -p "$C"
	cp -al "$PRISTINE" "$C/linux"
	"${MK[@]}" -C "$C/linux" KCONFIG_ALLCONFIG="$FRAG" allnoconfig
	# Kconfig drops what it cannot satisfy without a word: every line of
	# the fragment must be in the result.
	bad=$(grep -E '^CONFIG_' "$FRAG" | grep -vxFf "$C/linux/.config" || true)
	[ -z "$bad" ] || die "not in the resulting .config (dependencies?): $bad"
	"${MK[@]}" -C "$C/linux" >"$C/build.log" 2>&1 ||
		{ tail -40 "$C/build.log"; die "debug kernel build failed (log: $C/build.log)"; }
	rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$C/linux/include/generated/utsrelease.h")
	[ "$rel" = "$DKREL" ] || die "debug tree has release '$rel', want '$DKREL'"
	echo "$(( $(date +%s) - start ))" >"$C/build-seconds"
	touch "$C/.done"
	log "built in $(cat "$C/build-seconds") s"
else
	log "cached: $C (built in $(cat "$C/build-seconds" 2>/dev/null || echo '?') s)"
fi
flock -u 9

# The module tree: every file a hard link into the cache except KVM's
# object directories, which make M=arch/powerpc/kvm writes into.
K="$B/linux-debug"
if [ "$(cat "$K/.ptw-version" 2>/dev/null)" != "$DKREL $KPKGVER r2" ] ||
   [ "$(cat "$K/.ptw-debug-cache" 2>/dev/null)" != "$C" ]; then
	log "preparing $K from $C"
	rm -rf "$K"
	cp -al "$C/linux" "$K"
	for d in arch/powerpc/kvm virt/kvm; do
		rm -rf "${K:?}/$d"
		cp -a "$C/linux/$d" "$K/$d"
	done
	echo "$C" >"$K/.ptw-debug-cache"
	# build-kvm.sh takes a tree with its stamp (r2: its recipe) as prepared.
	echo "$DKREL $KPKGVER r2" >"$K/.ptw-version"
fi

# KASAN for our objects: every .c we add under arch/powerpc/kvm and virt/kvm.
kasan=()
for f in "$TOP"/arch/powerpc/kvm/*.c "$TOP"/virt/kvm/*.c; do
	rel=${f#"$TOP"/}
	[ -f "$PRISTINE/$rel" ] && continue
	o=$(basename "$f" .c)
	kasan+=("KASAN_SANITIZE_$o.o=y")
done
log "KASAN-instrumented: ${kasan[*]}"

PTW_KTREE="$K" PTW_KREL="$DKREL" PTW_MODULES="$B/modules-debug" \
KBUILD_EXTRA="${kasan[*]}" bash "$TOP/scripts/build-kvm.sh"

mkdir -p "$B/debug"
cmp -s "$C/linux/vmlinux" "$B/debug/vmlinux" 2>/dev/null ||
	cp "$C/linux/vmlinux" "$B/debug/vmlinux"
cp "$C/linux/.config" "$B/debug/config"
log "ok: $B/debug/vmlinux $B/modules-debug/ ($DKREL)"
