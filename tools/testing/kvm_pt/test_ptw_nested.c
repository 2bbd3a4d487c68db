// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the 4K leaves in nested guests' shadow trees
 * (arch/powerpc/kvm/book3s_hv_ptw_shadow.c: our kvm-hv as the L0 of an
 * L1 hypervisor that maps with 4K leaves), compiled here unmodified with
 * book3s_hv_ptw_radix.c (its table cache and PMD helpers).
 *
 * A shadow tree is built the way the L0's nested fault builds it
 * (kvmppc_ptw_shadow_set() after kvmppc_ptw_shadow_prepare()), beside
 * KVM's own 64K tables and 2M/1G leaves, and read back by a software MMU
 * that walks it as the hardware walks a partition-scoped tree (POWER ISA
 * radix: 13/9/9 then 5 or 9 bits, NLS from each entry). A reference map
 * says what every nested guest address must translate to. Every removed
 * leaf must be invalidated at its own address, size and shadow LPID after
 * its entry is cleared; every freed table must have left the tree and the
 * page-walk cache first, and go back to the cache it came from.
 *
 * Random tests print their seed; set KVM_PT_SEED to replay one.
 */
#define HARNESS_MAIN
#include "harness.h"
#include "harness_rand.h"

#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../arch/powerpc/kvm/book3s_hv_ptw_radix.c"
#include "../../../arch/powerpc/kvm/book3s_hv_ptw_shadow.c"

#define SZ4K		((u64)1 << 12)
#define SZ64K		((u64)1 << 16)
#define SZ2M		((u64)PMD_SIZE)
#define SZ1G		((u64)PUD_SIZE)
#define SHADOW_LPID	0x51
#define L1_LPID		0x7

/* ---------------------------------------------------------------------- */
/* Stand-ins for book3s_64_mmu_radix.c                                     */
/* ---------------------------------------------------------------------- */

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

/* book3s_hv_ptw_radix.c's RAM operations call these; unused here. */
void kvmhv_remove_nest_rmap_range(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  unsigned long gpa, unsigned long hpa,
				  unsigned long nbytes)
{
}

void kvmhv_update_nest_rmap_rc_list(struct kvm *kvm, unsigned long *rmapp,
				    unsigned long clr, unsigned long set,
				    unsigned long hpa, unsigned long nbytes)
{
}

void kvmppc_update_dirty_map(const struct kvm_memory_slot *memslot,
			     unsigned long gfn, unsigned long psize)
{
}

/* ---------------------------------------------------------------------- */
/* Software MMU over a shadow tree                                        */
/* ---------------------------------------------------------------------- */

#define R_PTE_VALID	0x8000000000000000UL
#define R_PTE_LEAF	0x4000000000000000UL
#define R_PTE_RPN	0x01fffffffffff000UL

static const unsigned int supported_bits[4] = { 5, 9, 9, 13 };

struct xlate {
	bool ok;
	bool bad;		/* a table the MMU refuses */
	unsigned int shift;
	u64 pte, ra;
};

static struct xlate mmu_xlate(pgd_t *pgd, u64 gpa)
{
	unsigned long offset = 52, bits = RADIX_PGD_INDEX_SIZE, index;
	u64 base = __pa(pgd), e = 0;
	struct xlate x = { };
	int level;

	for (level = 3; level >= 0; level--) {
		if ((level && bits != supported_bits[level]) ||
		    (!level && bits != 5 && bits != 9) ||
		    (base & ((1UL << (bits + 3)) - 1))) {
			x.bad = true;
			return x;
		}
		offset -= bits;
		index = (gpa >> offset) & ((1UL << bits) - 1);
		e = be64_to_cpu(READ_ONCE(((__be64 *)__va(base))[index]));
		if (!(e & R_PTE_VALID))
			return x;
		if (e & R_PTE_LEAF)
			break;
		base = e & RPDB_MASK;
		bits = e & RPDS_MASK;
	}
	if (level < 0 || level == 3) {
		x.bad = true;
		return x;
	}
	x.ok = true;
	x.shift = offset;
	x.pte = e;
	x.ra = (e & R_PTE_RPN) | (gpa & ((1UL << offset) - 1));
	return x;
}

