#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by fetch.sh (Debian's ppc64el kernels) and qemu-source.sh (the
# qemu source package and build-qemu.sh's ppc64el sysroot). The caller
# defines die() and log().

# ppc64el_apt_state DIR TYPES [SUITE]: a private apt state in DIR that
# sees this host's own apt sources, so it follows whatever mirror the
# host uses, with the entry types TYPES ("deb", or "deb deb-src": the
# host itself has no deb-src), plus SUITE from the host's Debian mirror
# if given, and ppc64el as its only architecture; nothing is installed
# through it. Its index is updated when older than 12 hours: a partial
# index (a mirror mid-sync) is fine, callers use what resolves. Fills
# the array APT.
ppc64el_apt_state() {
	local st=$1 types=$2 suite=${3:-} f uri

	mkdir -p "$st/state/lists/partial" "$st/cache/archives/partial" "$st/etc"
	touch "$st/state/status"
	rm -f "$st"/etc/*
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed "s/^Types:.*/Types: $types/" "$f" >"$st/etc/${f##*/}"
	done
	if [ -f /etc/apt/sources.list ]; then
		for f in $types; do
			sed -n "s/^deb \\(.*\\)/$f \\1/p" /etc/apt/sources.list
		done >"$st/etc/main.list"
	fi
	if [ -n "$suite" ]; then
		uri=$(sed -n 's/^URIs: *\(.*debian\)\/* *$/\1/p' /etc/apt/sources.list.d/*.sources \
			2>/dev/null | grep -v security | head -1 || true)
		cat >"$st/etc/$suite.sources" <<-EOS
		Types: $types
		URIs: ${uri:-http://deb.debian.org/debian}
		Suites: $suite
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOS
	fi
	ls "$st"/etc/* >/dev/null 2>&1 || die "no apt sources on this host"
	APT=(-o "Dir::State=$st/state" -o "Dir::Cache=$st/cache"
	     -o "Dir::State::status=$st/state/status"
	     -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$st/etc"
	     -o "APT::Architecture=ppc64el" -o "APT::Architectures::=ppc64el")
	if [ ! -f "$st/updated" ] || [ -n "$(find "$st/updated" -mmin +720)" ]; then
		log "updating the ppc64el package index ($types${suite:+, $suite})"
		apt-get "${APT[@]}" update -qq >"$st/update.log" 2>&1 || true
		touch "$st/updated"
	fi
}
