/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/kvm_book3s.h>: the partition-scoped radix
 * helpers of book3s_64_mmu_radix.c and the HPTE invalidation of
 * book3s_hv_rm_mmu.c that window code calls, and the nested-rmap and
 * dirty-map updates KVM makes for guest RAM. A test that includes code
 * calling them defines them (and records the invalidations).
 */
#ifndef SHIM_ASM_KVM_BOOK3S_H
#define SHIM_ASM_KVM_BOOK3S_H

#include <linux/kvm_host.h>

void kvmppc_radix_tlbie_page(struct kvm *kvm, unsigned long addr,
			     unsigned int pshift, unsigned int lpid);
void kvmppc_invalidate_hpte(struct kvm *kvm, __be64 *hptep,
			    unsigned long pte_index);
/* What KVM does for a guest RAM page it unmaps, ages or cleans. */
void kvmhv_remove_nest_rmap_range(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  unsigned long gpa, unsigned long hpa,
				  unsigned long nbytes);
void kvmhv_update_nest_rmap_rc_list(struct kvm *kvm, unsigned long *rmapp,
				    unsigned long clr, unsigned long set,
				    unsigned long hpa, unsigned long nbytes);
/* KVM's unmap of a partition-scoped leaf (clear, then tlbie). */
void kvmppc_unmap_pte(struct kvm *kvm, pte_t *pte, unsigned long gpa,
		      unsigned int shift,
		      const struct kvm_memory_slot *memslot, unsigned int lpid);

/* A guest's leaf as kvmppc_mmu_walk_radix_tree() reads it. */
struct kvmppc_pte {
	unsigned long eaddr;
	u64 vpage;
	unsigned long raddr;
	bool may_read;
	bool may_write;
	bool may_execute;
	unsigned long wimg;
	unsigned long rc;
	u8 page_size;
	u8 page_shift;
};

void kvmppc_update_dirty_map(const struct kvm_memory_slot *memslot,
			     unsigned long gfn, unsigned long psize);

#endif
