// SPDX-License-Identifier: GPL-2.0
/*
 * Our kvm-hv as the L0 of a nested HV guest (an L1 hypervisor) that maps
 * with 4K partition-scoped leaves: the L1 runs our window code and puts
 * 4K leaves in its tree for its nested (L2) guests, for windows and for
 * guest RAM beside them (book3s_hv_ptw_radix.c).
 *
 * KVM's __kvmhv_nested_page_fault() refuses an L1 leaf smaller than the
 * host page ("L1 guest page shift (12) less than our own (16)", -EINVAL)
 * before it even looks for a memslot. Its hook hands such a leaf to
 * kvmppc_ptw_nested_fault(), which serves it by what the L1 address
 * (gpte.raddr) is for the L0:
 *
 * - in a memslot (the L1's RAM, or a BAR mmap of a device passed to the
 *   L1): the 4K piece of the L0's own leaf for that page goes into the
 *   shadow tree, with a nested rmap entry as KVM makes for its shadow
 *   leaves, so every invalidation of the L1's page reaches it
 *   (kvmhv_remove_nest_rmap_range(), dirty and R/C updates through
 *   find_kvm_nested_guest_pte(), which finds our 4K leaves);
 * - in a window of the L1 VM on a page that maps (MAP4K, DIRECT): a 4K
 *   cache-inhibited, guarded shadow leaf onto the host 4K page that holds
 *   exactly those bytes of the BAR; the window's unmaps (REMOVE, MOVE,
 *   death, VFIO suspension) drop it (kvmppc_ptw_nested_unmap_host());
 * - anywhere else (no memslot; no window, or an MSI-X, EXIT, suspended
 *   or dead window page): emulated MMIO, exactly as KVM's path for an
 *   address with no memslot (the MSI-X emulator is on KVM_MMIO_BUS).
 *
 * A shadow leaf never covers more than the L1's 4K leaf, and its
 * permissions are the L1 leaf's and ours. The L1's invalidations of L2
 * addresses, the nested guest's destruction and the freeing of its
 * shadow tree reach our 4K tables through the hooks of
 * book3s_hv_ptw_shadow.c.
 *
 * The L1 asks before it maps with 4K leaves: hcall H_PTW_NESTED_4K,
 * answered here (kvmppc_ptw_nested_hcall()). With kvm_hv.ptw_l0_nested_4k
 * = 0 this L0 behaves as one without this code: the hcall goes to the
 * VMM (H_FUNCTION from QEMU) and the fault is refused as before.
 */

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/hvcall.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_book3s_64.h>
#include <asm/kvm_ppc.h>
#include <asm/reg.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"

static bool ptw_l0_nested_4k = true;
module_param(ptw_l0_nested_4k, bool, 0644);
MODULE_PARM_DESC(ptw_l0_nested_4k,
		 "L0 of nested HV guests: serve their 4K partition-scoped leaves and answer H_PTW_NESTED_4K (0: refuse, as without it)");

#define PTW_4K		BIT(KVMPPC_PTW_SHIFT_4K)

/*
 * R and C of the L1's leaf are the L1's to set (its dirty log, its
 * aging): an access its leaf has not recorded goes to the L1 first, as
 * an R/C fault on a nested leaf does (kvmhv_handle_nested_set_rc()). A
 * shadow leaf is writable only with C set (kvmppc_ptw_shadow_leaf()), so
 * every store the L1 (or the L0) has not recorded comes back here,
 * whatever the MMU does with partition-scoped R and C (QEMU's TCG sets
 * them itself).
 *
 * Return: true if the fault goes to the L1.
 */
