// SPDX-License-Identifier: GPL-2.0
/*
 * 4K hardware IO mappings in the partition-scoped radix tree of a KVM
 * book3s HV guest, for passthrough IO windows.
 *
 * With 64K host pages KVM's tree has 32-entry PTE tables of 64K leaves
 * under each PMD entry. The Power ISA radix walk reads the size of the
 * next level from each entry's NLS field, so a PMD entry may instead
 * point to a 512-entry table of 4K leaves (NLS = 9). Tables smaller than
 * 32 entries (a 16-entry table of 4K leaves under one 64K entry) are not
 * a configuration the ISA allows, so a 2M region is either KVM's (32 x
 * 64K) or ours (512 x 4K).
 *
 * A 2M region where a window maps pages is ours, and guest RAM in it
 * (memslots beside the window, RAM or a BAR mmap) lives in our table as
 * the 16 4K pieces of each host 64K page, with the attributes KVM chose
 * (kvmppc_create_pte() hands them to kvmppc_ptw_radix_ram_set()). KVM's
 * walkers never read our table as one of theirs
 * (find_kvm_secondary_pte() sees nothing there, kvmppc_ptw_radix_hides())
 * and ask us instead (kvmppc_ptw_radix_ram_op()). A table remembers which
 * entries are window leaves (@win): window code touches only those,
 * KVM's requests only the others. A table goes when its last leaf does;
 * we take every table out before kvmppc_free_radix() frees the tree.
 */

#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/pgalloc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"
#include "trace_ptw.h"

#define PTW_PTE_INDEX_SIZE	KVMPPC_PTW_PTE_INDEX_SIZE /* 512 x 4K: a PMD's 2M */
#define PTW_PTES		KVMPPC_PTW_TABLE_PTES
#define PTW_TABLE_SIZE		(PTW_PTES * sizeof(__be64))
#define PTW_4K			BIT(KVMPPC_PTW_SHIFT_4K)
#define PTW_RPN_4K_MASK		KVMPPC_PTW_RPN_4K_MASK
#define PTW_PER_PAGE		(1U << (PAGE_SHIFT - KVMPPC_PTW_SHIFT_4K))
/* Bits a RAM fault may add to a present leaf (kvmppc_create_pte()). */
#define PTW_RAM_MAY_CHANGE	(_PAGE_WRITE | _PAGE_DIRTY | _PAGE_ACCESSED)

#define PTW_PTE_FLAGS	KVMPPC_PTW_IO_PTE_FLAGS

static struct kmem_cache *ptw_pte_cache;

static unsigned int ptw_index(unsigned long gpa)
{
	return (gpa >> KVMPPC_PTW_SHIFT_4K) & (PTW_PTES - 1);
}

static struct kvmppc_ptw_table *ptw_table_alloc(void)
{
	struct kvmppc_ptw_table *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->ptes = kmem_cache_zalloc(ptw_pte_cache, GFP_KERNEL_ACCOUNT);
	if (!t->ptes) {
		kfree(t);
		return NULL;
	}
	return t;
}

static void ptw_table_free(struct kvmppc_ptw_table *t)
{
	kmem_cache_free(ptw_pte_cache, t->ptes);
	kfree(t);
}

/**
 * kvmppc_ptw_ptes_alloc() - a zeroed 512-entry table of 4K leaves
 *
 * For nested guests' shadow trees (book3s_hv_ptw_shadow.c): the same
 * size and alignment as our own tables. May sleep.
 *
 * Return: the table, or NULL.
 */
__be64 *kvmppc_ptw_ptes_alloc(void)
{
	return kmem_cache_zalloc(ptw_pte_cache, GFP_KERNEL_ACCOUNT);
}

/**
 * kvmppc_ptw_ptes_free() - free a table from kvmppc_ptw_ptes_alloc()
 * @ptes: the table, no longer reachable by the MMU
 */
void kvmppc_ptw_ptes_free(__be64 *ptes)
{
	kmem_cache_free(ptw_pte_cache, ptes);
}

