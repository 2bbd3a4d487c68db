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

/* Attributes of KVM_DEV_PPC_PTW_GRP_CTRL (KVM_SET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_ADD	1	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_MOVE	2	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_REMOVE	3	/* addr: __u32 window id */

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
 * struct kvm_ppc_pt_window_stats - counters of the VM's windows
 * @faults: guest faults that landed in a window.
 * @maps_4k: 4K hardware mappings inserted.
 * @maps_direct: host-page mappings inserted.
 * @unmaps: mappings removed (move, remove, host mapping gone, teardown).
 * @vmm_exits: window accesses that exited to the VMM (class "exit", or a
 *	window whose host mapping went away).
 * @msix_traps: window accesses to MSI-X table or PBA pages.
 */
struct kvm_ppc_pt_window_stats {
	__u64 faults;
	__u64 maps_4k;
	__u64 maps_direct;
	__u64 unmaps;
	__u64 vmm_exits;
	__u64 msix_traps;
};

#endif /* _UAPI_LINUX_KVM_PPC_PT_WINDOW_H */
