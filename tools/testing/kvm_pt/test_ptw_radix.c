// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the 4K IO mappings in the partition-scoped radix tree
 * (arch/powerpc/kvm/book3s_hv_ptw_radix.c), compiled here unmodified
 * together with the page classifier (book3s_ptw_classify.c).
 *
 * The tree the code builds is read back by a software MMU that walks it
 * the way the hardware does (POWER ISA v3.0B Book III, radix tree
 * translation; the same walk as kvmppc_mmu_walk_radix_tree() in
 * book3s_64_mmu_radix.c, which KVM uses for nested guests): from the
 * partition table entry KVM sets up, each level's entry is decoded from
 * its big-endian bytes -- valid, leaf, next-level base (NLB) and size
 * (NLS) -- with the level sizes POWER9 supports (13, 9, 9, then 5 or 9),
 * and a leaf gives the page size and the real address. Every guest byte
 * probed is checked against the window layouts: mapped iff its page's
 * class is DIRECT or MAP4K, onto host BAR + (guest address - guest BAR),
 * never outside the host window nor onto an MSI-X table or PBA byte, with
 * a 4K, cache-inhibited and guarded, read/write, no-execute leaf.
 *
 * Tables are real allocations with the kernel's sizes and alignments and
 * "physical" addresses equal to their userspace addresses, so a PMD entry
 * with the wrong NLS, a table of the wrong size or a freed table still
 * hooked into the tree shows up as a wrong translation or as an
 * AddressSanitizer report during the walk. Invalidations are recorded:
 * every removed leaf needs a 4K tlbie at its address after its PTE was
 * cleared, every freed table a page-walk-cache flush after its PMD entry
 * was cleared.
 *
 * Random tests print their seed; set KVM_PT_SEED to replay one.
 */
#define HARNESS_MAIN
#include "harness.h"
#include "harness_rand.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../arch/powerpc/kvm/book3s_ptw_classify.c"
#include "../../../arch/powerpc/kvm/book3s_hv_ptw_radix.c"
#include "harness_layouts.h"

#define SZ4K		((u64)1 << 12)
#define SZ64K		((u64)1 << 16)
#define SZ2M		((u64)PMD_SIZE)
#define SZ1G		((u64)PUD_SIZE)
#define SZ512G		((u64)PGDIR_SIZE)
#define KB		((u64)1024)
#define MB		(1024 * KB)
#define GPA_TOP		((u64)1 << 52)	/* the tree's 52-bit space */
#define HPA_TOP		((u64)1 << _PAGE_PA_MAX)
#define TEST_LPID	0x2a

/* ---------------------------------------------------------------------- */
/* Random numbers                                                         */
/* ---------------------------------------------------------------------- */

/* rnd(), rnd_below(), seed_rng(): harness_rand.h */

/* ---------------------------------------------------------------------- */
/* Stand-ins for book3s_64_mmu_radix.c                                     */
/* ---------------------------------------------------------------------- */

/* KVM's own table caches, as kvmppc_radix_init() creates them. */
static struct kmem_cache *kvm_pte_cache;
static struct kmem_cache *kvm_pmd_cache;

static void pte_ctor(void *addr)
{
	memset(addr, 0, RADIX_PTE_TABLE_SIZE);
}

static void pmd_ctor(void *addr)
{
	memset(addr, 0, RADIX_PMD_TABLE_SIZE);
}

static int kvmppc_radix_init(void)
{
	unsigned long size = sizeof(void *) << RADIX_PTE_INDEX_SIZE;

	kvm_pte_cache = kmem_cache_create("kvm-pte", size, size, 0, pte_ctor);
	if (!kvm_pte_cache)
		return -ENOMEM;
	size = sizeof(void *) << RADIX_PMD_INDEX_SIZE;
	kvm_pmd_cache = kmem_cache_create("kvm-pmd", size, size, 0, pmd_ctor);
	if (!kvm_pmd_cache) {
		kmem_cache_destroy(kvm_pte_cache);
		return -ENOMEM;
	}
	return 0;
}

static void kvmppc_radix_exit(void)
{
	kmem_cache_destroy(kvm_pte_cache);
	kmem_cache_destroy(kvm_pmd_cache);
}

static pte_t *kvmppc_pte_alloc(void)
{
	return kmem_cache_alloc(kvm_pte_cache, GFP_KERNEL);
}

void kvmppc_pte_free(pte_t *ptep)
{
	kmem_cache_free(kvm_pte_cache, ptep);
}

pmd_t *kvmppc_pmd_alloc(void)
{
	return kmem_cache_alloc(kvm_pmd_cache, GFP_KERNEL);
}

void kvmppc_pmd_free(pmd_t *pmdp)
{
	kmem_cache_free(kvm_pmd_cache, pmdp);
}

/* ---------------------------------------------------------------------- */
/* Software MMU                                                           */
/* ---------------------------------------------------------------------- */

enum mmu_fault {
	MMU_OK,
	MMU_NOPTE,	/* an entry on the way had V = 0: a page fault */
	MMU_BADCFG,	/* unsupported NLS, misaligned NLB, bad PDE bits */
	MMU_BADRPN,	/* leaf RPN not aligned to its page size */
	MMU_RANGE,	/* address beyond the tree's 52 bits */
};

static const char *const mmu_fault_name[] = {
	"translated", "no PTE", "bad tree", "misaligned RPN", "out of range",
};

struct xlate {
	enum mmu_fault fault;
	int level;		/* of the last entry read: 3 (root) .. 0 */
	unsigned int shift;	/* leaf: log2 of the page size */
	u64 pte;		/* leaf: the entry, CPU order */
	u64 ra;			/* leaf: the real address */
	__be64 *entry[4];	/* entry read at each level */
	unsigned int nls[4];	/* size of the table read at each level */
};

/* The partition table entry, as kvmppc_setup_partition_table() makes it. */
static u64 partition_root(const struct kvm *kvm)
{
	return PATB_HR | radix__get_tree_size() | __pa(kvm->arch.pgtable) |
	       RADIX_PGD_INDEX_SIZE;
}

/*
 * Radix tree sizes POWER9 and POWER10 implement (Processor User's
 * Manuals, "Supported Radix Tree Configurations"): root 13 bits, then 9
 * and 9, then 5 (64K pages) or 9 (4K pages). Indexed by level, as in
 * p9_supported_radix_bits[] of book3s_64_mmu_radix.c.
 */
static const unsigned int supported_bits[4] = { 5, 9, 9, 13 };

#define R_PTE_VALID	0x8000000000000000UL	/* IBM bit 0 */
#define R_PTE_LEAF	0x4000000000000000UL	/* IBM bit 1 */
#define R_PTE_RPN	0x01fffffffffff000UL	/* IBM bits 7:51 */

static enum mmu_fault mmu_xlate(const struct kvm *kvm, u64 gpa,
				struct xlate *x)
{
	u64 root = partition_root(kvm);
	unsigned long rts, bits, offset, index;
	u64 base, e = 0;
	int level;

	x->shift = 0;
	x->pte = 0;
	x->ra = 0;
	rts = ((root & RTS1_MASK) >> (RTS1_SHIFT - 3)) |
	      ((root & RTS2_MASK) >> RTS2_SHIFT);
	offset = rts + 31;
	bits = root & RPDS_MASK;
	base = root & RPDB_MASK;
	x->fault = MMU_BADCFG;
	if (offset != 52)
		return x->fault;
	x->fault = MMU_RANGE;
	if (gpa >> offset)
		return x->fault;

	for (level = 3; level >= 0; level--) {
		x->level = level;
		x->fault = MMU_BADCFG;
		if (level && bits != supported_bits[level])
			return x->fault;
		if (!level && bits != 5 && bits != 9)
			return x->fault;
		offset -= bits;
		index = (gpa >> offset) & ((1UL << bits) - 1);
		/* A table is aligned to its size (ISA: NLB low bits 0). */
		if (base & ((1UL << (bits + 3)) - 1))
			return x->fault;
		x->nls[level] = bits;
		x->entry[level] = (__be64 *)__va(base) + index;
		e = be64_to_cpu(READ_ONCE(*x->entry[level]));
		x->fault = MMU_NOPTE;
		if (!(e & R_PTE_VALID))
			return x->fault;
		if (e & R_PTE_LEAF)
			break;
		/* Reserved PDE bits (pmd_bad() on radix). */
		x->fault = MMU_BADCFG;
		if (e & RADIX_PMD_BAD_BITS)
			return x->fault;
		base = e & RPDB_MASK;
		bits = e & RPDS_MASK;
	}
	/* A leaf is needed, and there are no 512G pages. */
	x->fault = MMU_BADCFG;
	if (level < 0 || level == 3)
		return x->fault;
	x->shift = offset;
	x->pte = e;
	x->fault = MMU_BADRPN;
	if ((e & R_PTE_RPN) & ((1UL << offset) - 1))
		return x->fault;
	x->ra = (e & R_PTE_RPN) | (gpa & ((1UL << offset) - 1));
	x->fault = MMU_OK;
	return x->fault;
}

/* Fields of a leaf (ISA: RPN, R, C, ATT, EAA) and the Linux bits. */
#define LEAF_ATT	0x30UL
#define LEAF_EAA	0x0fUL
#define LEAF_RPN_4K	(((1UL << _PAGE_PA_MAX) - 1) & ~(SZ4K - 1))
#define LEAF_KNOWN	(R_PTE_VALID | R_PTE_LEAF | LEAF_RPN_4K |	\
			 _PAGE_ACCESSED | _PAGE_DIRTY | LEAF_ATT | LEAF_EAA)

/*
 * What a window leaf must be: a 4K page, non-idempotent I/O (ATT 0b10:
 * cache-inhibited and guarded), readable and writable, not executable, R
 * and C already set, no reserved or software bit. The privilege bit of
 * EAA does not apply to partition-scoped translation, so either value is
 * accepted. NULL if it is all that.
 */
static const char *leaf_problem(unsigned int shift, u64 e)
{
	if (shift != 12)
		return "not a 4K page";
	if ((e & (R_PTE_VALID | R_PTE_LEAF)) != (R_PTE_VALID | R_PTE_LEAF))
		return "not a valid leaf";
	if ((e & LEAF_ATT) != _PAGE_NON_IDEMPOTENT)
		return "not cache-inhibited and guarded";
	if (!(e & _PAGE_READ))
		return "not readable";
	if (!(e & _PAGE_WRITE))
		return "not writable";
	if (e & _PAGE_EXEC)
		return "executable";
	if ((e & (_PAGE_ACCESSED | _PAGE_DIRTY)) !=
	    (_PAGE_ACCESSED | _PAGE_DIRTY))
		return "R and C not preset";
	if (e & ~LEAF_KNOWN)
		return "reserved or software bits set";
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Recording invalidations, frees and trace events                        */
/* ---------------------------------------------------------------------- */

enum ev_kind { EV_TLBIE = 1, EV_PWC };

struct ev {
	enum ev_kind kind;
	unsigned long addr;
	unsigned int shift;
	unsigned int lpid;
	bool stale;		/* tlbie while the address still translated */
};

static struct {
	struct ev *v;
	size_t n, cap;
	unsigned long trace_unmaps;
} evs;

static void ev_reset(void)
{
	evs.n = 0;
	evs.trace_unmaps = 0;
}

static void ev_push(const struct ev *e)
{
	if (evs.n == evs.cap) {
		evs.cap = evs.cap ? 2 * evs.cap : 1024;
		evs.v = realloc(evs.v, evs.cap * sizeof(*evs.v));
		if (!evs.v)
			abort();
	}
	evs.v[evs.n++] = *e;
}

/* A table of ours that an unmap or free may take out of the tree. */
struct watched {
	const __be64 *ptes;
	pmd_t *pmdp;
	unsigned long idx;
	unsigned int present;		/* valid PTEs before */
	unsigned int present_in_range;	/* of those, in the unmap range */
	bool flushed;	/* a PWC flush came after its PMD was cleared */
	bool freed;
	bool freed_hooked;	/* freed while its PMD entry pointed to it */
	bool freed_unflushed;	/* freed before that PWC flush */
};

#define MAX_WATCH	4096

static struct {
	struct watched v[MAX_WATCH];
	unsigned int n;
	bool tree_alive;
	unsigned long unwatched_frees;
} watch;

static struct watched *watch_find(const void *ptes)
{
	unsigned int i;

	for (i = 0; i < watch.n; i++)
		if (watch.v[i].ptes == ptes)
			return &watch.v[i];
	return NULL;
}

void kvmppc_radix_tlbie_page(struct kvm *kvm, unsigned long addr,
			     unsigned int pshift, unsigned int lpid)
{
	struct ev e = {
		.kind = EV_TLBIE, .addr = addr, .shift = pshift, .lpid = lpid,
	};
	struct xlate x;

	/* The PTE must be gone before the TLB entry is. */
	e.stale = mmu_xlate(kvm, addr, &x) != MMU_NOPTE;
	ev_push(&e);
}

void kvmppc_radix_flush_pwc(struct kvm *kvm, unsigned int lpid)
{
	struct ev e = { .kind = EV_PWC, .lpid = lpid };
	unsigned int i;

	for (i = 0; i < watch.n; i++)
		if (!watch.v[i].freed && pmd_none(*watch.v[i].pmdp))
			watch.v[i].flushed = true;
	ev_push(&e);
}

static void free_hook(struct kmem_cache *s, void *obj)
{
	struct watched *w;

	if (s != ptw_pte_cache)
		return;
	w = watch_find(obj);
	if (!w) {
		watch.unwatched_frees++;
		return;
	}
	w->freed = true;
	if (watch.tree_alive) {
		w->freed_hooked = !pmd_none(*w->pmdp);
		w->freed_unflushed = !w->flushed;
	}
}

static void trace_hook(const char *event)
{
	if (!strcmp(event, "kvm_ptw_unmap"))
		evs.trace_unmaps++;
}

/* ---------------------------------------------------------------------- */
/* A VM: the tree, the windows' state, and KVM's own mappings             */
/* ---------------------------------------------------------------------- */

struct vm {
	struct kvm kvm;
	struct mm_struct mm;
	struct kvmppc_ptw p;
};

static int vm_refs;

static void vm_init(struct vm *vm)
{
	if (!vm_refs++) {
		if (kvmppc_radix_init() || kvmppc_ptw_radix_init())
			abort();
		slab_free_hook = free_hook;
		shim_trace_hook = trace_hook;
	}
	memset(vm, 0, sizeof(*vm));
	spin_lock_init(&vm->kvm.mmu_lock);
	mutex_init(&vm->kvm.slots_lock);
	vm->kvm.mm = &vm->mm;
	vm->kvm.arch.lpid = TEST_LPID;
	vm->kvm.arch.pgtable = pgd_alloc(vm->kvm.mm);
	if (!vm->kvm.arch.pgtable)
		abort();
	vm->p.kvm = &vm->kvm;
	mutex_init(&vm->p.lock);
	xa_init(&vm->p.tables);
	ev_reset();
	watch.n = 0;
}

/*
 * The fault path's sequence: allocate with no lock held, then map under
 * kvm->mmu_lock and drop what was not used.
 */
static int ptw_map(struct vm *vm, u64 gpa, u64 hpa, unsigned int npages)
{
	struct kvmppc_ptw_radix_cache pc = { };
	int ret = kvmppc_ptw_radix_prepare(&vm->p, gpa, &pc);

	spin_lock(&vm->kvm.mmu_lock);
	if (!ret)
		ret = kvmppc_ptw_radix_map(&vm->p, gpa, hpa, npages, &pc);
	kvmppc_ptw_radix_finish(&vm->p, gpa, &pc);
	spin_unlock(&vm->kvm.mmu_lock);
	return ret;
}

static void ptw_unmap(struct vm *vm, u64 start, u64 end)
{
	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_unmap(&vm->p, start, end);
	spin_unlock(&vm->kvm.mmu_lock);
}

static void ptw_free_tables(struct vm *vm, bool tree_alive)
{
	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_free_tables(&vm->p, tree_alive);
	spin_unlock(&vm->kvm.mmu_lock);
}

/*
 * KVM's leaf at @gpa: a 64K page in one of its 32-entry tables (level 0),
 * a 2M page (level 1) or a 1G page (level 2), allocating the levels above
 * as kvmppc_create_pte() does. For the tests that share a tree with KVM.
 */
#define RAM_FLAGS	(_PAGE_PRESENT | _PAGE_PTE | _PAGE_READ | _PAGE_WRITE | \
			 _PAGE_EXEC | _PAGE_PRIVILEGED | _PAGE_ACCESSED)
