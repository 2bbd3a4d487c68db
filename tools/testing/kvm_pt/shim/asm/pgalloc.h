/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/pgalloc.h> (book3s/64/pgalloc.h of Linux
 * 6.1) on a radix host: the PGD is one zeroed 64K page, PUD tables come
 * from PGT_CACHE(PUD_CACHE_INDEX), a kmem cache of 2^9-entry tables
 * aligned to their size whose constructor zeroes them, and the
 * *_populate() helpers store __pa() of the next table with the radix
 * *_VAL_BITS (valid bit and the next level's size, NLS).
 */
#ifndef SHIM_ASM_PGALLOC_H
#define SHIM_ASM_PGALLOC_H

#include <linux/slab.h>
#include <asm/pgtable.h>

/* arch/powerpc/mm/init-common.c: ctor_N() zeroes a table of 2^N entries */
static inline void pgt_ctor_9(void *addr)
{
	memset(addr, 0, sizeof(void *) << 9);
}

static inline void pgt_ctor_13(void *addr)
{
	memset(addr, 0, sizeof(void *) << 13);
}

/* pgtable_cache[], filled by pgtable_cache_add() at boot. */
static struct kmem_cache *shim_pgtable_cache[16] __maybe_unused;

static inline struct kmem_cache *shim_pgt_cache(unsigned int shift)
{
	unsigned long size = sizeof(void *) << shift;

	if (!shim_pgtable_cache[shift]) {
		int fail = slab_fail_countdown;

		/* Boot-time caches are never the allocation that fails. */
		slab_fail_countdown = 0;
		shim_pgtable_cache[shift] =
			kmem_cache_create("pgtable-2^N", size, size, 0,
					  shift == 9 ? pgt_ctor_9 : pgt_ctor_13);
		slab_fail_countdown = fail;
		if (!shim_pgtable_cache[shift])
			abort();
	}
	return shim_pgtable_cache[shift];
}

#define PGT_CACHE(shift)	shim_pgt_cache(shift)

static inline pgd_t *radix__pgd_alloc(struct mm_struct *mm)
{
	/* __get_free_page(PGALLOC_GFP): one zeroed 64K page */
	pgd_t *pgd;

	if (slab_should_fail())
		return NULL;
	pgd = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (pgd)
		memset(pgd, 0, PAGE_SIZE);
	return pgd;
}

static inline void radix__pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	free(pgd);
}

#define pgd_alloc(mm)		radix__pgd_alloc(mm)
#define pgd_free(mm, pgd)	radix__pgd_free(mm, pgd)

static inline void p4d_populate(struct mm_struct *mm, p4d_t *pgd, pud_t *pud)
{
	*pgd =  __p4d(__pgtable_ptr_val(pud) | PGD_VAL_BITS);
}

static inline pud_t *pud_alloc_one(struct mm_struct *mm, unsigned long addr)
{
	return kmem_cache_alloc(PGT_CACHE(PUD_CACHE_INDEX), GFP_KERNEL);
}

static inline void pud_free(struct mm_struct *mm, pud_t *pud)
{
	kmem_cache_free(PGT_CACHE(PUD_CACHE_INDEX), pud);
}

static inline void pud_populate(struct mm_struct *mm, pud_t *pud, pmd_t *pmd)
{
	*pud = __pud(__pgtable_ptr_val(pmd) | PUD_VAL_BITS);
}

static inline void pmd_populate_kernel(struct mm_struct *mm, pmd_t *pmd,
				       pte_t *pte)
{
	*pmd = __pmd(__pgtable_ptr_val(pte) | PMD_VAL_BITS);
}

#endif
