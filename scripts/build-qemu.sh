#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VMM of the end-to-end test: Debian 12's QEMU (qemu-system-ppc64, 7.2)
# cross-built for ppc64el with our patches (patches/qemu/series) on top of
# Debian's own, to run inside the emulated POWER host (run-qemu.sh
# powernv9-l0). Everything comes from Debian's packages:
#  - the qemu source package (the newest 1:7.2+dfsg-7+deb12uN that
#    downloads), through a private apt state with deb-src entries derived
#    from this host's sources (the host itself has no deb-src);
#  - a sysroot of bookworm's ppc64el -dev packages (glib, pixman, zlib,
#    libfdt and their dependency closure), downloaded and unpacked with
#    dpkg -x, never installed;
#  - the host's powerpc64le-linux-gnu-gcc (gcc-12) and cross libc.
# Why 7.2 and not trixie's 10.0: see patches/qemu/README.md.
#
# The result is a runtime bundle, cached outside the clone in
# $PTW_QEMU_CACHE/qemu-<debian version>-<key>/ (key = sha of this script,
# patches/qemu/series and the patches it names, the sysroot's package
# versions, the compiler's version and qemu-system-data's; one build at a
# time, never written after it is done):
#   bin/qemu-system-ppc64
#   lib/        every shared library it needs (sysroot + cross libc) and
#               ld64.so.2: run it as lib/ld64.so.2 --library-path lib
#               bin/qemu-system-ppc64, or with LD_LIBRARY_PATH=lib
#   share/qemu/ the firmware -M pseries needs (slof.bin, vof.bin, ...)
#               from the host's qemu-system-data (arch all)
# build/<series>/qemu (KSERIES, default 6.12) is a symlink to it; the
# source, sysroot and objects of a cold build are in build/qemu-work/.
# A warm run takes seconds.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PTW_QEMU_CACHE:-/var/cache/kvm-pt}
B=${B:-$TOP/build/${KSERIES:-6.12}}
W="$TOP/build/qemu-work"
CROSS=powerpc64le-linux-gnu-
TRIPLET=powerpc64le-linux-gnu
die() { echo "build-qemu: error: $*" >&2; exit 1; }
log() { echo "build-qemu: $*"; }

# What the build runs on this host. meson (bookworm: 1.0) and ninja build
# 7.2; the Debian source tarball (+dfsg) carries no meson of its own.
HOST_PKGS="gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	qemu-system-data meson ninja-build pkg-config python3 dpkg-dev
	quilt git xz-utils"
. "$(dirname "$0")/host-pkgs.sh"
need_host_pkgs $HOST_PKGS

# A private apt state for ppc64el binaries and for sources.
. "$(dirname "$0")/qemu-source.sh"
ppc64el_apt_state "$W/apt" "deb deb-src"

# The sysroot: what QEMU links (glib, pixman, zlib, libfdt) and the
# closure of their Depends and Pre-Depends, minus what the cross
# toolchain already provides (libc, libgcc, kernel headers) and what is
# no library (tools, data, debconf). Resolved now, from the index.
ROOTS="libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev"
SKIP='^(libc6|libc6-dev|libgcc-s1|libgcc-12-dev|gcc-12-base|libstdc\+\+6|linux-libc-dev|libcrypt1|libcrypt-dev|libnsl2|libnsl-dev|libtirpc.*|rpcsvc-proto|debconf|debconf-2.0|dpkg|perl.*|python3.*|libglib2.0-dev-bin|libglib2.0-data|libglib2.0-bin|shared-mime-info|pkg-config|pkgconf|pkgconf-bin|libpkgconf3|tzdata|install-info|sensible-utils|xdg-user-dirs|libelf1|libdebuginfod.*|libdw1|readline-common)$'
closure() {	# breadth first, never into a skipped package
	local seen=" " next=$ROOTS cur p
	while [ -n "$next" ]; do
		cur=$next
		next=
		for p in $cur; do
			seen="$seen$p "
		done
		for p in $(apt-cache "${APT[@]}" depends --no-recommends --no-suggests \
				--no-conflicts --no-breaks --no-replaces --no-enhances $cur 2>/dev/null |
			   sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p' |
			   sort -u | grep -vE "$SKIP"); do
			case "$seen$next " in *" $p "*) continue ;; esac
			next="$next $p"
		done
	done
	echo $seen | tr ' ' '\n' | sort
}
pkgs=$(closure)
[ -n "$pkgs" ] || die "cannot resolve $ROOTS in the ppc64el index (see $ST/update.log)"
# One apt-cache call each (every call parses the whole index: seconds).
declare -A ver
while read -r p v; do
	ver[$p]=$v
done < <(apt-cache "${APT[@]}" policy $pkgs 2>/dev/null |
	 awk '/^[^ ].*:$/ { p = $1; sub(/:$/, "", p) } /^ *Candidate:/ { print p, $2 }')
for p in $pkgs; do
	[ -n "${ver[$p]:-}" ] && [ "${ver[$p]}" != "(none)" ] || die "no candidate for $p"
done

