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

struct notifier_block;
struct vfio_pci_core_device;

/*
 * vfio-pci's BAR notifier and BAR access lock (our patch 0009 to 6.12),
 * reached through symbol_get(): kvm-hv does not depend on vfio-pci.
 */
struct kvmppc_ptw_vfio_bar_ops {
	int (*register_notifier)(struct notifier_block *nb);
	void (*unregister_notifier)(struct notifier_block *nb);
	bool (*begin)(struct vfio_pci_core_device *vdev);
	void (*end)(struct vfio_pci_core_device *vdev);
};

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

#endif /* __ASM_POWERPC_KVM_PTW_COMPAT_H__ */
