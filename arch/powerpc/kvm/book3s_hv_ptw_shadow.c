// SPDX-License-Identifier: GPL-2.0
/*
 * 4K leaves in the shadow partition-scoped trees of nested guests, when
 * our kvm-hv is the L0 of an L1 hypervisor that maps with 4K leaves.
 *
 * KVM's nested code (book3s_hv_nested.c) builds one shadow tree per L2
 * guest (gp->shadow_pgtable) from the L1's partition-scoped tree for it,
 * and refuses an L1 leaf smaller than the host page. An L1 running our
 * window code maps windows, and guest RAM beside them, with 4K leaves in
 * 512-entry tables (book3s_hv_ptw_radix.c). kvmppc_ptw_nested_fault()
 * serves such a leaf with a 4K shadow leaf, in the same format as the
 * L1's own tree: a PMD entry with NLS 9 pointing to a 512-entry table of
 * 4K leaves. These helpers build and tear down those tables and keep
 * KVM's walkers of shadow trees off them (hooks in book3s_64_mmu_radix.c
 * and book3s_hv_nested.c):
 *
 * - kvmppc_ptw_shadow_find(): find_kvm_nested_guest_pte() returns our 4K
 *   leaf with shift 12, so the nested rmap users (unmap of the L1's RAM,
 *   dirty and R/C updates) and kvmhv_handle_nested_set_rc() see the right
 *   entry, never one of 32 x 64K read out of a 512-entry table;
 * - kvmppc_ptw_shadow_unmap_page(): an L1 tlbie of an L2 address clears
 *   the leaves of the whole host page around it (KVM's tlbie loop walks
 *   in host pages);
 * - kvmppc_ptw_shadow_make_room(): before kvmppc_create_pte() puts one of
 *   KVM's levels or leaves where our table is, the table goes;
 * - kvmppc_ptw_shadow_free_table(): kvmppc_free_pgtable_radix() of a
 *   shadow tree (nested guest destroyed, flushed, or its LPID
 *   invalidated by the L1) frees our tables, not as KVM PTE tables.
 *
 * A shadow tree is a cache of the L1's translations: whatever is in the
 * way of a new entry is dropped (unmapped and invalidated), never
 * converted. Shadow tables stay until their tree or region goes, as
 * KVM's own shadow PTE tables do. Everything runs under kvm->mmu_lock,
 * as KVM's changes to shadow trees do, except a free of a whole tree no
 * one can reach any more (kvmhv_release_nested()).
 */

#include <linux/kvm_host.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/pgalloc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"

#define SHADOW_4K		BIT(KVMPPC_PTW_SHIFT_4K)
#define SHADOW_PTES		KVMPPC_PTW_TABLE_PTES
#define SHADOW_PER_PAGE		(1U << (PAGE_SHIFT - KVMPPC_PTW_SHIFT_4K))
/* Bits a later fault may add to a present leaf (as kvmppc_create_pte()). */
#define SHADOW_MAY_ADD		(_PAGE_READ | _PAGE_WRITE | _PAGE_DIRTY | \
				 _PAGE_ACCESSED)

static unsigned int shadow_index(unsigned long gpa)
{
	return (gpa >> KVMPPC_PTW_SHIFT_4K) & (SHADOW_PTES - 1);
}

static __be64 *shadow_table(pmd_t pmd)
{
	return (__be64 *)pmd_page_vaddr(pmd);
}

/**
 * kvmppc_ptw_shadow_leaf() - the shadow leaf that serves an L1 4K leaf
 * @hpa: the host 4K page behind the L1 leaf's real address
 * @attr: what the L0 grants for that page: the attributes and
 *	permissions of its own leaf for the L1 (guest RAM, a BAR mmap) or of
 *	a window leaf; the RPN bits are ignored
 * @gpte: the L1 leaf, as kvmppc_mmu_walk_radix_tree() read it
 * @writing: the access is a store
 *
 * Permissions are the L1 leaf's and ours, R and C as KVM's nested fault
 * computes them: R only where the L1 leaf has it, C only where the L1
 * leaf has it and on a store (so the first store to a page the L1 tracks
 * comes back to the L0, which then sets C in its own leaf too). Callers
 * that have no dirty state to track (device memory) pass @writing true.
 * The leaf is writable only with C set: a store through a leaf without C
 * faults (protection) instead of relying on the MMU's R/C fault, which an
 * emulated MMU may not raise (QEMU's TCG sets partition-scoped R and C
 * itself), so the L0 and the L1 see every first store to a page.
 *
 * Return: the leaf, CPU byte order.
 */
