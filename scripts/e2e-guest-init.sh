#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guest of the end-to-end test: a pseries guest of our
# QEMU inside the emulated POWER host, with pci-testdev and e1000e passed
# through with vfio-pci (scripts/e2e-host.sh starts it). Prints the
# guest's view (BARs as the guest's sysfs shows them, e1000e's probe,
# its interrupts) and TAP the host side counts. Its console reaches the
# host's console with every line prefixed "guest: ".
# Kernel parameters it reads: e2e.mac= (the MAC the emulated host's QEMU
# gave the e1000e), e2e.n= (accesses of the exit-counting loop).

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
T=1
tap() {	# status description
	if [ "$1" = 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
	fi
	T=$((T + 1))
}
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
MAC=$(arg e2e.mac)
N=$(arg e2e.n)
echo "e2e: guest kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU, page size $(getconf PAGESIZE 2>/dev/null || echo '?')"

# The lspci -v view of every device (busybox's lspci shows no BARs):
# "bar <address> <vendor>:<device> <index> <start> <end> (size, offset in
# the 64K page)", the format of the host's "ptw: bar" lines, so the host
# side can compare the two placements.
for d in /sys/bus/pci/devices/*; do
	i=0
	while read -r start end flags; do
		if [ "$start" != 0x0000000000000000 ] && [ $((flags & 0x200)) != 0 ]; then
			printf 'bar %s %s:%s %d %s %s (size 0x%x, +0x%04x in its 64K page)\n' \
				"${d##*/}" "$(cat "$d/vendor")" "$(cat "$d/device")" $i \
				"$start" "$end" $((end - start + 1)) $((start & 0xffff))
		fi
		i=$((i + 1))
	done <"$d/resource"
done

# pci-testdev through its BAR0 first, before e1000e's driver claims
# anything (the kernel boots with iomem=relaxed anyway, so a claimed
# neighbour in the same 64K page does not revoke the sysfs mapping).
# Its output as it comes (line-buffered; tee does not hold it back): the
# host waits for the loop markers.
/bin/e2e_testdev $T "${N:-1000}" 2>&1 | tee /tmp/testdev.out
T=$(sed -n 's/^# next //p' /tmp/testdev.out)
T=${T:-99}

# e1000e: Debian's module (and its dependencies, order file from the
# x86 side); a pseries guest gets its MSI-X vectors through RTAS
# ibm,change-msi from QEMU.
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko" || echo "e2e: insmod $m failed"
done
E=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && E=${d##*/}
done
i=0
while [ $i -lt 20 ] && ! ls /sys/bus/pci/devices/"$E"/net/ >/dev/null 2>&1; do
	sleep 0.5
	i=$((i + 1))
done
dmesg | grep -E 'e1000e' | sed 's/^/dmesg: /'
drv=$(basename "$(readlink "/sys/bus/pci/devices/$E/driver" 2>/dev/null)")
[ "$drv" = e1000e ]
tap $? "e1000e ($E) bound to the e1000e driver (driver: ${drv:-none})"
IF=$(ls "/sys/bus/pci/devices/$E/net/" 2>/dev/null | head -1)
# No interface: a name that matches no line of /proc/interrupts (an empty
# one would match them all), so the interrupt tests fail.
IF=${IF:-no-e1000e-netdev}
got=$(cat "/sys/class/net/$IF/address" 2>/dev/null)
echo "e2e: $IF MAC $got, the emulated host gave it ${MAC:-?}"
[ -n "$MAC" ] && [ "$got" = "$MAC" ]
tap $? "e1000e reads the MAC the emulated host's QEMU gave it ($got)"

irqs() {	# total interrupts of $IF's vectors
	grep -E "$IF(-|\$| )" /proc/interrupts | sed 's/^/interrupts: /' >&2
	grep -E "$IF(-|\$| )" /proc/interrupts |
		awk '{ for (i = 2; $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}
echo "e2e: /proc/interrupts of $IF before ip link set up (vectors are requested at open):"
before=$(irqs)
ip link set "$IF" up
i=0
while [ $i -lt 20 ] && [ "$(cat "/sys/class/net/$IF/carrier" 2>/dev/null)" != 1 ]; do
	sleep 0.5
	i=$((i + 1))
done
echo "e2e: $IF carrier $(cat "/sys/class/net/$IF/carrier" 2>/dev/null), after ip link set up:"
up=$(irqs)
dmesg | grep -E 'e1000e.*Link' | sed 's/^/dmesg: /'
[ "$up" -gt "$before" ]
tap $? "e1000e interrupts at link up: $before -> $up"
# Frames out (ARP requests: nobody answers on the emulated host's side).
ip addr add 10.0.2.15/24 dev "$IF"
ping -c 3 -W 1 10.0.2.2 >/dev/null 2>&1
tx=$(cat "/sys/class/net/$IF/statistics/tx_packets")
echo "e2e: $IF tx_packets $tx, after transmitting:"
after=$(irqs)
[ "$after" -gt "$up" ] && [ "$tx" -gt 0 ]
tap $? "e1000e interrupts after transmitting $tx frames: $up -> $after"

echo "1..$((T - 1))"
echo "e2e: guest done"
sync
poweroff -f