/* A memslot over a BAR mmap: KVM takes the host PTE's I/O attribute. */
#define BAR_FLAGS	(_PAGE_PRESENT | _PAGE_PTE | _PAGE_READ | _PAGE_WRITE | \
			 _PAGE_PRIVILEGED | _PAGE_ACCESSED | _PAGE_NON_IDEMPOTENT)

static int kvm_create_pte_raw(struct vm *vm, u64 gpa, u64 pteval,
			      unsigned int level);

static void kvm_create_pte(struct vm *vm, u64 gpa, u64 hpa, unsigned int level)
{
	EXPECT_EQ(kvm_create_pte_raw(vm, gpa, hpa | RAM_FLAGS | _PAGE_DIRTY,
				     level), 0);
}

/*
 * kvmppc_create_pte() with the window hook: a 64K page (level 0) whose
 * PMD entry points to one of our tables goes to kvmppc_ptw_radix_ram_set();
 * else KVM's 32-entry table gets it (a present entry gets the new bits).
 */
static int kvm_create_pte_raw(struct vm *vm, u64 gpa, u64 pteval,
			      unsigned int level)
{
	struct kvm *kvm = &vm->kvm;
	pte_t pte = __pte(pteval);
	p4d_t *p4d = p4d_offset(kvm->arch.pgtable + pgd_index(gpa), gpa);
	pud_t *pud;
	pmd_t *pmd;
	pte_t *ptep;
	int ret = 0;

	spin_lock(&kvm->mmu_lock);
	if (p4d_none(*p4d))
		p4d_populate(kvm->mm, p4d, pud_alloc_one(kvm->mm, gpa));
	pud = pud_offset(p4d, gpa);
	if (level == 2) {
		BUG_ON(!pud_none(*pud));
		radix__set_pte_at(kvm->mm, gpa, (pte_t *)pud, pte, 0);
		goto out;
	}
	if (pud_none(*pud))
		pud_populate(kvm->mm, pud, kvmppc_pmd_alloc());
	pmd = pmd_offset(pud, gpa);
	if (level == 1) {
		BUG_ON(!pmd_none(*pmd));
		radix__set_pte_at(kvm->mm, gpa, pmdp_ptep(pmd), pte, 0);
		goto out;
	}
	if (pmd_none(*pmd))
		pmd_populate_kernel(kvm->mm, pmd, kvmppc_pte_alloc());
	BUG_ON(pmd_leaf(*pmd));
	if (kvmppc_ptw_pmd_is_4k(*pmd)) {
		ret = kvmppc_ptw_radix_ram_set(&vm->p, pmd, pte, gpa);
		goto out;
	}
	ptep = pte_offset_kernel(pmd, gpa);
	if (pte_val(*ptep))
		__radix_pte_update(ptep, 0, pteval);
	else
		radix__set_pte_at(kvm->mm, gpa, ptep, pte, 0);
out:
	spin_unlock(&kvm->mmu_lock);
	return ret;
}

/*
 * The next used PGD slot at or after @i (PTRS_PER_PGD if none). The PGD
 * is the test's own allocation: scanned without AddressSanitizer checks,
 * as every layout scans all 8192 entries more than once.
 */
__attribute__((no_sanitize("address", "undefined")))
static unsigned int pgd_next_used(const pgd_t *pgd, unsigned int i)
{
	const u64 *v = (const u64 *)pgd;

	while (i < PTRS_PER_PGD && (i & 7) && !v[i])
		i++;
	while (i < PTRS_PER_PGD && !(v[i] | v[i + 1] | v[i + 2] | v[i + 3] |
				     v[i + 4] | v[i + 5] | v[i + 6] | v[i + 7]))
		i += 8;
	while (i < PTRS_PER_PGD && !v[i])
		i++;
	return i;
}

static unsigned long pde_nls(u64 e)
{
	return e & RPDS_MASK;
}

static void *pde_table(u64 e)
{
	return __va(e & RPDB_MASK);
}

/*
 * Free the tree below the PGD, as kvmppc_free_pgtable_radix() does with
 * KVM's own caches and 32-entry PTE tables. A PMD entry that still points
 * to one of our 512-entry tables is what kvmppc_free_radix() must never
 * see (it would free it with the wrong cache): counted and unhooked, not
 * freed (the window state owns it). Returns that count.
 */
static unsigned long tree_free(struct vm *vm)
{
	pgd_t *pgd = vm->kvm.arch.pgtable;
	unsigned long ours = 0;
	unsigned int i, j, k;

	for (i = pgd_next_used(pgd, 0); i < PTRS_PER_PGD;
	     i = pgd_next_used(pgd, i + 1)) {
		u64 ge = pgd_val(pgd[i]);
		pud_t *pud;

		pud = pde_table(ge);
		for (j = 0; j < PTRS_PER_PUD; j++) {
			u64 ue = pud_val(pud[j]);
			pmd_t *pmd;

			if (!ue || (ue & _PAGE_PTE)) {
				pud_clear(&pud[j]);
				continue;
			}
			pmd = pde_table(ue);
			for (k = 0; k < PTRS_PER_PMD; k++) {
				u64 me = pmd_val(pmd[k]);

				if (me && !(me & _PAGE_PTE)) {
					if (pde_nls(me) == RADIX_PTE_INDEX_SIZE) {
						memset(pde_table(me), 0,
						       RADIX_PTE_TABLE_SIZE);
						kvmppc_pte_free(pde_table(me));
					} else {
						ours++;
					}
				}
				pmd_clear(&pmd[k]);
			}
			pud_clear(&pud[j]);
			kvmppc_pmd_free(pmd);
		}
		p4d_clear((p4d_t *)&pgd[i]);
		pud_free(vm->kvm.mm, pud);
	}
	return ours;
}

