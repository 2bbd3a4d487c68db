/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * KVM book3s HV passthrough IO windows: map a passed-through PCI BAR into
 * a guest that placed its copy of the BAR at another offset within a host
 * page than the host BAR has, using 4K hardware pages, and trap its MSI-X
 * table and PBA pages.
 *
 * Available when KVM_CHECK_EXTENSION(KVM_CAP_PPC_PT_WINDOW) > 0. The VMM
 * creates one device of type KVM_DEV_TYPE_PPC_PT_WINDOW per VM with
 * KVM_CREATE_DEVICE and drives it with KVM_SET_DEVICE_ATTR and
 * KVM_GET_DEVICE_ATTR on the device fd.
 */
#ifndef _UAPI_LINUX_KVM_PPC_PT_WINDOW_H
#define _UAPI_LINUX_KVM_PPC_PT_WINDOW_H

#include <linux/types.h>

/* Device attribute groups. */
#define KVM_DEV_PPC_PTW_GRP_CTRL	1
#define KVM_DEV_PPC_PTW_GRP_STATS	2
/*
 * MSI-X of a window (KVM_SET_DEVICE_ATTR):
 * - GRP_MSIX_CTRL, attr = window id, addr -> __u16: the function's MSI-X
 *   Message Control as the guest last wrote it to config space (the VMM
 *   emulates config space; only Enable and Function Mask are used);
 * - GRP_MSIX_IRQ, attr = window id << 16 | vector, addr -> __s32: the
 *   eventfd that signals the vector (the one the VMM gives to
 *   VFIO_DEVICE_SET_IRQS), or -1 to detach it;
 * - GRP_MSI_WINDOW, attr = 0, addr -> __u64: the guest physical address
 *   that a routed message must carry (the VM's MSI window).
 */
#define KVM_DEV_PPC_PTW_GRP_MSIX_CTRL	3
#define KVM_DEV_PPC_PTW_GRP_MSIX_IRQ	4
#define KVM_DEV_PPC_PTW_GRP_MSI_WINDOW	5

/* QEMU's spapr PHB MSI window, where ibm,change-msi points messages. */
#define KVM_PPC_PTW_DEFAULT_MSI_WINDOW	0x40000000000ULL

/* Attributes of KVM_DEV_PPC_PTW_GRP_CTRL (KVM_SET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_ADD	1	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_MOVE	2	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_REMOVE	3	/* addr: __u32 window id */
#define KVM_DEV_PPC_PTW_ADD_VFIO 4	/* addr: struct kvm_ppc_pt_window_vfio */

/* Attribute of KVM_DEV_PPC_PTW_GRP_STATS (KVM_GET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_STATS	1	/* addr: struct kvm_ppc_pt_window_stats */

#define KVM_PPC_PTW_MAX_WINDOWS	32

/**
 * struct kvm_ppc_pt_window - one passthrough IO window
 * @id: ADD writes the id it assigned here; MOVE takes the id to move.
 * @flags: must be 0.
 * @guest_addr: guest physical address of the guest's copy of the BAR.
 * @size: bytes of the BAR the window exposes, from 16 bytes to 1 TiB.
 * @host_uaddr: address, in the calling process, of a mapping of the host
 *	BAR (a VFIO region or sysfs resourceN mmap) at the byte the window
 *	starts; it may lie inside a host page. The kernel resolves the host
 *	physical address from it once, at ADD.
 * @msix_table_offset: offset of the MSI-X table from the window start.
 * @msix_pba_offset: offset of the MSI-X PBA from the window start.
 * @msix_nvec: MSI-X table size in vectors, 0 if the window holds no table.
 * @pad: must be 0.
 *
 * MOVE uses only @id and @guest_addr: the guest moved its BAR.
 */
struct kvm_ppc_pt_window {
	__u32 id;
	__u32 flags;
	__u64 guest_addr;
	__u64 size;
	__u64 host_uaddr;
	__u64 msix_table_offset;
	__u64 msix_pba_offset;
	__u16 msix_nvec;
	__u16 pad[3];
};

