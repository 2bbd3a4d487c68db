#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by build-qemu.sh (our VMM, cross-built for ppc64el) and
# build-emulator.sh (the emulator the POWER hosts run in, built for this
# host): Debian 12's qemu 1:7.2+dfsg-7+deb12uN source with Debian's own
# patches and then one of our series on top. The caller defines die()
# and log().

# The private apt state (ppc64el_apt_state, with deb-src entries) whose
# APT the functions below use.
. "$(dirname "${BASH_SOURCE[0]}")/apt-state.sh"

# qemu_versions: every 7.2 version of bookworm the index names, newest
# first (the first that downloads wins).
qemu_versions() {
	local v

	v=$(apt-cache "${APT[@]}" showsrc qemu 2>/dev/null | sed -n 's/^Version: //p' |
		grep -E '^1:7\.2\+dfsg-7\+deb12u[0-9]+$' | sort -Vru)
	[ -n "$v" ] || die "no qemu 1:7.2+dfsg-7+deb12uN source in the index"
	echo "$v"
}

# qemu_series DIR: the patches DIR/series names, in order.
qemu_series() {
	grep -v '^[[:space:]]*\(#.*\)\{0,1\}$' "$1/series" 2>/dev/null || true
}

# qemu_source_tree WORK VERSIONS PATCHDIR: the first of VERSIONS that
# downloads, unpacked by dpkg-source (Debian's patches applied) into
# WORK/src/tree, then PATCHDIR's series on top. The series must apply
# both ways its author may work: as a quilt series (pushed, then popped
# again) and with git am, whose result is what gets built. Sets QV (the
# version) and Q (the tree).
qemu_source_tree() {
	local w=$1 vers=$2 pd=$3 src=$1/src qv dsc series p

	rm -rf "$src"
	mkdir -p "$src"
	QV=
	for qv in $vers; do
		if (cd "$src" && apt-get "${APT[@]}" source -qq --download-only "qemu=$qv") \
			>"$w/source.log" 2>&1; then
			QV=$qv
			break
		fi
		log "qemu=$qv does not download; trying an older one"
		rm -rf "${src:?}"/*
	done
	[ -n "$QV" ] || die "no qemu 7.2 source downloads (tried: $vers; log $w/source.log)"
	dsc=$(ls "$src"/qemu_*.dsc)
	(cd "$src" && dpkg-source --no-check -x "$dsc" tree) >"$w/dpkg-source.log" 2>&1 ||
		die "dpkg-source -x failed (log $w/dpkg-source.log)"
	Q="$src/tree"
	series=$(qemu_series "$pd")
	[ -n "$series" ] || return 0
	(cd "$Q" && export QUILT_PATCHES="$pd" QUILT_PC=.pc-ptw &&
	 quilt push -a -q && quilt pop -a -q && rm -rf .pc-ptw) >"$w/quilt.log" 2>&1 ||
		{ cat "$w/quilt.log"; die "$pd/series does not apply with quilt"; }
	(cd "$Q" && git init -q && git add -A && git -c user.name=build-qemu \
		-c user.email=build-qemu@localhost commit -q -m "Debian $QV" &&
	 for p in $series; do
		git -c user.name=build-qemu -c user.email=build-qemu@localhost \
			am -q "$pd/$p" || exit 1
	 done) >"$w/git-am.log" 2>&1 ||
		{ cat "$w/git-am.log"; die "$pd/series does not apply with git am"; }
	log "applied (quilt and git am): $(echo $series)"
}

# qemu_key RECIPE PATCHDIR: the cache key of a build, a sha of RECIPE, the
# calling script, this file, PATCHDIR's series and the patches it names,
# and what the caller writes to the standard input (its other inputs:
# compiler and library versions, options).
qemu_key() {
	local p

	{ echo "$1"; cat "$0" "${BASH_SOURCE[0]}" "$2/series";
	  for p in $(qemu_series "$2"); do cat "$2/$p"; done; cat; } |
		sha256sum | cut -c1-16
}

# qemu_cached NAME KEY VERSIONS: takes the machine's QEMU build lock (fd 9:
# one QEMU build at a time, whichever clone asks; the caller releases it)
# and sets C to $CACHE/NAME-<version>-KEY of the first of VERSIONS built
# there, or to nothing.
qemu_cached() {
	local qv

	mkdir -p "$CACHE"
	exec 9>"$CACHE/.qemu-lock"
	flock 9
	C=
	for qv in $3; do
		if [ -f "$CACHE/$1-${qv#1:}-$2/.done" ]; then
			C="$CACHE/$1-${qv#1:}-$2"
			return 0
		fi
	done
}

# qemu_build NAME KEY VERSIONS PATCHDIR BUILD: sets C to the cached build
# $CACHE/NAME-<version>-KEY, made first if there is none: under the
# machine's QEMU build lock and its big-build lock (kernel and QEMU builds
# of other clones take it; two at once starve each other on 2 cores), the
# source tree of qemu_source_tree in $W, then the function BUILD fills the
# bundle directory $T (it sees W, Q, QV, C and T); the bundle gets its
# debian-version and build-seconds and is published whole (.done, then
# renamed to C). Nothing in C is written after that.
qemu_build() {
	local name=$1 key=$2 vers=$3 pd=$4 build=$5 start

	mkdir -p "$W"
	qemu_cached "$name" "$key" "$vers"
	if [ -n "$C" ]; then
		log "cached: $C (built in $(cat "$C/build-seconds" 2>/dev/null || echo '?') s)"
	else
		exec 8>"${PTW_BUILD_LOCK:-/tmp/kvm-pt-build.lock}"
		flock 8
		start=$(date +%s)
		qemu_source_tree "$W" "$vers" "$pd"
		C="$CACHE/$name-${QV#1:}-$key"
		T="$C.tmp"
		rm -rf "$T" "$C"
		mkdir -p "$T"
		"$build"
		echo "$QV" >"$T/debian-version"
		echo "$(( $(date +%s) - start ))" >"$T/build-seconds"
		touch "$T/.done"
		mv "$T" "$C"
		log "built in $(cat "$C/build-seconds") s"
	fi
	flock -u 9
	exec 8>&- 9>&-
}
