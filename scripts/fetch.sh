#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch everything the build needs from Debian's packages, into $B (build/):
#  - host tools (cross gcc, qemu, sparse, clang...) through apt-get install;
#  - Debian's ppc64el kernel image + headers and busybox-static, downloaded
#    through a private apt state for ppc64el and unpacked with dpkg -x
#    (never installed on this host);
#  - linux-source-6.1 and the amd64 linux-kbuild-6.1 of exactly the version
#    of that ppc64el kernel, so the modules we build load into it.
# Nothing is pinned: versions are resolved now, from what the mirror offers.
# Writes $B/versions.mk with KREL (uname -r of the target) and KPKGVER.
set -euo pipefail

B=${B:-$(cd "$(dirname "$0")/.." && pwd)/build}
mkdir -p "$B"
die() { echo "fetch: error: $*" >&2; exit 1; }
log() { echo "fetch: $*"; }

HOST_PKGS="gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	qemu-system-ppc qemu-system-data sparse bc flex bison libelf-dev
	libssl-dev cpio kmod xz-utils zstd clang libclang-rt-14-dev rsync
	valgrind perl python3 dpkg-dev"

missing=""
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing host packages:$missing (run as root or install them)"
	log "installing host packages:$missing"
	apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
		die "apt-get install failed for:$missing"
fi

# A private apt state that sees Debian's ppc64el archive, built from this
# host's own source list so it follows whatever mirror the host uses.
ST="$B/apt-ppc64el"
mkdir -p "$ST/state/lists/partial" "$ST/cache/archives/partial" "$ST/etc"
touch "$ST/state/status"
cp /etc/apt/sources.list.d/*.sources "$ST/etc/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list &&
	cp /etc/apt/sources.list "$ST/etc/main.list"
APT_PPC=(-o "Dir::State=$ST/state" -o "Dir::Cache=$ST/cache"
	 -o "Dir::State::status=$ST/state/status"
	 -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$ST/etc"
	 -o "APT::Architecture=ppc64el" -o "APT::Architectures::=ppc64el")

if [ ! -f "$ST/updated" ] || [ -n "$(find "$ST/updated" -mmin +720)" ]; then
	log "updating the ppc64el package index"
	# A partial index (a mirror mid-sync) is fine: we use what resolves.
	apt-get "${APT_PPC[@]}" update -qq >"$ST/update.log" 2>&1 || true
	touch "$ST/updated"
fi

img=$(apt-cache "${APT_PPC[@]}" depends linux-image-powerpc64le 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-powerpc64le\)$/\1/p' | head -1)
[ -n "$img" ] || die "no ppc64el linux-image-powerpc64le in the index (see $ST/update.log)"
KREL=${img#linux-image-}
KPKGVER=$(apt-cache "${APT_PPC[@]}" show "$img" 2>/dev/null |
	sed -n 's/^Version: //p' | sort -V | tail -1)
[ -n "$KPKGVER" ] || die "no version for $img"
abi=${KREL%-powerpc64le}
log "target kernel $KREL (package version $KPKGVER)"

DEBS="$B/debs"
mkdir -p "$DEBS"
fetch_ppc() {
	local pkg=$1 ver=$2
	ls "$DEBS/${pkg}_"*"_"*.deb >/dev/null 2>&1 && return 0
	(cd "$DEBS" && apt-get "${APT_PPC[@]}" download -qq "$pkg${ver:+=$ver}") ||
		die "cannot download ppc64el package $pkg${ver:+=$ver}"
}
fetch_host() {
	local pkg=$1 ver=$2
	ls "$DEBS/${pkg}_${ver#*:}_"*.deb >/dev/null 2>&1 && return 0
	(cd "$DEBS" && apt-get download -qq "$pkg=$ver") ||
		die "cannot download $pkg=$ver for this host: the source of the ppc64el kernel $KPKGVER must come from the same Debian version"
}
fetch_ppc "$img" "$KPKGVER"
fetch_ppc "linux-headers-$KREL" "$KPKGVER"
fetch_ppc "linux-headers-$abi-common" "$KPKGVER"
fetch_ppc busybox-static ""
fetch_host linux-source-6.1 "$KPKGVER"
fetch_host linux-kbuild-6.1 "$KPKGVER"

unpack() {
	local deb=$1 dir=$2
	[ -f "$dir/.unpacked" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir" || die "dpkg -x $deb failed"
	touch "$dir/.unpacked"
}
U="$B/deb"
one() { ls "$DEBS/$1"_*.deb | sort -V | tail -1; }
unpack "$(one "$img")" "$U/image-$KREL"
unpack "$(one "linux-headers-$KREL")" "$U/headers-$KREL"
unpack "$(one "linux-headers-$abi-common")" "$U/headers-$KREL"
unpack "$(one busybox-static)" "$U/busybox"
unpack "$(one linux-source-6.1)" "$U/source-$KPKGVER"
unpack "$(one linux-kbuild-6.1)" "$U/kbuild-$KPKGVER"

# The pristine kernel tree: read-only reference for the hook patches.
P="$B/pristine-$KPKGVER"
if [ ! -f "$P/.extracted" ]; then
	log "extracting linux-source $KPKGVER"
	rm -rf "$P" "$P.tmp"
	mkdir -p "$P.tmp"
	tar -C "$P.tmp" --strip-components=1 -xJf \
		"$U/source-$KPKGVER/usr/src/linux-source-6.1.tar.xz"
	touch "$P.tmp/.extracted"
	mv "$P.tmp" "$P"
fi

cat >"$B/versions.mk.tmp" <<EOF
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
