#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch everything the build needs for one target kernel series
# (KSERIES=6.1 or 6.12) from Debian's packages, into $B (build/<series>/):
#  - host tools (cross gcc, qemu, sparse, clang...) through apt-get install;
#  - Debian's ppc64el kernel image + headers and busybox-static, downloaded
#    through a private apt state for ppc64el and unpacked with dpkg -x
#    (never installed on this host);
#  - linux-source-<series> of exactly the version of that ppc64el kernel,
#    so the modules we build load into it.
# Series: 6.1 is Debian 12's kernel (flavour powerpc64le, 64K pages);
# 6.12 is Debian 13's LTS kernel in its -64k flavour, taken from
# bookworm-backports: the same source built with bookworm's gcc-12, the
# compiler of our cross toolchain (trixie's own build uses gcc-14, which
# bookworm cannot run; see README "Kernels").
# Nothing is pinned: versions are resolved now, from what the mirror
# offers, newest first, and the first one whose packages really download
# wins (an index can name a .deb the pool does not have yet).
# Writes $B/versions.mk with KREL (uname -r of the target) and KPKGVER.
set -euo pipefail

KSERIES=${KSERIES:-6.1}
B=${B:-$(cd "$(dirname "$0")/.." && pwd)/build/$KSERIES}
mkdir -p "$B"
die() { echo "fetch($KSERIES): error: $*" >&2; exit 1; }
log() { echo "fetch($KSERIES): $*"; }
case "$KSERIES" in
6.1)	FLAVOUR=powerpc64le; EXTRA_SUITE= ;;
6.12)	FLAVOUR=powerpc64le-64k; EXTRA_SUITE=bookworm-backports ;;
*)	die "unknown kernel series '$KSERIES' (KERNELS takes 6.1 and 6.12)" ;;
esac

HOST_PKGS="gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	qemu-system-ppc qemu-system-data sparse bc flex bison libelf-dev
	libssl-dev cpio kmod xz-utils zstd clang libclang-rt-14-dev rsync
	valgrind perl python3 dpkg-dev dwarves"

. "$(dirname "$0")/host-pkgs.sh"
need_host_pkgs $HOST_PKGS

# Debian's ppc64el archive (plus the suite the series comes from).
. "$(dirname "$0")/apt-state.sh"
ST="$B/apt-ppc64el"
ppc64el_apt_state "$ST" deb "$EXTRA_SUITE"

DEBS="$B/debs"
mkdir -p "$DEBS"
# download pkg version: into $DEBS unless there already; fails quietly.
# apt names the file with the epoch's colon as %3a.
debfile() { ls "$DEBS/${1}_${2/:/%3a}_"*.deb 2>/dev/null | head -1; }
download() {
	[ -n "$(debfile "$1" "$2")" ] && return 0
	(cd "$DEBS" && apt-get "${APT[@]}" download -qq "$1=$2") \
		>>"$DEBS/download.log" 2>&1
}
versions() {	# every version of a package in the index, newest first
	apt-cache "${APT[@]}" madison "$1" 2>/dev/null |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -Vru
}

# Every image of the series and flavour the index names, every version of
# each, newest first; the first whose image, headers and source download.
cands=$(apt-cache "${APT[@]}" pkgnames "linux-image-$KSERIES." 2>/dev/null |
	grep -E "^linux-image-${KSERIES//./\\.}\.[0-9]+[^ ]*-$FLAVOUR\$" | sort -Vr || true)
[ -n "$cands" ] || die "no ppc64el linux-image-$KSERIES.*-$FLAVOUR in the index (see $ST/update.log)"
img= KPKGVER= tried=
for c in $cands; do
	for v in $(versions "$c"); do
		tried="$tried $c=$v"
		if download "$c" "$v" &&
		   download "linux-headers-${c#linux-image-}" "$v" &&
		   download "linux-source-$KSERIES" "$v"; then
			img=$c KPKGVER=$v
			break 2
		fi
		log "$c=$v (or its headers or source) does not download; trying an older one"
	done
done
[ -n "$img" ] || die "none of the indexed kernels downloads:$tried (log: $DEBS/download.log)"
KREL=${img#linux-image-}
log "target kernel $KREL (package version $KPKGVER)"
bbver=$(versions busybox-static | head -1)
[ -n "$bbver" ] || die "no busybox-static in the ppc64el index"
download busybox-static "$bbver" || die "cannot download busybox-static=$bbver"

unpack() {
	local deb=$1 dir=$2
	[ -f "$dir/.unpacked" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir" || die "dpkg -x $deb failed"
	touch "$dir/.unpacked"
}
U="$B/deb"
unpack "$(debfile "$img" "$KPKGVER")" "$U/image-$KREL"
unpack "$(debfile "linux-headers-$KREL" "$KPKGVER")" "$U/headers-$KREL"
unpack "$(debfile busybox-static "$bbver")" "$U/busybox"
unpack "$(debfile "linux-source-$KSERIES" "$KPKGVER")" "$U/source-$KPKGVER"

# The pristine kernel tree: read-only reference for the hook patches.
P="$B/pristine-$KPKGVER"
if [ ! -f "$P/.extracted" ]; then
	log "extracting linux-source $KPKGVER"
	rm -rf "$P" "$P.tmp"
	mkdir -p "$P.tmp"
	tar -C "$P.tmp" --strip-components=1 -xJf \
		"$U/source-$KPKGVER/usr/src/linux-source-$KSERIES.tar.xz"
	touch "$P.tmp/.extracted"
	mv "$P.tmp" "$P"
fi

cat >"$B/versions.mk.tmp" <<EOF
KSERIES := $KSERIES
KREL := $KREL
KPKGVER := $KPKGVER
PRISTINE := $P
KIMAGE := $U/image-$KREL/boot/vmlinux-$KREL
KCONFIG := $U/image-$KREL/boot/config-$KREL
KMODDIR := $U/image-$KREL/lib/modules/$KREL
KHEADERS := $U/headers-$KREL/usr/src/linux-headers-$KREL
BUSYBOX := $U/busybox/bin/busybox
EOF
mv "$B/versions.mk.tmp" "$B/versions.mk"
for f in "$U/image-$KREL/boot/vmlinux-$KREL" "$U/image-$KREL/boot/config-$KREL" \
	 "$U/headers-$KREL/usr/src/linux-headers-$KREL/Module.symvers" \
	 "$U/busybox/bin/busybox"; do
	[ -e "$f" ] || die "expected $f in the unpacked packages"
done
log "ok: $B/versions.mk"
