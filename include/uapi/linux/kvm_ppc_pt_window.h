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
/*
 * The VMM's view of a window's emulated MSI-X table (KVM_SET_DEVICE_ATTR
 * and KVM_GET_DEVICE_ATTR unless said otherwise), for RTAS ibm,change-msi,
 * function reset and save/restore:
 * - GRP_MSIX_CTRL (above) with KVM_GET_DEVICE_ATTR, attr = window id,
 *   addr -> __u16: Message Control as the emulator has it (Enable, Function
 *   Mask, and the read-only Table Size field = nvec - 1);
 * - GRP_MSIX_ENTRY, attr = window id << 16 | vector, addr -> struct
 *   kvm_ppc_pt_msix_entry: one table entry; a write acts as a guest write
 *   of the whole entry would (routing re-evaluated);
 * - GRP_MSIX_PBA, attr = window id << 16 | QWORD index, addr -> __u64:
 *   pending bits of vectors 64 * index .. 64 * index + 63;
 * - GRP_MSIX_RESET (KVM_SET_DEVICE_ATTR only), attr = window id, addr = 0:
 *   the table, PBA and Message Control return to their power-on state;
 * - GRP_MSIX_STATE, attr = window id, addr -> struct kvm_ppc_pt_msix_state
 *   followed by the entries and the PBA: save (GET) and restore (SET) the
 *   whole MSI-X state of a window.
 */
#define KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY	6
#define KVM_DEV_PPC_PTW_GRP_MSIX_PBA	7
#define KVM_DEV_PPC_PTW_GRP_MSIX_RESET	8
#define KVM_DEV_PPC_PTW_GRP_MSIX_STATE	9
/*
 * What the VM's windows can do here (KVM_GET_DEVICE_ATTR): GRP_INFO,
 * attr = KVM_DEV_PPC_PTW_INFO_FLAGS, addr -> __u64 of KVM_PPC_PTW_INFO_*.
 */
#define KVM_DEV_PPC_PTW_GRP_INFO	10

/* QEMU's spapr PHB MSI window, where ibm,change-msi points messages. */
#define KVM_PPC_PTW_DEFAULT_MSI_WINDOW	0x40000000000ULL

/* Attributes of KVM_DEV_PPC_PTW_GRP_CTRL (KVM_SET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_ADD	1	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_MOVE	2	/* addr: struct kvm_ppc_pt_window */
#define KVM_DEV_PPC_PTW_REMOVE	3	/* addr: __u32 window id */
#define KVM_DEV_PPC_PTW_ADD_VFIO 4	/* addr: struct kvm_ppc_pt_window_vfio */

/* Attribute of KVM_DEV_PPC_PTW_GRP_STATS (KVM_GET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_STATS	1	/* addr: struct kvm_ppc_pt_window_stats */

/* Attribute of KVM_DEV_PPC_PTW_GRP_INFO (KVM_GET_DEVICE_ATTR). */
#define KVM_DEV_PPC_PTW_INFO_FLAGS 1	/* addr: __u64 */

/*
 * KVM_PPC_PTW_INFO_MAP_4K: guest accesses to window pages are served by
 * 4K (and host-page) hardware mappings. Clear when the partition-scoped
 * tree cannot hold 4K leaves (a nested hypervisor whose L0 does not walk
 * them): every guest access to a window page, MSI-X table and PBA pages
 * aside, then exits to the VMM as KVM_EXIT_MMIO, which serves it from its
 * own access to the BAR. Fixed when the device is created.
 */
#define KVM_PPC_PTW_INFO_MAP_4K		(1ULL << 0)

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

/* Message Control bits (PCI_MSIX_FLAGS_*) that GRP_MSIX_CTRL uses. */
#define KVM_PPC_PTW_MSIX_CTRL_ENABLE	0x8000
#define KVM_PPC_PTW_MSIX_CTRL_MASKALL	0x4000
#define KVM_PPC_PTW_MSIX_CTRL_QSIZE	0x07ff

