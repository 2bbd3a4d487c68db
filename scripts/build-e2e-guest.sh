#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Linux guest's initramfs of the end-to-end test (run-qemu.sh
# powernv9-l0 e2e): static busybox, Debian's e1000e.ko and its
# dependencies from the image the host boots (the guest runs the same
# kernel), tools/testing/e2e/e2e_testdev cross-built static, and
# scripts/e2e-guest-init.sh as /init. Writes $B/e2e/guest.cpio.gz.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$TOP/build/${KSERIES:-6.12}}
die() { echo "build-e2e-guest: error: $*" >&2; exit 1; }

[ -f "$B/versions.mk" ] || die "run scripts/fetch.sh first"
eval "$(sed -n 's/^\([A-Z]*\) := \(.*\)$/\1="\2"/p' "$B/versions.mk")"
O="$B/e2e"
R="$O/guest"
rm -rf "$R"
mkdir -p "$R"/{bin,lib/modules,proc,sys,dev,tmp}

powerpc64le-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror \
	-o "$R/bin/e2e_testdev" "$TOP/tools/testing/e2e/e2e_testdev.c"
cp "$BUSYBOX" "$R/bin/busybox"
install -m 755 "$TOP/scripts/e2e-guest-init.sh" "$R/init"

# Modules in load order: dependencies first. Debian's 6.12 image has no
# modules.dep; modinfo's depends field names them.
modfile() { find "$KMODDIR/kernel" -name "$1.ko*" | head -1; }
added=" "
add_mod() {
	local f dep
	case "$added" in *" $1 "*) return 0 ;; esac
	f=$(modfile "$1")
	[ -n "$f" ] || die "module $1 not in $KMODDIR"
	case "$f" in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -qdc "$f" ;;
	*) cat "$f" ;;
	esac >"$R/lib/modules/$1.ko"
	for dep in $(modinfo -F depends "$R/lib/modules/$1.ko" | tr ',' ' '); do
		add_mod "$dep"
	done
	added="$added$1 "
	echo "$1" >>"$R/lib/modules/order"
}
: >"$R/lib/modules/order"
add_mod e1000e

(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$O/guest.cpio.gz"
echo "build-e2e-guest: $O/guest.cpio.gz ($(du -k "$O/guest.cpio.gz" | cut -f1) KiB; modules: $(tr '\n' ' ' <"$R/lib/modules/order"))"
