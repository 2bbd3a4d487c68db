/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces the window code uses that differ between the
 * kernels it is built for, in the form of Linux 6.1. The build lays the
 * file of the target kernel's series (compat/<series>/) over the tree.
 */
#ifndef __ASM_POWERPC_KVM_PTW_COMPAT_H__
#define __ASM_POWERPC_KVM_PTW_COMPAT_H__

#include <linux/mm.h>
#include <asm/unaligned.h>

struct kvm;

void kvmppc_radix_flush_pwc(struct kvm *kvm, unsigned int lpid);

/* The pfn behind a VM_IO | VM_PFNMAP user address; mmap_lock held. */
static inline int kvmppc_ptw_follow_pfn(struct vm_area_struct *vma,
					unsigned long addr,
					unsigned long *pfn)
{
	return follow_pfn(vma, addr, pfn);
}

/* struct kvmppc_ptw_vfio_bar_ops is <asm/kvm_ptw.h>'s, defined before us. */

#define KVMPPC_PTW_VFIO_BARS_ZAPPED	1
#define KVMPPC_PTW_VFIO_DEVICE_CLOSED	2

/* 6.1's vfio-pci has no BAR notifier (and binds nothing on powerpc). */
static inline int kvmppc_ptw_vfio_bar_ops_get(struct kvmppc_ptw_vfio_bar_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline void kvmppc_ptw_vfio_bar_ops_put(struct kvmppc_ptw_vfio_bar_ops *ops)
{
}

/* Reflect a storage exception to the (nested) guest as a DSI. */
#define kvmppc_ptw_queue_dsi(vcpu, dar, dsisr)			\
	kvmppc_core_queue_data_storage(vcpu, dar, dsisr)

#endif /* __ASM_POWERPC_KVM_PTW_COMPAT_H__ */