static bool ptw_nested_l1_rc(struct kvm_vcpu *vcpu,
			     const struct kvmppc_pte *gpte, bool writing)
{
	unsigned long need = _PAGE_ACCESSED | (writing ? _PAGE_DIRTY : 0);

	/* R/C faults are data storage faults (an L1 leaf onto RAM has R). */
	if (vcpu->arch.trap == BOOK3S_INTERRUPT_H_INST_STORAGE ||
	    !(need & ~gpte->rc))
		return false;
	vcpu->arch.fault_dsisr |= DSISR_SET_RC;
	return true;
}

static unsigned int ptw_level_shift(unsigned int level)
{
	return level == 2 ? PUD_SHIFT : level == 1 ? PMD_SHIFT : PAGE_SHIFT;
}

/*
 * The L1 address is in a memslot: serve the L1 leaf with the 4K piece of
 * the L0's own leaf for the page, faulted in as KVM's nested fault does,
 * published against kvm->mmu_invalidate_seq with a nested rmap entry.
 */
static long ptw_nested_memslot(struct kvm_vcpu *vcpu,
			       struct kvm_nested_guest *gp,
			       unsigned long n_gpa,
			       const struct kvmppc_pte *gpte,
			       struct kvm_memory_slot *memslot, bool writing)
{
	struct kvmppc_ptw_shadow_cache sc = { };
	unsigned long gpa = gpte->raddr, mmu_seq, *rmapp;
	struct kvm *kvm = vcpu->kvm;
	struct rmap_nested *n_rmap;
	unsigned int shift, level;
	pte_t pte = __pte(0), *ptep;
	bool kvm_ro = false;
	u64 hpa, leaf;
	long ret;

	if (ptw_nested_l1_rc(vcpu, gpte, writing))
		return RESUME_HOST;
	if (memslot->flags & KVM_MEM_READONLY) {
		if (writing) {
			kvmppc_ptw_queue_dsi(vcpu, vcpu->arch.fault_dar,
					     DSISR_ISSTORE | DSISR_PROTFAULT);
			return RESUME_GUEST;
		}
		kvm_ro = true;
	}

	mmu_seq = kvm->mmu_invalidate_seq;
	/* The sequence before the L0's leaf: rechecked when publishing. */
	smp_rmb();

	spin_lock(&kvm->mmu_lock);
	ptep = find_kvm_secondary_pte(kvm, gpa, &shift);
	if (!shift)
		shift = PAGE_SHIFT;
	if (ptep)
		pte = *ptep;
	spin_unlock(&kvm->mmu_lock);
	/* A store needs our leaf writable and with C (dirty) too. */
	if (!pte_present(pte) ||
	    (writing && (pte_val(pte) & (_PAGE_WRITE | _PAGE_DIRTY)) !=
			(_PAGE_WRITE | _PAGE_DIRTY))) {
		ret = kvmppc_book3s_instantiate_page(vcpu, gpa, memslot,
						     writing, kvm_ro, &pte,
						     &level);
		if (ret == -EAGAIN)
			return RESUME_GUEST;
		if (ret)
			return ret;
		shift = ptw_level_shift(level);
	}
	hpa = (pte_val(pte) & PTE_RPN_MASK & ~((1UL << shift) - 1)) |
	      (gpa & ((1UL << shift) - 1) & ~(PTW_4K - 1));
	leaf = kvmppc_ptw_shadow_leaf(hpa, pte_val(pte), gpte, writing);

	n_rmap = kzalloc(sizeof(*n_rmap), GFP_KERNEL);
	if (!n_rmap || kvmppc_ptw_shadow_prepare(kvm, &sc)) {
		kfree(n_rmap);
		kvmppc_ptw_shadow_finish(kvm, &sc);
		return RESUME_GUEST;	/* let the guest try again */
	}
	n_rmap->rmap = (n_gpa & RMAP_NESTED_GPA_MASK) |
		       ((unsigned long)gp->l1_lpid << RMAP_NESTED_LPID_SHIFT);
	/* As KVM files it: under the first host page of the L0's leaf. */
	rmapp = &memslot->arch.rmap[((gpa & ~((1UL << shift) - 1)) >>
				     PAGE_SHIFT) - memslot->base_gfn];