static void vm_fini(struct vm *vm)
{
	mutex_lock(&vm->p.lock);
	ptw_free_tables(vm, true);
	mutex_unlock(&vm->p.lock);
	EXPECT_EQ(tree_free(vm), 0);
	pgd_free(vm->kvm.mm, vm->kvm.arch.pgtable);
	xa_destroy(&vm->p.tables);
	mutex_destroy(&vm->p.lock);
	mutex_destroy(&vm->kvm.slots_lock);
	watch.n = 0;
	if (!--vm_refs) {
		EXPECT_EQ(ptw_pte_cache->live, 0);
		EXPECT_EQ(kvm_pmd_cache->live, 0);
		EXPECT_EQ(kvm_pte_cache->live, 0);
		EXPECT_EQ(PGT_CACHE(PUD_CACHE_INDEX)->live, 0);
		if (!ptw_pte_cache->live)
			kvmppc_ptw_radix_exit();
		if (!kvm_pmd_cache->live && !kvm_pte_cache->live)
			kvmppc_radix_exit();
		slab_free_hook = NULL;
		shim_trace_hook = NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* Snapshots of the tree                                                  */
/* ---------------------------------------------------------------------- */

/* Every non-zero entry reachable from the root: (address, raw value). */
struct dump {
	u64 *v;
	size_t n, cap;
};

static void dump_add(struct dump *d, const __be64 *p)
{
	if (d->n + 2 > d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		if (!d->v)
			abort();
	}
	d->v[d->n++] = (unsigned long)p;
	d->v[d->n++] = *p;
}

static void dump_table(struct dump *d, const __be64 *t, unsigned int nls,
		       int level)
{
	unsigned int i;

	for (i = 0; i < 1U << nls; i++) {
		u64 e = be64_to_cpu(t[i]);

		if (!t[i])
			continue;
		dump_add(d, &t[i]);
		if (level && (e & R_PTE_VALID) && !(e & R_PTE_LEAF))
			dump_table(d, pde_table(e), pde_nls(e), level - 1);
	}
}

static void tree_dump(const struct vm *vm, struct dump *d)
{
	d->n = 0;
	dump_table(d, (const __be64 *)vm->kvm.arch.pgtable,
		   RADIX_PGD_INDEX_SIZE, 3);
}

static bool dump_equal(const struct dump *a, const struct dump *b)
{
	return a->n == b->n &&
	       (!a->n || !memcmp(a->v, b->v, a->n * sizeof(a->v[0])));
}

static void dump_free(struct dump *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---------------------------------------------------------------------- */
/* Whole-tree audit                                                       */
/* ---------------------------------------------------------------------- */

struct audit {
	unsigned long ptw_tables, ptw_leaves, ram_leaves, kvm_tables, kvm_leaves;
	unsigned long leaves_2m, leaves_1g;
	unsigned long problems;
	bool quiet;
};

static void audit_problem(struct audit *a, const char *what, u64 where)
{
	if (!a->quiet && a->problems < 5)
		fprintf(stderr, "# audit: %s at %#" PRIx64 "\n", what, where);
	a->problems++;
}

/*
 * Guest RAM in one of our tables: the 16 entries of its 64K guest page
 * are the 16 4K pieces of one host 64K page, in order, with the same
 * attributes (R and C aside), and none of them a window leaf.
 */
static void audit_ram_leaf(struct audit *a, const __be64 *t, unsigned int i,
			   u64 base)
{
	unsigned int first = i & ~15U, k;
	u64 e = be64_to_cpu(t[i]), e0 = be64_to_cpu(t[first]);
	const u64 rc = _PAGE_ACCESSED | _PAGE_DIRTY;

	a->ram_leaves++;
	if ((e0 & LEAF_RPN_4K) & (SZ64K - 1))
		audit_problem(a, "RAM leaves not on a host 64K page", base +
			      first * SZ4K);
	k = i - first;
	if ((e & LEAF_RPN_4K) != (e0 & LEAF_RPN_4K) + k * SZ4K)
		audit_problem(a, "RAM leaf not the matching 4K piece",
			      base + i * SZ4K);
	if ((e & ~LEAF_RPN_4K & ~rc) != (e0 & ~LEAF_RPN_4K & ~rc))
		audit_problem(a, "RAM leaves of one page differ",
			      base + i * SZ4K);
	if (!(e & _PAGE_PTE) || !(e & _PAGE_PRESENT))
		audit_problem(a, "RAM leaf not a valid leaf", base + i * SZ4K);
	for (k = first; k < first + 16; k++)
		if (!t[k])
			audit_problem(a, "RAM page with missing 4K pieces",
				      base + first * SZ4K);
}

/*
 * One of our tables: 512 entries, each zero, a window leaf or a piece of
 * a guest RAM page.
 */
static void audit_ptw_table(struct vm *vm, struct audit *a, pmd_t *pmdp,
			    u64 base)
{
	u64 me = pmd_val(*pmdp);
	const __be64 *t = pde_table(me);
	struct kvmppc_ptw_table *tab = xa_load(&vm->p.tables,
					       base >> PMD_SHIFT);
	unsigned int i, present = 0;

	a->ptw_tables++;
	if (me != (__pa(t) | _PAGE_PRESENT | PTW_PTE_INDEX_SIZE))
		audit_problem(a, "PMD entry of a 4K table not V | NLB | 9",
			      base);
	if (!tab || tab->ptes != t || tab->pmdp != pmdp)
		audit_problem(a, "4K table not the one xarray records", base);
	for (i = 0; i < PTW_PTES; i++) {
		u64 e = be64_to_cpu(t[i]);
		bool win = tab && test_bit(i, tab->win);
		const char *bad;

		if (!e) {
			if (win)
				audit_problem(a, "window bit on an empty entry",
					      base + i * SZ4K);
			continue;
		}
		present++;
		if (!win) {
			audit_ram_leaf(a, t, i, base);
			continue;
		}
		a->ptw_leaves++;
		bad = leaf_problem(12, e);
		if (bad)
			audit_problem(a, bad, base + i * SZ4K);
	}
	if (tab && tab->nr_present != present)
		audit_problem(a, "nr_present differs from the table", base);
	if (!present)
		audit_problem(a, "empty 4K table left in the tree", base);
}

/*
 * Check the shape of the whole tree: every directory entry well formed
 * with the size the MMU expects at its level; every PMD entry a 2M leaf,
 * one of KVM's 32-entry tables or one of ours, and ours exactly the
 * tables the xarray holds.
 */
static void audit_tree(struct vm *vm, struct audit *a)
{
	pgd_t *pgd = vm->kvm.arch.pgtable;
	unsigned int i, j, k, l;

	for (i = pgd_next_used(pgd, 0); i < PTRS_PER_PGD;
	     i = pgd_next_used(pgd, i + 1)) {
		u64 ge = pgd_val(pgd[i]), gbase = (u64)i << PGDIR_SHIFT;
		pud_t *pud;

		if (ge != (__pa(pde_table(ge)) | PGD_VAL_BITS)) {
			audit_problem(a, "bad PGD entry", gbase);
			continue;
		}
		pud = pde_table(ge);
		for (j = 0; j < PTRS_PER_PUD; j++) {
			u64 ue = pud_val(pud[j]);
			u64 ubase = gbase + ((u64)j << PUD_SHIFT);
			pmd_t *pmd;

			if (!ue)
				continue;
			if (ue & _PAGE_PTE) {
				a->leaves_1g++;
				continue;
			}
			if (ue != (__pa(pde_table(ue)) | PUD_VAL_BITS)) {
				audit_problem(a, "bad PUD entry", ubase);
				continue;
			}
			pmd = pde_table(ue);
			for (k = 0; k < PTRS_PER_PMD; k++) {
				u64 me = pmd_val(pmd[k]);
				u64 mbase = ubase + ((u64)k << PMD_SHIFT);
				const __be64 *t;

				if (!me)
					continue;
				if (me & _PAGE_PTE) {
					a->leaves_2m++;
					continue;
				}
				if (pde_nls(me) == PTW_PTE_INDEX_SIZE) {
					audit_ptw_table(vm, a, &pmd[k], mbase);
					continue;
				}
				if (me != (__pa(pde_table(me)) | PMD_VAL_BITS)) {
					audit_problem(a, "bad PMD entry", mbase);
					continue;
				}
				a->kvm_tables++;
				t = pde_table(me);
				for (l = 0; l < PTRS_PER_PTE; l++)
					a->kvm_leaves += !!t[l];
			}
		}
	}
	if (a->ptw_tables != vm->p.tables.nr)
		audit_problem(a, "xarray holds tables not in the tree", 0);
}

/* ---------------------------------------------------------------------- */
/* Windows and the checker                                                */
/* ---------------------------------------------------------------------- */

#define MAX_HOLES	8
#define RAM_MAX		128

/* Guest RAM pages (host page size) beside the windows, as KVM maps them. */
struct ram_model {
	unsigned int n;
	u64 gpa[RAM_MAX];	/* guest 64K page */
	u64 hpa[RAM_MAX];	/* host 64K page */
	u64 flags[RAM_MAX];	/* attributes, R and C aside */
	bool mapped[RAM_MAX];
	bool dirty[RAM_MAX];	/* stored to since the last harvest */
};

static int ram_find(const struct ram_model *r, u64 gpa)
{
	unsigned int k;

	for (k = 0; r && k < r->n; k++)
		if (gpa >= r->gpa[k] && gpa - r->gpa[k] < SZ64K)
			return k;
	return -1;
}

struct checker {
	const struct ram_model *ram;
	const struct vm *vm;
	const struct win *w;
	unsigned int nw;
	/* Ranges already unmapped: nothing may translate there. */
	u64 hole_start[MAX_HOLES], hole_end[MAX_HOLES];
	unsigned int nholes;
	bool quiet;
	unsigned long violations;
	unsigned long probes;
	/* Output: the pages found mapped, in address order. */
	u64 *mapped;
	size_t nmapped, cap;
};

static void checker_init(struct checker *c, const struct vm *vm,
			 const struct win *w, unsigned int nw)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->w = w;
	c->nw = nw;
}

static void checker_fini(struct checker *c)
{
	free(c->mapped);
	c->mapped = NULL;
}

static void checker_hole(struct checker *c, u64 start, u64 end)
{
	BUG_ON(c->nholes == MAX_HOLES);
	c->hole_start[c->nholes] = start;
	c->hole_end[c->nholes++] = end;
}

#define __printf(a, b)	__attribute__((format(printf, a, b)))

__printf(3, 4)
static void violation(struct checker *c, u64 gpa, const char *fmt, ...)
{
	va_list ap;

	if (!c->quiet && c->violations < 5) {
		fprintf(stderr, "# gpa %#" PRIx64 ": ", gpa);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	c->violations++;
}

static bool in_hole(const struct checker *c, u64 page)
{
	unsigned int i;

	for (i = 0; i < c->nholes; i++)
		if (page >= c->hole_start[i] && page < c->hole_end[i])
			return true;
	return false;
}

/* The window whose class maps guest page @page, NULL if none does. */
static const struct win *class_window(const struct checker *c, u64 page)
{
	unsigned int i;

	for (i = 0; i < c->nw; i++) {
		const struct win *w = &c->w[i];

		if (page >= w->first && page - w->first < w->npages * SZ4K &&
		    class_maps(w->cls[(page - w->first) / SZ4K]))
			return w;
	}
	return NULL;
}

/*
 * A guest RAM byte: onto its host page at the same offset, with the
 * attributes KVM chose; a 4K leaf only in one of our tables, where it is
 * not a window leaf.
 */
static void check_ram_probe(struct checker *c, u64 gpa, const struct xlate *x,
			    int k)
{
	const struct ram_model *r = c->ram;
	const u64 rc = _PAGE_ACCESSED | _PAGE_DIRTY;
	u64 want = r->hpa[k] + (gpa - r->gpa[k]);

	if (x->fault != MMU_OK) {
		violation(c, gpa, "RAM: expected a mapping, MMU says %s",
			  mmu_fault_name[x->fault]);
		return;
	}
	if (x->ra != want)
		violation(c, gpa, "RAM translates to %#" PRIx64 ", not %#" PRIx64,
			  x->ra, want);
	if ((x->pte & ~LEAF_RPN_4K & ~rc) != (r->flags[k] & ~rc))
		violation(c, gpa, "RAM leaf %#" PRIx64 ": attributes not %#" PRIx64,
			  x->pte, r->flags[k]);
	if (x->shift == 12) {
		struct kvmppc_ptw_table *t =
			xa_load((struct xarray *)&c->vm->p.tables,
				gpa >> PMD_SHIFT);

		if (!t || test_bit((gpa >> 12) & 511, t->win))
			violation(c, gpa, "RAM in a 4K leaf that is not ours");
	} else if (x->shift != 16) {
		violation(c, gpa, "RAM in a %u-bit page", x->shift);
	}
}

static void check_probe(struct checker *c, u64 gpa, const struct win *w)
{
	struct xlate x;
	const char *bad;
	u64 want;

	c->probes++;
	mmu_xlate(&c->vm->kvm, gpa, &x);
	if (!w && ram_find(c->ram, gpa) >= 0 &&
	    c->ram->mapped[ram_find(c->ram, gpa)]) {
		check_ram_probe(c, gpa, &x, ram_find(c->ram, gpa));
		return;
	}
	if (!w) {
		if (x.fault != MMU_NOPTE)
			violation(c, gpa, "expected no mapping, MMU says %s (ra %#" PRIx64 ")",
				  mmu_fault_name[x.fault], x.ra);
		return;
	}
	if (x.fault != MMU_OK) {
		violation(c, gpa, "expected a mapping, MMU says %s",
			  mmu_fault_name[x.fault]);
		return;
	}
	bad = leaf_problem(x.shift, x.pte);
	if (bad)
		violation(c, gpa, "leaf %#" PRIx64 " (%u-bit page): %s",
			  x.pte, x.shift, bad);
	want = w->l.host_addr + (gpa - w->l.guest_addr);
	if (x.ra != want)
		violation(c, gpa, "translates to %#" PRIx64 ", not %#" PRIx64,
			  x.ra, want);
	/* The invariants, whatever the classifier said. */
	if (x.ra < w->l.host_addr || x.ra - w->l.host_addr >= w->l.size)
		violation(c, gpa, "reaches host %#" PRIx64 " outside the host window",
			  x.ra);
	else if (win_traps(w, x.ra - w->l.host_addr, 1))
		violation(c, gpa, "reaches an MSI-X table or PBA byte");
}

/*
 * Check guest 4K page @page: its first and last bytes, the first and last
 * window bytes in it, a random byte of it if it holds window bytes.
 */
static void check_page(struct checker *c, u64 page)
{
	bool holed = in_hole(c, page);
	const struct win *w = holed ? NULL : class_window(c, page);
	unsigned int i;
	bool inside = false;

	check_probe(c, page, w);
	check_probe(c, page + SZ4K - 1, w);
	for (i = 0; i < c->nw; i++) {
		const struct win *v = &c->w[i];
		u64 g = v->l.guest_addr, e = win_end(v);

		if (page + SZ4K <= g || e <= page)
			continue;
		inside = true;
		if (g > page)
			check_probe(c, g, w);
		if (e < page + SZ4K)
			check_probe(c, e - 1, w);
		/*
		 * Liveness from the layout alone: a page wholly inside the
		 * window, on a 4K-aligned host page, with no table or PBA
		 * byte, must be mapped (unless unmapped since).
		 */
		if (!w && !holed && page >= g && page + SZ4K <= e &&
		    IS_ALIGNED(v->l.host_addr + (page - g), SZ4K) &&
		    !win_traps(v, page - g, SZ4K))
			violation(c, page, "mappable page left unmapped (class %d)",
				  v->cls[(page - v->first) / SZ4K]);
	}
	if (inside)
		check_probe(c, page + rnd_below(SZ4K), w);
	if (!w)
		return;
	/* A mapped 4K page: all of it window bytes, none trapped. */
	if (page < w->l.guest_addr || page + SZ4K > win_end(w))
		violation(c, page, "mapped page holds bytes outside the window");
	else if (win_traps(w, page - w->l.guest_addr, SZ4K))
		violation(c, page, "mapped page holds MSI-X table or PBA bytes");
	if (c->nmapped == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->mapped = realloc(c->mapped, c->cap * sizeof(*c->mapped));
		if (!c->mapped)
			abort();
	}
	c->mapped[c->nmapped++] = page;
}

/*
 * Walk every guest 4K page of the 2M regions around the windows, plus one
 * page on each side of each such stretch: the pages the windows map must
 * translate exactly, everything else must not translate at all.
 */
static unsigned long check_windows(struct checker *c)
{
	u64 lo[8], hi[8], page, next = 0;
	unsigned int i, j, n = c->nw;

	BUG_ON(n > ARRAY_SIZE(lo));
	c->nmapped = 0;
	for (i = 0; i < n; i++) {
		lo[i] = ALIGN_DOWN(c->w[i].l.guest_addr, SZ2M);
		lo[i] = lo[i] ? lo[i] - SZ4K : 0;
		hi[i] = min(ALIGN(win_end(&c->w[i]), SZ2M) + SZ4K, GPA_TOP);
	}
	/* the union of the stretches, in address order */
	for (;;) {
		u64 from = GPA_TOP;

		for (i = 0; i < n; i++)
			if (hi[i] > next)
				from = min(from, max(lo[i], next));
		if (from == GPA_TOP)
			break;
		for (page = from; page < GPA_TOP; page += SZ4K) {
			bool covered = false;

			for (j = 0; j < n; j++)
				covered |= page >= lo[j] && page < hi[j];
			if (!covered)
				break;
			check_page(c, page);
		}
		next = page;
	}
	return c->violations;
}

/* ---------------------------------------------------------------------- */
/* The fault path and the unmap path                                      */
/* ---------------------------------------------------------------------- */

/*
 * The mapping part of kvmppc_ptw_radix_fault() (book3s_hv_ptw.c), for a
 * guest fault at @gpa in a live window of layout @l: classify the page;
 * a host page (DIRECT) goes in as its 4K pieces, a MAP4K page alone.
 */
static int fault(struct vm *vm, const struct kvmppc_ptw_layout *l, u64 gpa)
{
	enum kvmppc_ptw_class class;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0, page;
	int ret = 0;

	mutex_lock(&vm->p.lock);
	class = kvmppc_ptw_classify(l, gpa, &hpa, &shift);
	switch (class) {
	case KVMPPC_PTW_DIRECT:
	case KVMPPC_PTW_MAP4K:
		page = gpa & ~((1UL << shift) - 1);
		npages = 1U << (shift - KVMPPC_PTW_SHIFT_4K);
		ret = ptw_map(vm, page, hpa, npages);
		break;
	case KVMPPC_PTW_MSIX:
	case KVMPPC_PTW_EXIT:
		break;
	}
	mutex_unlock(&vm->p.lock);
	return ret;
}

/* Fault every guest page of @w once, in random order, at a random byte. */
static int fault_window(struct vm *vm, const struct win *w)
{
	unsigned long *order = malloc(w->npages * sizeof(*order));
	unsigned long i;
	int ret = 0;

	if (!order)
		abort();
	for (i = 0; i < w->npages; i++)
		order[i] = i;
	for (i = w->npages; i > 1; i--) {
		unsigned long j = rnd_below(i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < w->npages && !ret; i++) {
		u64 page = w->first + order[i] * SZ4K;
		u64 lo = max(page, w->l.guest_addr);
		u64 hi = min(page + SZ4K, win_end(w));

		ret = fault(vm, &w->l, lo + rnd_below(hi - lo));
	}
	free(order);
	return ret;
}

/* Snapshot our tables before an unmap of [start, end) or a free. */
static void watch_tables(struct vm *vm, u64 start, u64 end, bool tree_alive)
{
	struct kvmppc_ptw_table *t;
	unsigned long idx;

	watch.n = 0;
	watch.tree_alive = tree_alive;
	watch.unwatched_frees = 0;
	xa_for_each(&vm->p.tables, idx, t) {
		struct watched *w = &watch.v[watch.n++];
		unsigned int i;

		BUG_ON(watch.n > MAX_WATCH);
		memset(w, 0, sizeof(*w));
		w->ptes = t->ptes;
		w->pmdp = t->pmdp;
		w->idx = idx;
		for (i = 0; i < PTW_PTES; i++) {
			u64 gpa = (idx << PMD_SHIFT) + i * SZ4K;

			if (!t->ptes[i])
				continue;
			w->present++;
			w->present_in_range += gpa >= start && gpa < end;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * kvmppc_ptw_radix_unmap(@start, @end) with @c's last walk as the "before"
 * picture: exactly the mapped pages in the range go, each with a 4K
 * tlbie at its address issued after its PTE was cleared; a table goes
 * exactly when it is left empty, its PMD entry cleared and the page-walk
 * cache flushed before it is freed; the other tables stay hooked. Then
 * the range becomes a hole for the next check.
 */
static void unmap_and_check(struct vm *vm, struct checker *c, u64 start,
			    u64 end)
{
	u64 unmaps = vm->p.stats.unmaps;
	unsigned long gone = 0, tlbies = 0, pwcs = 0, freed = 0;
	u64 *want = malloc((c->nmapped + 1) * sizeof(*want)), *got;
	unsigned int i;
	size_t k;

	if (!want)
		abort();
	for (k = 0; k < c->nmapped; k++)
		if (c->mapped[k] >= start && c->mapped[k] < end)
			want[gone++] = c->mapped[k];
	watch_tables(vm, start, end, true);
	ev_reset();

	mutex_lock(&vm->p.lock);
	ptw_unmap(vm, start, end);
	mutex_unlock(&vm->p.lock);

	got = malloc((evs.n + 1) * sizeof(*got));
	if (!got)
		abort();
	for (k = 0; k < evs.n; k++) {
		const struct ev *e = &evs.v[k];

		if (e->kind == EV_PWC) {
			pwcs++;
			EXPECT_EQ(e->lpid, TEST_LPID);
			continue;
		}
		got[tlbies++] = e->addr;
		EXPECT(e->shift == KVMPPC_PTW_SHIFT_4K && e->lpid == TEST_LPID,
		       "tlbie %#lx shift %u lpid %#x", e->addr, e->shift,
		       e->lpid);
		EXPECT(!e->stale, "tlbie of %#lx before its PTE was cleared",
		       e->addr);
	}
	qsort(got, tlbies, sizeof(*got), cmp_u64);
	qsort(want, gone, sizeof(*want), cmp_u64);
	EXPECT_EQ(tlbies, gone);
	EXPECT(tlbies == gone && !memcmp(got, want, gone * sizeof(*got)),
	       "tlbies are not exactly the unmapped pages [%#" PRIx64
	       ", %#" PRIx64 ")", start, end);
	EXPECT_EQ(evs.trace_unmaps, gone);
	EXPECT_EQ(vm->p.stats.unmaps - unmaps, gone);

	for (i = 0; i < watch.n; i++) {
		struct watched *w = &watch.v[i];
		bool empty = w->present == w->present_in_range;

		freed += w->freed;
		EXPECT(w->freed == empty,
		       "table of 2M region %#lx: %u of %u entries unmapped, freed %d",
		       w->idx << PMD_SHIFT, w->present_in_range, w->present,
		       w->freed);
		EXPECT(!w->freed_hooked && !w->freed_unflushed,
		       "table of %#lx freed before its PMD was cleared and flushed",
		       w->idx << PMD_SHIFT);
		if (empty) {
			EXPECT(pmd_none(*w->pmdp), "PMD of %#lx not cleared",
			       w->idx << PMD_SHIFT);
			EXPECT(!xa_load(&vm->p.tables, w->idx),
			       "freed table of %#lx still in the xarray",
			       w->idx << PMD_SHIFT);
		} else {
			EXPECT(pmd_val(*w->pmdp) ==
			       (__pa(w->ptes) | _PAGE_PRESENT | 9),
			       "PMD of a live table changed at %#lx",
			       w->idx << PMD_SHIFT);
		}
	}
	EXPECT_EQ(pwcs, freed);
	EXPECT_EQ(watch.unwatched_frees, 0);
	watch.n = 0;
	free(want);
	free(got);
	checker_hole(c, start, end);
}

/* ---------------------------------------------------------------------- */
/* One window, end to end                                                 */
/* ---------------------------------------------------------------------- */

struct run_stats {
	unsigned long layouts, pages, mapped, probes, tables, partial;
	unsigned long cls[4];
};

/*
 * Fault every page of the window, check every byte class of the 2M
 * regions around it and the whole tree, sometimes re-fault (a no-op) and
 * unmap a random sub-range, unmap the window as ptw_unmap_window() does,
 * check again, and leave an empty tree for the next layout.
 */
static void run_layout(struct vm *vm, const struct kvmppc_ptw_layout *l,
		       struct run_stats *st)
{
	struct audit a = { 0 };
	struct checker c;
	struct win w;
	unsigned long i;
	u64 start, end;

	ASSERT(!kvmppc_ptw_layout_check(l), "layout rejected");
	win_init(&w, l);
	st->layouts++;
	st->pages += w.npages;
	for (i = 0; i < w.npages; i++)
		st->cls[w.cls[i]]++;

	EXPECT_EQ(fault_window(vm, &w), 0);
	checker_init(&c, vm, &w, 1);
	EXPECT(!check_windows(&c), "layout guest %#" PRIx64 " host %#"
	       PRIx64 " size %#" PRIx64 " table %#" PRIx64 "+%#" PRIx64
	       " pba %#" PRIx64 "+%#" PRIx64, l->guest_addr, l->host_addr,
	       l->size, l->msix_table_offset, l->msix_table_size,
	       l->msix_pba_offset, l->msix_pba_size);
	st->mapped += c.nmapped;
	audit_tree(vm, &a);
	EXPECT_EQ(a.problems, 0);
	EXPECT_EQ(a.ptw_leaves, c.nmapped);
	st->tables += a.ptw_tables;

	if (!rnd_below(8) && w.npages) {
		struct dump before = { 0 }, after = { 0 };

		/* Faults on mapped pages (another vCPU was first): no-ops. */
		tree_dump(vm, &before);
		for (i = 0; i < 4; i++)
			EXPECT_EQ(fault_window(vm, &w), 0);
		tree_dump(vm, &after);
		EXPECT(dump_equal(&before, &after), "re-fault changed the tree");
		dump_free(&before);
		dump_free(&after);
	}

	start = ALIGN_DOWN(l->guest_addr, SZ4K);
	end = ALIGN(l->guest_addr + l->size, SZ4K);
	if (!rnd_below(4)) {
		u64 a0 = start + rnd_below((end - start) / SZ4K) * SZ4K;
		u64 a1 = a0 + (1 + rnd_below((end - a0) / SZ4K)) * SZ4K;

		st->partial++;
		unmap_and_check(vm, &c, a0, a1);
		EXPECT(!check_windows(&c), "after unmapping [%#" PRIx64
		       ", %#" PRIx64 ")", a0, a1);
	}
	/* ptw_unmap_window() */
	unmap_and_check(vm, &c, start, end);
	/* no page of the window translates any more ... */
	c.nmapped = 0;
	for (i = 0; i < w.npages; i++)
		check_page(&c, w.first + i * SZ4K);
	EXPECT(!c.violations, "after unmapping the window");
	EXPECT_EQ(c.nmapped, 0);
	/* ... nor anything else: no table of ours is left in the tree */
	memset(&a, 0, sizeof(a));
	audit_tree(vm, &a);
	EXPECT(!a.problems && !a.ptw_tables && !a.kvm_tables &&
	       !a.leaves_2m && !a.leaves_1g, "tree not empty after unmap");
	EXPECT(xa_empty(&vm->p.tables), "tables left after unmap");
	st->probes += c.probes;

	EXPECT_EQ(tree_free(vm), 0);
	checker_fini(&c);
	win_fini(&w);
}

static void print_stats(const char *name, const struct run_stats *st)
{
	printf("# %s: %lu layouts, %lu guest pages (exit %lu, direct %lu, map4k %lu, msix %lu), %lu mapped, %lu 4K tables, %lu partial unmaps, %lu MMU walks\n",
	       name, st->layouts, st->pages, st->cls[KVMPPC_PTW_EXIT],
	       st->cls[KVMPPC_PTW_DIRECT], st->cls[KVMPPC_PTW_MAP4K],
	       st->cls[KVMPPC_PTW_MSIX], st->mapped, st->tables, st->partial,
	       st->probes);
}

static void run_layout_v(struct vm *vm, struct kvmppc_ptw_layout l,
			 struct run_stats *st)
{
	run_layout(vm, &l, st);
}

/* ---------------------------------------------------------------------- */
/* Tests: the tree itself                                                 */
/* ---------------------------------------------------------------------- */

/* One page: every entry on the way, bit for bit. */
TEST(tree_geometry_one_page)
{
	const u64 gpa = 0x40002000, hpa = 0xf0001000;
	struct kvmppc_ptw_table *t;
	struct vm vm;
	struct xlate x;
	u64 ge, ue, me;

	vm_init(&vm);
	EXPECT_EQ(ptw_pte_cache->size, 4096);
	EXPECT_EQ(ptw_pte_cache->align, 4096);
	mutex_lock(&vm.p.lock);
	EXPECT_EQ(ptw_map(&vm, gpa, hpa, 1), 0);
	mutex_unlock(&vm.p.lock);

	ASSERT(mmu_xlate(&vm.kvm, gpa + 0x123, &x) == MMU_OK, "%s",
	       mmu_fault_name[x.fault]);
	EXPECT_EQ(x.ra, hpa + 0x123);
	EXPECT_EQ(x.shift, 12);
	EXPECT_EQ(x.level, 0);
	EXPECT_EQ(x.nls[3], 13);
	EXPECT_EQ(x.nls[2], 9);
	EXPECT_EQ(x.nls[1], 9);
	EXPECT_EQ(x.nls[0], 9);
	EXPECT(!leaf_problem(x.shift, x.pte), "%s", leaf_problem(x.shift, x.pte));

	/* PGD -> PUD table -> PMD table, as p4d/pud_populate() write them */
	ge = be64_to_cpu(*x.entry[3]);
	ue = be64_to_cpu(*x.entry[2]);
	me = be64_to_cpu(*x.entry[1]);
	EXPECT_EQ(ge & ~RPDB_MASK, _PAGE_PRESENT | 9);
	EXPECT_EQ(ue & ~RPDB_MASK, _PAGE_PRESENT | 9);
	EXPECT_EQ(me & ~RPDB_MASK, _PAGE_PRESENT | 9);
	EXPECT(IS_ALIGNED(ge & RPDB_MASK, 4096) &&
	       IS_ALIGNED(ue & RPDB_MASK, 4096) &&
	       IS_ALIGNED(me & RPDB_MASK, 4096), "tables not 4K aligned");
	/* The entry is big-endian in memory: V is the first byte's MSB. */
	EXPECT_EQ(((const u8 *)x.entry[1])[0], 0x80);
	EXPECT_EQ(((const u8 *)x.entry[1])[7], 0x09);
	EXPECT_EQ(((const u8 *)x.entry[0])[0], 0xc0);

	t = xa_load(&vm.p.tables, gpa >> PMD_SHIFT);
	ASSERT(t, "no table recorded");
	EXPECT(t->pmdp == (pmd_t *)x.entry[1], "pmdp is not the PMD entry");
	EXPECT_EQ(me, __pa(t->ptes) | _PAGE_PRESENT | 9);
	EXPECT(x.entry[0] == &t->ptes[(gpa >> 12) & 511], "wrong slot");
	EXPECT_EQ(be64_to_cpu(*x.entry[0]),
		  hpa | _PAGE_PRESENT | _PAGE_PTE | _PAGE_READ | _PAGE_WRITE |
		  _PAGE_PRIVILEGED | _PAGE_ACCESSED | _PAGE_DIRTY |
		  _PAGE_NON_IDEMPOTENT);
	EXPECT_EQ(t->nr_present, 1);

	/* The neighbours in the same table and region do not translate. */
	EXPECT_EQ(mmu_xlate(&vm.kvm, gpa - 1, &x), MMU_NOPTE);
	EXPECT_EQ(mmu_xlate(&vm.kvm, gpa + SZ4K, &x), MMU_NOPTE);
	EXPECT_EQ(mmu_xlate(&vm.kvm, gpa + SZ2M, &x), MMU_NOPTE);
	EXPECT_EQ(mmu_xlate(&vm.kvm, GPA_TOP + gpa, &x), MMU_RANGE);

	ev_reset();
	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, gpa, gpa + SZ4K);
	mutex_unlock(&vm.p.lock);
	ASSERT(evs.n == 2, "%zu events", evs.n);
	EXPECT(evs.v[0].kind == EV_TLBIE && evs.v[0].addr == gpa &&
	       evs.v[0].shift == 12 && evs.v[0].lpid == TEST_LPID &&
	       !evs.v[0].stale, "tlbie %#lx/%u", evs.v[0].addr,
	       evs.v[0].shift);
	EXPECT_EQ(evs.v[1].kind, EV_PWC);
	EXPECT_EQ(mmu_xlate(&vm.kvm, gpa, &x), MMU_NOPTE);
	EXPECT(x.level == 1, "walk ends at level %d, not at the PMD", x.level);
	EXPECT(xa_empty(&vm.p.tables), "table not freed");
	vm_fini(&vm);
}

/* The software MMU walks KVM's own 64K, 2M and 1G leaves too. */
TEST(mmu_walks_kvm_leaves)
{
	struct vm vm;
	struct xlate x;

	vm_init(&vm);
	kvm_create_pte(&vm, 0x10000, 0x7770000, 0);
	kvm_create_pte(&vm, 0x400000, 0x80000000, 1);
	kvm_create_pte(&vm, 0x80000000, 0x100000000, 2);
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x1abcd, &x), MMU_OK);
	EXPECT(x.shift == 16 && x.ra == 0x777abcd && x.nls[0] == 5,
	       "64K: shift %u ra %#" PRIx64, x.shift, x.ra);
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x20000, &x), MMU_NOPTE);
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x512345, &x), MMU_OK);
	EXPECT(x.shift == 21 && x.ra == 0x80112345, "2M: shift %u ra %#"
	       PRIx64, x.shift, x.ra);
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0xbfffffff, &x), MMU_OK);
	EXPECT(x.shift == 30 && x.ra == 0x13fffffff, "1G: shift %u ra %#"
	       PRIx64, x.shift, x.ra);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: layouts                                                         */
