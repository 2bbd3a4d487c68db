// SPDX-License-Identifier: GPL-2.0
/*
 * 4K hardware IO mappings in the partition-scoped radix tree of a KVM
 * book3s HV guest, for passthrough IO windows.
 *
 * With 64K host pages KVM's tree has 32-entry PTE tables of 64K leaves
 * under each PMD entry. The radix MMU reads the size of the next level
 * from the PMD entry itself (NLS), so a PMD entry may instead point to a
 * 512-entry table of 4K leaves. Such a table is ours alone: the window
 * code refuses memslots in its 2M region (kvmppc_ptw_memslot_conflict()),
 * so KVM's own walkers, which assume 32 entries, never reach it, and we
 * take it out before kvmppc_free_radix() frees the tree.
 */

#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/pgalloc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"
#include "trace_ptw.h"

#define PTW_PTE_INDEX_SIZE	9	/* 512 x 4K = one PMD's 2M */
#define PTW_PTES		(1U << PTW_PTE_INDEX_SIZE)
#define PTW_TABLE_SIZE		(PTW_PTES * sizeof(__be64))
#define PTW_4K			(1UL << KVMPPC_PTW_SHIFT_4K)
#define PTW_RPN_4K_MASK		(((1UL << _PAGE_PA_MAX) - 1) & ~(PTW_4K - 1))

/*
 * Cache-inhibited and guarded (the non-idempotent I/O attribute), no
 * execute: the page is device MMIO. R and C are preset so the MMU never
 * has to come back to us to set them.
 */
#define PTW_PTE_FLAGS	(_PAGE_PRESENT | _PAGE_PTE | _PAGE_READ |	\
			 _PAGE_WRITE | _PAGE_PRIVILEGED | _PAGE_ACCESSED | \
			 _PAGE_DIRTY | _PAGE_NON_IDEMPOTENT)

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

/*
 * Hook a table into the tree under the PMD entry of @gpa, with the upper
 * levels the fault allocated if they are missing, as kvmppc_create_pte()
 * does. Called with kvm->mmu_lock held.
 *
 * Return: 0; -EBUSY if KVM's own mappings use the region; -EAGAIN if a
 * level is missing that @pc does not have.
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
	if (!pmd_none(*pmd))
		return -EBUSY;
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
 * as they are. Called with kvm->mmu_lock held, after
 * kvmppc_ptw_radix_prepare() for @gpa.
 *
 * Return: 0; -EAGAIN if the table went meanwhile (the guest retries);
 * -EBUSY if KVM's own mappings use the region.
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
		t->nr_present++;
	}
	return 0;
}

/* Called with kvm->mmu_lock held; returns true if the table is now empty. */
static bool ptw_table_unmap(struct kvmppc_ptw *p, struct kvmppc_ptw_table *t,
			    unsigned long base, unsigned long start,
			    unsigned long end)
{
	struct kvm *kvm = p->kvm;
	unsigned long gpa;

	for (gpa = max(base, start); gpa < min(base + PMD_SIZE, end);
	     gpa += PTW_4K) {
		pte_t *ptep = (pte_t *)&t->ptes[ptw_index(gpa)];

		if (!pte_val(*ptep))
			continue;
		__radix_pte_update(ptep, ~0UL, 0);
		kvmppc_radix_tlbie_page(kvm, gpa, KVMPPC_PTW_SHIFT_4K,
					kvm->arch.lpid);
		t->nr_present--;
		p->stats.unmaps++;
		trace_kvm_ptw_unmap(kvm->arch.lpid, gpa);
	}
	if (t->nr_present)
		return false;
	pmd_clear(t->pmdp);
	kvmppc_radix_flush_pwc(kvm, kvm->arch.lpid);
	return true;
}

/**
 * kvmppc_ptw_radix_unmap() - remove the 4K mappings of a guest range
 * @p: the VM's windows
 * @start: first guest address, 4K aligned
 * @end: end of the range (exclusive)
 *
 * Tables left empty are unhooked from their PMD and freed; tables not
 * hooked in yet belong to a fault in progress and are left to it. Only
 * tables that exist are visited, however large the range. Called with
 * kvm->mmu_lock held.
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
		if (ptw_table_unmap(p, t, idx << PMD_SHIFT, start, end)) {
			xa_erase(&p->tables, idx);
			ptw_table_free(t);
		}
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
		p->stats.unmaps += t->nr_present;
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
	if ((pmd_val(pmd) & RPDS_MASK) != PTW_PTE_INDEX_SIZE)
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
