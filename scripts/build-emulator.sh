#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The emulator the POWER hosts run in (run-qemu.sh): Debian 12's QEMU 7.2
# (qemu-system-ppc64, TCG) built for this host from Debian's source
# package with patches/qemu-emulator/series on top: fixes to QEMU's
# emulation of POWER9 that KVM in the emulated host depends on (see
# patches/qemu-emulator/README.md). Debian's own qemu-system-ppc64
# binary lacks them; PTW_EMULATOR=qemu-system-ppc64 still runs it.
#
# Built against the host's -dev packages (glib, pixman, libfdt, zlib),
# installed from the host's apt sources when missing, like every other
# build dependency (host-pkgs.sh). The result is cached outside the clone
# in $PTW_QEMU_CACHE/emulator-<debian version>-<key>/bin/qemu-system-ppc64
# (key = sha of this script, qemu-source.sh, the series and its patches,
# the compiler's and the libraries' versions; one build at a time, never
# written after it is done); build/emulator is a symlink to it. Its
# firmware and option ROMs are the host's, as for Debian's binary: the
# same --firmwarepath, which QEMU resolves relative to its binary, so the
# bundle's share/qemu, share/seabios and lib/ipxe are symlinks to /usr's
# (qemu-system-data: skiboot.lid, slof.bin, vof.bin; ipxe-qemu: the
# virtio-net and e1000e ROMs). A warm run takes seconds.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PTW_QEMU_CACHE:-/var/cache/kvm-pt}
W="$TOP/build/emulator-work"
PD="$TOP/patches/qemu-emulator"
die() { echo "build-emulator: error: $*" >&2; exit 1; }
log() { echo "build-emulator: $*"; }

LIBS="libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev"
HOST_PKGS="gcc qemu-system-data ipxe-qemu meson ninja-build pkg-config python3
	dpkg-dev quilt git xz-utils $LIBS"
. "$(dirname "$0")/host-pkgs.sh"
need_host_pkgs $HOST_PKGS

. "$(dirname "$0")/qemu-source.sh"
ppc64el_apt_state "$W/apt" "deb deb-src"
qvers=$(qemu_versions)
key=$( { gcc --version | head -1;
	 dpkg-query -W -f='${Package}=${Version}\n' $LIBS qemu-system-data; } |
	qemu_key "emulator recipe" "$PD")

# As little as the hosts use: TCG, the pseries and powernv machines and
# their default devices (pci-testdev, virtio-net, e1000e among them), a
# serial console; no KVM, GUI, audio, slirp, block formats, tools or docs.
build_emulator() {
	local BLD="$W/obj" d

	log "building qemu $QV (ppc64 TCG for $(uname -m)) into $C (cold: minutes)"
	rm -rf "$BLD"
	mkdir -p "$BLD"
	(cd "$BLD" &&
	 "$Q/configure" --target-list=ppc64-softmmu --prefix=/usr \
		--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
		--enable-tcg --disable-kvm --enable-fdt=system \
		--without-default-features --disable-docs --disable-tools \
		--disable-user --disable-werror --disable-debug-info) \
		>"$W/configure.log" 2>&1 ||
		{ tail -30 "$W/configure.log"; die "configure failed (log $W/configure.log)"; }
	ninja -C "$BLD" -j"$(nproc)" qemu-system-ppc64 >"$W/build.log" 2>&1 ||
		{ grep -m20 -B2 -A8 -E 'error|undefined' "$W/build.log"; die "build failed (log $W/build.log)"; }
	mkdir -p "$T/bin" "$T/share" "$T/lib"
	for d in share/qemu share/seabios lib/ipxe; do
		ln -s "/usr/$d" "$T/$d"
	done
	strip -o "$T/bin/qemu-system-ppc64" "$BLD/qemu-system-ppc64"
	qemu_series "$PD" >"$T/patches"
}
qemu_build emulator "$key" "$qvers" "$PD" build_emulator

ln -sfn "$C" "$TOP/build/emulator"
"$TOP/build/emulator/bin/qemu-system-ppc64" --version | head -1 |
	sed "s|^|build-emulator: ok: build/emulator -> $C: |"
