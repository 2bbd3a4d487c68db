#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-build kvm.ko and kvm-hv.ko for Debian's prebuilt ppc64le kernel:
#  1. build/linux is a hard-linked copy of the pristine linux-source tree
#     with Debian's config for that kernel, modules_prepare'd once, and the
#     kernel release forced to Debian's (vermagic must match);
#  2. our files (arch/ virt/ include/ tools/testing/selftests/) and the hook
#     patches are laid over it (patches/*.patch, where patches/<series>/
#     holds a patch of the same name it replaces it for that kernel series:
#     hooks are kept per kernel where the kernels differ); files are only rewritten
#     when their content changes, so rebuilds stay incremental;
#  3. make M=arch/powerpc/kvm builds the modules against Debian's
#     Module.symvers so modversion CRCs match.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KSERIES=${KSERIES:-6.1}
B=${B:-$TOP/build/$KSERIES}
die() { echo "build-kvm: error: $*" >&2; exit 1; }
log() { echo "build-kvm: $*"; }

[ -f "$B/versions.mk" ] || die "run scripts/fetch.sh first (no $B/versions.mk)"
eval "$(sed -n 's/^\([A-Z]*\) := \(.*\)$/\1="\2"/p' "$B/versions.mk")"
# scripts/build-debug-kernel.sh builds the same modules for the debug
# kernel: its own prepared tree, release and output directory.
KREL=${PTW_KREL:-$KREL}
MODULES=${PTW_MODULES:-$B/modules}

K=${PTW_KTREE:-$B/linux}

# Our modules must be built by the compiler that built the kernel: same
# GCC version, so every compiler-derived Kconfig symbol (CC_HAS_*, ...)
# and the code generation match (README "Kernels").
want=$(sed -n 's/^CONFIG_GCC_VERSION=//p' "$KCONFIG")
have=$(powerpc64le-linux-gnu-gcc -dumpfullversion |
	awk -F. '{ printf "%d%02d%02d", $1, $2, $3 }')
[ "$want" = "$have" ] ||
	die "$KREL was built with GCC $want, our powerpc64le-linux-gnu-gcc is $have"
MK=(make -s -C "$K" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu-
    KERNELVERSION="$KREL" LOCALVERSION= -j"$(nproc)")

# The tree is rebuilt from scratch only when the target kernel changes.
if [ "$(cat "$K/.ptw-version" 2>/dev/null)" != "$KREL $KPKGVER r2" ]; then
	log "preparing $K for $KREL"
	rm -rf "$K"
	cp -al "$PRISTINE" "$K"
	cp "$KCONFIG" "$K/.config"
	# Debian builds from its own release string; force it so vermagic and
	# /lib/modules paths match the prebuilt kernel.
	"${MK[@]}" olddefconfig >/dev/null
	# Kconfig silently drops what the build host cannot do (BTF without
	# pahole, ...), and such a symbol can change struct module: every
	# symbol must come out as Debian set it, but the build's identity.
	same='^(CONFIG_CC_VERSION_TEXT|CONFIG_BUILD_SALT|CONFIG_MODULE_SIG_(ALL|KEY)|CONFIG_SYSTEM_TRUSTED_KEYS|CONFIG_RUSTC_[A-Z_]*)='
	d=$(diff <(grep '^CONFIG_' "$KCONFIG" | grep -Ev "$same" | sort) \
		 <(grep '^CONFIG_' "$K/.config" | grep -Ev "$same" | sort) || true)
	[ -z "$d" ] || die "the prepared .config differs from Debian's for $KREL (a missing host tool?):
$d"
	"${MK[@]}" modules_prepare
	cp "$KHEADERS/Module.symvers" "$K/Module.symvers"
	rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$K/include/generated/utsrelease.h")
	[ "$rel" = "$KREL" ] || die "prepared tree has release '$rel', want '$KREL'"
	# sparse baseline of the pristine KVM code, before any overlay.
	log "sparse baseline of pristine arch/powerpc/kvm"
	"${MK[@]}" C=2 M=arch/powerpc/kvm modules \
		>"$B/sparse-baseline.raw" 2>&1 || die "pristine KVM build failed"
	echo "$KREL $KPKGVER r2" >"$K/.ptw-version"