qvers=$(qemu_versions)

sysroot_list=$(for p in $pkgs; do echo "$p=${ver[$p]}"; done)
key=$( { echo "$sysroot_list"; echo "${PTW_QEMU_CONFIGURE:-}";
	 "${CROSS}gcc" --version | head -1;
	 dpkg-query -W -f='${Version}\n' qemu-system-data libc6-dev-ppc64el-cross; } |
	qemu_key "qemu-bundle recipe" "$TOP/patches/qemu")

build_bundle() {
	local S="$W/sysroot" BLD="$W/obj" LIBDIRS LIBPATH ldflags cflags d f n
	local found todo fw l

	log "building qemu $QV into $C (cold: minutes)"
	# The sysroot, from Debian's ppc64el packages.
	rm -rf "$S" "$W/debs"
	mkdir -p "$S" "$W/debs"
	(cd "$W/debs" && apt-get "${APT[@]}" download -qq $sysroot_list) \
		>"$W/download.log" 2>&1 || die "sysroot download failed (log $W/download.log)"
	for d in "$W"/debs/*.deb; do
		dpkg -x "$d" "$S"
	done
	# Absolute symlinks (libfoo.so -> /lib/...) must point into the
	# sysroot, or the linker follows them to the host's x86 libraries.
	find "$S" -type l -lname '/*' | while read -r l; do
		ln -sfn "$S$(readlink "$l")" "$l"
	done
	LIBDIRS="$S/usr/lib/$TRIPLET $S/lib/$TRIPLET"
	ldflags="" cflags="-I$S/usr/include -I$S/usr/include/$TRIPLET"
	for d in $LIBDIRS; do
		ldflags="$ldflags -L$d -Wl,-rpath-link,$d"
	done

	# As little as runs -M pseries with KVM: no GUI, audio, slirp, block
	# formats, tools or docs (--without-default-features), and no TCG:
	# the emulated host runs the guest with KVM only, and 7.2's ppc64
	# target builds without TCG (target/ppc/tcg-stub.c): fewer objects.
	# PTW_QEMU_CONFIGURE adds options (it is part of the key).
	rm -rf "$BLD"
	mkdir -p "$BLD"
	(cd "$BLD" &&
	 PKG_CONFIG=pkg-config PKG_CONFIG_SYSROOT_DIR="$S" \
	 PKG_CONFIG_LIBDIR="$S/usr/lib/$TRIPLET/pkgconfig:$S/usr/share/pkgconfig" \
	 "$Q/configure" --cross-prefix="$CROSS" --target-list=ppc64-softmmu \
		--prefix=/usr --enable-kvm --enable-fdt=system \
		--extra-cflags="$cflags" --extra-ldflags="$ldflags" \
		--without-default-features --disable-docs --disable-tools \
		--disable-user --disable-werror --disable-debug-info --disable-tcg \
		${PTW_QEMU_CONFIGURE:-}) >"$W/configure.log" 2>&1 ||
		{ tail -30 "$W/configure.log"; die "configure failed (log $W/configure.log)"; }
	ninja -C "$BLD" -j"$(nproc)" qemu-system-ppc64 >"$W/build.log" 2>&1 ||
		{ grep -m20 -B2 -A8 -E 'error|undefined' "$W/build.log"; die "build failed (log $W/build.log)"; }

	# The bundle: the binary, every library it needs (its NEEDED entries,
	# recursively, found in the sysroot or the cross libc) and the
	# dynamic loader, and the firmware.
	mkdir -p "$T/bin" "$T/lib" "$T/share/qemu"
	"${CROSS}strip" -o "$T/bin/qemu-system-ppc64" "$BLD/qemu-system-ppc64"
	LIBPATH="$LIBDIRS /usr/$TRIPLET/lib"
	todo=("$T/bin/qemu-system-ppc64")
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for n in $("${CROSS}readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$T/lib/$n" ] && continue
			found=
			for d in $LIBPATH; do
				if [ -e "$d/$n" ]; then
					found=$d/$n
					break
				fi
			done
			[ -n "$found" ] || die "library $n (needed by ${f##*/}) in neither the sysroot nor the cross libc"
			cp -L "$found" "$T/lib/$n"
			todo+=("$T/lib/$n")
		done
	done
	cp -L "/usr/$TRIPLET/lib/ld64.so.2" "$T/lib/ld64.so.2"
	for fw in slof.bin vof.bin; do
		cp -L "/usr/share/qemu/$fw" "$T/share/qemu/" ||
			die "no /usr/share/qemu/$fw (qemu-system-data)"
	done
	echo "$sysroot_list" >"$T/sysroot-packages"
	cp "$BLD/config-host.mak" "$T/" 2>/dev/null || true
	log "bundle: $(ls "$T/lib" | wc -l) libraries, $(du -sh "$T" | cut -f1)"
}
qemu_build qemu "$key" "$qvers" "$TOP/patches/qemu" build_bundle

mkdir -p "$B"
ln -sfn "$C" "$B/qemu"
log "ok: $B/qemu -> $C (qemu $(cat "$C/debian-version"))"
