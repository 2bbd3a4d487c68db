// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware IO mappings in the hashed page table (HPT) of a KVM book3s HV
 * guest, for passthrough IO windows: 4K HPTEs, and 64K ones for direct
 * host pages.
 *
 * A hash guest maps its BAR pages itself with H_ENTER. For a guest
 * address with no memslot, kvmppc_do_h_enter() (in vmlinux, real mode on
 * POWER8) stores an "emulated MMIO" HPTE: not valid, HPTE_V_ABSENT, with
 * storage key 31 and the guest's RPN, and keeps the guest's view of the
 * second doubleword in the reverse map (rev->guest_rpte). Every access
 * then faults into kvmppc_book3s_hv_page_fault(), which finds no memslot
 * and offers the fault to the window code before emulating MMIO.
 *
 * For a window page the HPTE is made valid in place: same first
 * doubleword (AVPN, segment size, page size), the guest's protection,
 * key, no-execute and R/C bits, the host page as RPN and WIMG forced to
 * cache-inhibited and guarded. rev->guest_rpte is never touched, so
 * H_READ, H_PROTECT, H_REMOVE and the HTAB fd keep showing the guest's
 * entry; and since a valid HPTE otherwise always has a memslot, "valid
 * with no memslot" identifies ours everywhere (HPT resize relies on it).
 *
 * The HPTE keeps the guest's page size: the hardware looks an HPTE up
 * with its segment's base page size, so a 64K guest HPTE cannot be
 * replaced by 4K ones. 4K HPTEs are filled for DIRECT and MAP4K pages;
 * 64K ones (a Linux guest with 64K pages maps IO that way) only for DIRECT
 * pages, whose host 64K page is the BAR's alone at the same offset; all
 * others stay emulated MMIO.
 */

#include <linux/kvm_host.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_book3s_64.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"
#include "trace_ptw.h"

#define PTW_4K		(1UL << KVMPPC_PTW_SHIFT_4K)
#define PTW_64K		(1UL << KVMPPC_PTW_SHIFT_64K)

static __be64 *ptw_hptep(const struct kvm_hpt_info *hpt, unsigned long index)
{
	return (__be64 *)(hpt->virt + (index << 4));
}

static void ptw_hpte_lock(__be64 *hptep)
{
	preempt_disable();
	while (!try_lock_hpte(hptep, HPTE_V_HVLOCK))
		cpu_relax();
}

/* The HPTE's doublewords in the POWER7/8 (old) format, HVLOCK clear. */
static void ptw_hpte_read(__be64 *hptep, unsigned long *v, unsigned long *r)
{
	*v = be64_to_cpu(hptep[0]) & ~HPTE_V_HVLOCK;
	*r = be64_to_cpu(hptep[1]);
	if (cpu_has_feature(CPU_FTR_ARCH_300)) {
		*v = hpte_new_to_old_v(*v, *r);
		*r = hpte_new_to_old_r(*r);
	}
}

/*
 * Write the second doubleword (old format in) of a locked HPTE, ordered
 * before any later store of the first. Return: the first doubleword in
 * the HPT's format, for ptw_hpte_release().
 */
static unsigned long ptw_hpte_write_r(__be64 *hptep, unsigned long v,
				      unsigned long r)
{
	if (cpu_has_feature(CPU_FTR_ARCH_300)) {
		r = hpte_old_to_new_r(v, r);
		v = hpte_old_to_new_v(v);
	}
	hptep[1] = cpu_to_be64(r);
	eieio();
	return v;
}

/* Store the first doubleword, which drops the HPTE lock. */
static void ptw_hpte_release(__be64 *hptep, unsigned long v)
{
	__unlock_hpte(hptep, v);
	asm volatile("ptesync" : : : "memory");
	preempt_enable();
}

static void ptw_hpte_unlock(__be64 *hptep)
{
	__unlock_hpte(hptep, be64_to_cpu(hptep[0]));
	preempt_enable();
}

/**
 * kvmppc_ptw_hpte_is_4k() - may this guest HPTE be served with a 4K page?
 * @v: first doubleword, old format
 * @guest_rpte: the guest's second doubleword
 *
 * Return: true if both its base and actual page size are 4K.
 */
