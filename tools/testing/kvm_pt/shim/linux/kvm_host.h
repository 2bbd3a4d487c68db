/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kvm_host.h> as seen by book3s HV radix
 * code: struct kvm with the fields that code touches (the partition-scoped
 * tree kvm->arch.pgtable, its LPID, kvm->mmu_lock, kvm->mm), and what the
 * real header drags in (page tables, locks, barriers).
 */
#ifndef SHIM_LINUX_KVM_HOST_H
#define SHIM_LINUX_KVM_HOST_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <asm/barrier.h>
#include <asm/page.h>
#include <asm/pgtable.h>

struct mm_struct {
	int unused;
};

struct kvm_arch {
	unsigned int lpid;
	pgd_t *pgtable;
};

struct kvm {
	spinlock_t mmu_lock;
	struct mm_struct *mm;
	struct mutex slots_lock;
	struct kvm_arch arch;
};

struct kvm_vcpu {
	struct kvm *kvm;
};

struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
};

#endif