/* ---------------------------------------------------------------------- */

/* The layouts of README.md's test bed, and the 2012 thread's. */
TEST(seed_layouts)
{
	struct kvmppc_ptw_layout l;
	struct run_stats st = { 0 };
	struct vm vm;

	seed_rng("seed_layouts", 0x5eed);
	vm_init(&vm);
	/* pci-testdev BAR0 4K at 64K page + 0x4000, guest at + 0x2000 */
	run_layout_v(&vm, bar(0x40002000, 0x200080004000, 0x1000), &st);
	/* the same offsets: one 4K mapping */
	run_layout_v(&vm, bar(0x40004000, 0x200080004000, 0x1000), &st);
	/* virtio-net BAR1 4K, table 0, PBA 0x800: trapped whole */
	l = bar(0x40005000, 0x200080005000, 0x1000);
	run_layout_v(&vm, with_msix(l, 0, 3, 0x800), &st);
	/* e1000e BAR3 16K, table 0, PBA 0x2000 */
	l = bar(0x40010000, 0x200080000000, 0x4000);
	run_layout_v(&vm, with_msix(l, 0, 5, 0x2000), &st);
	/* a 64K BAR at matching offsets: DIRECT, as sixteen 4K leaves */
	run_layout_v(&vm, bar(0x40020000, 0x200080020000, 0x10000), &st);
	/* a 2M BAR 4K into a 64K page, crossing 2M, table at 0x5200 */
	l = bar(0x401f1000, 0x200090001000, 0x200000);
	run_layout_v(&vm, with_msix(l, 0x5200, 64, 0x6000), &st);
	EXPECT_EQ(st.cls[KVMPPC_PTW_DIRECT] > 0, 1);
	EXPECT_EQ(st.cls[KVMPPC_PTW_MAP4K] > 0, 1);
	EXPECT_EQ(st.cls[KVMPPC_PTW_MSIX] > 0, 1);
	print_stats("seed_layouts", &st);
	vm_fini(&vm);
}