/**
 * kvmppc_ptw_pmd_is_4k() - does a partition-scoped PMD entry point to one
 *	of our 512-entry tables?
 * @pmd: the entry
 *
 * Power ISA radix tree: a valid non-leaf entry gives the next level's
 * base (NLB) and size (NLS, log2 of its entries); KVM's 64K tables have
 * NLS 5, ours NLS 9.
 *
 * Return: true for our tables.
 */
bool kvmppc_ptw_pmd_is_4k(pmd_t pmd)
{
	return pmd_present(pmd) && !pmd_leaf(pmd) &&
	       (pmd_val(pmd) & RPDS_MASK) == PTW_PTE_INDEX_SIZE;
}

/**
 * kvmppc_ptw_pmdp() - the PMD entry of @gpa in a partition-scoped tree
 * @pgtable: the tree (a VM's own or a nested guest's shadow tree)
 * @gpa: the guest address
 *
 * Return: the entry, or NULL if a level above it is missing or a leaf.
 */
pmd_t *kvmppc_ptw_pmdp(pgd_t *pgtable, unsigned long gpa)
{
	p4d_t *p4d;
	pud_t *pud;

	if (!pgtable)
		return NULL;
	p4d = p4d_offset(pgtable + pgd_index(gpa), gpa);
	if (!p4d_present(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, gpa);
	if (!pud_present(READ_ONCE(*pud)) || pud_leaf(READ_ONCE(*pud)))
		return NULL;
	return pmd_offset(pud, gpa);
}

/**
 * kvmppc_ptw_radix_hides() - is @gpa's 2M region in one of our tables?
 * @kvm: the VM
 * @gpa: a guest physical address whose PTE-level entry a KVM walker found
 *
 * find_kvm_secondary_pte() walks with the host's geometry (32 x 64K under
 * a PMD entry) and would pick a wrong entry of our 512 x 4K table: it
 * finds nothing where this says true, and its callers ask
 * kvmppc_ptw_radix_ram() instead. Walks like KVM's own lockless walk of
 * the tree.
 *
 * Return: true if the region's PMD entry points to a window table.
 */
bool kvmppc_ptw_radix_hides(struct kvm *kvm, unsigned long gpa)
{
	pmd_t *pmdp = kvmppc_ptw_pmdp(kvm->arch.pgtable, gpa);

	return pmdp && kvmppc_ptw_pmd_is_4k(READ_ONCE(*pmdp));
}

/*
 * The region holds KVM's own 32-entry table of 64K leaves (guest RAM of a
 * memslot beside the window): fill @t with the 16 4K pieces of each of
 * its leaves, same attributes, and put @t in its place. The translations
 * do not change; R and C of partition-scoped entries are only set by KVM
 * under kvm->mmu_lock (the MMU raises an HDSI instead), which we hold, so
 * nothing is lost between the copy and the switch. The old 64K TLB
 * entries are flushed: our later 4K invalidations would not hit them.
 */
static void ptw_table_convert(struct kvm *kvm, unsigned long gpa, pmd_t *pmd,
			      struct kvmppc_ptw_table *t)
{
	unsigned long base = gpa & PMD_MASK;
	pte_t *kptes = pte_offset_kernel(pmd, 0);
	unsigned int i, k;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		unsigned long v = pte_val(kptes[i]);

		if (!v)
			continue;
		for (k = 0; k < PTW_PER_PAGE; k++)
			t->ptes[i * PTW_PER_PAGE + k] =
				cpu_to_be64((v & ~PTW_RPN_4K_MASK) |
					    ((v & PTW_RPN_4K_MASK) + k * PTW_4K));
		t->nr_present += PTW_PER_PAGE;
	}
	/* The filled table must be visible before the MMU can walk to it. */
	smp_wmb();
	WRITE_ONCE(*pmd, __pmd(__pa(t->ptes) | _PAGE_PRESENT |
			       PTW_PTE_INDEX_SIZE));
	t->pmdp = pmd;
	kvmppc_radix_flush_pwc(kvm, kvm->arch.lpid);
	for (i = 0; i < PTRS_PER_PTE; i++)
		if (pte_val(kptes[i]))
			kvmppc_radix_tlbie_page(kvm, base + i * PAGE_SIZE,
						PAGE_SHIFT, kvm->arch.lpid);
	/* KVM's PTE cache hands out zeroed tables (its constructor's state). */
	memset(kptes, 0, PTRS_PER_PTE * sizeof(pte_t));
	kvmppc_pte_free(kptes);
}

