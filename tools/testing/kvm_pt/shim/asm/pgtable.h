/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/pgtable.h> of a 64K-page, radix powerpc64
 * kernel (Linux 6.1): the page-table types and accessors that the
 * partition-scoped radix code of KVM uses.
 *
 * Every definition below is the 6.1 one, taken from (paths in the kernel
 * tree):
 *   arch/powerpc/include/asm/pgtable-be-types.h     pte_t .. pgd_t
 *   arch/powerpc/include/asm/book3s/64/pgtable.h    _PAGE_*, *_none() ...
 *   arch/powerpc/include/asm/book3s/64/radix.h      radix__*, *_VAL_BITS
 *   arch/powerpc/include/asm/book3s/64/radix-64k.h  13/9/9/5 geometry
 *   include/asm-generic/pgtable-nop4d.h             the folded p4d
 *   include/linux/pgtable.h                         *_index(), *_offset()
 * with the boot-time variables of a radix host (__pmd_index_size = 9,
 * __pmd_val_bits = RADIX_PMD_VAL_BITS, ...) folded into constants, and the
 * hash-MMU alternatives left out. Entries are big-endian in memory, as
 * the MMU reads them; pointers in the tree are __pa() of the next table.
 */
#ifndef SHIM_ASM_PGTABLE_H
#define SHIM_ASM_PGTABLE_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/byteorder.h>
#include <asm/page.h>

/* pgtable-be-types.h */
typedef struct { __be64 pte; } pte_t;
#define __pte(x)	((pte_t) { cpu_to_be64(x) })
#define __pte_raw(x)	((pte_t) { (x) })
static inline unsigned long pte_val(pte_t x)
{
	return be64_to_cpu(x.pte);
}

static inline __be64 pte_raw(pte_t x)
{
	return x.pte;
}

typedef struct { __be64 pmd; } pmd_t;
#define __pmd(x)	((pmd_t) { cpu_to_be64(x) })
#define __pmd_raw(x)	((pmd_t) { (x) })
static inline unsigned long pmd_val(pmd_t x)
{
	return be64_to_cpu(x.pmd);
}

static inline __be64 pmd_raw(pmd_t x)
{
	return x.pmd;
}

typedef struct { __be64 pud; } pud_t;
#define __pud(x)	((pud_t) { cpu_to_be64(x) })
#define __pud_raw(x)	((pud_t) { (x) })
static inline unsigned long pud_val(pud_t x)
{
	return be64_to_cpu(x.pud);
}

static inline __be64 pud_raw(pud_t x)
{
	return x.pud;
}

typedef struct { __be64 pgd; } pgd_t;
#define __pgd(x)	((pgd_t) { cpu_to_be64(x) })
#define __pgd_raw(x)	((pgd_t) { (x) })
static inline unsigned long pgd_val(pgd_t x)
{
	return be64_to_cpu(x.pgd);
}

static inline __be64 pgd_raw(pgd_t x)
{
	return x.pgd;
}

typedef struct { unsigned long pgprot; } pgprot_t;
#define pgprot_val(x)	((x).pgprot)
#define __pgprot(x)	((pgprot_t) { (x) })

/* pgtable-nop4d.h */
typedef struct { pgd_t pgd; } p4d_t;
#define p4d_val(x)	(pgd_val((x).pgd))
#define __p4d(x)	((p4d_t) { __pgd(x) })

static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long address)
{
	return (p4d_t *)pgd;
}

/* book3s/64/pgtable.h: PTE bits common to hash and radix */
#define _PAGE_EXEC		0x00001 /* execute permission */
#define _PAGE_WRITE		0x00002 /* write access allowed */
#define _PAGE_READ		0x00004	/* read access allowed */
#define _PAGE_RW		(_PAGE_READ | _PAGE_WRITE)
#define _PAGE_RWX		(_PAGE_READ | _PAGE_WRITE | _PAGE_EXEC)
#define _PAGE_PRIVILEGED	0x00008 /* kernel access only */
#define _PAGE_SAO		0x00010 /* Strong access order */
#define _PAGE_NON_IDEMPOTENT	0x00020 /* non idempotent memory */
#define _PAGE_TOLERANT		0x00030 /* tolerant memory, cache inhibited */
#define _PAGE_DIRTY		0x00080 /* C: page changed */
#define _PAGE_ACCESSED		0x00100 /* R: page referenced */
#define _RPAGE_SW0		0x2000000000000000UL
#define _RPAGE_SW1		0x00800
#define _RPAGE_SW2		0x00400
#define _RPAGE_SW3		0x00200
#define _RPAGE_RSV1		0x00040UL
#define _PAGE_PTE		0x4000000000000000UL	/* distinguishes PTEs from pointers */
#define _PAGE_PRESENT		0x8000000000000000UL	/* pte contains a translation */
#define _PAGE_INVALID		_RPAGE_SW0
#define _RPAGE_PA_MAX		56
#define _PAGE_PA_MAX		53
#define _PAGE_SOFT_DIRTY	_RPAGE_SW3
#define _PAGE_SPECIAL		_RPAGE_SW2
#define _PAGE_DEVMAP		_RPAGE_SW1
#define _PAGE_NO_CACHE		_PAGE_TOLERANT
#define _PAGE_CACHE_CTL		(_PAGE_SAO | _PAGE_NON_IDEMPOTENT | _PAGE_TOLERANT)
#define PTE_RPN_MASK	(((1UL << _PAGE_PA_MAX) - 1) & (PAGE_MASK))