fi

# Stage: every file touched by a hook patch, restored from pristine and
# patched; plus our own files. Then sync by content into the tree.
S="$B/stage"
rm -rf "$S"
mkdir -p "$S"
managed="$K/.ptw-managed"
shopt -s nullglob
patches=()
for p in "$TOP"/patches/*.patch "$TOP/patches/$KSERIES"/*.patch; do
	n=$(basename "$p")
	if [ -f "$TOP/patches/$KSERIES/$n" ]; then
		p="$TOP/patches/$KSERIES/$n"
	fi
	printf '%s\n' "${patches[@]}" | grep -qxF "$p" || patches+=("$p")
done
mapfile -t patches < <(printf '%s\n' "${patches[@]}" |
	awk -F/ '{ print $NF "\t" $0 }' | sort | cut -f2)
touched=$(cat /dev/null "${patches[@]}" |
	  sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' | sort -u)
# Files patched last time but not any more go back to pristine.
for f in $(cat "$managed" 2>/dev/null); do
	if ! grep -qx "$f" <<<"$touched" && [ -f "$PRISTINE/$f" ]; then
		cmp -s "$PRISTINE/$f" "$K/$f" || cp "$PRISTINE/$f" "$K/$f"
	fi
done
for f in $touched; do
	[ -f "$PRISTINE/$f" ] || die "patch touches $f, which is not in linux-source $KPKGVER"
	mkdir -p "$S/$(dirname "$f")"
	cp "$PRISTINE/$f" "$S/$f"
done
for p in "${patches[@]}"; do
	patch -s -p1 -d "$S" --no-backup-if-mismatch <"$p" ||
		die "hook patch $(basename "$p") does not apply to linux-source $KPKGVER"
done
echo "$touched" >"$managed"
for d in arch virt include tools/testing/selftests; do
	[ -d "$TOP/$d" ] && mkdir -p "$S/$d" && rsync -a "$TOP/$d/" "$S/$d/"
done
# The interfaces that differ between kernels, in this series' form.
[ -d "$TOP/compat/$KSERIES" ] || die "no compat/$KSERIES/ for this kernel series"
rsync -a "$TOP/compat/$KSERIES/" "$S/"
# Our files that are gone from the repo go from the tree too (back to
# pristine if the kernel has them), so nothing stale is built.
overlay="$K/.ptw-overlay"
(cd "$S" && find . -type f | sed 's|^\./||' | sort) >"$overlay.new"
for f in $(comm -23 "$overlay" "$overlay.new" 2>/dev/null); do
	if [ -f "$PRISTINE/$f" ]; then
		cp "$PRISTINE/$f" "$K/$f"
	else
		rm -f "$K/$f"
	fi
done
mv "$overlay.new" "$overlay"
rsync -rc "$S/" "$K/"

log "building kvm.ko and kvm-hv.ko"
"${MK[@]}" M=arch/powerpc/kvm modules ${KBUILD_EXTRA:-}
# Hooks into vfio-pci (6.12's BAR notifier): build both of its modules,
# which then replace Debian's in the emulated hosts.
VFIO_MODS=
if grep -q '^drivers/vfio/pci/' <<<"$touched"; then
	log "building vfio-pci-core.ko and vfio-pci.ko"
	"${MK[@]}" M=drivers/vfio/pci modules
	VFIO_MODS="drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci"
fi
mkdir -p "$MODULES"
rm -f "$MODULES"/vfio*.ko
for m in $VFIO_MODS; do
	[ -f "$K/$m.ko" ] || die "$m.ko was not built"
	cp "$K/$m.ko" "$MODULES/"
done
for m in kvm kvm-hv; do
	ko="$K/arch/powerpc/kvm/$m.ko"
	[ -f "$ko" ] || die "$m.ko was not built"
	vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$vm" = "$KREL" ] || die "$m.ko vermagic '$vm' does not match '$KREL'"
	cp "$ko" "$MODULES/$m.ko"
done
log "ok: $MODULES/kvm.ko $MODULES/kvm-hv.ko ($KREL)"