/* ---------------------------------------------------------------------- */
/* Recording invalidations                                                */
/* ---------------------------------------------------------------------- */

struct tlbie {
	unsigned long addr;
	unsigned int shift, lpid;
	bool stale;	/* the address still translated when invalidated */
};

static struct {
	struct tlbie v[8192];
	unsigned int n;
	unsigned int pwc;
	bool overflow;
	pgd_t *pgd;	/* the tree the MMU walks for the stale check */
} ev;

void kvmppc_radix_tlbie_page(struct kvm *kvm, unsigned long addr,
			     unsigned int pshift, unsigned int lpid)
{
	struct tlbie t = { .addr = addr, .shift = pshift, .lpid = lpid };

	t.stale = ev.pgd && mmu_xlate(ev.pgd, addr).ok;
	if (ev.n == ARRAY_SIZE(ev.v)) {
		ev.overflow = true;
		return;
	}
	ev.v[ev.n++] = t;
}

void kvmppc_radix_flush_pwc(struct kvm *kvm, unsigned int lpid)
{
	ev.pwc++;
}

/* KVM's kvmppc_unmap_pte() on a shadow tree: clear, then invalidate. */
void kvmppc_unmap_pte(struct kvm *kvm, pte_t *pte, unsigned long gpa,
		      unsigned int shift,
		      const struct kvm_memory_slot *memslot, unsigned int lpid)
{
	__radix_pte_update(pte, ~0UL, 0);
	kvmppc_radix_tlbie_page(kvm, gpa, shift, lpid);
}

/* Was @addr invalidated at @shift on the shadow LPID, and never stale? */
static bool tlbied(unsigned long addr, unsigned int shift)
{
	unsigned int i;

	for (i = 0; i < ev.n; i++)
		if (ev.v[i].addr == addr && ev.v[i].shift == shift &&
		    ev.v[i].lpid == SHADOW_LPID && !ev.v[i].stale)
			return true;
	return false;
}

static unsigned int nr_stale(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ev.n; i++)
		n += ev.v[i].stale || ev.v[i].lpid != SHADOW_LPID;
	return n;
}

/* ---------------------------------------------------------------------- */
/* An L1 VM with one nested guest's shadow tree                            */
/* ---------------------------------------------------------------------- */

struct vm {
	struct kvm kvm;
	struct mm_struct mm;
	pgd_t *shadow;
};

/* What a nested guest address must translate to: our 4K leaves. */
#define MAX_LEAVES	4096

struct model {
	u64 gpa[MAX_LEAVES], leaf[MAX_LEAVES];
	unsigned int n;
};

static void vm_init(struct vm *vm)
{
	if (!kvm_pte_cache) {
		kvm_pte_cache = kmem_cache_create("kvm-pte",
						  RADIX_PTE_TABLE_SIZE,
						  RADIX_PTE_TABLE_SIZE, 0,
						  pte_ctor);
		kvm_pmd_cache = kmem_cache_create("kvm-pmd",
						  RADIX_PMD_TABLE_SIZE,
						  RADIX_PMD_TABLE_SIZE, 0,
						  pmd_ctor);
		if (!kvm_pte_cache || !kvm_pmd_cache || kvmppc_ptw_radix_init())
			abort();
	}
	memset(vm, 0, sizeof(*vm));
	spin_lock_init(&vm->kvm.mmu_lock);
	vm->kvm.mm = &vm->mm;
	vm->kvm.arch.lpid = L1_LPID;
	vm->kvm.arch.pgtable = pgd_alloc(vm->kvm.mm);
	vm->shadow = pgd_alloc(vm->kvm.mm);
	if (!vm->kvm.arch.pgtable || !vm->shadow)
		abort();
	memset(&ev, 0, sizeof(ev));
	ev.pgd = vm->shadow;
}