/*
 * Hook a table into the tree under the PMD entry of @gpa, with the upper
 * levels the fault allocated if they are missing, as kvmppc_create_pte()
 * does; a KVM 64K table there is converted. Called with kvm->mmu_lock
 * held.
 *
 * Return: 0; -EBUSY if KVM maps the region with a large leaf; -EAGAIN if
 * a level is missing that @pc does not have.
 */
static int ptw_table_install(struct kvm *kvm, unsigned long gpa,
			     struct kvmppc_ptw_table *t,
			     struct kvmppc_ptw_radix_cache *pc)
{
	pgd_t *pgd = kvm->arch.pgtable + pgd_index(gpa);
	p4d_t *p4d = p4d_offset(pgd, gpa);
	pud_t *pud;
	pmd_t *pmd;

	if (p4d_none(*p4d)) {
		if (!pc->pud)
			return -EAGAIN;
		p4d_populate(kvm->mm, p4d, pc->pud);
		pc->pud = NULL;
	}
	pud = pud_offset(p4d, gpa);
	if (pud_leaf(*pud))
		return -EBUSY;
	if (pud_none(*pud)) {
		if (!pc->pmd)
			return -EAGAIN;
		pud_populate(kvm->mm, pud, pc->pmd);
		pc->pmd = NULL;
	}
	pmd = pmd_offset(pud, gpa);
	if (!pmd_none(*pmd)) {
		if (pmd_leaf(*pmd) || kvmppc_ptw_pmd_is_4k(*pmd))
			return -EBUSY;
		ptw_table_convert(kvm, gpa, pmd, t);
		return 0;
	}
	/* The zeroed table must be visible before the MMU can walk to it. */
	smp_wmb();
	WRITE_ONCE(*pmd, __pmd(__pa(t->ptes) | _PAGE_PRESENT |
			       PTW_PTE_INDEX_SIZE));
	t->pmdp = pmd;
	return 0;
}

/**
 * kvmppc_ptw_radix_prepare() - allocate what mapping @gpa may need
 * @p: the VM's windows
 * @gpa: the guest address about to be mapped
 * @pc: gets upper-level tables, in case the tree lacks them, and the 4K
 *	table this call inserted
 *
 * Called with no lock held (allocations may sleep and reclaim). A 4K
 * table for @gpa's 2M region goes into @p->tables now, not yet hooked
 * into the tree; kvmppc_ptw_radix_map() hooks it in, and
 * kvmppc_ptw_radix_finish() drops it if nothing did.
 *
 * Return: 0 or -ENOMEM.
 */
int kvmppc_ptw_radix_prepare(struct kvmppc_ptw *p, unsigned long gpa,
			     struct kvmppc_ptw_radix_cache *pc)
{
	struct kvmppc_ptw_table *t;
	int ret;

	pc->pud = pud_alloc_one(p->kvm->mm, gpa);
	pc->pmd = kvmppc_pmd_alloc();
	if (!pc->pud || !pc->pmd)
		return -ENOMEM;
	if (xa_load(&p->tables, gpa >> PMD_SHIFT))
		return 0;
	t = ptw_table_alloc();
	if (!t)
		return -ENOMEM;
	ret = xa_insert(&p->tables, gpa >> PMD_SHIFT, t, GFP_KERNEL_ACCOUNT);
	if (ret) {
		ptw_table_free(t);
		/* Another fault put a table there first: it will do. */
		return ret == -EBUSY ? 0 : ret;
	}
	pc->table = t;
	return 0;
}