	spin_lock(&kvm->mmu_lock);
	if (!mmu_invalidate_retry(kvm, mmu_seq) &&
	    !kvmppc_ptw_shadow_set(kvm, gp->shadow_pgtable, gp->shadow_lpid,
				   n_gpa & ~(PTW_4K - 1), leaf, &sc))
		kvmhv_insert_nest_rmap(kvm, rmapp, &n_rmap);
	kvmppc_ptw_shadow_finish(kvm, &sc);
	spin_unlock(&kvm->mmu_lock);
	kfree(n_rmap);
	return RESUME_GUEST;
}

/*
 * The L1 address has no memslot: a window page that maps gets a 4K
 * shadow leaf onto the host 4K page behind it. The window is looked up
 * and the leaf written under kvm->mmu_lock, which every unmap of the
 * window holds (kvmppc_ptw_nested_unmap_host()): no leaf is published
 * for a window that is gone, dead or suspended.
 *
 * Return: RESUME_GUEST; RESUME_HOST for an R/C fault the L1 takes first;
 * -ENOENT if the page does not map (the access is then emulated MMIO).
 */
static long ptw_nested_window(struct kvm_vcpu *vcpu,
			      struct kvm_nested_guest *gp,
			      unsigned long n_gpa,
			      const struct kvmppc_pte *gpte, bool writing)
{
	struct kvmppc_ptw_shadow_cache sc = { };
	struct kvm *kvm = vcpu->kvm;
	struct kvmppc_ptw *p = kvmppc_ptw_get(kvm);
	enum kvmppc_ptw_class class;
	u64 gpa = gpte->raddr, hpa = 0, leaf;
	bool retried = false;
	int ret;

	if (!p)
		return -ENOENT;
	/* The L1's window leaves have R and C preset; another L1's may not. */
	if (ptw_nested_l1_rc(vcpu, gpte, writing))
		return RESUME_HOST;
	kvmppc_ptw_nested_resume(p, gpa);
	spin_lock(&kvm->mmu_lock);
	for (;;) {
		class = kvmppc_ptw_nested_page(p, gpa, &hpa);
		if (class != KVMPPC_PTW_MAP4K && class != KVMPPC_PTW_DIRECT) {
			ret = -ENOENT;
			break;
		}
		/* Device memory: no dirty state, C as the L1 leaf has it. */
		leaf = kvmppc_ptw_shadow_leaf(hpa, KVMPPC_PTW_IO_PTE_FLAGS,
					      gpte, true);
		ret = kvmppc_ptw_shadow_set(kvm, gp->shadow_pgtable,
					    gp->shadow_lpid,
					    n_gpa & ~(PTW_4K - 1), leaf, &sc);
		if (ret != -EAGAIN || retried)
			break;
		/* Tables to allocate: without the lock, then look again. */
		spin_unlock(&kvm->mmu_lock);
		ret = kvmppc_ptw_shadow_prepare(kvm, &sc);
		spin_lock(&kvm->mmu_lock);
		if (ret)
			break;
		retried = true;
	}
	if (ret != -EAGAIN)
		kvmppc_ptw_nested_account(p, gp->shadow_lpid, n_gpa, class,
					  gpa, hpa, !ret);
	kvmppc_ptw_shadow_finish(kvm, &sc);
	spin_unlock(&kvm->mmu_lock);
	return ret == -ENOENT ? -ENOENT : RESUME_GUEST;
}