/*
 * kvmppc_free_pgtable_radix() as patched: every level freed with KVM's
 * caches, our 4K tables through kvmppc_ptw_shadow_free_table().
 */
static void free_pgtable(struct vm *vm, pgd_t *pgd, u64 lpid)
{
	unsigned int ig, iu, im;

	for (ig = 0; ig < PTRS_PER_PGD; ig++) {
		p4d_t *p4d = p4d_offset(pgd + ig, 0);
		pud_t *pud;

		if (!p4d_present(*p4d))
			continue;
		pud = pud_offset(p4d, 0);
		for (iu = 0; iu < PTRS_PER_PUD; iu++) {
			pmd_t *pmd;

			if (!pud_present(pud[iu]))
				continue;
			if (pud_leaf(pud[iu])) {
				pud_clear(&pud[iu]);
				continue;
			}
			pmd = pmd_offset(&pud[iu], 0);
			for (im = 0; im < PTRS_PER_PMD; im++) {
				if (!pmd_present(pmd[im]))
					continue;
				if (pmd_leaf(pmd[im])) {
					pmd_clear(&pmd[im]);
				} else if (kvmppc_ptw_pmd_is_4k(pmd[im])) {
					kvmppc_ptw_shadow_free_table(&vm->kvm,
								     &pmd[im],
								     true,
								     lpid);
				} else {
					pte_t *pte = pte_offset_kernel(&pmd[im],
								       0);

					memset(pte, 0, RADIX_PTE_TABLE_SIZE);
					kvmppc_pte_free(pte);
					pmd_clear(&pmd[im]);
				}
			}
			kvmppc_pmd_free(pmd);
			pud_clear(&pud[iu]);
		}
		pud_free(vm->kvm.mm, pud);
		p4d_clear(p4d);
	}
}

static void vm_fini(struct vm *vm)
{
	free_pgtable(vm, vm->shadow, SHADOW_LPID);
	free_pgtable(vm, vm->kvm.arch.pgtable, L1_LPID);
	pgd_free(vm->kvm.mm, vm->shadow);
	pgd_free(vm->kvm.mm, vm->kvm.arch.pgtable);
	EXPECT_EQ(ptw_pte_cache->live, 0);
	EXPECT_EQ(kvm_pte_cache->live, 0);
	EXPECT_EQ(kvm_pmd_cache->live, 0);
	EXPECT_EQ(PGT_CACHE(PUD_CACHE_INDEX)->live, 0);
}

/* The nested fault's sequence: allocate, then install under the lock. */
static int shadow_set(struct vm *vm, u64 gpa, u64 leaf)
{
	struct kvmppc_ptw_shadow_cache sc = { };
	int ret;

	spin_lock(&vm->kvm.mmu_lock);
	ret = kvmppc_ptw_shadow_set(&vm->kvm, vm->shadow, SHADOW_LPID, gpa,
				    leaf, &sc);
	if (ret == -EAGAIN) {
		spin_unlock(&vm->kvm.mmu_lock);
		if (kvmppc_ptw_shadow_prepare(&vm->kvm, &sc))
			abort();
		spin_lock(&vm->kvm.mmu_lock);
		ret = kvmppc_ptw_shadow_set(&vm->kvm, vm->shadow, SHADOW_LPID,
					    gpa, leaf, &sc);
	}
	kvmppc_ptw_shadow_finish(&vm->kvm, &sc);
	spin_unlock(&vm->kvm.mmu_lock);
	return ret;
}