/*
 * Every combination of guest and host offsets in a 64K page (4K steps
 * and two sub-4K ones), of small sizes, of MSI-X placements, at the start
 * of a 2M region and straddling one.
 */
TEST(exhaustive_small_layouts)
{
	static const u64 ofs[] = {
		0x0000, 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000,
		0x8000, 0x9000, 0xa000, 0xb000, 0xc000, 0xd000, 0xe000, 0xf000,
		0x0800, 0x0010,
	};
	static const u64 sizes[] = {
		0x80, 0x1000, 0x2000, 0x3000, 0x5000, 0x10000, 0x11000,
		0x1f000, 0x20000,
	};
	static const u64 bases[] = { 0x7c0000000, 0x7c01f0000 };
	const unsigned int nofs = ARRAY_SIZE(ofs), nsizes = ARRAY_SIZE(sizes);
	unsigned int n, total = ARRAY_SIZE(bases) * nofs * nofs * nsizes * 5;
	struct run_stats st = { 0 };
	unsigned long rejected = 0;
	struct vm vm;

	seed_rng("exhaustive_small_layouts", 0xe4a);
	vm_init(&vm);
	for (n = 0; n < total && !harness_cur_failed; n++) {
		unsigned int m = n % 5, s = n / 5 % nsizes;
		unsigned int h = n / 5 / nsizes % nofs;
		unsigned int g = n / 5 / nsizes / nofs % nofs;
		unsigned int b = n / 5 / nsizes / nofs / nofs;
		struct kvmppc_ptw_layout l = bar(bases[b] + ofs[g],
						 0x3fe000000000 + ofs[h],
						 sizes[s]);

		switch (m) {
		case 1:	/* one vector at the start */
			l = with_msix(l, 0, 1, 0x10);
			break;
		case 2:	/* virtio-net: table and PBA share a 4K page */
			l = with_msix(l, 0, 3, 0x800);
			break;
		case 3:	/* e1000e: table and PBA in two pages */
			l = with_msix(l, 0, 5, 0x2000);
			break;
		case 4:	/* table in the middle, PBA at the end */
			l = with_msix(l, 0x5200, 16, l.size - 8);
			break;
		}
		if (kvmppc_ptw_layout_check(&l)) {
			rejected++;
			continue;
		}
		run_layout(&vm, &l, &st);
	}
	print_stats("exhaustive_small_layouts", &st);
	printf("# exhaustive_small_layouts: %lu of %u combinations not a valid layout\n",
	       rejected, total);
	/* 23328 with the relaxed kvmppc_ptw_layout_check() */
	EXPECT(st.layouts > total / 2, "only %lu layouts", st.layouts);
	vm_fini(&vm);
}

static u64 rnd_guest(u64 size)
{
	u64 g, limit = GPA_TOP - size;

	switch (rnd_below(8)) {
	case 0:		/* across a 1G (PUD entry) boundary */
		g = (1 + rnd_below(1 << 14)) * SZ1G - rnd_below(4 * MB);
		break;
	case 1:		/* across a 512G (PGD entry) boundary */
		g = (1 + rnd_below(1 << 12)) * SZ512G - rnd_below(4 * MB);
		break;
	case 2:		/* at the top of the 52-bit space */
		g = limit - rnd_below(4 * MB);
		break;
	default:
		g = rnd_below((u64)1 << 40);
		break;
	}
	return min(rnd_guest_align(g), limit);
}

static struct kvmppc_ptw_layout rnd_layout(void)
{
	u64 size = rnd_bar_size(16, ~0ULL);	/* 128 B .. 4 MiB */
	struct kvmppc_ptw_layout l = bar(rnd_guest(size), 0, size);

	l.host_addr = rnd_host(l.guest_addr, size, HPA_TOP);
	rnd_msix(&l);
	return l;
}

#define RANDOM_LAYOUTS	nr_random_layouts(100000)

TEST(random_layouts)
{
	struct run_stats st = { 0 };
	unsigned long rejected = 0;
	struct vm vm;

	seed_rng("random_layouts", 0x4b564d2d505457ULL);
	vm_init(&vm);
	while (st.layouts < RANDOM_LAYOUTS && rejected < 10 * RANDOM_LAYOUTS) {
		struct kvmppc_ptw_layout l = rnd_layout();

		if (kvmppc_ptw_layout_check(&l)) {
			rejected++;
			continue;
		}
		run_layout(&vm, &l, &st);
		if (harness_cur_failed) {
			printf("# random_layouts: failed at layout %lu\n",
			       st.layouts - 1);
			break;
		}
	}
	print_stats("random_layouts", &st);
	printf("# random_layouts: %lu generated layouts rejected by kvmppc_ptw_layout_check()\n",
	       rejected);
	EXPECT(st.layouts == RANDOM_LAYOUTS || harness_cur_failed,
	       "only %lu valid layouts generated", st.layouts);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: sharing, re-mapping, KVM's own mappings                         */
/* ---------------------------------------------------------------------- */

/* Two windows in one 2M region share one table; each unmaps only itself. */
TEST(two_windows_share_2m)
{
	struct kvmppc_ptw_layout la =
		with_msix(bar(0x80010000, 0x600000002000, 0x3000), 0, 4, 0x800);
	struct kvmppc_ptw_layout lb = bar(0x80013000, 0x600000107000, 0x8000);
	struct kvmppc_ptw_table *t;
	struct checker c;
	struct win w[2];
	struct vm vm;

	seed_rng("two_windows_share_2m", 2);
	vm_init(&vm);
	win_init(&w[0], &la);
	win_init(&w[1], &lb);
	EXPECT_EQ(fault_window(&vm, &w[0]), 0);
	EXPECT_EQ(fault_window(&vm, &w[1]), 0);
	checker_init(&c, &vm, w, 2);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 2 + 8);	/* a's table page trapped */
	EXPECT_EQ(vm.p.tables.nr, 1);
	t = xa_load(&vm.p.tables, 0x80010000 >> PMD_SHIFT);
	ASSERT(t, "no shared table");
	EXPECT_EQ(t->nr_present, 10);

	/* Window a goes: its pages only; the shared table stays. */
	unmap_and_check(&vm, &c, 0x80010000, 0x80013000);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 8);
	EXPECT(xa_load(&vm.p.tables, 0x80010000 >> PMD_SHIFT) == t,
	       "shared table went with the first window");
	EXPECT_EQ(t->nr_present, 8);

	/* Window b goes: the table is empty and goes too. */
	unmap_and_check(&vm, &c, 0x80013000, 0x8001b000);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 0);
	EXPECT(xa_empty(&vm.p.tables), "table left");
	checker_fini(&c);
	win_fini(&w[0]);
	win_fini(&w[1]);
	vm_fini(&vm);
}

/* Mapping what is mapped changes nothing, whatever host page is asked. */
TEST(remap_is_noop)
{
	struct kvmppc_ptw_layout l = bar(0x123450000, 0x600000050000, 0x20000);
	struct dump before = { 0 }, after = { 0 };
	struct checker c;
	struct win w;
	struct vm vm;
	u64 gpa;

	seed_rng("remap_is_noop", 3);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	tree_dump(&vm, &before);
	ev_reset();
	mutex_lock(&vm.p.lock);
	for (gpa = l.guest_addr; gpa < l.guest_addr + l.size; gpa += SZ4K) {
		EXPECT_EQ(ptw_map(&vm, gpa,
					       l.host_addr + gpa - l.guest_addr,
					       1), 0);
		EXPECT_EQ(ptw_map(&vm, gpa, 0x7000000000, 1), 0);
	}
	/* the whole 2M region at once, DIRECT-style sized calls */
	EXPECT_EQ(ptw_map(&vm, l.guest_addr, l.host_addr, 32),
		  0);
	mutex_unlock(&vm.p.lock);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	tree_dump(&vm, &after);
	EXPECT(dump_equal(&before, &after), "re-mapping changed the tree");
	EXPECT_EQ(evs.n, 0);
	EXPECT_EQ(((struct kvmppc_ptw_table *)
		   xa_load(&vm.p.tables, l.guest_addr >> PMD_SHIFT))->nr_present,
		  32);
	checker_init(&c, &vm, &w, 1);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 32);
	unmap_and_check(&vm, &c, l.guest_addr, l.guest_addr + l.size);
	checker_fini(&c);
	dump_free(&before);
	dump_free(&after);
	win_fini(&w);
	vm_fini(&vm);
}

/*
 * A 2M region KVM already uses (a 64K-page table, a 2M leaf, or a 1G leaf
 * above it): -EBUSY, and the tree, the xarray and the caches are exactly
 * as before; the neighbouring free region still maps.
 */
static void busy_case(unsigned int level)
{
	const u64 kvm_gpa = 0x2000000000 + 0x200000, kvm_hpa = 0x40000000;
	struct dump before = { 0 }, after = { 0 };
	long live_t, live_pmd, live_pud;
	struct xlate x;
	struct vm vm;
	u64 gpa;

	vm_init(&vm);
	kvm_create_pte(&vm, kvm_gpa, kvm_hpa, level);
	/* The same region, and for the 1G leaf, anywhere in its 1G. */
	gpa = level == 2 ? 0x2000000000 + 0x3f001000 : kvm_gpa + 0x31000;
	tree_dump(&vm, &before);
	live_t = ptw_pte_cache->live;
	live_pmd = kvm_pmd_cache->live;
	live_pud = PGT_CACHE(PUD_CACHE_INDEX)->live;
	ev_reset();
	mutex_lock(&vm.p.lock);
	EXPECT_EQ(ptw_map(&vm, gpa, 0x600000001000, 1), -EBUSY);
	EXPECT_EQ(ptw_map(&vm, gpa & ~(SZ64K - 1),
				       0x600000010000, 16), -EBUSY);
	mutex_unlock(&vm.p.lock);
	tree_dump(&vm, &after);
	EXPECT(dump_equal(&before, &after), "level %u: tree changed", level);
	EXPECT(xa_empty(&vm.p.tables), "level %u: table recorded", level);
	EXPECT_EQ(ptw_pte_cache->live, live_t);
	EXPECT_EQ(kvm_pmd_cache->live, live_pmd);
	EXPECT_EQ(PGT_CACHE(PUD_CACHE_INDEX)->live, live_pud);
	EXPECT_EQ(evs.n, 0);
	EXPECT_EQ(mmu_xlate(&vm.kvm, kvm_gpa + 0x1234, &x), MMU_OK);
	EXPECT_EQ(x.ra, kvm_hpa + ((kvm_gpa + 0x1234) & ((1UL << x.shift) - 1)));

	/* A free region near KVM's maps, and KVM's mapping stays. */
	if (level != 2) {
		struct kvmppc_ptw_layout l = bar(kvm_gpa + 2 * SZ2M + 0x5000,
						 0x600000003000, 0x2000);
		struct checker c;
		struct win w;

		win_init(&w, &l);
		EXPECT_EQ(fault_window(&vm, &w), 0);
		checker_init(&c, &vm, &w, 1);
		EXPECT_EQ(check_windows(&c), 0);
		EXPECT_EQ(c.nmapped, 2);
		unmap_and_check(&vm, &c, l.guest_addr, l.guest_addr + SZ4K * 2);
		EXPECT_EQ(mmu_xlate(&vm.kvm, kvm_gpa + 0x1234, &x), MMU_OK);
		EXPECT_EQ(x.ra, kvm_hpa + 0x1234);
		checker_fini(&c);
		win_fini(&w);
	}
	dump_free(&before);
	dump_free(&after);
	vm_fini(&vm);
}

TEST(busy_kvm_2m_leaf)
{
	busy_case(1);
}

TEST(busy_kvm_1g_leaf)
{
	busy_case(2);
}

/* ---------------------------------------------------------------------- */
/* Guest RAM beside windows: KVM's walkers with the window hooks          */
/* ---------------------------------------------------------------------- */

/* What KVM asked of nested rmaps and the dirty log. */
static struct {
	unsigned long removes, rc_updates;
	u64 last_gpa, last_hpa, last_nbytes;
} nest;