/* vector_ctl bit 0; bits 31:1 are reserved. */
#define KVM_PPC_PTW_MSIX_VECTOR_MASKED	0x1

/**
 * struct kvm_ppc_pt_msix_entry - one MSI-X table entry (GRP_MSIX_ENTRY)
 * @msg_addr_lo: Message Address; bits 1:0 are read-only zero: a write with
 *	either set fails with EINVAL.
 * @msg_addr_hi: Message Upper Address.
 * @msg_data: Message Data (for a PAPR guest: the interrupt source number
 *	RTAS ibm,change-msi assigned).
 * @vector_ctl: Vector Control; bit 0 masks the vector, bits 31:1 are
 *	reserved: a write with any of them set fails with EINVAL.
 *
 * The fields of a table entry (PCI Local Bus Specification, MSI-X table),
 * in host byte order.
 */
struct kvm_ppc_pt_msix_entry {
	__u32 msg_addr_lo;
	__u32 msg_addr_hi;
	__u32 msg_data;
	__u32 vector_ctl;
};

/* struct kvm_ppc_pt_msix_state: "PTWX" as a little-endian word */
#define KVM_PPC_PTW_MSIX_STATE_MAGIC	0x58575450U
#define KVM_PPC_PTW_MSIX_STATE_VERSION	1

/**
 * struct kvm_ppc_pt_msix_state - header of a window's saved MSI-X state
 * @magic: KVM_PPC_PTW_MSIX_STATE_MAGIC.
 * @version: KVM_PPC_PTW_MSIX_STATE_VERSION.
 * @size: bytes of the whole state, header included:
 *	KVM_PPC_PTW_MSIX_STATE_SIZE(@nvec). For KVM_GET_DEVICE_ATTR the VMM
 *	puts the size of its buffer here; if it is too small the call fails
 *	with ENOSPC and writes the size needed here.
 * @nvec: number of vectors of the table (Table Size + 1).
 * @ctrl: Message Control: KVM_PPC_PTW_MSIX_CTRL_ENABLE and
 *	KVM_PPC_PTW_MSIX_CTRL_MASKALL; every other bit 0.
 * @flags: 0.
 * @reserved: 0.
 *
 * The saved state is this header (32 bytes), then @nvec entries of 16
 * bytes (struct kvm_ppc_pt_msix_state_entry, at offset 32, in vector
 * order), then the Pending Bit Array: DIV_ROUND_UP(@nvec, 64) __le64
 * words, bit N of word N / 64 pending for vector N, bits at and beyond
 * @nvec 0. Every field of header, entries and PBA is little-endian (the
 * byte order of the table and PBA as the PCI function presents them), so
 * a state saved on one host restores on any other.
 */
struct kvm_ppc_pt_msix_state {
	__le32 magic;
	__le32 version;
	__le32 size;
	__le16 nvec;
	__le16 ctrl;
	__le32 flags;
	__le32 reserved[3];
};

/**
 * struct kvm_ppc_pt_msix_state_entry - a table entry in a saved state
 * @msg_addr_lo: Message Address, bits 1:0 zero.
 * @msg_addr_hi: Message Upper Address.
 * @msg_data: Message Data.
 * @vector_ctl: Vector Control, bits 31:1 zero.
 *
 * struct kvm_ppc_pt_msix_entry in little-endian byte order.
 */
struct kvm_ppc_pt_msix_state_entry {
	__le32 msg_addr_lo;
	__le32 msg_addr_hi;
	__le32 msg_data;
	__le32 vector_ctl;
};

/* Byte offset of the PBA in a saved state, and the state's size. */
#define KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(nvec)				\
	(sizeof(struct kvm_ppc_pt_msix_state) +				\
	 (__u64)(nvec) * sizeof(struct kvm_ppc_pt_msix_state_entry))
#define KVM_PPC_PTW_MSIX_STATE_SIZE(nvec)				\
	(KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(nvec) +			\
	 ((__u64)(nvec) + 63) / 64 * sizeof(__u64))

#endif /* _UAPI_LINUX_KVM_PPC_PT_WINDOW_H */