/* book3s/64/radix-64k.h: "For 64K page size supported index is 13/9/9/5" */
#define RADIX_PTE_INDEX_SIZE   5
#define RADIX_PMD_INDEX_SIZE   9
#define RADIX_PUD_INDEX_SIZE   9
#define RADIX_PGD_INDEX_SIZE  13

/* book3s/64/radix.h */
#define RADIX_PMD_VAL_BITS	(0x8000000000000000UL | RADIX_PTE_INDEX_SIZE)
#define RADIX_PUD_VAL_BITS	(0x8000000000000000UL | RADIX_PMD_INDEX_SIZE)
#define RADIX_PGD_VAL_BITS	(0x8000000000000000UL | RADIX_PUD_INDEX_SIZE)
#define RADIX_PMD_BAD_BITS	0x60000000000000e0UL
#define RADIX_PUD_BAD_BITS	0x60000000000000e0UL
#define RADIX_P4D_BAD_BITS	0x60000000000000e0UL
#define RADIX_PTE_TABLE_SIZE	(sizeof(pte_t) << RADIX_PTE_INDEX_SIZE)
#define RADIX_PMD_TABLE_SIZE	(sizeof(pmd_t) << RADIX_PMD_INDEX_SIZE)
#define RADIX_PUD_TABLE_SIZE	(sizeof(pud_t) << RADIX_PUD_INDEX_SIZE)
#define RADIX_PGD_TABLE_SIZE	(sizeof(pgd_t) << RADIX_PGD_INDEX_SIZE)

/* The boot-time geometry variables of a radix host, as constants. */
#define PTE_INDEX_SIZE	RADIX_PTE_INDEX_SIZE
#define PMD_INDEX_SIZE	RADIX_PMD_INDEX_SIZE
#define PUD_INDEX_SIZE	RADIX_PUD_INDEX_SIZE
#define PGD_INDEX_SIZE	RADIX_PGD_INDEX_SIZE
#define PUD_CACHE_INDEX	PUD_INDEX_SIZE
#define PMD_VAL_BITS	RADIX_PMD_VAL_BITS
#define PUD_VAL_BITS	RADIX_PUD_VAL_BITS
#define PGD_VAL_BITS	RADIX_PGD_VAL_BITS

#define PTRS_PER_PTE	(1 << PTE_INDEX_SIZE)
#define PTRS_PER_PMD	(1 << PMD_INDEX_SIZE)
#define PTRS_PER_PUD	(1 << PUD_INDEX_SIZE)
#define PTRS_PER_PGD	(1 << PGD_INDEX_SIZE)

#define PMD_SHIFT	(PAGE_SHIFT + PTE_INDEX_SIZE)
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define PUD_SHIFT	(PMD_SHIFT + PMD_INDEX_SIZE)
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PUD_MASK	(~(PUD_SIZE - 1))
#define PGDIR_SHIFT	(PUD_SHIFT + PUD_INDEX_SIZE)
#define PGDIR_SIZE	(1UL << PGDIR_SHIFT)
#define PGDIR_MASK	(~(PGDIR_SIZE - 1))

#define PMD_MASKED_BITS		0xc0000000000000ffUL
#define PUD_MASKED_BITS		0xc0000000000000ffUL
#define P4D_MASKED_BITS		0xc0000000000000ffUL

/* book3s/64/mmu.h: partition table entry fields */
#define PATB_HR		(1UL << 63)
#define RPDB_MASK	0x0fffffffffffff00UL
#define RPDS_MASK	0x1f
#define RTS1_SHIFT	61
#define RTS1_MASK	(3UL << RTS1_SHIFT)
#define RTS2_SHIFT	5
#define RTS2_MASK	(7UL << RTS2_SHIFT)

