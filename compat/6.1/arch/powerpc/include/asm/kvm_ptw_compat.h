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

#endif /* __ASM_POWERPC_KVM_PTW_COMPAT_H__ */