u64 kvmppc_ptw_shadow_leaf(u64 hpa, u64 attr, const struct kvmppc_pte *gpte,
			   bool writing)
{
	u64 perm = 0, leaf;

	perm |= gpte->may_read ? 0 : _PAGE_READ;
	perm |= gpte->may_write ? 0 : _PAGE_WRITE;
	perm |= gpte->may_execute ? 0 : _PAGE_EXEC;
	perm |= (gpte->rc & _PAGE_ACCESSED) ? 0 : _PAGE_ACCESSED;
	perm |= ((gpte->rc & _PAGE_DIRTY) && writing) ? 0 : _PAGE_DIRTY;
	leaf = (hpa & KVMPPC_PTW_RPN_4K_MASK) |
	       (attr & ~KVMPPC_PTW_RPN_4K_MASK & ~perm);
	if (!(leaf & _PAGE_DIRTY))
		leaf &= ~(u64)_PAGE_WRITE;
	return leaf;
}

/**
 * kvmppc_ptw_shadow_prepare() - allocate what a shadow leaf may need
 * @kvm: the L1 VM
 * @sc: gets a PUD table, a PMD table and a 4K table
 *
 * Called with no lock held (allocations may sleep);
 * kvmppc_ptw_shadow_finish() frees what kvmppc_ptw_shadow_set() did not
 * use.
 *
 * Return: 0 or -ENOMEM.
 */
int kvmppc_ptw_shadow_prepare(struct kvm *kvm,
			      struct kvmppc_ptw_shadow_cache *sc)
{
	if (!sc->pud)
		sc->pud = pud_alloc_one(kvm->mm, 0);
	if (!sc->pmd)
		sc->pmd = kvmppc_pmd_alloc();
	if (!sc->ptes)
		sc->ptes = kvmppc_ptw_ptes_alloc();
	return sc->pud && sc->pmd && sc->ptes ? 0 : -ENOMEM;
}

/**
 * kvmppc_ptw_shadow_finish() - free what a nested fault did not use
 * @kvm: the L1 VM
 * @sc: from kvmppc_ptw_shadow_prepare()
 */
void kvmppc_ptw_shadow_finish(struct kvm *kvm,
			      struct kvmppc_ptw_shadow_cache *sc)
{
	if (sc->pud)
		pud_free(kvm->mm, sc->pud);
	if (sc->pmd)
		kvmppc_pmd_free(sc->pmd);
	if (sc->ptes)
		kvmppc_ptw_ptes_free(sc->ptes);
	memset(sc, 0, sizeof(*sc));
}

/*
 * Our table under @pmd goes: every leaf cleared and invalidated at 4K,
 * the entry cleared, the page-walk cache flushed, the table freed.
 */
static void shadow_drop_table(struct kvm *kvm, pmd_t *pmd,
			      unsigned long base, u64 lpid)
{
	__be64 *ptes = shadow_table(*pmd);
	unsigned int i;

	for (i = 0; i < SHADOW_PTES; i++)
		if (ptes[i])
			kvmppc_unmap_pte(kvm, (pte_t *)&ptes[i],
					 base + i * SHADOW_4K,
					 KVMPPC_PTW_SHIFT_4K, NULL, lpid);
	pmd_clear(pmd);
	kvmppc_radix_flush_pwc(kvm, lpid);
	kvmppc_ptw_ptes_free(ptes);
}