bool kvmppc_ptw_hpte_is_4k(unsigned long v, unsigned long guest_rpte)
{
	return kvmppc_hpte_base_page_shift(v, guest_rpte) ==
		KVMPPC_PTW_SHIFT_4K &&
	       kvmppc_actual_pgsz(v, guest_rpte) == PTW_4K;
}

/**
 * kvmppc_ptw_hpte_is_64k() - may this guest HPTE be served with a 64K page?
 * @v: first doubleword, old format
 * @guest_rpte: the guest's second doubleword
 *
 * Return: true if its actual page size is 64K (base 4K or 64K).
 */
bool kvmppc_ptw_hpte_is_64k(unsigned long v, unsigned long guest_rpte)
{
	return kvmppc_actual_pgsz(v, guest_rpte) == PTW_64K &&
	       kvmppc_hpte_base_page_shift(v, guest_rpte) <=
		KVMPPC_PTW_SHIFT_64K;
}

/* The size of a guest HPTE window pages may use: 4K, 64K, or 0. */
static unsigned long ptw_hpte_size(unsigned long v, unsigned long guest_rpte)
{
	if (kvmppc_ptw_hpte_is_4k(v, guest_rpte))
		return PTW_4K;
	if (kvmppc_ptw_hpte_is_64k(v, guest_rpte))
		return PTW_64K;
	return 0;
}

/* The guest address of the page a guest HPTE of that size maps. */
static u64 ptw_hpte_gpa(unsigned long guest_rpte, unsigned long psize)
{
	return guest_rpte & HPTE_R_RPN & ~(psize - 1);
}

/**
 * kvmppc_ptw_hpt_prepare() - record an HPTE the fault may fill
 * @p: the VM's windows
 * @index: the HPTE
 *
 * Called with no lock held: the record may need memory. A record whose
 * HPTE is never filled, or is later removed by the guest, is skipped and
 * dropped on unmap.
 *
 * Return: 0 or -ENOMEM.
 */
int kvmppc_ptw_hpt_prepare(struct kvmppc_ptw *p, unsigned long index)
{
	return xa_err(xa_store(&p->hpt_maps, index, xa_mk_value(0),
			       GFP_KERNEL_ACCOUNT));
}

/**
 * kvmppc_ptw_hpt_map() - make an emulated-MMIO HPTE map a host page
 * @p: the VM's windows
 * @index: the HPTE, as the fault path found it
 * @hpte: what the fault path read: first doubleword and the real second
 *	one (old format, HVLOCK clear), then rev->guest_rpte
 * @hpa: the host page, of the guest HPTE's size (4K, or 64K for a DIRECT
 *	page), wholly inside the window's host BAR
 *
 * The HPTE is rewritten only if it is still what the fault path read, it
 * is still recorded (kvmppc_ptw_hpt_prepare(); an unmap may have dropped
 * the record since), and not while the HPT is being resized
 * (kvm->arch.mmu_ready is 0; the HPTE lock orders the test against the
 * resize, as for guest RAM). Called with kvm->mmu_lock held, from the
 * fault path (SRCU held).
 *
 * Return: 0 if mapped; -EAGAIN if the HPTE or its record changed, the
 * guest retries.
 */