void kvmhv_remove_nest_rmap_range(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  unsigned long gpa, unsigned long hpa,
				  unsigned long nbytes)
{
	nest.removes++;
	nest.last_gpa = gpa;
	nest.last_hpa = hpa;
	nest.last_nbytes = nbytes;
}

void kvmhv_update_nest_rmap_rc_list(struct kvm *kvm, unsigned long *rmapp,
				    unsigned long clr, unsigned long set,
				    unsigned long hpa, unsigned long nbytes)
{
	nest.rc_updates++;
	nest.last_hpa = hpa;
	nest.last_nbytes = nbytes;
}

void kvmppc_update_dirty_map(const struct kvm_memory_slot *memslot,
			     unsigned long gfn, unsigned long psize)
{
	unsigned long i, n = psize >> PAGE_SHIFT;

	for (i = gfn - memslot->base_gfn; i < gfn - memslot->base_gfn + n; i++)
		__set_bit(i, memslot->dirty_bitmap);
}

/*
 * find_kvm_secondary_pte() with the window hook: __find_linux_pte()'s
 * walk (leaves at any level, else a PTE of a 32-entry table), nothing
 * where the PMD entry points to one of our tables.
 */
static pte_t *kvm_find_pte(struct vm *vm, u64 gpa, unsigned int *shift)
{
	pgd_t *pgd = vm->kvm.arch.pgtable + pgd_index(gpa);
	p4d_t *p4d = p4d_offset(pgd, gpa);
	pud_t *pud;
	pmd_t *pmd;

	*shift = 0;
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, gpa);
	if (pud_none(*pud))
		return NULL;
	if (pud_leaf(*pud)) {
		*shift = PUD_SHIFT;
		return (pte_t *)pud;
	}
	pmd = pmd_offset(pud, gpa);
	if (pmd_none(*pmd))
		return NULL;
	if (pmd_leaf(*pmd)) {
		*shift = PMD_SHIFT;
		return pmdp_ptep(pmd);
	}
	if (kvmppc_ptw_radix_hides(&vm->kvm, gpa))
		return NULL;
	return pte_offset_kernel(pmd, gpa);
}

/* kvm_unmap_radix() of one guest RAM page, with the window hook. */
static void kvm_ram_unmap(struct vm *vm, struct kvm_memory_slot *slot,
			  unsigned long gfn)
{
	u64 gpa = gfn << PAGE_SHIFT;
	unsigned int shift;
	unsigned long old;
	pte_t *ptep;

	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_ram_op(&vm->p, slot, gfn, KVMPPC_PTW_RAM_UNMAP);
	ptep = kvm_find_pte(vm, gpa, &shift);
	if (ptep && pte_present(*ptep)) {
		/* kvmppc_unmap_pte() */
		old = __radix_pte_update(ptep, ~0UL, 0);
		kvmppc_radix_tlbie_page(&vm->kvm, gpa, shift, TEST_LPID);
		kvmhv_remove_nest_rmap_range(&vm->kvm, slot, gpa,
					     old & LEAF_RPN_4K, SZ64K);
		if (old & _PAGE_DIRTY)
			kvmppc_update_dirty_map(slot, gfn, SZ64K);
	}
	spin_unlock(&vm->kvm.mmu_lock);
}

/* kvm_radix_test_clear_dirty() with the window hook: dirty host pages. */
static int kvm_ram_dirty(struct vm *vm, struct kvm_memory_slot *slot,
			 unsigned long gfn)
{
	u64 gpa = gfn << PAGE_SHIFT;
	unsigned int shift;
	pte_t *ptep;
	int ret;

	spin_lock(&vm->kvm.mmu_lock);
	ret = kvmppc_ptw_radix_ram_op(&vm->p, slot, gfn, KVMPPC_PTW_RAM_DIRTY);
	ptep = kvm_find_pte(vm, gpa, &shift);
	if (ptep && pte_present(*ptep) && (pte_val(*ptep) & _PAGE_DIRTY)) {
		__radix_pte_update(ptep, _PAGE_DIRTY, 0);
		kvmppc_radix_tlbie_page(&vm->kvm, gpa, shift, TEST_LPID);
		ret = 1;
	}
	spin_unlock(&vm->kvm.mmu_lock);
	return ret;
}

/* kvm_age_radix() (@test: kvm_test_age_radix()) with the window hook. */
static bool kvm_ram_age(struct vm *vm, struct kvm_memory_slot *slot,
			unsigned long gfn, bool test)
{
	u64 gpa = gfn << PAGE_SHIFT;
	unsigned int shift;
	pte_t *ptep;
	bool ref;

	spin_lock(&vm->kvm.mmu_lock);
	ref = kvmppc_ptw_radix_ram_op(&vm->p, slot, gfn,
				      test ? KVMPPC_PTW_RAM_TEST_AGE :
					     KVMPPC_PTW_RAM_AGE);
	ptep = kvm_find_pte(vm, gpa, &shift);
	if (ptep && pte_present(*ptep) && (pte_val(*ptep) & _PAGE_ACCESSED)) {
		if (!test)
			__radix_pte_update(ptep, _PAGE_ACCESSED, 0);
		ref = true;
	}
	spin_unlock(&vm->kvm.mmu_lock);
	return ref;
}

/* A memslot over [@base, @base + @npages 64K pages), dirty-logged. */
struct test_slot {
	struct kvm_memory_slot slot;
	unsigned long dirty[4];
	unsigned long rmap[256];
};

static void slot_init(struct test_slot *ts, u64 base, unsigned long npages)
{
	BUG_ON(npages > 256);
	memset(ts, 0, sizeof(*ts));
	ts->slot.base_gfn = base >> PAGE_SHIFT;
	ts->slot.npages = npages;
	ts->slot.dirty_bitmap = ts->dirty;
	ts->slot.arch.rmap = ts->rmap;
}

/* Fault RAM page @k of @r in (kvmppc_create_pte() level 0). */
static void ram_fault(struct vm *vm, struct ram_model *r, unsigned int k,
		      bool writing)
{
	u64 v = r->hpa[k] | r->flags[k] | (writing ? _PAGE_DIRTY : 0);

	EXPECT_EQ(kvm_create_pte_raw(vm, r->gpa[k] + rnd_below(SZ64K), v, 0),
		  0);
	r->mapped[k] = true;
	r->dirty[k] |= writing;
}

/*
 * Unmap RAM page @k as the MMU notifier does and check the invalidations:
 * every leaf of the page cleared and then flushed at its own size (16 4K
 * tlbies in our table, one 64K tlbie in KVM's), nothing else, the page
 * in the dirty log iff it was stored to, nested guests' mappings of it
 * dropped once; an emptied table of ours unhooked, flushed and freed.
 */
static void ram_unmap_and_check(struct vm *vm, struct test_slot *ts,
				struct ram_model *r, unsigned int k)
{
	u64 gpa = r->gpa[k];
	unsigned long gfn = gpa >> PAGE_SHIFT, bit = gfn - ts->slot.base_gfn;
	struct kvmppc_ptw_table *t = xa_load(&vm->p.tables, gpa >> PMD_SHIFT);
	bool ours = t && t->pmdp, last = ours && t->nr_present == 16;
	unsigned long removes = nest.removes, tlbies = 0, pwcs = 0;
	long live = ptw_pte_cache->live;
	size_t i;

	__clear_bit(bit, ts->dirty);
	ev_reset();
	kvm_ram_unmap(vm, &ts->slot, gfn);
	for (i = 0; i < evs.n; i++) {
		const struct ev *e = &evs.v[i];

		if (e->kind == EV_PWC) {
			pwcs++;
			continue;
		}
		EXPECT(!e->stale, "RAM tlbie of %#lx before its PTE was cleared",
		       e->addr);
		if (ours)
			EXPECT(e->shift == 12 && e->addr == gpa + tlbies * SZ4K,
			       "RAM tlbie %#lx shift %u", e->addr, e->shift);
		else
			EXPECT(e->shift == 0 && e->addr == gpa,
			       "KVM tlbie %#lx shift %u", e->addr, e->shift);
		tlbies++;
	}
	EXPECT_EQ(tlbies, ours ? 16 : 1);
	EXPECT_EQ(pwcs, last ? 1 : 0);
	EXPECT_EQ(ptw_pte_cache->live, live - (last ? 1 : 0));
	EXPECT_EQ(nest.removes, removes + 1);
	EXPECT(nest.last_gpa == gpa && nest.last_hpa == r->hpa[k] &&
	       nest.last_nbytes == SZ64K, "nested rmap range %#" PRIx64 " %#"
	       PRIx64 " %#" PRIx64, nest.last_gpa, nest.last_hpa,
	       nest.last_nbytes);
	EXPECT(!!test_bit(bit, ts->dirty) == r->dirty[k],
	       "dirty log bit of %#" PRIx64 " is %d", gpa,
	       test_bit(bit, ts->dirty));
	if (last)
		EXPECT(!xa_load(&vm->p.tables, gpa >> PMD_SHIFT),
		       "emptied table still recorded");
	r->mapped[k] = false;
	r->dirty[k] = false;
}

/*
 * The e1000e layout of the issue: two 128K BARs with memslots (RAM-like
 * mmaps, here one cacheable and one cache-inhibited) and BAR3, 16K with
 * its MSI-X table and PBA, needing a window, all in one 2M region. RAM
 * first (KVM's 64K table), then the window: the region is converted;
 * then the window goes and the RAM stays; then the RAM goes and the
 * table with it.
 */
TEST(e1000e_layout_ram_first)
{
	const u64 r0 = 0x200080000000;
	struct kvmppc_ptw_layout l = with_msix(bar(r0 + 0x40000,
						   0x600000000000, 0x4000),
					       0, 5, 0x2000);
	struct ram_model ram = { 0 };
	struct test_slot ts;
	struct audit a = { 0 };
	struct checker c;
	long kvm_live;
	struct win w;
	struct vm vm;
	unsigned int k, tlb64 = 0;
	size_t i;

	seed_rng("e1000e_layout_ram_first", 11);
	vm_init(&vm);
	slot_init(&ts, r0, 4);
	for (k = 0; k < 4; k++) {
		ram.gpa[k] = r0 + k * SZ64K;
		ram.hpa[k] = 0x3ff000000000 + (k ^ 1) * SZ64K;
		ram.flags[k] = k < 2 ? RAM_FLAGS : BAR_FLAGS;
	}
	ram.n = 4;
	for (k = 0; k < 4; k++)
		ram_fault(&vm, &ram, k, k == 1);
	kvm_live = kvm_pte_cache->live;
	win_init(&w, &l);
	ev_reset();
	EXPECT_EQ(fault_window(&vm, &w), 0);
	/* KVM's table went, its 64K TLB entries with it */
	EXPECT_EQ(kvm_pte_cache->live, kvm_live - 1);
	for (i = 0; i < evs.n; i++)
		tlb64 += evs.v[i].kind == EV_TLBIE && evs.v[i].shift == 16;
	EXPECT_EQ(tlb64, 4);
	checker_init(&c, &vm, &w, 1);
	c.ram = &ram;
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 2);	/* table and PBA pages trapped */
	audit_tree(&vm, &a);
	EXPECT_EQ(a.problems, 0);
	EXPECT_EQ(a.ram_leaves, 64);
	EXPECT_EQ(a.ptw_leaves, 2);
	EXPECT_EQ(a.kvm_tables, 0);

	/* dirty log: only page 1 was stored to */
	for (k = 0; k < 4; k++)
		EXPECT_EQ(kvm_ram_dirty(&vm, &ts.slot, ram.gpa[k] >> PAGE_SHIFT),
			  k == 1);
	EXPECT_EQ(kvm_ram_dirty(&vm, &ts.slot, ram.gpa[1] >> PAGE_SHIFT), 0);
	ram.dirty[1] = false;
	ram_fault(&vm, &ram, 2, true);
	EXPECT_EQ(kvm_ram_age(&vm, &ts.slot, ram.gpa[3] >> PAGE_SHIFT, true),
		  true);
	EXPECT_EQ(kvm_ram_age(&vm, &ts.slot, ram.gpa[3] >> PAGE_SHIFT, false),
		  true);
	EXPECT_EQ(kvm_ram_age(&vm, &ts.slot, ram.gpa[3] >> PAGE_SHIFT, true),
		  false);
	EXPECT_EQ(check_windows(&c), 0);

	/* REMOVE: the window's leaves go, the RAM stays */
	unmap_and_check(&vm, &c, r0 + 0x40000, r0 + 0x44000);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(xa_load(&vm.p.tables, r0 >> PMD_SHIFT) != NULL, 1);
	for (k = 0; k < 4; k++) {
		/* harvested: C is clear, so the unmap logs nothing more */
		EXPECT_EQ(kvm_ram_dirty(&vm, &ts.slot, ram.gpa[k] >> PAGE_SHIFT),
			  k == 2);
		ram.dirty[k] = false;
		if (k == 3)	/* a store after the harvest: logged by unmap */
			ram_fault(&vm, &ram, k, true);
		ram_unmap_and_check(&vm, &ts, &ram, k);
		EXPECT_EQ(check_windows(&c), 0);
	}
	EXPECT(xa_empty(&vm.p.tables), "table left");
	checker_fini(&c);
	win_fini(&w);
	vm_fini(&vm);
}

/*
 * KVM's requests for guest RAM pages never touch window leaves, even
 * asked about a window's own pages (which no memslot may hold): unmap,
 * age and dirty harvest over every 64K page of a window's region leave
 * the tree bit for bit as it was.
 */