/* The same for one of KVM's 32-entry tables of 64K leaves. */
static void shadow_drop_kvm_table(struct kvm *kvm, pmd_t *pmd,
				  unsigned long base, u64 lpid)
{
	pte_t *ptes = pte_offset_kernel(pmd, 0);
	unsigned int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		if (pte_val(ptes[i]))
			kvmppc_unmap_pte(kvm, &ptes[i], base + i * PAGE_SIZE,
					 PAGE_SHIFT, NULL, lpid);
	pmd_clear(pmd);
	kvmppc_radix_flush_pwc(kvm, lpid);
	/* Every entry is 0 again: the state KVM's PTE cache hands out. */
	kvmppc_pte_free(ptes);
}

/**
 * kvmppc_ptw_shadow_set() - install a 4K leaf in a shadow tree
 * @kvm: the L1 VM
 * @pgtable: the nested guest's shadow tree
 * @lpid: its shadow LPID (for invalidations)
 * @gpa: the nested guest's address, 4K aligned
 * @leaf: from kvmppc_ptw_shadow_leaf()
 * @sc: tables from kvmppc_ptw_shadow_prepare(), taken as needed
 *
 * A 1G or 2M shadow leaf, or one of KVM's 64K tables, in the way is
 * dropped (the L1 no longer maps that way: its leaf here is 4K). A leaf
 * already present onto the same page with the same attributes gets the
 * new permission bits; any other is invalidated and replaced. Called
 * with kvm->mmu_lock held.
 *
 * Return: 0; -EAGAIN if a table is needed that @sc does not hold.
 */
int kvmppc_ptw_shadow_set(struct kvm *kvm, pgd_t *pgtable, u64 lpid,
			  unsigned long gpa, u64 leaf,
			  struct kvmppc_ptw_shadow_cache *sc)
{
	p4d_t *p4d = p4d_offset(pgtable + pgd_index(gpa), gpa);
	pte_t *ptep;
	pud_t *pud;
	pmd_t *pmd;
	u64 old;

	lockdep_assert_held(&kvm->mmu_lock);
	if (p4d_none(*p4d)) {
		if (!sc->pud)
			return -EAGAIN;
		p4d_populate(kvm->mm, p4d, sc->pud);
		sc->pud = NULL;
	}
	pud = pud_offset(p4d, gpa);
	if (pud_leaf(*pud))
		kvmppc_unmap_pte(kvm, (pte_t *)pud, gpa & PUD_MASK, PUD_SHIFT,
				 NULL, lpid);
	if (pud_none(*pud)) {
		if (!sc->pmd)
			return -EAGAIN;
		pud_populate(kvm->mm, pud, sc->pmd);
		sc->pmd = NULL;
	}
	pmd = pmd_offset(pud, gpa);
	if (pmd_leaf(*pmd))
		kvmppc_unmap_pte(kvm, (pte_t *)pmd, gpa & PMD_MASK, PMD_SHIFT,
				 NULL, lpid);
	else if (pmd_present(*pmd) && !kvmppc_ptw_pmd_is_4k(*pmd))
		shadow_drop_kvm_table(kvm, pmd, gpa & PMD_MASK, lpid);
	if (pmd_none(*pmd)) {
		if (!sc->ptes)
			return -EAGAIN;
		/* The zeroed table must be visible before the MMU walks to it. */
		smp_wmb();
		WRITE_ONCE(*pmd, __pmd(__pa(sc->ptes) | _PAGE_PRESENT |
				       KVMPPC_PTW_PTE_INDEX_SIZE));
		sc->ptes = NULL;
	}
	ptep = (pte_t *)&shadow_table(*pmd)[shadow_index(gpa)];
	old = pte_val(*ptep);
	if (old == leaf)
		return 0;
	if (old && !((old ^ leaf) & ~SHADOW_MAY_ADD)) {
		__radix_pte_update(ptep, 0, leaf);
		return 0;
	}
	if (old)
		kvmppc_unmap_pte(kvm, ptep, gpa, KVMPPC_PTW_SHIFT_4K, NULL,
				 lpid);
	radix__set_pte_at(kvm->mm, gpa, ptep, __pte(leaf), 0);
	return 0;
}

