#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by fetch.sh and build-qemu.sh: the Debian packages a build
# needs on this host, installed from the host's own apt sources when
# missing (as root; CI runs as root), else a clear error. The caller
# defines die() and log().

need_host_pkgs() {	# package...
	local missing="" p

	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	[ "$(id -u)" = 0 ] || die "missing host packages:$missing (run as root or install them)"
	log "installing host packages:$missing"
	apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
		die "apt-get install failed for:$missing"
}