/**
 * kvmppc_ptw_nested_fetch_inst() - the instruction of a nested guest's
 *	access that is emulated MMIO
 * @vcpu: the vCPU, running a nested guest
 * @gp: the nested guest
 *
 * An HDSI does not capture the instruction (HEIR is set for emulation
 * assists only), so KVM loads it from the guest (kvmppc_load_last_inst()):
 * through the nested guest's process-scoped translation with a quadrant
 * access, and failing that from the L1's memory at the nested guest's
 * address as if it were the L1's. Neither serves a nested guest that
 * fetches with instruction relocation off (MSR[IR] = 0: its real
 * addresses are translated by the L1's partition-scoped tree only): the
 * access faulted forever (KVM's own path for an L1 leaf onto an address
 * with no memslot, a BAR mmap of the L1's, has the same gap; its hook
 * calls this too). Fetch that case through the L1's partition-scoped
 * tree for the nested guest. Called with kvm->srcu held (the nested
 * fault's).
 */
void kvmppc_ptw_nested_fetch_inst(struct kvm_vcpu *vcpu,
				  struct kvm_nested_guest *gp)
{
	unsigned long pc = kvmppc_get_pc(vcpu) & ~0xF000000000000000UL;
	struct kvmppc_pte gpte;
	u64 pte;
	u32 inst;

	if (vcpu->arch.last_inst != KVM_INST_FETCH_FAILED ||
	    (vcpu->arch.shregs.msr & MSR_IR))
		return;
	if (kvmppc_mmu_walk_radix_tree(vcpu, pc, &gpte, gp->l1_gr_to_hr,
				       &pte) || !gpte.may_execute)
		return;
	if (kvm_read_guest(vcpu->kvm, gpte.raddr, &inst, sizeof(inst)))
		return;
	/* As kvmppc_load_last_inst() keeps it: the guest's byte order. */
	vcpu->arch.last_inst = inst;
}

/**
 * kvmppc_ptw_nested_fault() - serve an L1 leaf smaller than the host page
 * @vcpu: the vCPU, running a nested guest
 * @gp: the nested guest (gp->tlb_lock held: the L1 cannot invalidate
 *	the leaf between our read of it and the shadow leaf)
 * @n_gpa: the nested guest's faulting address
 * @gpte: the L1's leaf for it
 *
 * Called by __kvmhv_nested_page_fault() where it would refuse the leaf.
 *
 * Return: what __kvmhv_nested_page_fault() returns (RESUME_GUEST, the
 * result of MMIO emulation, an error), or -EOPNOTSUPP to refuse the leaf
 * as KVM does (turned off, or a leaf size we do not know).
 */
long kvmppc_ptw_nested_fault(struct kvm_vcpu *vcpu,
			     struct kvm_nested_guest *gp, unsigned long n_gpa,
			     const struct kvmppc_pte *gpte)
{
	unsigned long dsisr = vcpu->arch.fault_dsisr;
	unsigned long ea = vcpu->arch.fault_dar;
	bool writing = !!(dsisr & DSISR_ISSTORE);
	unsigned long gpa = gpte->raddr;
	struct kvm *kvm = vcpu->kvm;
	struct kvm_memory_slot *memslot;
	long ret;

	if (!READ_ONCE(ptw_l0_nested_4k) ||
	    gpte->page_shift != KVMPPC_PTW_SHIFT_4K)
		return -EOPNOTSUPP;

	memslot = gfn_to_memslot(kvm, gpa >> PAGE_SHIFT);
	if (memslot && !(memslot->flags & KVM_MEMSLOT_INVALID))
		return ptw_nested_memslot(vcpu, gp, n_gpa, gpte, memslot,
					  writing);

	/* Window leaves are no-execute: a fetch goes where it goes today. */
	if (vcpu->arch.trap != BOOK3S_INTERRUPT_H_INST_STORAGE &&
	    !(dsisr & (DSISR_PRTABLE_FAULT | DSISR_BADACCESS))) {
		ret = ptw_nested_window(vcpu, gp, n_gpa, gpte, writing);
		if (ret != -ENOENT)
			return ret;
	}

	/* KVM's path for an L1 address with no memslot, unchanged. */
	if (dsisr & (DSISR_PRTABLE_FAULT | DSISR_BADACCESS)) {
		kvmppc_ptw_queue_dsi(vcpu, ea, dsisr);
		return RESUME_GUEST;
	}
	kvmppc_ptw_nested_fetch_inst(vcpu, gp);
	return kvmppc_hv_emulate_mmio(vcpu, gpa, ea, writing);
}