/**
 * kvmppc_ptw_shadow_find() - the leaf KVM's walk of a shadow tree found,
 *	or ours
 * @pgtable: the shadow tree
 * @ea: the nested guest's address
 * @ptep: what __find_linux_pte() returned with shift 0 (a PTE-level
 *	entry, read with the host's 32 x 64K geometry)
 * @hshift: set to 12 if the entry is in one of our 4K tables
 *
 * Called by find_kvm_nested_guest_pte() with kvm->mmu_lock held.
 *
 * Return: our 4K leaf of @ea if its PMD entry points to one of our
 * tables, else @ptep.
 */
pte_t *kvmppc_ptw_shadow_find(pgd_t *pgtable, unsigned long ea, pte_t *ptep,
			      unsigned int *hshift)
{
	pmd_t *pmdp = kvmppc_ptw_pmdp(pgtable, ea);
	pte_t *ours;
	int shift;

	if (!pmdp)
		return ptep;
	ours = kvmppc_ptw_pte_offset(READ_ONCE(*pmdp), ea, &shift);
	if (!ours)
		return ptep;
	*hshift = shift;
	return ours;
}

/**
 * kvmppc_ptw_shadow_unmap_page() - an L1 invalidation of a nested
 *	guest's address that lies in one of our shadow tables
 * @kvm: the L1 VM
 * @pgtable: the shadow tree
 * @gpa: the nested guest's address
 * @lpid: the shadow LPID
 *
 * kvmhv_emulate_tlbie_tlb_addr() steps through the range the L1
 * invalidates in host pages; every 4K leaf of the host page holding @gpa
 * is cleared and invalidated (a shadow leaf more than the L1 asked for
 * only costs a fault). Called with kvm->mmu_lock held.
 *
 * Return: true if a leaf was present.
 */
bool kvmppc_ptw_shadow_unmap_page(struct kvm *kvm, pgd_t *pgtable,
				  unsigned long gpa, u64 lpid)
{
	pmd_t *pmdp = kvmppc_ptw_pmdp(pgtable, gpa);
	unsigned long base = gpa & PAGE_MASK;
	unsigned int i, first = shadow_index(base);
	bool any = false;
	__be64 *ptes;

	lockdep_assert_held(&kvm->mmu_lock);
	if (!pmdp || !kvmppc_ptw_pmd_is_4k(*pmdp))
		return false;
	ptes = shadow_table(*pmdp);
	for (i = first; i < first + SHADOW_PER_PAGE; i++) {
		if (!ptes[i])
			continue;
		kvmppc_unmap_pte(kvm, (pte_t *)&ptes[i],
				 base + (i - first) * SHADOW_4K,
				 KVMPPC_PTW_SHIFT_4K, NULL, lpid);
		any = true;
	}
	return any;
}

/**
 * kvmppc_ptw_shadow_make_room() - take our tables out of KVM's way
 * @kvm: the L1 VM
 * @pgtable: a shadow tree
 * @gpa: where kvmppc_create_pte() is about to install an entry
 * @level: its level: 0 (64K leaf) and 1 (2M leaf) need the PMD entry,
 *	2 (1G leaf) the whole PUD entry
 * @lpid: the shadow LPID
 *
 * KVM would index our 512-entry table as 32 x 64K, or free it as one of
 * its own tables with a large leaf in its place. Called by
 * kvmppc_create_pte() with kvm->mmu_lock held; it lets the guest retry
 * when this dropped something (it allocated its levels for the tree as
 * it was).
 *
 * Return: true if a table went.
 */
bool kvmppc_ptw_shadow_make_room(struct kvm *kvm, pgd_t *pgtable,
				 unsigned long gpa, unsigned int level,
				 u64 lpid)
{
	unsigned long base = gpa & PUD_MASK;
	bool dropped = false;
	pmd_t *pmd;
	p4d_t *p4d;
	pud_t *pud;
	unsigned int i;

	lockdep_assert_held(&kvm->mmu_lock);
	if (level < 2) {
		pmd = kvmppc_ptw_pmdp(pgtable, gpa);
		if (!pmd || !kvmppc_ptw_pmd_is_4k(*pmd))
			return false;
		shadow_drop_table(kvm, pmd, gpa & PMD_MASK, lpid);
		return true;
	}
	p4d = p4d_offset(pgtable + pgd_index(gpa), gpa);
	if (!p4d_present(*p4d))
		return false;
	pud = pud_offset(p4d, gpa);
	if (!pud_present(*pud) || pud_leaf(*pud))
		return false;
	pmd = pmd_offset(pud, 0);
	for (i = 0; i < PTRS_PER_PMD; i++, pmd++) {
		if (!kvmppc_ptw_pmd_is_4k(*pmd))
			continue;
		shadow_drop_table(kvm, pmd, base + i * PMD_SIZE, lpid);
		dropped = true;
	}
	return dropped;
}

