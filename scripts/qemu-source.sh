#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by build-qemu.sh (our VMM, cross-built for ppc64el) and
# build-emulator.sh (the emulator the POWER hosts run in, built for this
# host): Debian 12's qemu 1:7.2+dfsg-7+deb12uN source with Debian's own
# patches and then one of our series on top. The caller defines die()
# and log().

# qemu_apt_state DIR: a private apt state in DIR that sees this host's
# own sources, with deb-src added (the host itself has none), and
# ppc64el binaries (build-qemu.sh's sysroot); fills the array APT.
qemu_apt_state() {
	local st=$1 f

	mkdir -p "$st/state/lists/partial" "$st/cache/archives/partial" "$st/etc"
	touch "$st/state/status"
	rm -f "$st"/etc/*
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb deb-src/' "$f" >"$st/etc/${f##*/}"
	done
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*\)/deb \1\ndeb-src \1/p' /etc/apt/sources.list >"$st/etc/main.list"
	fi
	ls "$st"/etc/* >/dev/null 2>&1 || die "no apt sources on this host"
	APT=(-o "Dir::State=$st/state" -o "Dir::Cache=$st/cache"
	     -o "Dir::State::status=$st/state/status"
	     -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$st/etc"
	     -o "APT::Architecture=ppc64el" -o "APT::Architectures::=ppc64el")
	if [ ! -f "$st/updated" ] || [ -n "$(find "$st/updated" -mmin +720)" ]; then
		log "updating the ppc64el and source package index"
		apt-get "${APT[@]}" update -qq >"$st/update.log" 2>&1 || true
		touch "$st/updated"
	fi
}

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