/**
 * kvmppc_ptw_radix_finish() - drop what the fault did not use
 * @p: the VM's windows
 * @gpa: the address given to kvmppc_ptw_radix_prepare()
 * @pc: what it allocated
 *
 * The table the fault inserted is freed if it is still not hooked into
 * the tree (the fault gave up); a table another fault inserted is that
 * fault's to drop. Called with kvm->mmu_lock held.
 */
void kvmppc_ptw_radix_finish(struct kvmppc_ptw *p, unsigned long gpa,
			     struct kvmppc_ptw_radix_cache *pc)
{
	struct kvmppc_ptw_table *t = pc->table;

	lockdep_assert_held(&p->kvm->mmu_lock);
	if (t && !t->pmdp && xa_load(&p->tables, gpa >> PMD_SHIFT) == t) {
		xa_erase(&p->tables, gpa >> PMD_SHIFT);
		ptw_table_free(t);
	}
	if (pc->pud)
		pud_free(p->kvm->mm, pc->pud);
	if (pc->pmd)
		kvmppc_pmd_free(pc->pmd);
	memset(pc, 0, sizeof(*pc));
}

/**
 * kvmppc_ptw_radix_map() - map guest 4K pages onto host 4K pages
 * @p: the VM's windows
 * @gpa: first guest page, 4K aligned
 * @hpa: first host page, 4K aligned
 * @npages: number of 4K pages, all inside @gpa's 2M region
 * @pc: upper levels from kvmppc_ptw_radix_prepare()
 *
 * Pages that are already mapped (another vCPU got there first) are left
 * as they are; so would be guest RAM, but a window's bytes never hold
 * any (memslots may not overlap them). Called with kvm->mmu_lock held, after
 * kvmppc_ptw_radix_prepare() for @gpa.
 *
 * Return: 0; -EAGAIN if the table went meanwhile (the guest retries);
 * -EBUSY if KVM maps the region with a large leaf.
 */
int kvmppc_ptw_radix_map(struct kvmppc_ptw *p, unsigned long gpa, u64 hpa,
			 unsigned int npages, struct kvmppc_ptw_radix_cache *pc)
{
	struct kvm *kvm = p->kvm;
	struct kvmppc_ptw_table *t;
	unsigned int i, first = ptw_index(gpa);
	int ret;

	lockdep_assert_held(&kvm->mmu_lock);
	if (WARN_ON_ONCE(!npages || first + npages > PTW_PTES ||
			 !IS_ALIGNED(gpa | hpa, PTW_4K) ||
			 ((hpa + (npages - 1) * PTW_4K) & ~PTW_RPN_4K_MASK)))
		return -EINVAL;

	t = xa_load(&p->tables, gpa >> PMD_SHIFT);
	if (!t)
		return -EAGAIN;
	if (!t->pmdp) {
		ret = ptw_table_install(kvm, gpa, t, pc);
		if (ret)
			return ret;
	}
	for (i = first; i < first + npages; i++, hpa += PTW_4K) {
		pte_t *ptep = (pte_t *)&t->ptes[i];

		if (pte_val(*ptep))
			continue;
		radix__set_pte_at(kvm->mm, gpa, ptep,
				  __pte((hpa & PTW_RPN_4K_MASK) | PTW_PTE_FLAGS),
				  0);
		__set_bit(i, t->win);
		t->nr_present++;
	}
	return 0;
}

/*
 * A table with no leaf left goes: unhooked, the page-walk cache flushed,
 * freed. Called with kvm->mmu_lock held; returns true if it went.
 */
static bool ptw_table_put(struct kvmppc_ptw *p, struct kvmppc_ptw_table *t,
			  unsigned long idx)
{
	if (t->nr_present)
		return false;
	pmd_clear(t->pmdp);
	kvmppc_radix_flush_pwc(p->kvm, p->kvm->arch.lpid);
	xa_erase(&p->tables, idx);
	ptw_table_free(t);
	return true;
}

