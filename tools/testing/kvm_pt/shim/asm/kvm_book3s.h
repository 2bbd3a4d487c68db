/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/kvm_book3s.h>: the partition-scoped radix
 * helpers of book3s_64_mmu_radix.c that window code calls. A test that
 * includes radix code defines them (and records the invalidations).
 */
#ifndef SHIM_ASM_KVM_BOOK3S_H
#define SHIM_ASM_KVM_BOOK3S_H

#include <linux/kvm_host.h>

void kvmppc_radix_tlbie_page(struct kvm *kvm, unsigned long addr,
			     unsigned int pshift, unsigned int lpid);

#endif