TEST(ram_ops_leave_window_leaves)
{
	const u64 r0 = 0x7700000000;
	struct kvmppc_ptw_layout l = bar(r0 + 0x10000, 0x600000030000, 0x40000);
	struct dump before = { 0 }, after = { 0 };
	struct test_slot ts;
	struct checker c;
	struct win w;
	struct vm vm;
	unsigned long gfn;

	seed_rng("ram_ops_leave_window_leaves", 13);
	vm_init(&vm);
	slot_init(&ts, r0, 32);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	tree_dump(&vm, &before);
	for (gfn = r0 >> PAGE_SHIFT; gfn < (r0 + SZ2M) >> PAGE_SHIFT; gfn++) {
		EXPECT_EQ(kvm_ram_dirty(&vm, &ts.slot, gfn), 0);
		EXPECT_EQ(kvm_ram_age(&vm, &ts.slot, gfn, true), false);
		EXPECT_EQ(kvm_ram_age(&vm, &ts.slot, gfn, false), false);
		kvm_ram_unmap(&vm, &ts.slot, gfn);
	}
	tree_dump(&vm, &after);
	EXPECT(dump_equal(&before, &after), "a RAM request changed window leaves");
	checker_init(&c, &vm, &w, 1);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(c.nmapped, 64);
	checker_fini(&c);
	dump_free(&before);
	dump_free(&after);
	win_fini(&w);
	vm_fini(&vm);
}

/* Random layouts: windows and RAM pages in two adjacent 2M regions. */
static void ram_beside_windows_one(struct vm *vm, unsigned long *nconv)
{
	const u64 r0 = 0x40000000 + rnd_below(1024) * SZ2M;
	const u64 hbase = 0x100000000 + rnd_below(1024) * SZ2M;
	enum { P_FREE, P_WIN, P_RAM } page[64] = { 0 };
	struct ram_model *ram = calloc(1, sizeof(*ram));
	unsigned int nw = 1 + rnd_below(3), i, k, n, ev[64 + 3];
	struct kvmppc_ptw_layout l[3];
	struct test_slot ts;
	struct audit a = { 0 };
	struct checker c;
	struct win w[3];
	bool removed[3] = { false };

	if (!ram)
		abort();
	for (i = 0; i < nw; i++) {
		unsigned int p, len, j;
		u64 g, e, off;

		do {
			p = rnd_below(64);
			len = 1 + rnd_below(3);
			for (j = p; j < p + len && j < 64; j++)
				if (page[j] != P_FREE)
					break;
		} while (j < p + len);
		off = rnd_below(4) ? rnd_below(16) * SZ4K : rnd_below(SZ64K) & ~15;
		g = r0 + p * SZ64K + off;
		e = r0 + (p + len) * SZ64K - (rnd_below(2) ? 0 : rnd_below(SZ4K) & ~15);
		if (e < g + 16)
			e = g + 16;
		l[i] = bar(g, 0, e - g);
		if (rnd_below(2))	/* same offset in a 64K page: DIRECT */
			l[i].host_addr = 0x600000000000 + rnd_below(4096) * SZ64K +
					 (g & (SZ64K - 1));
		else			/* same offset in a 4K page: MAP4K */
			l[i].host_addr = 0x600000000000 + rnd_below(4096) * SZ64K +
					 rnd_below(16) * SZ4K + (g & (SZ4K - 1));
		if (!rnd_below(4) && l[i].size >= 0x2000)
			l[i] = with_msix(l[i], 0, 4, 0x1000);
		ASSERT(!kvmppc_ptw_layout_check(&l[i]), "layout rejected");
		for (j = (g - r0) / SZ64K; j <= (e - 1 - r0) / SZ64K; j++)
			page[j] = P_WIN;
		win_init(&w[i], &l[i]);
	}
	slot_init(&ts, r0, 64);
	for (k = 0; k < 64; k++) {
		if (page[k] != P_FREE || rnd_below(3) == 0)
			continue;
		page[k] = P_RAM;
		ram->gpa[ram->n] = r0 + k * SZ64K;
		ram->hpa[ram->n] = hbase + (63 - k) * SZ64K;
		ram->flags[ram->n] = rnd_below(3) ? RAM_FLAGS : BAR_FLAGS;
		ram->n++;
	}
	/* RAM faults and window faults in a random order */
	n = 0;
	for (k = 0; k < ram->n; k++)
		ev[n++] = k;
	for (i = 0; i < nw; i++)
		ev[n++] = 100 + i;
	for (k = n; k > 1; k--) {
		unsigned int j = rnd_below(k), t = ev[k - 1];

		ev[k - 1] = ev[j];
		ev[j] = t;
	}
	for (k = 0; k < n; k++) {
		long before = kvm_pte_cache->live;

		if (ev[k] >= 100) {
			EXPECT_EQ(fault_window(vm, &w[ev[k] - 100]), 0);
			*nconv += before - kvm_pte_cache->live;
		} else {
			ram_fault(vm, ram, ev[k], rnd_below(2));
		}
	}
	checker_init(&c, vm, w, nw);
	c.ram = ram;
	EXPECT(!check_windows(&c), "after faults");
	audit_tree(vm, &a);
	EXPECT_EQ(a.problems, 0);
	EXPECT_EQ(a.ptw_leaves, c.nmapped);

	/* dirty log: exactly the pages stored to */
	for (k = 0; k < ram->n; k++) {
		EXPECT_EQ(kvm_ram_dirty(vm, &ts.slot, ram->gpa[k] >> PAGE_SHIFT),
			  ram->dirty[k]);
		ram->dirty[k] = false;
	}
	for (k = 0; k < ram->n; k++)
		if (!rnd_below(3))
			ram_fault(vm, ram, k, true);
	EXPECT(!check_windows(&c), "after harvesting dirty bits");

	/* a quarter of the runs go straight to teardown */
	if (!rnd_below(4))
		goto out;
	/* window REMOVEs and RAM unmaps in a random order */
	n = 0;
	for (k = 0; k < ram->n; k++)
		ev[n++] = k;
	for (i = 0; i < nw; i++)
		ev[n++] = 100 + i;
	for (k = n; k > 1; k--) {
		unsigned int j = rnd_below(k), t = ev[k - 1];

		ev[k - 1] = ev[j];
		ev[j] = t;
	}
	for (k = 0; k < n; k++) {
		if (ev[k] >= 100) {
			i = ev[k] - 100;
			unmap_and_check(vm, &c, ALIGN_DOWN(l[i].guest_addr, SZ4K),
					ALIGN(l[i].guest_addr + l[i].size, SZ4K));
			removed[i] = true;
		} else {
			ram_unmap_and_check(vm, &ts, ram, ev[k]);
		}
		if (!rnd_below(4) || k == n - 1)
			EXPECT(!check_windows(&c), "after unmap %u of %u", k, n);
	}
	EXPECT(xa_empty(&vm->p.tables), "tables left when all is unmapped");
	memset(&a, 0, sizeof(a));
	audit_tree(vm, &a);
	EXPECT(!a.problems && !a.ptw_tables && !a.ram_leaves && !a.kvm_leaves,
	       "tree not empty");
out:
	if (c.violations || a.problems)
		fprintf(stderr, "# region %#" PRIx64 ", %u windows, %u RAM pages\n",
			r0, nw, ram->n);
	(void)removed;
	checker_fini(&c);
	for (i = 0; i < nw; i++)
		win_fini(&w[i]);
	free(ram);
}

TEST(ram_beside_windows_random)
{
	unsigned long i, layouts = RANDOM_LAYOUTS / 20, nconv = 0;

	seed_rng("ram_beside_windows_random", 12);
	for (i = 0; i < layouts && !harness_cur_failed; i++) {
		struct vm vm;

		vm_init(&vm);
		ram_beside_windows_one(&vm, &nconv);
		vm_fini(&vm);
	}
	printf("# ram_beside_windows_random: %lu layouts, %lu KVM tables converted\n",
	       layouts, nconv);
	EXPECT(nconv > 0, "no conversion exercised");
}

/* ---------------------------------------------------------------------- */
/* Tests: teardown                                                        */
/* ---------------------------------------------------------------------- */

/* A few windows over several regions and PUD/PGD entries, next to KVM's. */
static unsigned int populate(struct vm *vm, struct win *w)
{
	static const u64 g[] = {
		0x40002000, 0x401ff000, 0x7fff0000, 0x8000000000 - 0x1000,
		0x10000000000, 0xfffffffe00000,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(g); i++) {
		struct kvmppc_ptw_layout l =
			with_msix(bar(g[i], 0x600000000000 + i * MB +
				      (g[i] & 0xffff), 0x30000),
				  0x10000, 8, 0x10800);

		win_init(&w[i], &l);
		EXPECT_EQ(fault_window(vm, &w[i]), 0);
	}
	kvm_create_pte(vm, 0x40800000, 0x10000000, 0);
	kvm_create_pte(vm, 0x40a00000, 0x20000000, 1);
	return i;
}

static void free_tables_case(bool tree_alive)
{
	struct win w[6];
	struct audit a = { 0 };
	struct checker c;
	struct xlate x;
	struct vm vm;
	unsigned int n, i, tables, unflushed = 0;
	u64 unmaps, present = 0;
	struct kvmppc_ptw_table *t;
	unsigned long idx;

	seed_rng(tree_alive ? "free_tables_tree_alive" : "free_tables_tree_dead",
		 0x10 + tree_alive);
	vm_init(&vm);
	n = populate(&vm, w);
	checker_init(&c, &vm, w, n);
	EXPECT_EQ(check_windows(&c), 0);
	audit_tree(&vm, &a);
	EXPECT_EQ(a.problems, 0);
	tables = vm.p.tables.nr;
	EXPECT(tables >= 8, "%u tables", tables);
	xa_for_each(&vm.p.tables, idx, t)
		present += t->nr_present;
	EXPECT_EQ(present, c.nmapped);

	watch_tables(&vm, 0, GPA_TOP, tree_alive);
	ev_reset();
	unmaps = vm.p.stats.unmaps;
	mutex_lock(&vm.p.lock);
	ptw_free_tables(&vm, tree_alive);
	mutex_unlock(&vm.p.lock);

	EXPECT(xa_empty(&vm.p.tables), "tables left");
	for (i = 0; i < watch.n; i++) {
		EXPECT(watch.v[i].freed, "table %u not freed", i);
		EXPECT(!watch.v[i].freed_hooked, "table %u freed while hooked", i);
		unflushed += watch.v[i].freed_unflushed;
		EXPECT(pmd_none(*watch.v[i].pmdp) == tree_alive,
		       "table %u: PMD %#lx", i, pmd_val(*watch.v[i].pmdp));
	}
	EXPECT_EQ(watch.n, tables);
	if (tree_alive) {
		/* no per-page tlbie: one PWC flush after all the PMDs */
		ASSERT(evs.n == 1, "%zu events", evs.n);
		EXPECT_EQ(evs.v[0].kind, EV_PWC);
		EXPECT_EQ(vm.p.stats.unmaps - unmaps, present);
		for (i = 0; i < n; i++)
			checker_hole(&c, w[i].first,
				     w[i].first + w[i].npages * SZ4K);
		EXPECT_EQ(check_windows(&c), 0);
		memset(&a, 0, sizeof(a));
		audit_tree(&vm, &a);
		EXPECT_EQ(a.problems, 0);
		EXPECT_EQ(a.ptw_tables, 0);
		/*
		 * Each table is freed before the one PWC flush. Harmless
		 * where this runs (no vCPU of the VM can run, and the LPID
		 * is flushed whole before reuse, as for KVM's own teardown
		 * in kvmppc_free_pgtable_radix()), so noted, not failed.
		 */
		if (unflushed)
			printf("# free_tables: %u of %u tables freed before the PWC flush\n",
			       unflushed, tables);
	} else {
		/* The tree is gone: touch nothing of it. */
		EXPECT_EQ(evs.n, 0);
		for (i = 0; i < watch.n; i++)
			pmd_clear(watch.v[i].pmdp);
	}
	/* KVM's mappings are untouched either way. */
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x40802345, &x), MMU_OK);
	EXPECT_EQ(x.ra, 0x10002345);
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x40a12345, &x), MMU_OK);
	EXPECT_EQ(x.ra, 0x20012345);
	watch.n = 0;
	checker_fini(&c);
	for (i = 0; i < n; i++)
		win_fini(&w[i]);
	vm_fini(&vm);
}

TEST(free_tables_tree_alive)
{
	free_tables_case(true);
}

TEST(free_tables_tree_dead)
{
	free_tables_case(false);
}

/* After kvmppc_ptw_radix_free(), the tree is gone: unmap is a no-op. */
TEST(torn_down_unmap_is_noop)
{
	struct kvmppc_ptw_layout l = bar(0x40000000, 0x600000000000, 0x4000);
	struct dump before = { 0 }, after = { 0 };
	struct win w;
	struct vm vm;

	seed_rng("torn_down_unmap_is_noop", 4);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	tree_dump(&vm, &before);
	ev_reset();
	vm.p.torn_down = true;
	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, 0, GPA_TOP);
	mutex_unlock(&vm.p.lock);
	tree_dump(&vm, &after);
	EXPECT(dump_equal(&before, &after), "tree changed");
	EXPECT_EQ(evs.n, 0);
	EXPECT_EQ(vm.p.tables.nr, 1);
	vm.p.torn_down = false;
	dump_free(&before);
	dump_free(&after);
	win_fini(&w);
	vm_fini(&vm);
}

/* Sub-ranges of a window over three 2M regions, in random order. */
TEST(unmap_subranges)
{
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x5001f0000, 0x600000ff0000, 0x420000),
			  0x201000, 512, 0x203000);
	unsigned int round;
	struct checker c;
	struct win w;
	struct vm vm;

	seed_rng("unmap_subranges", 5);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	checker_init(&c, &vm, &w, 1);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT_EQ(vm.p.tables.nr, 4);
	for (round = 0; round < MAX_HOLES - 1 && c.nmapped; round++) {
		u64 a = l.guest_addr + rnd_below(l.size / SZ4K) * SZ4K;
		u64 b = a + (1 + rnd_below(round < 3 ? 64 : 1024)) * SZ4K;

		unmap_and_check(&vm, &c, a, min(b, l.guest_addr + l.size));
		EXPECT_EQ(check_windows(&c), 0);
	}
	unmap_and_check(&vm, &c, l.guest_addr, l.guest_addr + l.size);
	EXPECT_EQ(check_windows(&c), 0);
	EXPECT(xa_empty(&vm.p.tables), "tables left");
	checker_fini(&c);
	win_fini(&w);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: edges and failures                                              */
/* ---------------------------------------------------------------------- */