int kvmppc_ptw_hpt_map(struct kvmppc_ptw *p, unsigned long index,
		       const unsigned long *hpte, u64 hpa)
{
	struct kvm *kvm = p->kvm;
	unsigned long psize = ptw_hpte_size(hpte[0], hpte[2]);
	unsigned long hnow_v, hnow_r, v, r;
	struct revmap_entry *rev;
	struct kvm_hpt_info hpt;
	__be64 *hptep;

	lockdep_assert_held(&kvm->mmu_lock);
	if (WARN_ON_ONCE(!psize || (hpa & (psize - 1))))
		return -EINVAL;
	/*
	 * A resize does not wait for vCPUs in this path: the HPT may have
	 * been swapped since the fault read the HPTE (the old one lives on
	 * until our SRCU read side ends). An index beyond the new table is
	 * not to be touched; within it, the HPTE no longer matches, or the
	 * resize is still going (mmu_ready), and the guest retries.
	 */
	hpt = kvm->arch.hpt;
	if (index >= kvmppc_hpt_npte(&hpt))
		return -EAGAIN;
	rev = &hpt.rev[index];
	hptep = ptw_hptep(&hpt, index);
	/* The narrower POWER9 RPN field, so either HPTE format holds it. */
	if (WARN_ON_ONCE(hpa & ~HPTE_R_RPN_3_0))
		return -EINVAL;
	/* Every valid window HPTE has a record, for unmap to find it. */
	if (!xa_load(&p->hpt_maps, index))
		return -EAGAIN;

	/*
	 * The guest's PP0/PP, key, no-execute, R/C and page size (LP); the
	 * host page; and the I/O attribute whatever the guest asked: no
	 * write-through, no coherence, cache-inhibited and guarded (no
	 * speculative access, no instruction fetch).
	 */
	r = (hpte[2] & HPTE_R_KEY_HI) |
	    (hpte[2] & (HPTE_R_PP0 | (psize - 1)));
	r = (r & ~HPTE_R_WIMG) | HPTE_R_I | HPTE_R_G | hpa;

	ptw_hpte_lock(hptep);
	ptw_hpte_read(hptep, &hnow_v, &hnow_r);
	if (!kvm->arch.mmu_ready || hnow_v != hpte[0] || hnow_r != hpte[1] ||
	    rev->guest_rpte != hpte[2]) {
		ptw_hpte_unlock(hptep);
		return -EAGAIN;
	}
	if (hnow_v & HPTE_V_VALID) {
		/*
		 * Ours already: the guest widened its protection with
		 * H_PROTECT, which never makes a valid HPTE more permissive.
		 * Take the old translation out of the TLBs first, keep R/C.
		 */
		hptep[0] |= cpu_to_be64(HPTE_V_ABSENT);
		kvmppc_invalidate_hpte(kvm, hptep, index);
		r |= be64_to_cpu(hptep[1]) & (HPTE_R_R | HPTE_R_C);
	}
	v = (hpte[0] & ~HPTE_V_ABSENT) | HPTE_V_VALID;
	ptw_hpte_release(hptep, ptw_hpte_write_r(hptep, v, r));
	/*
	 * The HPTE is no longer emulated MMIO: vCPUs that cached it
	 * (mmio_cache_search()) must look it up again.
	 */
	atomic64_inc(&kvm->arch.mmio_update);
	return 0;
}

/*
 * Take a valid window HPTE (locked) back to the form kvmppc_do_h_enter()
 * gives a guest address with no memslot, which the next access faults
 * on. The hardware R/C bits go to the guest's view, as KVM does when it
 * unmaps guest RAM. The caller unlocks with the returned first doubleword.
 */
static unsigned long ptw_hpte_restore_locked(struct kvm *kvm, __be64 *hptep,
					     struct revmap_entry *rev,
					     unsigned long index)
{
	unsigned long v, r, rc, psize;

	ptw_hpte_read(hptep, &v, &r);
	psize = kvmppc_actual_pgsz(v, rev->guest_rpte);
	hptep[0] |= cpu_to_be64(HPTE_V_ABSENT);
	kvmppc_invalidate_hpte(kvm, hptep, index);
	rc = be64_to_cpu(hptep[1]) & (HPTE_R_R | HPTE_R_C);
	if (rc & ~rev->guest_rpte) {
		rev->guest_rpte |= rc;
		note_hpte_modification(kvm, rev);
	}
	v = (v & ~HPTE_V_VALID) | HPTE_V_ABSENT;
	r = (rev->guest_rpte & ~HPTE_GR_RESERVED) |
	    HPTE_R_KEY_HI | HPTE_R_KEY_LO;
	trace_kvm_ptw_unmap(kvm->arch.lpid,
			    ptw_hpte_gpa(rev->guest_rpte, psize));
	return ptw_hpte_write_r(hptep, v, r);
}

/**
 * kvmppc_ptw_hpte_unmap_locked() - unmap a window HPTE met by HPT resize
 * @kvm: the VM
 * @hptep: a locked HPTE of the current HPT, valid, whose guest address
 *	has no memslot: so it is a window page
 * @rev: its reverse-map entry
 * @index: its index
 *
 * Called by resize_hpt_rehash_hpte() (vCPUs stopped), which only knows
 * how to unmap guest RAM and then moves the entry to the new HPT as it
 * finds it: it must find the emulated-MMIO form. The HPTE stays locked.
 */