/* The window leaves of @t in [@start, @end). kvm->mmu_lock held. */
static void ptw_table_unmap(struct kvmppc_ptw *p, struct kvmppc_ptw_table *t,
			    unsigned long base, unsigned long start,
			    unsigned long end)
{
	struct kvm *kvm = p->kvm;
	unsigned long gpa;

	for (gpa = max(base, start); gpa < min(base + PMD_SIZE, end);
	     gpa += PTW_4K) {
		unsigned int i = ptw_index(gpa);

		if (!test_bit(i, t->win))
			continue;
		__radix_pte_update((pte_t *)&t->ptes[i], ~0UL, 0);
		__clear_bit(i, t->win);
		kvmppc_radix_tlbie_page(kvm, gpa, KVMPPC_PTW_SHIFT_4K,
					kvm->arch.lpid);
		t->nr_present--;
		p->stats.unmaps++;
		trace_kvm_ptw_unmap(kvm->arch.lpid, gpa);
	}
}

/**
 * kvmppc_ptw_radix_unmap() - remove the 4K mappings of a guest range
 * @p: the VM's windows
 * @start: first guest address, 4K aligned
 * @end: end of the range (exclusive)
 *
 * Only window leaves go: guest RAM in the same tables stays. Tables
 * left empty are unhooked from their PMD and freed; tables not hooked in
 * yet belong to a fault in progress and are left to it. Only tables that
 * exist are visited, however large the range. Called with kvm->mmu_lock
 * held.
 */
void kvmppc_ptw_radix_unmap(struct kvmppc_ptw *p, unsigned long start,
			    unsigned long end)
{
	struct kvmppc_ptw_table *t;
	unsigned long idx;

	lockdep_assert_held(&p->kvm->mmu_lock);
	if (p->torn_down || start >= end)
		return;
	xa_for_each_range(&p->tables, idx, t, start >> PMD_SHIFT,
			  (end - 1) >> PMD_SHIFT) {
		if (!t->pmdp)
			continue;
		ptw_table_unmap(p, t, idx << PMD_SHIFT, start, end);
		ptw_table_put(p, t, idx);
	}
}

/**
 * kvmppc_ptw_radix_free_tables() - drop every window table of a VM
 * @p: the VM's windows
 * @tree_alive: the partition-scoped tree is still there, so unhook each
 *	table from its PMD first (kvmppc_free_radix() is about to free the
 *	tree, which must only ever see KVM's own 32-entry tables).
 *
 * No per-page TLB invalidation: the callers (VM teardown, switch to HPT)
 * run no vCPU, and the whole LPID is flushed before it is used again, as
 * for KVM's own tree. Called with kvm->mmu_lock held.
 */
void kvmppc_ptw_radix_free_tables(struct kvmppc_ptw *p, bool tree_alive)
{
	struct kvmppc_ptw_table *t;
	unsigned long idx;
	bool hooked = false;

	lockdep_assert_held(&p->kvm->mmu_lock);
	/* Unhook every table and flush the walk cache before freeing any. */
	xa_for_each(&p->tables, idx, t) {
		if (!t->pmdp || !tree_alive)
			continue;
		p->stats.unmaps += bitmap_weight(t->win, PTW_PTES);
		pmd_clear(t->pmdp);
		hooked = true;
	}
	if (hooked)
		kvmppc_radix_flush_pwc(p->kvm, p->kvm->arch.lpid);
	xa_for_each(&p->tables, idx, t) {
		xa_erase(&p->tables, idx);
		ptw_table_free(t);
	}
}