/**
 * struct kvm_ppc_pt_window_vfio - a window whose host BAR is named via VFIO
 * @id: ADD_VFIO writes the id it assigned here (MOVE and REMOVE take it).
 * @flags: must be 0.
 * @guest_addr: guest physical address of the guest's copy of the BAR.
 * @size: bytes of the BAR the window exposes, from 16 bytes to 1 TiB.
 * @vfio_group_fd: a VFIO group file that the VMM registered with this VM's
 *	KVM-VFIO device (KVM_DEV_VFIO_FILE_ADD) and that holds the device.
 * @pci_domain: PCI domain (segment) of the device.
 * @pci_bdf: bus << 8 | devfn of the device; it must be bound to vfio-pci
 *	and opened through the group (VFIO_GROUP_GET_DEVICE_FD).
 * @bar: index of a memory BAR, 0 to 5.
 * @pad8: must be 0.
 * @pad32: must be 0.
 * @bar_offset: offset in the BAR of the window's first byte.
 * @msix_table_offset: offset of the MSI-X table from the window start.
 * @msix_pba_offset: offset of the MSI-X PBA from the window start.
 * @msix_nvec: MSI-X table size in vectors, 0 if the window holds no table.
 * @pad: must be 0.
 *
 * No userspace mapping of the BAR is needed: a BAR that VFIO cannot mmap
 * (smaller than the host page, or sharing it) works the same.
 */
struct kvm_ppc_pt_window_vfio {
	__u32 id;
	__u32 flags;
	__u64 guest_addr;
	__u64 size;
	__s32 vfio_group_fd;
	__u32 pci_domain;
	__u16 pci_bdf;
	__u8 bar;
	__u8 pad8;
	__u32 pad32;
	__u64 bar_offset;
	__u64 msix_table_offset;
	__u64 msix_pba_offset;
	__u16 msix_nvec;
	__u16 pad[3];
};

/**
 * struct kvm_ppc_pt_window_stats - counters of the VM's windows
 * @faults: guest faults that landed in a window.
 * @maps_4k: 4K hardware mappings inserted.
 * @maps_direct: host-page mappings inserted.
 * @unmaps: mappings removed (move, remove, host mapping gone, teardown).
 * @vmm_exits: window accesses that exited to the VMM (class "exit", or a
 *	window whose host mapping went away).
 * @msix_traps: faults on MSI-X table or PBA pages (they are never mapped;
 *	the access goes on to the in-kernel emulator).
 * @msix_table_accesses: valid guest reads and writes of tables and PBAs.
 * @msix_invalid_accesses: guest accesses dropped by the PCI rules
 *	(not an aligned DWORD or QWORD, or a write to a PBA).
 * @msix_passthrough: accesses to bytes of trapped pages outside table and
 *	PBA, forwarded to the device.
 * @msix_routed: vectors that became routed (enabled, unmasked, message =
 *	MSI window + an existing interrupt source).
 * @msix_invalid_msgs: vectors unmasked with a message that names no
 *	source of the VM or another address: left unrouted.
 * @msix_unrouted: vectors that stopped being routed.
 * @msix_delivered: interrupts delivered into guest sources.
 * @msix_pending: interrupts that arrived masked and set a PBA bit.
 */
struct kvm_ppc_pt_window_stats {
	__u64 faults;
	__u64 maps_4k;
	__u64 maps_direct;
	__u64 unmaps;
	__u64 vmm_exits;
	__u64 msix_traps;
	__u64 msix_table_accesses;
	__u64 msix_invalid_accesses;
	__u64 msix_passthrough;
	__u64 msix_routed;
	__u64 msix_invalid_msgs;
	__u64 msix_unrouted;
	__u64 msix_delivered;
	__u64 msix_pending;
};

#endif /* _UAPI_LINUX_KVM_PPC_PT_WINDOW_H */