static inline unsigned long radix__get_tree_size(void)
{
	/* 52 bits: 52 - 31 = 21 = 0b10101, split as the ISA encodes it */
	return (0x5UL << 5) | (0x2UL << 61);
}

/* book3s/64/pgtable.h accessors */
static inline void pmd_clear(pmd_t *pmdp)
{
	*pmdp = __pmd(0);
}

static inline int pmd_none(pmd_t pmd)
{
	return !pmd_raw(pmd);
}

static inline int pmd_present(pmd_t pmd)
{
	return !!(pmd_raw(pmd) & cpu_to_be64(_PAGE_PRESENT | _PAGE_INVALID));
}

#define pmd_leaf pmd_is_leaf
static inline bool pmd_is_leaf(pmd_t pmd)
{
	return !!(pmd_raw(pmd) & cpu_to_be64(_PAGE_PTE));
}

static inline void pud_clear(pud_t *pudp)
{
	*pudp = __pud(0);
}

static inline int pud_none(pud_t pud)
{
	return !pud_raw(pud);
}

static inline int pud_present(pud_t pud)
{
	return !!(pud_raw(pud) & cpu_to_be64(_PAGE_PRESENT));
}

#define pud_leaf pud_is_leaf
static inline bool pud_is_leaf(pud_t pud)
{
	return !!(pud_raw(pud) & cpu_to_be64(_PAGE_PTE));
}

#define __p4d_raw(x)	((p4d_t) { __pgd_raw(x) })
static inline __be64 p4d_raw(p4d_t x)
{
	return pgd_raw(x.pgd);
}

static inline void p4d_clear(p4d_t *p4dp)
{
	*p4dp = __p4d(0);
}

static inline int p4d_none(p4d_t p4d)
{
	return !p4d_raw(p4d);
}

static inline int p4d_present(p4d_t p4d)
{
	return !!(p4d_raw(p4d) & cpu_to_be64(_PAGE_PRESENT));
}

static inline int pte_present(pte_t pte)
{
	return !!(pte_raw(pte) & cpu_to_be64(_PAGE_PRESENT | _PAGE_INVALID));
}

#define __pgtable_ptr_val(ptr)	__pa(ptr)

static inline pud_t *p4d_pgtable(p4d_t p4d)
{
	return (pud_t *)__va(p4d_val(p4d) & ~P4D_MASKED_BITS);
}

static inline pmd_t *pud_pgtable(pud_t pud)
{
	return (pmd_t *)__va(pud_val(pud) & ~PUD_MASKED_BITS);
}

static inline pte_t *pmdp_ptep(pmd_t *pmd)
{
	return (pte_t *)pmd;
}

/* include/linux/pgtable.h */
static inline unsigned long pte_index(unsigned long address)
{
	return (address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}

static inline unsigned long pmd_index(unsigned long address)
{
	return (address >> PMD_SHIFT) & (PTRS_PER_PMD - 1);
}

static inline unsigned long pud_index(unsigned long address)
{
	return (address >> PUD_SHIFT) & (PTRS_PER_PUD - 1);
}

#define pgd_index(a)	(((a) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))

/* arch/powerpc/include/asm/pgtable.h */
static inline unsigned long pmd_page_vaddr(pmd_t pmd)
{
	return (unsigned long)__va(pmd_val(pmd) & ~PMD_MASKED_BITS);
}

static inline pte_t *pte_offset_kernel(pmd_t *pmd, unsigned long address)
{
	return (pte_t *)pmd_page_vaddr(*pmd) + pte_index(address);
}

static inline pmd_t *pmd_offset(pud_t *pud, unsigned long address)
{
	return pud_pgtable(*pud) + pmd_index(address);
}

static inline pud_t *pud_offset(p4d_t *p4d, unsigned long address)
{
	return p4d_pgtable(*p4d) + pud_index(address);
}

/* book3s/64/radix.h */
static inline unsigned long __radix_pte_update(pte_t *ptep, unsigned long clr,
					       unsigned long set)
{
	/* The ldarx/andc/or/stdcx. loop, as a compare-and-swap loop. */
	__be64 old_be = __atomic_load_n(&ptep->pte, __ATOMIC_RELAXED);
	__be64 tmp_be;

	do {
		tmp_be = (old_be & ~cpu_to_be64(clr)) | cpu_to_be64(set);
	} while (!__atomic_compare_exchange_n(&ptep->pte, &old_be, tmp_be,
					      true, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return be64_to_cpu(old_be);
}

struct mm_struct;

static inline void radix__set_pte_at(struct mm_struct *mm, unsigned long addr,
				     pte_t *ptep, pte_t pte, int percpu)
{
	*ptep = pte;
}

#endif