/**
 * kvmppc_ptw_radix_ram_set() - map a host 64K page of guest RAM in our table
 * @p: the VM's windows
 * @pmdp: the PMD entry kvmppc_create_pte() reached; it points to our table
 * @pte: the 64K leaf KVM would install (attributes from the host PTE: for
 *	RAM cacheable, for a BAR mmap cache-inhibited)
 * @gpa: a guest address in the 64K page
 *
 * The page goes in as 16 4K leaves of the same attributes, onto the 16 4K
 * pieces of the host page. Leaves already there (another vCPU, or an R/C
 * update through kvmppc_book3s_instantiate_page()) get the new bits, as
 * KVM does to its own. Called with kvm->mmu_lock held.
 *
 * Return: 0; -EBUSY (and a warning) if a window leaf is in the way.
 */
int kvmppc_ptw_radix_ram_set(struct kvmppc_ptw *p, pmd_t *pmdp, pte_t pte,
			     unsigned long gpa)
{
	struct kvm *kvm = p->kvm;
	unsigned long base = gpa & PAGE_MASK, v = pte_val(pte);
	unsigned long rpn = v & PTW_RPN_4K_MASK & PAGE_MASK;
	unsigned long flags = v & ~PTW_RPN_4K_MASK;
	unsigned int i, first = ptw_index(base);
	struct kvmppc_ptw_table *t;

	lockdep_assert_held(&kvm->mmu_lock);
	t = xa_load(&p->tables, gpa >> PMD_SHIFT);
	if (WARN_ON_ONCE(!t || t->pmdp != pmdp))
		return -EBUSY;
	for (i = first; i < first + PTW_PER_PAGE; i++)
		if (WARN_ON_ONCE(test_bit(i, t->win)))
			return -EBUSY;
	for (i = first; i < first + PTW_PER_PAGE; i++) {
		pte_t *ptep = (pte_t *)&t->ptes[i];
		unsigned long new = flags | (rpn + (i - first) * PTW_4K);

		if (pte_val(*ptep)) {
			WARN_ON_ONCE((pte_val(*ptep) ^ new) & ~PTW_RAM_MAY_CHANGE);
			__radix_pte_update(ptep, 0, new);
			continue;
		}
		radix__set_pte_at(kvm->mm, base, ptep, __pte(new), 0);
		t->nr_present++;
	}
	return 0;
}

/**
 * kvmppc_ptw_radix_ram_op() - what KVM's walkers do to a 64K page of guest
 *	RAM, done to its 16 4K leaves in our table
 * @p: the VM's windows
 * @memslot: the memslot of @gfn
 * @gfn: the guest page (host page size)
 * @op: %KVMPPC_PTW_RAM_UNMAP clears the leaves and invalidates their TLB
 *	entries, drops nested guests' mappings of the page and sets its bit
 *	in the dirty log if a leaf had C (kvmppc_unmap_pte());
 *	%KVMPPC_PTW_RAM_AGE clears R (kvm_age_radix()); %KVMPPC_PTW_RAM_TEST_AGE
 *	reads R; %KVMPPC_PTW_RAM_DIRTY clears C and invalidates, so the next
 *	store faults to set it again (kvm_radix_test_clear_dirty()).
 *
 * Window leaves of the table are never touched. A table whose last leaf
 * goes is freed. Called with kvm->mmu_lock held.
 *
 * Return: 0 if the page is not in one of our tables; for AGE and TEST_AGE
 * 1 if the page was referenced; for DIRTY the number of host pages that
 * were dirty (0 or 1).
 */