/**
 * kvmppc_ptw_nested_unmap_host() - a window of the L1 VM stops mapping
 * @kvm: the L1 VM
 * @start: first host address of the window, 4K aligned
 * @end: end of its host range
 *
 * Every nested guest's shadow leaves onto those host bytes go. Called
 * with kvm->mmu_lock held, which also guards the nested guests' table.
 */
void kvmppc_ptw_nested_unmap_host(struct kvm *kvm, u64 start, u64 end)
{
	struct kvm_nested_guest *gp;
	int lpid;

	lockdep_assert_held(&kvm->mmu_lock);
	idr_for_each_entry(&kvm->arch.kvm_nested_guest_idr, gp, lpid)
		if (gp->shadow_pgtable)
			kvmppc_ptw_shadow_unmap_hpa(kvm, gp->shadow_pgtable,
						    gp->shadow_lpid, start, end);
}

/* Bytes of [@start, @end) in memslots of @kvm. */
static u64 ptw_memslot_bytes(struct kvm *kvm, u64 start, u64 end)
{
	struct kvm_memory_slot *memslot;
	u64 bytes = 0, s, e;
	int idx, bkt;

	idx = srcu_read_lock(&kvm->srcu);
	kvm_for_each_memslot(memslot, bkt, kvm_memslots(kvm)) {
		s = max_t(u64, start, memslot->base_gfn << PAGE_SHIFT);
		e = min_t(u64, end, (memslot->base_gfn + memslot->npages) <<
				    PAGE_SHIFT);
		if (s < e)
			bytes += e - s;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return bytes;
}

/**
 * kvmppc_ptw_nested_hcall() - H_PTW_NESTED_4K
 * @vcpu: the L1's vCPU
 *
 * r4 flags (0), r5 an L1 real address, r6 a size. With size 0 the answer
 * is what this L0 serves at all; else what the range holds: memslot
 * bytes, window bytes, and bytes of neither (emulated MMIO). Memslots
 * never overlap each other nor a window's bytes, so their sums say
 * whether anything is left.
 *
 * Return: H_SUCCESS with the H_PTW_NESTED_4K_* bits in r4; H_PARAMETER
 * for unknown flags, H_P3 for a range that wraps; H_TOO_HARD (the VMM
 * answers) when turned off.
 */
unsigned long kvmppc_ptw_nested_hcall(struct kvm_vcpu *vcpu)
{
	unsigned long flags = kvmppc_get_gpr(vcpu, 4);
	u64 start = kvmppc_get_gpr(vcpu, 5), size = kvmppc_get_gpr(vcpu, 6);
	u64 mem, win, ans = H_PTW_NESTED_4K_SERVED;

	if (!READ_ONCE(ptw_l0_nested_4k))
		return H_TOO_HARD;
	if (flags)
		return H_PARAMETER;
	if (!size) {
		ans |= H_PTW_NESTED_4K_MMIO | H_PTW_NESTED_4K_WINDOW |
		       H_PTW_NESTED_4K_MEMSLOT;
	} else {
		if (start + size < start)
			return H_P3;
		mem = ptw_memslot_bytes(vcpu->kvm, start, start + size);
		win = kvmppc_ptw_window_bytes(vcpu->kvm, start, start + size);
		if (mem)
			ans |= H_PTW_NESTED_4K_MEMSLOT;
		if (win)
			ans |= H_PTW_NESTED_4K_WINDOW;
		if (mem + win < size)
			ans |= H_PTW_NESTED_4K_MMIO;
	}
	kvmppc_set_gpr(vcpu, 4, ans);
	return H_SUCCESS;
}