/* KVM's own shadow leaf (level 0: 64K, 1: 2M, 2: 1G), levels allocated. */
static void kvm_put(struct vm *vm, u64 gpa, u64 pteval, unsigned int level)
{
	p4d_t *p4d = p4d_offset(vm->shadow + pgd_index(gpa), gpa);
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	if (p4d_none(*p4d))
		p4d_populate(vm->kvm.mm, p4d, pud_alloc_one(vm->kvm.mm, 0));
	pud = pud_offset(p4d, gpa);
	if (level == 2) {
		ASSERT(pud_none(*pud), "1G slot taken");
		*pud = __pud(pteval);
		return;
	}
	if (pud_none(*pud))
		pud_populate(vm->kvm.mm, pud, kvmppc_pmd_alloc());
	pmd = pmd_offset(pud, gpa);
	if (level == 1) {
		ASSERT(pmd_none(*pmd), "2M slot taken");
		*pmd = __pmd(pteval);
		return;
	}
	if (pmd_none(*pmd))
		pmd_populate_kernel(vm->kvm.mm, pmd,
				    kmem_cache_alloc(kvm_pte_cache, GFP_KERNEL));
	ASSERT(!kvmppc_ptw_pmd_is_4k(*pmd), "64K leaf into a 4K table");
	pte = pte_offset_kernel(pmd, gpa);
	*pte = __pte(pteval);
}

#define IO_ATTR		KVMPPC_PTW_IO_PTE_FLAGS
#define RAM_ATTR	(_PAGE_PRESENT | _PAGE_PTE | _PAGE_READ | _PAGE_WRITE | \
			 _PAGE_EXEC | _PAGE_PRIVILEGED | _PAGE_ACCESSED |     \
			 _PAGE_DIRTY)

static struct kvmppc_pte l1_leaf(bool r, bool w, bool x, u64 rc)
{
	struct kvmppc_pte g = { };

	g.may_read = r;
	g.may_write = w;
	g.may_execute = x;
	g.rc = rc;
	g.page_shift = 12;
	return g;
}

static u64 rnd_hpa(void)
{
	return (rnd_below(1UL << (_PAGE_PA_MAX - 12))) << 12;
}