/**
 * kvmppc_ptw_shadow_free_table() - free one of our tables with its tree
 * @kvm: the L1 VM
 * @pmdp: the PMD entry kvmppc_unmap_free_pmd() reached; it points to one
 *	of our tables
 * @full: the whole tree goes (the callers flush the LPID after)
 * @lpid: the LPID of the tree
 *
 * Only shadow trees get here with our tables: the L1's own tree is rid
 * of them by kvmppc_ptw_radix_free() first, and KVM puts no large leaf
 * over them (kvmppc_ptw_radix_region_busy()). A partial free (a large
 * leaf replacing a subtree) never holds them either
 * (kvmppc_ptw_shadow_make_room() ran first); it would not know the
 * leaves' addresses to invalidate, hence the warning.
 */
void kvmppc_ptw_shadow_free_table(struct kvm *kvm, pmd_t *pmdp, bool full,
				  u64 lpid)
{
	__be64 *ptes = shadow_table(*pmdp);

	pmd_clear(pmdp);
	/* The VM's own tables belong to its window state (p->tables). */
	if (WARN_ON_ONCE(lpid == kvm->arch.lpid))
		return;
	WARN_ON_ONCE(!full);
	kvmppc_ptw_ptes_free(ptes);
}

/**
 * kvmppc_ptw_shadow_unmap_hpa() - drop the 4K shadow leaves onto host bytes
 * @kvm: the L1 VM
 * @pgtable: a shadow tree
 * @lpid: its shadow LPID
 * @start: first host address, 4K aligned
 * @end: end of the host range
 *
 * A window of the L1 VM stops mapping (REMOVE, MOVE, its host mapping
 * gone, VFIO revocation): every leaf of our tables in the tree whose
 * real address is in the range is cleared and invalidated. Only the
 * table levels are walked, and only our tables are read. Called with
 * kvm->mmu_lock held.
 */
void kvmppc_ptw_shadow_unmap_hpa(struct kvm *kvm, pgd_t *pgtable, u64 lpid,
				 u64 start, u64 end)
{
	unsigned long ig, iu, im, i, base;
	__be64 *ptes;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	lockdep_assert_held(&kvm->mmu_lock);
	for (ig = 0; ig < PTRS_PER_PGD; ig++) {
		p4d = p4d_offset(pgtable + ig, 0);
		if (!p4d_present(*p4d))
			continue;
		pud = pud_offset(p4d, 0);
		for (iu = 0; iu < PTRS_PER_PUD; iu++, pud++) {
			if (!pud_present(*pud) || pud_leaf(*pud))
				continue;
			pmd = pmd_offset(pud, 0);
			for (im = 0; im < PTRS_PER_PMD; im++, pmd++) {
				if (!kvmppc_ptw_pmd_is_4k(*pmd))
					continue;
				ptes = shadow_table(*pmd);
				base = ig << PGDIR_SHIFT | iu << PUD_SHIFT |
				       im << PMD_SHIFT;
				for (i = 0; i < SHADOW_PTES; i++) {
					u64 ra = be64_to_cpu(ptes[i]) &
						 KVMPPC_PTW_RPN_4K_MASK;

					if (!ptes[i] || ra < start || ra >= end)
						continue;
					kvmppc_unmap_pte(kvm,
							 (pte_t *)&ptes[i],
							 base + i * SHADOW_4K,
							 KVMPPC_PTW_SHIFT_4K,
							 NULL, lpid);
				}
			}
		}
	}
}
