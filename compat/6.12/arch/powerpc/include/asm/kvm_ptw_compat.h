/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces the window code uses that differ between the
 * kernels it is built for, in the form of Linux 6.12. The build lays the
 * file of the target kernel's series (compat/<series>/) over the tree.
 */
#ifndef __ASM_POWERPC_KVM_PTW_COMPAT_H__
#define __ASM_POWERPC_KVM_PTW_COMPAT_H__

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/unaligned.h>
#include <linux/vfio_pci_core.h>

struct kvm;

/* The LPID is a u64 since 6.5. */
void kvmppc_radix_flush_pwc(struct kvm *kvm, u64 lpid);

/* The pfn behind a VM_IO | VM_PFNMAP user address; mmap_lock held. */
static inline int kvmppc_ptw_follow_pfn(struct vm_area_struct *vma,
					unsigned long addr,
					unsigned long *pfn)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int ret = follow_pfnmap_start(&args);

	if (ret)
		return ret;
	*pfn = args.pfn;
	follow_pfnmap_end(&args);
	return 0;
}

/* struct kvmppc_ptw_vfio_bar_ops is <asm/kvm_ptw.h>'s, defined before us. */

#define KVMPPC_PTW_VFIO_BARS_ZAPPED	VFIO_PCI_BARS_ZAPPED
#define KVMPPC_PTW_VFIO_DEVICE_CLOSED	VFIO_PCI_DEVICE_CLOSED

static inline void kvmppc_ptw_vfio_bar_ops_put(struct kvmppc_ptw_vfio_bar_ops *ops)
{
	if (ops->register_notifier)
		symbol_put(vfio_pci_core_register_bar_notifier);
	if (ops->unregister_notifier)
		symbol_put(vfio_pci_core_unregister_bar_notifier);
	if (ops->begin)
		symbol_put(vfio_pci_core_bar_access_begin);
	if (ops->end)
		symbol_put(vfio_pci_core_bar_access_end);
}

static inline int kvmppc_ptw_vfio_bar_ops_get(struct kvmppc_ptw_vfio_bar_ops *ops)
{
	ops->register_notifier = symbol_get(vfio_pci_core_register_bar_notifier);
	ops->unregister_notifier = symbol_get(vfio_pci_core_unregister_bar_notifier);
	ops->begin = symbol_get(vfio_pci_core_bar_access_begin);
	ops->end = symbol_get(vfio_pci_core_bar_access_end);
	if (ops->register_notifier && ops->unregister_notifier &&
	    ops->begin && ops->end)
		return 0;
	kvmppc_ptw_vfio_bar_ops_put(ops);
	return -EOPNOTSUPP;
}

/* Reflect a storage exception to the (nested) guest as a DSI. */
#define kvmppc_ptw_queue_dsi(vcpu, dar, dsisr)				\
	({								\
		struct kvm_vcpu *__v = (vcpu);				\
									\
		kvmppc_core_queue_data_storage(__v,			\
			kvmppc_get_msr(__v) & SRR1_PREFIXED, dar, dsisr); \
	})

#endif /* __ASM_POWERPC_KVM_PTW_COMPAT_H__ */
