/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces the window code uses that differ between the
 * kernels it is built for, in the form of Linux 6.12. The build lays the
 * file of the target kernel's series (compat/<series>/) over the tree.
 */
#ifndef __ASM_POWERPC_KVM_PTW_COMPAT_H__
#define __ASM_POWERPC_KVM_PTW_COMPAT_H__

#include <linux/mm.h>
#include <linux/unaligned.h>

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

#endif /* __ASM_POWERPC_KVM_PTW_COMPAT_H__ */
