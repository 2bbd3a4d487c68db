/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kvm_host.h> as seen by book3s HV code:
 * struct kvm with the fields that code touches (the partition-scoped
 * tree kvm->arch.pgtable, its LPID, kvm->mmu_lock, kvm->mm, kvm->srcu; for
 * hash guests the HPT, its reverse map and the counters next to it, from
 * the powerpc <asm/kvm_host.h>), and what the real header drags in (page
 * tables, locks, atomics, barriers, preemption, cpu_relax()).
 */
#ifndef SHIM_LINUX_KVM_HOST_H
#define SHIM_LINUX_KVM_HOST_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/preempt.h>
#include <linux/srcu.h>
#include <asm/barrier.h>
#include <asm/processor.h>
#include <asm/page.h>
#include <asm/pgtable.h>

struct mm_struct {
	int unused;
};

/*
 * Per HPTE, the guest's view of doubleword 1 and the links of the ring of
 * HPTEs that map one guest page (unused here).
 */
struct revmap_entry {
	unsigned long guest_rpte;
	unsigned int forw, back;
};

/* A hashed page table: 2^order bytes at virt, and its reverse map. */
struct kvm_hpt_info {
	unsigned long virt;
	struct revmap_entry *rev;
	u32 order;
	int cma;
};

struct kvm_arch {
	unsigned int lpid;
	struct kvm_hpt_info hpt;
	atomic64_t mmio_update;		/* bumped when MMIO HPTEs change */
	int mmu_ready;			/* 0 while the HPT is being resized */
	atomic_t hpte_mod_interest;	/* an HTAB fd reads changes */
	pgd_t *pgtable;
};

struct kvm {
	spinlock_t mmu_lock;
	struct srcu_struct srcu;
	struct mm_struct *mm;
	struct mutex slots_lock;
	struct kvm_arch arch;
};

struct kvm_vcpu {
	struct kvm *kvm;
};

struct kvm_arch_memory_slot {
	unsigned long *rmap;
};

struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
	unsigned long *dirty_bitmap;
	struct kvm_arch_memory_slot arch;
};

#endif
