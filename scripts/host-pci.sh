#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by e2e-host.sh and l1-host.sh inside the emulated powernv9
# host: find a PCI function and hand it to vfio-pci for a guest.

find_dev() {	# vendor:device -> PCI address
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ]; then
			echo "${d##*/}"
			return
		fi
	done
}

vfio_bind() {	# PCI address; as lib/ppc_vfio_util.c does it
	[ -e "/sys/bus/pci/devices/$1/driver" ] &&
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	echo vfio-pci >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")" = vfio-pci ]
}