/* Does the tree translate what @m says, and nothing else in @m's pages? */
static unsigned int check_model(struct vm *vm, const struct model *m)
{
	unsigned int i, bad = 0;

	for (i = 0; i < m->n; i++) {
		u64 off = rnd_below(SZ4K) & ~7UL;
		struct xlate x = mmu_xlate(vm->shadow, m->gpa[i] + off);

		if (!m->leaf[i]) {
			if (x.ok || x.bad)
				bad++;
			continue;
		}
		if (!x.ok || x.shift != 12 || x.pte != m->leaf[i] ||
		    x.ra != (m->leaf[i] & KVMPPC_PTW_RPN_4K_MASK) + off) {
			if (bad++ < 3)
				fprintf(stderr, "# gpa %#llx: ok %d shift %u pte %#llx want %#llx\n",
					(unsigned long long)m->gpa[i], x.ok,
					x.shift, (unsigned long long)x.pte,
					(unsigned long long)m->leaf[i]);
		}
	}
	return bad;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * The shadow leaf: every combination of the L1 leaf's permissions and
 * R/C, a store or not, over a window's and a RAM page's attributes: the
 * host 4K page, only what both allow, R/C as KVM's nested fault sets
 * them, the L0's memory attributes unchanged.
 */
TEST(leaf_permissions)
{
	static const u64 attrs[] = { IO_ATTR, RAM_ATTR, RAM_ATTR & ~_PAGE_WRITE,
				     IO_ATTR & ~_PAGE_DIRTY };
	unsigned int a, bitsel;

	for (a = 0; a < ARRAY_SIZE(attrs); a++) {
		for (bitsel = 0; bitsel < 64; bitsel++) {
			bool r = bitsel & 1, w = bitsel & 2, x = bitsel & 4;
			bool gr = bitsel & 8, gc = bitsel & 16, st = bitsel & 32;
			struct kvmppc_pte g = l1_leaf(r, w, x,
				(gr ? _PAGE_ACCESSED : 0) | (gc ? _PAGE_DIRTY : 0));
			u64 hpa = 0x3fff0001234000UL & KVMPPC_PTW_RPN_4K_MASK;
			u64 attr = attrs[a] | 0xabcde000UL;	/* stray RPN */
			u64 leaf = kvmppc_ptw_shadow_leaf(hpa | 0xfff, attr,
							  &g, st);

			EXPECT_EQ(leaf & KVMPPC_PTW_RPN_4K_MASK, hpa);
			EXPECT_EQ(!!(leaf & _PAGE_READ),
				  r && (attrs[a] & _PAGE_READ));
			/* Writable only with C: every unrecorded store faults. */
			EXPECT_EQ(!!(leaf & _PAGE_WRITE),
				  w && (attrs[a] & _PAGE_WRITE) && gc && st &&
				  (attrs[a] & _PAGE_DIRTY));
			EXPECT_EQ(!!(leaf & _PAGE_EXEC),
				  x && (attrs[a] & _PAGE_EXEC));
			EXPECT_EQ(!!(leaf & _PAGE_ACCESSED),
				  gr && (attrs[a] & _PAGE_ACCESSED));
			EXPECT_EQ(!!(leaf & _PAGE_DIRTY),
				  gc && st && (attrs[a] & _PAGE_DIRTY));
			/* Nothing the L0 did not grant; ATT, EAA as the L0's. */
			EXPECT_EQ(leaf & ~KVMPPC_PTW_RPN_4K_MASK & ~attrs[a], 0);
			EXPECT_EQ(leaf & 0x3f & ~(u64)_PAGE_EXEC & ~(u64)_PAGE_READ &
				  ~(u64)_PAGE_WRITE,
				  attrs[a] & 0x3f & ~(u64)_PAGE_EXEC &
				  ~(u64)_PAGE_READ & ~(u64)_PAGE_WRITE);
		}
	}
}

/*
 * Random 4K leaves in a shadow tree, at addresses spread over a few 2M
 * and 1G regions: each translates to its own host 4K page through a PMD
 * entry with NLS 9, a re-install is a no-op, a changed page is
 * invalidated at 4K before the new one goes in, and an upgrade (W, C)
 * only adds bits.
 */
TEST(set_random)
{
	static struct model m;
	struct vm vm;
	unsigned int round, i, bad = 0;

	seed_rng("set_random", 0x5eed0001);
	for (round = 0; round < 200 && !bad; round++) {
		vm_init(&vm);
		m.n = 0;
		for (i = 0; i < 1 + rnd_below(300); i++) {
			u64 gpa = (rnd_below(3) * SZ1G + rnd_below(4) * SZ2M +
				   rnd_below(512) * SZ4K) |
				  (rnd_below(2) ? 0 : (u64)rnd_below(1 << 12) << 30);
			struct kvmppc_pte g = l1_leaf(true, rnd_below(2), false,
						      _PAGE_ACCESSED | _PAGE_DIRTY);
			u64 leaf = kvmppc_ptw_shadow_leaf(rnd_hpa(), IO_ATTR,
							  &g, true);
			unsigned int j, before = ev.n;

			gpa &= (1UL << 52) - 1;
			for (j = 0; j < m.n && m.gpa[j] != gpa; j++)
				;
			if (j == m.n) {
				if (m.n == MAX_LEAVES)
					continue;
				m.gpa[m.n] = gpa;
				m.leaf[m.n++] = 0;
			}
			EXPECT_EQ(shadow_set(&vm, gpa, leaf), 0);
			if (m.leaf[j] && ((m.leaf[j] ^ leaf) & ~SHADOW_MAY_ADD)) {
				EXPECT(ev.n == before + 1 && tlbied(gpa, 12),
				       "replaced leaf at %#llx not invalidated",
				       (unsigned long long)gpa);
				m.leaf[j] = leaf;
			} else {
				EXPECT_EQ(ev.n, before);
				m.leaf[j] |= leaf;
			}
		}
		bad += check_model(&vm, &m);
		EXPECT_EQ(nr_stale(), 0);
		/* Re-installing every leaf changes nothing. */
		i = ev.n;
		for (unsigned int j = 0; j < m.n; j++)
			EXPECT_EQ(shadow_set(&vm, m.gpa[j], m.leaf[j]), 0);
		EXPECT_EQ(ev.n, i);
		bad += check_model(&vm, &m);
		vm_fini(&vm);
	}
	EXPECT_EQ(bad, 0);
}

/*
 * find_kvm_nested_guest_pte() as patched: in our region the 4K leaf of
 * the address with shift 12 (every one of the 512), in KVM's region what
 * KVM's walk found.
 */
TEST(find_sees_4k_leaves)
{
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	struct vm vm;
	unsigned int i, shift;
	pte_t dummy, *p;

	vm_init(&vm);
	for (i = 0; i < 512; i += 7)
		EXPECT_EQ(shadow_set(&vm, SZ1G + i * SZ4K,
				     kvmppc_ptw_shadow_leaf((0x100000 + i) * SZ4K,
							    IO_ATTR, &g, true)), 0);
	kvm_put(&vm, 2 * SZ1G + SZ64K, 0x200000000UL | RAM_ATTR, 0);
	spin_lock(&vm.kvm.mmu_lock);
	for (i = 0; i < 512; i++) {
		shift = 0;
		p = kvmppc_ptw_shadow_find(vm.shadow, SZ1G + i * SZ4K + 0x18,
					   &dummy, &shift);
		EXPECT(p != &dummy && shift == 12, "entry %u", i);
		if (p == &dummy)
			continue;
		EXPECT_EQ(pte_val(*p), i % 7 ? 0 :
			  kvmppc_ptw_shadow_leaf((0x100000 + i) * SZ4K,
						 IO_ATTR, &g, true));
	}
	shift = 0;
	EXPECT(kvmppc_ptw_shadow_find(vm.shadow, 2 * SZ1G + SZ64K, &dummy,
				      &shift) == &dummy && !shift,
	       "KVM's table must be left to KVM's walk");
	EXPECT(kvmppc_ptw_shadow_find(vm.shadow, 5 * SZ1G, &dummy,
				      &shift) == &dummy, "empty");
	spin_unlock(&vm.kvm.mmu_lock);
	vm_fini(&vm);
}

/*
 * An L1 tlbie of a nested guest address in our region: exactly the 16
 * leaves of its host page go, each invalidated at 4K at its own address
 * after it was cleared; the neighbours stay.
 */
TEST(tlbie_clears_host_page)
{
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	struct vm vm;
	u64 base = 3 * SZ1G + 5 * SZ2M, gpa;
	unsigned int i;
	bool any;

	vm_init(&vm);
	for (i = 0; i < 64; i++)
		EXPECT_EQ(shadow_set(&vm, base + i * SZ4K,
				     kvmppc_ptw_shadow_leaf(0x40000000 + i * SZ4K,
							    IO_ATTR, &g, true)), 0);
	spin_lock(&vm.kvm.mmu_lock);
	any = kvmppc_ptw_shadow_unmap_page(&vm.kvm, vm.shadow,
					   base + SZ64K + 0x3456, SHADOW_LPID);
	spin_unlock(&vm.kvm.mmu_lock);
	EXPECT(any, "leaves were present");
	EXPECT_EQ(ev.n, 16);
	EXPECT_EQ(nr_stale(), 0);
	for (i = 0; i < 64; i++) {
		gpa = base + i * SZ4K;
		EXPECT_EQ(mmu_xlate(vm.shadow, gpa).ok, i < 16 || i >= 32);
		if (i >= 16 && i < 32)
			EXPECT(tlbied(gpa, 12), "leaf %u not invalidated", i);
	}
	/* Nothing there any more: nothing to do, and KVM's region: false. */
	spin_lock(&vm.kvm.mmu_lock);
	EXPECT(!kvmppc_ptw_shadow_unmap_page(&vm.kvm, vm.shadow, base + SZ64K,
					     SHADOW_LPID), "second time");
	EXPECT(!kvmppc_ptw_shadow_unmap_page(&vm.kvm, vm.shadow, 7 * SZ1G,
					     SHADOW_LPID), "no table");
	spin_unlock(&vm.kvm.mmu_lock);
	EXPECT_EQ(ev.n, 16);
	vm_fini(&vm);
}

/*
 * What is in the way of a 4K leaf goes: KVM's 64K table (each leaf
 * invalidated at 64K, the table back to KVM's cache zeroed after a
 * page-walk-cache flush), a 2M leaf (at 2M), a 1G leaf (at 1G).
 */
TEST(set_drops_kvm_entries)
{
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	u64 leaf = kvmppc_ptw_shadow_leaf(0x80000000, IO_ATTR, &g, true);
	struct vm vm;
	unsigned int i;

	vm_init(&vm);
	for (i = 0; i < 32; i += 3)
		kvm_put(&vm, SZ2M + i * SZ64K, (0x100000000UL + i * SZ64K) |
			RAM_ATTR, 0);
	EXPECT_EQ(kvm_pte_cache->live, 1);
	EXPECT_EQ(shadow_set(&vm, SZ2M + 0x5000, leaf), 0);
	EXPECT_EQ(kvm_pte_cache->live, 0);
	EXPECT_EQ(ev.pwc, 1);
	for (i = 0; i < 32; i += 3)
		EXPECT(tlbied(SZ2M + i * SZ64K, 16), "64K leaf %u", i);
	EXPECT_EQ(ev.n, 11);
	EXPECT_EQ(mmu_xlate(vm.shadow, SZ2M + 0x5008).ra, 0x80000008);
	EXPECT(!mmu_xlate(vm.shadow, SZ2M).ok, "old 64K leaf still maps");

	kvm_put(&vm, 4 * SZ2M, 0x40000000UL | RAM_ATTR | R_PTE_LEAF, 1);
	EXPECT_EQ(shadow_set(&vm, 4 * SZ2M + SZ4K, leaf), 0);
	EXPECT(tlbied(4 * SZ2M, PMD_SHIFT), "2M leaf");
	kvm_put(&vm, 2 * SZ1G, 0x40000000UL | RAM_ATTR | R_PTE_LEAF, 2);
	EXPECT_EQ(shadow_set(&vm, 2 * SZ1G + SZ2M, leaf), 0);
	EXPECT(tlbied(2 * SZ1G, PUD_SHIFT), "1G leaf");
	EXPECT(!mmu_xlate(vm.shadow, 2 * SZ1G).ok, "1G leaf still maps");
	EXPECT_EQ(mmu_xlate(vm.shadow, 2 * SZ1G + SZ2M).shift, 12);
	EXPECT_EQ(nr_stale(), 0);
	vm_fini(&vm);
}

/*
 * kvmppc_create_pte() as patched, on a shadow tree: before a 64K or 2M
 * entry, our table of that 2M region goes; before a 1G leaf, every one
 * of our tables under it; each leaf invalidated at 4K first, then the
 * entry cleared and the walk cache flushed before the table is freed.
 * Other regions keep theirs.
 */
TEST(make_room)
{
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	struct vm vm;
	unsigned int i, level;
	bool r;

	for (level = 0; level < 3; level++) {
		vm_init(&vm);
		for (i = 0; i < 6; i++)
			EXPECT_EQ(shadow_set(&vm, SZ1G + i * SZ2M + i * SZ4K,
					     kvmppc_ptw_shadow_leaf(0x200000 * (i + 1),
								    IO_ATTR, &g,
								    true)), 0);
		EXPECT_EQ(shadow_set(&vm, 3 * SZ1G, kvmppc_ptw_shadow_leaf(
					     0x123000, IO_ATTR, &g, true)), 0);
		EXPECT_EQ(ptw_pte_cache->live, 7);
		spin_lock(&vm.kvm.mmu_lock);
		r = kvmppc_ptw_shadow_make_room(&vm.kvm, vm.shadow,
						SZ1G + 2 * SZ2M + SZ64K, level,
						SHADOW_LPID);
		EXPECT(r, "level %u", level);
		EXPECT(!kvmppc_ptw_shadow_make_room(&vm.kvm, vm.shadow,
						    5 * SZ1G, level,
						    SHADOW_LPID), "nothing");
		spin_unlock(&vm.kvm.mmu_lock);
		EXPECT_EQ(ptw_pte_cache->live, level == 2 ? 1 : 6);
		EXPECT_EQ(ev.pwc, level == 2 ? 6 : 1);
		for (i = 0; i < 6; i++) {
			bool gone = level == 2 || i == 2;

			EXPECT_EQ(mmu_xlate(vm.shadow, SZ1G + i * SZ2M +
					    i * SZ4K).ok, !gone);
			if (gone)
				EXPECT(tlbied(SZ1G + i * SZ2M + i * SZ4K, 12),
				       "leaf %u", i);
		}
		EXPECT_EQ(mmu_xlate(vm.shadow, 3 * SZ1G).ra, 0x123000);
		EXPECT_EQ(nr_stale(), 0);
		vm_fini(&vm);
	}
}

/*
 * A window of the L1 VM stops mapping: every shadow leaf onto its host
 * range goes (invalidated at 4K at its nested address), every other
 * stays, in 500 random trees.
 */
TEST(unmap_host_range_random)
{
	static struct model m;
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	unsigned int round, i, bad = 0, removed;
	struct vm vm;
	u64 start, end;

	seed_rng("unmap_host_range_random", 0x5eed0002);
	for (round = 0; round < 500; round++) {
		vm_init(&vm);
		m.n = 0;
		start = (0x100000 + rnd_below(64)) * SZ4K;
		end = start + (1 + rnd_below(40)) * SZ4K;
		for (i = 0; i < 1 + rnd_below(200) && m.n < MAX_LEAVES; i++) {
			u64 gpa = rnd_below(4) * SZ1G + rnd_below(8) * SZ2M +
				  rnd_below(512) * SZ4K;
			u64 hpa = (0x100000 - 20 + rnd_below(128)) * SZ4K;
			unsigned int j;

			for (j = 0; j < m.n && m.gpa[j] != gpa; j++)
				;
			if (j < m.n)
				continue;
			m.gpa[m.n] = gpa;
			m.leaf[m.n] = kvmppc_ptw_shadow_leaf(hpa, IO_ATTR, &g,
							     true);
			EXPECT_EQ(shadow_set(&vm, gpa, m.leaf[m.n]), 0);
			m.n++;
		}
		ev.n = 0;
		spin_lock(&vm.kvm.mmu_lock);
		kvmppc_ptw_shadow_unmap_hpa(&vm.kvm, vm.shadow, SHADOW_LPID,
					    start, end);
		spin_unlock(&vm.kvm.mmu_lock);
		removed = 0;
		for (i = 0; i < m.n; i++) {
			u64 ra = m.leaf[i] & KVMPPC_PTW_RPN_4K_MASK;

			if (ra >= start && ra < end) {
				removed++;
				if (!tlbied(m.gpa[i], 12))
					bad++;
				m.leaf[i] = 0;
			}
		}
		EXPECT_EQ(ev.n, removed);
		bad += check_model(&vm, &m);
		EXPECT_EQ(nr_stale(), 0);
		vm_fini(&vm);
	}
	EXPECT_EQ(bad, 0);
}

/*
 * The whole shadow tree freed (nested guest gone, flushed, its LPID
 * invalidated by the L1): our tables go back to their own cache, KVM's to
 * KVM's (the caches' live counts in vm_fini() and the constructor check
 * of KVM's PTE cache catch a table freed to the wrong one).
 */
TEST(free_with_tree)
{
	struct kvmppc_pte g = l1_leaf(true, true, false,
				      _PAGE_ACCESSED | _PAGE_DIRTY);
	struct vm vm;
	unsigned int i;

	vm_init(&vm);
	for (i = 0; i < 40; i++)
		EXPECT_EQ(shadow_set(&vm, i * SZ2M * 13 + i * SZ4K,
				     kvmppc_ptw_shadow_leaf(0x1000000 + i * SZ4K,
							    IO_ATTR, &g, true)), 0);
	for (i = 0; i < 10; i++)
		kvm_put(&vm, i * SZ2M * 13 + SZ2M, 0x100000000UL | RAM_ATTR, 0);
	EXPECT_EQ(ptw_pte_cache->live, 40);
	vm_fini(&vm);
}
