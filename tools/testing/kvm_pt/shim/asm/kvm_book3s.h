/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/kvm_book3s.h>: the partition-scoped radix
 * helpers of book3s_64_mmu_radix.c and the HPTE invalidation of
 * book3s_hv_rm_mmu.c that window code calls. A test that includes code
 * calling them defines them (and records the invalidations).
 */
#ifndef SHIM_ASM_KVM_BOOK3S_H
#define SHIM_ASM_KVM_BOOK3S_H

#include <linux/kvm_host.h>

void kvmppc_radix_tlbie_page(struct kvm *kvm, unsigned long addr,
			     unsigned int pshift, unsigned int lpid);
void kvmppc_invalidate_hpte(struct kvm *kvm, __be64 *hptep,
			    unsigned long pte_index);

#endif