/* Host pages at the top of the RPN field keep every address bit. */
TEST(rpn_top_of_field)
{
	struct kvmppc_ptw_layout l = bar(0xfffffffff0000, HPA_TOP - 0x10000,
					 0x10000);
	struct run_stats st = { 0 };
	struct xlate x;
	struct vm vm;

	seed_rng("rpn_top_of_field", 6);
	vm_init(&vm);
	mutex_lock(&vm.p.lock);
	EXPECT_EQ(ptw_map(&vm, GPA_TOP - SZ4K, HPA_TOP - SZ4K,
				       1), 0);
	mutex_unlock(&vm.p.lock);
	EXPECT_EQ(mmu_xlate(&vm.kvm, GPA_TOP - 1, &x), MMU_OK);
	EXPECT_EQ(x.ra, HPA_TOP - 1);
	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, GPA_TOP - SZ4K, GPA_TOP);
	mutex_unlock(&vm.p.lock);
	EXPECT_EQ(tree_free(&vm), 0);
	run_layout(&vm, &l, &st);
	EXPECT_EQ(st.mapped, 16);
	vm_fini(&vm);
}

/*
 * Every allocation kvmppc_ptw_radix_map() makes may fail: -ENOMEM, and
 * nothing changed or leaked; the next try succeeds. Once in an empty
 * tree, once under existing upper levels.
 */
static void alloc_failure_case(bool upper_levels)
{
	const u64 gpa = 0x3000001000ULL, hpa = 0x600000001000ULL;
	struct dump before = { 0 }, after = { 0 };
	unsigned int n, failures = 0;
	long live[4];
	struct xlate x;
	struct vm vm;
	int ret;

	vm_init(&vm);
	if (upper_levels)
		kvm_create_pte(&vm, gpa + SZ2M, 0x10000000, 1);
	tree_dump(&vm, &before);
	for (n = 1; n < 20; n++) {
		live[0] = ptw_pte_cache->live;
		live[1] = kvm_pmd_cache->live;
		live[2] = PGT_CACHE(PUD_CACHE_INDEX)->live;
		live[3] = vm.p.tables.nr;
		slab_fail_countdown = n;
		mutex_lock(&vm.p.lock);
		ret = ptw_map(&vm, gpa, hpa, 3);
		mutex_unlock(&vm.p.lock);
		if (!slab_fail_countdown)
			failures++;
		slab_fail_countdown = 0;
		if (!ret)
			break;
		EXPECT_EQ(ret, -ENOMEM);
		tree_dump(&vm, &after);
		EXPECT(dump_equal(&before, &after), "allocation %u: tree changed", n);
		EXPECT_EQ(ptw_pte_cache->live, live[0]);
		EXPECT_EQ(kvm_pmd_cache->live, live[1]);
		EXPECT_EQ(PGT_CACHE(PUD_CACHE_INDEX)->live, live[2]);
		EXPECT_EQ(vm.p.tables.nr, live[3]);
	}
	EXPECT_EQ(ret, 0);
	/* kzalloc, kmem_cache_zalloc, pud_alloc_one, pmd_alloc, xa_insert */
	EXPECT_EQ(failures, 5);
	EXPECT_EQ(mmu_xlate(&vm.kvm, gpa + 0x2fff, &x), MMU_OK);
	EXPECT_EQ(x.ra, hpa + 0x2fff);
	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, gpa, gpa + 3 * SZ4K);
	mutex_unlock(&vm.p.lock);
	dump_free(&before);
	dump_free(&after);
	vm_fini(&vm);
}

TEST(alloc_failure_empty_tree)
{
	alloc_failure_case(false);
}

TEST(alloc_failure_under_kvm_levels)
{
	alloc_failure_case(true);
}

static void map_past_table(struct vm *vm)
{
	struct kvmppc_ptw_radix_cache pc = { };

	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_map(&vm->p, 0x40000000 + 511 * SZ4K, 0x600000000000,
			     2, &pc);
}

static void map_unaligned_gpa(struct vm *vm)
{
	struct kvmppc_ptw_radix_cache pc = { };

	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_map(&vm->p, 0x40000800, 0x600000000800, 1, &pc);
}

static void map_unaligned_hpa(struct vm *vm)
{
	struct kvmppc_ptw_radix_cache pc = { };

	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_radix_map(&vm->p, 0x40000000, 0x600000000800, 1, &pc);
}

static void map_unlocked(struct vm *vm)
{
	struct kvmppc_ptw_radix_cache pc = { };

	if (kvmppc_ptw_radix_prepare(&vm->p, 0x40000000, &pc))
		abort();
	kvmppc_ptw_radix_map(&vm->p, 0x40000000, 0x600000000000, 1, &pc);
}

static void unmap_unlocked(struct vm *vm)
{
	kvmppc_ptw_radix_unmap(&vm->p, 0x40000000, 0x40001000);
}

static void map_ok(struct vm *vm)
{
	struct kvmppc_ptw_radix_cache pc = { };

	if (kvmppc_ptw_radix_prepare(&vm->p, 0x40000000, &pc))
		abort();
	spin_lock(&vm->kvm.mmu_lock);
	if (kvmppc_ptw_radix_map(&vm->p, 0x40000000, 0x600000000000, 512,
				 &pc))
		abort();
	kvmppc_ptw_radix_finish(&vm->p, 0x40000000, &pc);
	spin_unlock(&vm->kvm.mmu_lock);
}

TEST(bad_calls_warn)
{
	struct vm vm;

	vm_init(&vm);
	EXPECT(harness_dies(map_past_table, &vm), "npages past the table");
	EXPECT(harness_dies(map_unaligned_gpa, &vm), "unaligned gpa");
	EXPECT(harness_dies(map_unaligned_hpa, &vm), "unaligned hpa");
	EXPECT(harness_dies(map_unlocked, &vm), "map without kvm->mmu_lock");
	EXPECT(harness_dies(unmap_unlocked, &vm), "unmap without kvm->mmu_lock");
	EXPECT(!harness_dies(map_ok, &vm), "a whole table in one call");
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: the checker itself                                              */
/* ---------------------------------------------------------------------- */

static unsigned long quiet_check(struct vm *vm, struct win *w)
{
	struct audit a = { .quiet = true };
	struct checker c;
	unsigned long v;

	checker_init(&c, vm, w, 1);
	c.quiet = true;
	v = check_windows(&c);
	checker_fini(&c);
	audit_tree(vm, &a);
	return v + a.problems;
}

/*
 * Each kind of wrong tree must be caught: a PTE with the wrong RPN, with
 * the wrong attributes, present where nothing may be mapped, missing where
 * a page must be mapped; a PMD entry with the wrong NLS; a 2M leaf in
 * place of the table.
 */
TEST(checker_catches_corruption)
{
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x40002000, 0x600000004000, 0x8000),
			  0x3000, 4, 0x3800);
	struct kvmppc_ptw_table *t;
	struct xlate x;
	struct win w;
	struct vm vm;
	__be64 *pte, *msix_pte, saved, saved_msix;
	pmd_t *pmd, saved_pmd;

	seed_rng("checker_catches_corruption", 7);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	ASSERT(quiet_check(&vm, &w) == 0, "clean tree flagged");
	ASSERT(mmu_xlate(&vm.kvm, 0x40003000, &x) == MMU_OK, "no mapping");
	t = xa_load(&vm.p.tables, 0x40003000 >> PMD_SHIFT);
	pte = x.entry[0];
	saved = *pte;
	pmd = t->pmdp;
	saved_pmd = *pmd;
	msix_pte = &t->ptes[(0x40005000 >> 12) & 511];	/* the MSI-X page */
	saved_msix = *msix_pte;

	*pte = cpu_to_be64(be64_to_cpu(saved) + SZ4K);
	EXPECT(quiet_check(&vm, &w), "wrong RPN (next host page) not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) - 0x4000);
	EXPECT(quiet_check(&vm, &w), "wrong RPN (before the BAR) not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) ^ (1UL << 40));
	EXPECT(quiet_check(&vm, &w), "wrong RPN (high bit) not caught");
	*pte = cpu_to_be64((be64_to_cpu(saved) & ~LEAF_ATT) | _PAGE_TOLERANT);
	EXPECT(quiet_check(&vm, &w), "not guarded not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) & ~LEAF_ATT);
	EXPECT(quiet_check(&vm, &w), "cacheable not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) | _PAGE_EXEC);
	EXPECT(quiet_check(&vm, &w), "executable not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) & ~_PAGE_WRITE);
	EXPECT(quiet_check(&vm, &w), "read-only not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) & ~_PAGE_DIRTY);
	EXPECT(quiet_check(&vm, &w), "C not preset not caught");
	*pte = cpu_to_be64(be64_to_cpu(saved) | _PAGE_SPECIAL);
	EXPECT(quiet_check(&vm, &w), "software bit not caught");
	*pte = be64_to_cpu(saved);	/* byte order swapped */
	EXPECT(quiet_check(&vm, &w), "little-endian PTE not caught");
	*pte = 0;
	EXPECT(quiet_check(&vm, &w), "missing mapping not caught");
	*pte = saved;
	ASSERT(quiet_check(&vm, &w) == 0, "restored tree flagged");

	/* The MSI-X page mapped onto its own host page. */
	*msix_pte = cpu_to_be64(be64_to_cpu(saved) + 2 * SZ4K);
	EXPECT(quiet_check(&vm, &w), "mapped MSI-X page not caught");
	*msix_pte = saved_msix;

	/* Our table read as one of KVM's 32-entry 64K tables. */
	*pmd = __pmd((pmd_val(saved_pmd) & ~RPDS_MASK) | 5);
	EXPECT(quiet_check(&vm, &w), "NLS 5 not caught");
	*pmd = __pmd((pmd_val(saved_pmd) & ~RPDS_MASK) | 8);
	EXPECT(quiet_check(&vm, &w), "NLS 8 not caught");
	/* A 2M leaf over the window's host range. */
	*pmd = __pmd((0x600000000000 & ~(SZ2M - 1)) | _PAGE_PRESENT |
		     _PAGE_PTE | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
		     _PAGE_NON_IDEMPOTENT);
	EXPECT(quiet_check(&vm, &w), "2M leaf not caught");
	*pmd = saved_pmd;
	ASSERT(quiet_check(&vm, &w) == 0, "restored tree flagged");

	/* A mapping outside the window, in the same table. */
	t->ptes[0] = cpu_to_be64(0x600000000000 | PTW_PTE_FLAGS);
	EXPECT(quiet_check(&vm, &w), "mapping outside the window not caught");
	t->ptes[0] = 0;
	EXPECT(quiet_check(&vm, &w) == 0, "restored tree flagged");

	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, 0x40002000, 0x4000a000);
	mutex_unlock(&vm.p.lock);
	win_fini(&w);
	vm_fini(&vm);
}

/* The unmap checks fail on a missing tlbie or a premature free. */
TEST(unmap_checks_catch_missing_invalidation)
{
	struct kvmppc_ptw_layout l = bar(0x40002000, 0x600000002000, 0x2000);
	struct checker c;
	struct win w;
	struct vm vm;
	int failed, saved_fd, null_fd;
	unsigned int i;

	seed_rng("unmap_checks_catch_missing_invalidation", 8);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	checker_init(&c, &vm, &w, 1);
	EXPECT_EQ(check_windows(&c), 0);
	/* Pretend a third page was mapped: its tlbie will be missing. */
	c.mapped[c.nmapped++] = 0x40004000;
	failed = harness_cur_failed;
	/* keep the expected failures of this call out of the report */
	fflush(stderr);
	saved_fd = dup(2);
	null_fd = open("/dev/null", O_WRONLY);
	ASSERT(saved_fd >= 0 && null_fd >= 0, "no fds");
	dup2(null_fd, 2);
	unmap_and_check(&vm, &c, 0x40002000, 0x40005000);
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	close(null_fd);
	i = harness_cur_failed - failed;
	harness_cur_failed = failed;
	EXPECT(i > 0, "missing tlbie not caught");
	checker_fini(&c);
	win_fini(&w);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: the walker helper for the debugfs dump                          */
/* ---------------------------------------------------------------------- */

/*
 * kvmppc_ptw_pte_offset() finds, under a PMD entry of ours, exactly the
 * PTE the MMU uses for each 4K page, and declines KVM's 64K tables.
 */
TEST(pte_offset_matches_mmu)
{
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x60001f0000, 0x600000010000, 0x30000),
			  0x1000, 4, 0x1800);
	unsigned int i, mapped = 0;
	struct xlate x;
	struct win w;
	struct vm vm;
	pte_t *ptep;
	int shift;

	seed_rng("pte_offset_matches_mmu", 9);
	vm_init(&vm);
	win_init(&w, &l);
	EXPECT_EQ(fault_window(&vm, &w), 0);
	kvm_create_pte(&vm, 0x6000400000, 0x70000000, 0);
	for (i = 0; i < 2 * PTW_PTES; i++) {
		u64 gpa = 0x6000000000 + i * SZ4K + rnd_below(SZ4K);
		enum mmu_fault f = mmu_xlate(&vm.kvm, gpa, &x);

		/* every PMD entry here is one of ours */
		ASSERT(x.level <= 1 && x.nls[0] == 9, "gpa %#" PRIx64, gpa);
		shift = -1;
		ptep = kvmppc_ptw_pte_offset(*(pmd_t *)x.entry[1], gpa, &shift);
		EXPECT(ptep == (pte_t *)x.entry[0] && shift == 12,
		       "gpa %#" PRIx64 ": %p shift %d, MMU reads %p", gpa,
		       (void *)ptep, shift, (void *)x.entry[0]);
		mapped += f == MMU_OK;
	}
	EXPECT_EQ(mapped, 0x30 - 1);	/* all but the MSI-X page */
	EXPECT_EQ(mmu_xlate(&vm.kvm, 0x6000401234, &x), MMU_OK);
	ASSERT(x.nls[0] == 5, "KVM's table has NLS %u", x.nls[0]);
	shift = -1;
	EXPECT(!kvmppc_ptw_pte_offset(*(pmd_t *)x.entry[1], 0x6000401234,
				      &shift) && shift == -1,
	       "a KVM 64K table taken for ours");
	mutex_lock(&vm.p.lock);
	ptw_unmap(&vm, 0x6000000000, 0x6000400000);
	mutex_unlock(&vm.p.lock);
	win_fini(&w);
	vm_fini(&vm);
}