int kvmppc_ptw_radix_ram_op(struct kvmppc_ptw *p,
			    const struct kvm_memory_slot *memslot,
			    unsigned long gfn, enum kvmppc_ptw_ram_op op)
{
	struct kvm *kvm = p->kvm;
	unsigned long gpa = gfn << PAGE_SHIFT, hpa = 0, old = 0;
	unsigned int i, first = ptw_index(gpa), n = 0;
	unsigned long *rmapp;
	struct kvmppc_ptw_table *t;

	lockdep_assert_held(&kvm->mmu_lock);
	if (p->torn_down)
		return 0;
	t = xa_load(&p->tables, gpa >> PMD_SHIFT);
	if (!t || !t->pmdp)
		return 0;
	for (i = first; i < first + PTW_PER_PAGE; i++) {
		pte_t *ptep = (pte_t *)&t->ptes[i];
		unsigned long v = pte_val(*ptep);
		unsigned long a = gpa + (i - first) * PTW_4K;

		if (!v || test_bit(i, t->win))
			continue;
		if (!n++)
			hpa = (v & PTW_RPN_4K_MASK) - (i - first) * PTW_4K;
		switch (op) {
		case KVMPPC_PTW_RAM_UNMAP:
			old |= __radix_pte_update(ptep, ~0UL, 0);
			kvmppc_radix_tlbie_page(kvm, a, KVMPPC_PTW_SHIFT_4K,
						kvm->arch.lpid);
			t->nr_present--;
			break;
		case KVMPPC_PTW_RAM_AGE:
			if (v & _PAGE_ACCESSED)
				old |= __radix_pte_update(ptep, _PAGE_ACCESSED,
							  0);
			break;
		case KVMPPC_PTW_RAM_TEST_AGE:
			old |= v;
			break;
		case KVMPPC_PTW_RAM_DIRTY:
			if (!(v & _PAGE_DIRTY))
				break;
			old |= __radix_pte_update(ptep, _PAGE_DIRTY, 0);
			kvmppc_radix_tlbie_page(kvm, a, KVMPPC_PTW_SHIFT_4K,
						kvm->arch.lpid);
			break;
		}
	}
	if (!n)
		return 0;
	rmapp = &memslot->arch.rmap[gfn - memslot->base_gfn];
	switch (op) {
	case KVMPPC_PTW_RAM_UNMAP:
		kvmhv_remove_nest_rmap_range(kvm, memslot, gpa, hpa, PAGE_SIZE);
		if ((old & _PAGE_DIRTY) && memslot->dirty_bitmap)
			kvmppc_update_dirty_map(memslot, gfn, PAGE_SIZE);
		ptw_table_put(p, t, gpa >> PMD_SHIFT);
		return 0;
	case KVMPPC_PTW_RAM_AGE:
		if (!(old & _PAGE_ACCESSED))
			return 0;
		kvmhv_update_nest_rmap_rc_list(kvm, rmapp, _PAGE_ACCESSED, 0,
					       hpa, PAGE_SIZE);
		return 1;
	case KVMPPC_PTW_RAM_TEST_AGE:
		return !!(old & _PAGE_ACCESSED);
	case KVMPPC_PTW_RAM_DIRTY:
		if (!(old & _PAGE_DIRTY))
			return 0;
		kvmhv_update_nest_rmap_rc_list(kvm, rmapp, _PAGE_DIRTY, 0,
					       hpa, PAGE_SIZE);
		return 1;
	}
	return 0;
}

/**
 * kvmppc_ptw_pte_offset() - the 4K PTE for @gpa, if @pmd points to our table
 * @pmd: a present, non-leaf partition-scoped PMD entry
 * @gpa: a guest physical address under it
 * @shift: set to 12 when the table is ours
 *
 * For walkers that read the tree without the window lock (the debugfs
 * dump): our tables are the ones whose next-level size is 512 entries.
 *
 * Return: the PTE pointer, or NULL if @pmd points to a KVM 64K table.
 */
pte_t *kvmppc_ptw_pte_offset(pmd_t pmd, unsigned long gpa, int *shift)
{
	if (!kvmppc_ptw_pmd_is_4k(pmd))
		return NULL;
	*shift = KVMPPC_PTW_SHIFT_4K;
	return (pte_t *)pmd_page_vaddr(pmd) + ptw_index(gpa);
}

int kvmppc_ptw_radix_init(void)
{
	/* The radix MMU wants each table aligned to its own size. */
	ptw_pte_cache = kmem_cache_create("kvm-ptw-pte", PTW_TABLE_SIZE,
					  PTW_TABLE_SIZE, 0, NULL);
	return ptw_pte_cache ? 0 : -ENOMEM;
}

void kvmppc_ptw_radix_exit(void)
{
	kmem_cache_destroy(ptw_pte_cache);
}