void kvmppc_ptw_hpte_unmap_locked(struct kvm *kvm, __be64 *hptep,
				  struct revmap_entry *rev,
				  unsigned long index)
{
	unsigned long v = ptw_hpte_restore_locked(kvm, hptep, rev, index);

	hptep[0] = cpu_to_be64(v | HPTE_V_HVLOCK);
	atomic64_inc(&kvm->arch.mmio_update);
}

/**
 * kvmppc_ptw_hpt_unmap() - remove the HPT mappings of a guest range
 * @p: the VM's windows
 * @start: first guest address, 4K aligned
 * @end: end of the range (exclusive)
 *
 * Walks the HPTEs recorded by kvmppc_ptw_hpt_map(). An HPTE is ours while
 * it is valid, of a size we map (4K, 64K) and its guest page is in a
 * window (windows and memslots never overlap); those whose page overlaps
 * the range are restored. Records of HPTEs that are no longer such entries
 * are dropped (one the guest reused for a page elsewhere is kept and
 * skipped until the HPT goes). Called with kvm->mmu_lock held; nothing
 * sleeps (the MMU notifier calls it).
 */
void kvmppc_ptw_hpt_unmap(struct kvmppc_ptw *p, unsigned long start,
			  unsigned long end)
{
	struct kvm *kvm = p->kvm;
	struct kvm_hpt_info hpt;
	unsigned long index;
	int srcu_idx;
	void *entry;

	lockdep_assert_held(&kvm->mmu_lock);
	if (xa_empty(&p->hpt_maps) || start >= end)
		return;
	/*
	 * HPT resize pivots to the new table under mmu_lock and frees the
	 * old one only after an SRCU grace period: both stay valid here.
	 * Records that predate a pivot point into the old table's layout;
	 * the rehash left no window HPTE valid, so they are skipped.
	 */
	srcu_idx = srcu_read_lock(&kvm->srcu);
	hpt = kvm->arch.hpt;
	xa_for_each(&p->hpt_maps, index, entry) {
		__be64 *hptep = ptw_hptep(&hpt, index);
		struct revmap_entry *rev = &hpt.rev[index];
		unsigned long v, r, gr, psize;
		u64 gpa;

		if (!hpt.virt || index >= kvmppc_hpt_npte(&hpt)) {
			xa_erase(&p->hpt_maps, index);
			continue;
		}
		ptw_hpte_lock(hptep);
		ptw_hpte_read(hptep, &v, &r);
		gr = rev->guest_rpte;
		psize = ptw_hpte_size(v, gr);
		gpa = ptw_hpte_gpa(gr, psize);
		if (!(v & HPTE_V_VALID) || !psize) {
			/* Removed or reused by the guest: not ours any more. */
			ptw_hpte_unlock(hptep);
			xa_erase(&p->hpt_maps, index);
			continue;
		}
		if (gpa + psize <= start || gpa >= end) {
			ptw_hpte_unlock(hptep);
			continue;
		}
		ptw_hpte_release(hptep,
				 ptw_hpte_restore_locked(kvm, hptep, rev, index));
		xa_erase(&p->hpt_maps, index);
		p->stats.unmaps++;
	}
	srcu_read_unlock(&kvm->srcu, srcu_idx);
	atomic64_inc(&kvm->arch.mmio_update);
}

/**
 * kvmppc_ptw_hpt_forget() - drop the records of an HPT about to be freed
 * @p: the VM's windows
 *
 * Called with kvm->mmu_lock held, no vCPU running and the HPT about to be
 * freed or cleared (VM teardown, KVM_PPC_ALLOCATE_HTAB, switch to radix):
 * its HPTEs die with it, and the LPID's TLB entries are flushed before
 * it runs again.
 */
void kvmppc_ptw_hpt_forget(struct kvmppc_ptw *p)
{
	lockdep_assert_held(&p->kvm->mmu_lock);
	xa_destroy(&p->hpt_maps);
}
