// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the 4K and 64K IO mappings in the hashed page table (HPT) of a
 * hash guest (arch/powerpc/kvm/book3s_hv_ptw_hpt.c), compiled here
 * unmodified together with the page classifier (book3s_ptw_classify.c).
 *
 * A hash guest maps its BAR pages with H_ENTER; KVM stores an emulated-MMIO
 * HPTE for each (ABSENT, not valid, key 31) and the fault path offers the
 * first access to the window code, which makes the HPTE valid in place.
 * Here a guest enters HPTEs as kvmppc_do_h_enter() would (the test's own
 * model of it), the fault path of kvmppc_book3s_hv_page_fault() and
 * kvmppc_ptw_hpt_fault() reads them and calls kvmppc_ptw_hpt_map(), and
 * the result is read back by a software hash MMU that decodes the raw
 * big-endian HPTEs as the POWER ISA defines them, in the old (POWER7/8)
 * format or, with CPU_FTR_ARCH_300 set at run time, in the ISA v3.0 one:
 * an SLB entry (VSID, 256M or 1T segment, base page size, Ks/Kp) and an
 * effective address give the primary and secondary hash groups (hashed
 * with the base page size: an MPSS HPTE, such as 64K in a 4K segment, is
 * found through the base page the guest entered it for, and the TLB entry
 * it loads covers its whole actual page); an HPTE matches on V, H, B,
 * AVPN and page size (L, LP); PP/PP0 and the key bit decide the access;
 * the real address is the ARPN and the offset in the actual page.
 *
 * The fault path is modelled after kvmppc_ptw_hpt_fault() (not compiled
 * here): a 4K guest HPTE of a DIRECT or MAP4K page maps the host 4K page;
 * a 64K one (base 4K or 64K) of a DIRECT page of a window with 64K host
 * pages maps the host 64K page, keeping the guest's LP; every other size
 * and class is declined (counted as the kernel counts: maps_direct,
 * maps_4k, vmm_exits; -EAGAIN not at all). Every guest byte probed must
 * translate exactly when that says mapped: onto host BAR + (guest address
 * - guest BAR), never outside the host BAR nor onto an MSI-X table or PBA
 * byte, with the guest's protection and page size and a cache-inhibited,
 * guarded page; and not at all otherwise. Random and exhaustive layouts
 * enter 64K HPTEs (both base sizes) for many DIRECT pages, and some of
 * every size elsewhere; some random windows have 4K host pages. Beyond
 * the translations, the test keeps
 * a model of the whole HPT and reverse map (what every byte must hold
 * after each step) and compares them byte for byte, so a decline that
 * writes anything, or an unmap that touches another entry, fails. Every
 * invalidation goes through kvmppc_invalidate_hpte(), recorded here: its
 * HPTE must be locked and ABSENT, and its tlbie operand must name the
 * virtual page the guest mapped, with its size (AP, or L and LP; computed
 * from the guest's SLB entry and effective address, not from the HPTE).
 * An unmap restores the window HPTEs (4K or 64K) whose guest page starts
 * in its range, and keeps the records of valid HPTEs of a size it maps (4K
 * in a 4K segment, 64K with a 4K or 64K base page) outside it, dropping
 * the others.
 *
 * Also modelled, after KVM 6.1: H_REMOVE, H_PROTECT (a valid HPTE is never
 * made more permissive, so a widened window page faults and is refilled),
 * the hardware setting R and C, an HTAB fd watching (hpte_mod_interest),
 * and the rehash of an HPT resize (resize_hpt_rehash_hpte() with the
 * kvmppc_ptw_hpte_unmap_locked() hook and its BUG_ON()s), 64K window
 * HPTEs included.
 *
 * A vCPU may be in the fault path while an HPT resize pivots to a smaller
 * table (map_during_shrinking_resize_*): kvmppc_ptw_hpt_map() must not
 * index the new table with the old table's index (it did, and these tests
 * found it).
 *
 * Random tests print their seed; set KVM_PT_SEED to replay one.
 *
 * PTW_HPT_PLANT=<n> (-D, this file only) plants a bug in the kernel code
 * as compiled here, by redefining what it calls; each must make tests
 * fail. See the list below.
 */
#define HARNESS_MAIN
#include "harness.h"
#include "harness_rand.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm_host.h>
#include <linux/xarray.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_book3s_64.h>

#include "../../../arch/powerpc/kvm/book3s_ptw_classify.c"

/*
 * Planted bugs, for convincing oneself that the checks bite:
 *  1 mmio_update never bumped          2 no tlbie (invalidation skipped)
 *  3 WIMG without G                    4 B not moved to doubleword 1 (v3.0)
 *  5 HTAB fd not told (no GR_MODIFIED) 6 records never dropped
 *  7 always the old HPTE format         8 HVLOCK not masked when reading
 *  9 no bound check of record indices 10 64K-in-4K pages taken for 4K
 * 11 R/C neither kept nor harvested    12 maps while the HPT is resized
 * 13 the map keeps 0xfff of the guest's low bits, not psize - 1 (no LP)
 * 14 the caller (the test's model of kvmppc_ptw_hpt_fault()) maps 64K
 *    HPTEs of MAP4K pages too, with the host 64K page around the 4K one
 */
#ifdef PTW_HPT_PLANT
#if PTW_HPT_PLANT == 1
#define atomic64_inc(v)		((void)(v))
#elif PTW_HPT_PLANT == 2
#define kvmppc_invalidate_hpte(k, h, i) \
	((void)(k), (h)[0] &= ~cpu_to_be64(HPTE_V_VALID), (void)(i))
#elif PTW_HPT_PLANT == 3
#undef HPTE_R_G
#define HPTE_R_G		0UL
#elif PTW_HPT_PLANT == 4
#define hpte_old_to_new_r(v, r)	((void)(v), (r))
#elif PTW_HPT_PLANT == 5
#define note_hpte_modification(k, r) ((void)(k), (void)(r))
#elif PTW_HPT_PLANT == 6
#define xa_erase(xa, i)		xa_load(xa, i)
#elif PTW_HPT_PLANT == 7
#define cpu_has_feature(f)	((void)(f), false)
#elif PTW_HPT_PLANT == 8
#undef HPTE_V_HVLOCK
#define HPTE_V_HVLOCK		0UL
#elif PTW_HPT_PLANT == 9
#define kvmppc_hpt_npte(h)	((void)(h), ~0UL)
#elif PTW_HPT_PLANT == 10
#define kvmppc_actual_pgsz(v, r) \
	(kvmppc_actual_pgsz(v, r) ? PTW_4K : 0)
#elif PTW_HPT_PLANT == 11
#undef HPTE_R_C
#define HPTE_R_C		0UL
#undef HPTE_R_R
#define HPTE_R_R		0UL
#elif PTW_HPT_PLANT == 12
#define mmu_ready		hpt.order
#elif PTW_HPT_PLANT == 13
/* WIMG is cleared just before the host page goes in: take LP with it */
#undef HPTE_R_WIMG
#define HPTE_R_WIMG		(SHIM_IBM_BITS(57, 60) | SHIM_IBM_BITS(48, 51))
#endif
#endif

#include "../../../arch/powerpc/kvm/book3s_hv_ptw_hpt.c"

#ifdef PTW_HPT_PLANT
#undef atomic64_inc
#undef kvmppc_invalidate_hpte
#undef note_hpte_modification
#undef xa_erase
#undef cpu_has_feature
#undef kvmppc_hpt_npte
#undef kvmppc_actual_pgsz
#undef mmu_ready
#undef hpte_old_to_new_r
#undef HPTE_R_G
#define HPTE_R_G		SHIM_IBM_BIT(60)
#undef HPTE_V_HVLOCK
#define HPTE_V_HVLOCK		SHIM_IBM_BIT(57)
#undef HPTE_R_R
#define HPTE_R_R		SHIM_IBM_BIT(55)
#undef HPTE_R_C
#define HPTE_R_C		SHIM_IBM_BIT(56)
#undef HPTE_R_WIMG
#define HPTE_R_WIMG		SHIM_IBM_BITS(57, 60)
#endif

#include "harness_layouts.h"

#define SZ4K		((u64)1 << 12)
#define SZ64K		((u64)1 << 16)
#define SZ16M		((u64)1 << 24)
#define KB		((u64)1024)
#define MB		(1024 * KB)
#define GB		(1024 * MB)
#define GPA_TOP		((u64)1 << 52)
#define HPA_TOP		((u64)1 << 57)	/* the ISA v3.0 ARPN field */
#define TEST_LPID	0x2a
#define KEY_MMIO	31		/* kvmppc_do_h_enter()'s emulated MMIO */
#define MAX_WINS	8

/* ---------------------------------------------------------------------- */
/* Random numbers: rnd(), rnd_below(), seed_rng() of harness_rand.h       */
/* ---------------------------------------------------------------------- */

static bool rnd_bool(void)
{
	return rnd() & 1;
}

/* ---------------------------------------------------------------------- */
/* The HPTE as the hardware reads it                                      */
/* ---------------------------------------------------------------------- */

/*
 * The fields of a raw HPTE, decoded here with the ISA's bit positions
 * (written out, not the shim's macros): bit b in the ISA's numbering is
 * bit 63 - b of the value.
 */
struct hw_hpte {
	bool v, h, l;
	unsigned int sw;	/* dw0 57:60: KVM's HVLOCK, ABSENT, BOLTED, LOCK */
	unsigned int b;		/* segment size */
	u64 avpn;		/* VA >> 23, as many bits as the format has */
	u64 rpn;		/* ARPN, as an address */
	unsigned int pp;	/* PP0 || PP */
	unsigned int key;	/* key[0:4] */
	bool ts, r, c, n;
	unsigned int wimg;
	u64 reserved;		/* reserved bits found set */
	unsigned int lp8;	/* dw1 44:51 */
};

#define SW_HVLOCK	0x8
#define SW_ABSENT	0x4
#define SW_BOLTED	0x2
#define SW_LOCK		0x1
#define WIMG_I		0x4
#define WIMG_G		0x1

static void hw_decode(u64 d0, u64 d1, bool p9, struct hw_hpte *h)
{
	memset(h, 0, sizeof(*h));
	h->v = d0 & 1;
	h->h = (d0 >> 1) & 1;
	h->l = (d0 >> 2) & 1;
	h->sw = (d0 >> 3) & 0xf;
	if (p9) {
		h->b = (d1 >> 58) & 3;		/* dw1 4:5 */
		h->avpn = (d0 >> 7) & (((u64)1 << 45) - 1);	/* dw0 12:56 */
		h->rpn = d1 & 0x01fffffffffff000ULL;	/* dw1 7:51 */
		h->reserved = (d0 & 0xfff0000000000000ULL) |
			      (d1 & 0x0200000000000000ULL);	/* 0:11, 6 */
	} else {
		h->b = d0 >> 62;
		h->avpn = (d0 >> 7) & (((u64)1 << 55) - 1);	/* dw0 2:56 */
		h->rpn = d1 & 0x0ffffffffffff000ULL;	/* dw1 4:51 */
	}
	h->pp = (d1 & 3) | (unsigned int)(d1 >> 63) << 2;
	h->ts = (d1 >> 62) & 1;
	h->key = (unsigned int)((d1 >> 60) & 3) << 3 | ((d1 >> 9) & 7);
	h->r = (d1 >> 8) & 1;
	h->c = (d1 >> 7) & 1;
	h->wimg = (d1 >> 3) & 0xf;
	h->n = (d1 >> 2) & 1;
	h->lp8 = (d1 >> 12) & 0xff;
}

/*
 * Base and actual page shift of an HPTE, from L and LP (POWER8/POWER9
 * User's Manuals, supported page sizes); 0 for an encoding they lack.
 */
static void hw_page_shifts(const struct hw_hpte *h, unsigned int *base,
			   unsigned int *actual)
{
	static const struct { unsigned int mask, val, base, actual; } lp[] = {
		{ 0x0f, 0x01, 16, 16 }, { 0x0f, 0x07, 12, 16 },
		{ 0xff, 0x00, 24, 24 }, { 0xff, 0x38, 12, 24 },
		{ 0xff, 0x08, 16, 24 },
	};
	unsigned int i;

	*base = *actual = 0;
	if (!h->l) {
		*base = *actual = 12;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lp); i++) {
		if ((h->lp8 & lp[i].mask) == lp[i].val) {
			*base = lp[i].base;
			*actual = lp[i].actual;
			return;
		}
	}
}

/*
 * Storage protection (ISA Book III, "Storage Protection, Address
 * Translation Enabled"): PP0 || PP with the key bit (Ks or Kp).
 */
static bool pp_allows(unsigned int pp, bool key, bool store)
{
	if (!key) {
		switch (pp) {
		case 0: case 1: case 2:
			return true;
		case 3: case 6:
			return !store;
		}
		return false;
	}
	switch (pp) {
	case 1: case 3:
		return !store;
	case 2:
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Segments, hashing and the software MMU                                 */
/* ---------------------------------------------------------------------- */

/* An SLB entry. */
struct slbe {
	u64 esid;		/* EA >> segment shift */
	u64 vsid;
	unsigned int ssize;	/* MMU_SEGSIZE_256M or MMU_SEGSIZE_1T */
	unsigned int bshift;	/* base page size (SLB L || LP) */
	bool ks, kp, n;
};

static unsigned int seg_shift(const struct slbe *s)
{
	return s->ssize == MMU_SEGSIZE_1T ? 40 : 28;
}

/* The 78-bit virtual address of @ea. */
static unsigned __int128 slb_va(const struct slbe *s, u64 ea)
{
	unsigned int sh = seg_shift(s);

	return ((unsigned __int128)s->vsid << sh) | (ea & ((1ULL << sh) - 1));
}

/*
 * The primary hash of @ea for pages of 2^@pshift bytes (ISA: 39 bits; 1T:
 * the VSID also shifted by 25). The MMU hashes with the segment's base
 * page size whatever the actual page size (ISA, Page Table Search; so do
 * QEMU, KVM's own searches and resize_hpt_rehash_hpte(), and Linux for
 * MPSS pages): an HPTE whose actual page is larger than the base page
 * (64K in a 4K segment) is found through the one base page it was entered
 * for, and the TLB entry it loads covers the whole actual page.
 */
static u64 slb_hash(const struct slbe *s, u64 ea, unsigned int pshift)
{
	unsigned int sh = seg_shift(s);
	u64 page = (ea & ((1ULL << sh) - 1)) >> pshift;
	u64 hash = s->vsid ^ page;

	if (s->ssize == MMU_SEGSIZE_1T)
		hash ^= s->vsid << 25;
	return hash & ((1ULL << 39) - 1);
}

/*
 * The tlbie operand (ISA v3.0B Book III, tlbie, HPT) that invalidates the
 * page of 2^@ashift bytes (base page 2^@bshift, LP @lp in the low ARPN
 * bits) entered for the base page at @ea. L = 0 (4K base): RB 0:51 =
 * VA[14:65], AP in RB 56:58 (0b101 64K, 0b100 16M). L = 1: RB 0:(63 -
 * a) = the VA above the actual page, LP below it, AVAL (RB 56:62) =
 * VA[58:64] above the base page, L = 1. B in RB 54:55.
 */
static u64 want_rb_sz(const struct slbe *s, u64 ea, unsigned int bshift,
		      unsigned int ashift, u64 lp)
{
	u64 va12 = (u64)(slb_va(s, ea) >> 12), rb;

	if (bshift == 12) {
		rb = va12 << 12;
		if (ashift == 16)
			rb |= 5 << 5;
		else if (ashift == 24)
			rb |= 4 << 5;
	} else {
		rb = (va12 << 12) & ~((1ULL << ashift) - 1);
		rb |= lp & 0xff000 & ((1ULL << ashift) - 1);
		rb |= va12 & 0xfe & ~((1ULL << (bshift - 12)) - 1);
		rb |= 1;
	}
	return rb | ((u64)s->ssize << 8);
}

/*
 * Whether tlbie operand @rb is @want, but for the VA bits below the
 * actual page of an L = 0 operand, which the ISA ignores (the kernel
 * fills them from the hash: the base page the HPTE was entered for).
 */
static bool rb_is(u64 rb, u64 want, unsigned int bshift, unsigned int ashift)
{
	u64 ignored = bshift == 12 ? ((1ULL << ashift) - 1) & ~0xfffULL : 0;

	return !((rb ^ want) & ~ignored);
}

/* The tlbie operand that invalidates the 4K page at @ea (L = 0, AP 0). */
static u64 want_rb(const struct slbe *s, u64 ea)
{
	return want_rb_sz(s, ea, 12, 12, 0);
}

enum hfault { HX_OK, HX_MISS, HX_PROT, HX_MULTI, HX_ABSENT };

static const char *const hfault_name[] = {
	"translated", "no HPTE", "protection", "several HPTEs", "ABSENT HPTE",
};

enum acc { ACC_LOAD, ACC_STORE, ACC_FETCH };

struct hx {
	enum hfault fault;
	unsigned long index;
	unsigned int ashift;
	u64 ra;
	struct hw_hpte h;
};

static __be64 *hpte_at(const struct kvm_hpt_info *hpt, unsigned long index)
{
	return (__be64 *)(hpt->virt + (index << 4));
}

/*
 * Translate @ea through the HPT of @kvm as the MMU does: search the
 * primary then the secondary group of @hash_ea (hashed with the base page
 * size) for a valid HPTE (or, @absent_too, one that KVM marked ABSENT:
 * what kvmppc_hpte_hv_fault() looks for) whose B, AVPN, H and base page
 * size match and whose actual page size is one the segment may hold;
 * then check the access. More than one match is an error in itself (the
 * ISA leaves the result undefined). @hash_ea is @ea, or for an MPSS page
 * another byte of its actual page: the TLB entry its HPTE loaded.
 */
static unsigned int mmu_search(const struct kvm_hpt_info *hpt, bool p9,
			       const struct slbe *s, u64 ea, u64 hash_ea,
			       bool absent_too, struct hx *x)
{
	u64 mask = (1ULL << (hpt->order - 7)) - 1;
	u64 hash = slb_hash(s, hash_ea, s->bshift);
	u64 avpn = (u64)(slb_va(s, ea) >> 23);
	unsigned int matches = 0;
	unsigned int sec, i;

	if (p9)
		avpn &= ((u64)1 << 45) - 1;
	for (sec = 0; sec < 2; sec++) {
		u64 group = (sec ? ~hash : hash) & mask;

		for (i = 0; i < HPTES_PER_GROUP; i++) {
			unsigned long index = group * HPTES_PER_GROUP + i;
			const __be64 *p = hpte_at(hpt, index);
			struct hw_hpte h;
			unsigned int base, actual;
			u64 low;

			hw_decode(be64_to_cpu(__atomic_load_n(&p[0],
							      __ATOMIC_ACQUIRE)),
				  be64_to_cpu(p[1]), p9, &h);
			if (!h.v && !(absent_too && (h.sw & SW_ABSENT)))
				continue;
			if (h.h != sec || h.b != s->ssize)
				continue;
			hw_page_shifts(&h, &base, &actual);
			if (base != s->bshift || !actual)
				continue;
			/* AVPN bits inside a page of over 8M are not compared */
			low = actual > 23 ? (1ULL << (actual - 23)) - 1 : 0;
			if ((h.avpn & ~low) != (avpn & ~low))
				continue;
			/* the TLB entry covers @ea only in the same page */
			if ((ea ^ hash_ea) >> actual)
				continue;
			if (matches++)
				continue;
			x->index = index;
			x->h = h;
			x->ashift = actual;
			x->ra = (h.rpn & ~((1ULL << actual) - 1)) |
				(ea & ((1ULL << actual) - 1));
		}
	}
	return matches;
}

static enum hfault mmu_xlate_via(const struct kvm *kvm, bool p9,
				 const struct slbe *s, u64 ea, u64 hash_ea,
				 enum acc acc, bool pr, bool absent_too,
				 struct hx *x)
{
	unsigned int matches;

	x->fault = HX_MISS;
	matches = mmu_search(&kvm->arch.hpt, p9, s, ea, hash_ea, absent_too,
			     x);
	if (!matches)
		return x->fault;
	x->fault = HX_MULTI;
	if (matches > 1)
		return x->fault;
	x->fault = HX_ABSENT;
	if (!x->h.v)
		return x->fault;
	x->fault = HX_PROT;
	if (!pp_allows(x->h.pp, pr ? s->kp : s->ks, acc == ACC_STORE))
		return x->fault;
	/* No instruction fetch from no-execute or guarded storage. */
	if (acc == ACC_FETCH && (x->h.n || s->n || (x->h.wimg & WIMG_G)))
		return x->fault;
	x->fault = HX_OK;
	return x->fault;
}

static enum hfault mmu_xlate(const struct kvm *kvm, bool p9,
			     const struct slbe *s, u64 ea, enum acc acc,
			     bool pr, bool absent_too, struct hx *x)
{
	return mmu_xlate_via(kvm, p9, s, ea, ea, acc, pr, absent_too, x);
}

/* ---------------------------------------------------------------------- */
/* Recording invalidations and trace events                               */
/* ---------------------------------------------------------------------- */

struct tlbie_ev {
	unsigned long index;
	u64 rb;
	u64 d0, d1;		/* the HPTE when called, CPU order */
	bool ptr_ok;		/* @hptep is HPTE @index of kvm->arch.hpt */
};

static struct {
	struct tlbie_ev *v;
	size_t n, cap;
	unsigned long trace_unmaps;
	unsigned long bad_state;	/* called on an unlocked or !ABSENT HPTE */
} evs;

static void ev_reset(void)
{
	evs.n = 0;
	evs.trace_unmaps = 0;
}

/*
 * kvmppc_invalidate_hpte() of book3s_hv_rm_mmu.c: clear V and tlbie the
 * translation; here the tlbie is recorded with the HPTE as it was found.
 * Its callers must hold the HPTE lock and have set ABSENT (so that no
 * other path takes the entry for a valid one meanwhile): counted in
 * evs.bad_state otherwise, which vm_fini() checks.
 */
void kvmppc_invalidate_hpte(struct kvm *kvm, __be64 *hptep,
			    unsigned long pte_index)
{
	struct tlbie_ev e = { .index = pte_index };
	u64 v, r;

	e.d0 = be64_to_cpu(hptep[0]);
	e.d1 = be64_to_cpu(hptep[1]);
	e.ptr_ok = hptep == hpte_at(&kvm->arch.hpt, pte_index);
	if (!(e.d0 & HPTE_V_HVLOCK) || !(e.d0 & HPTE_V_ABSENT))
		evs.bad_state++;
	hptep[0] &= ~cpu_to_be64(HPTE_V_VALID);
	v = be64_to_cpu(hptep[0]);
	r = be64_to_cpu(hptep[1]);
	if (cpu_has_feature(CPU_FTR_ARCH_300)) {
		v = hpte_new_to_old_v(v, r);
		r = hpte_new_to_old_r(r);
	}
	e.rb = compute_tlbie_rb(v, r, pte_index);
	if (evs.n == evs.cap) {
		evs.cap = evs.cap ? 2 * evs.cap : 256;
		evs.v = realloc(evs.v, evs.cap * sizeof(*evs.v));
		if (!evs.v)
			abort();
	}
	evs.v[evs.n++] = e;
}

static void trace_hook(const char *event)
{
	if (!strcmp(event, "kvm_ptw_unmap"))
		evs.trace_unmaps++;
}

/* ---------------------------------------------------------------------- */
/* Windows                                                                */
/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* The guest's HPTEs                                                      */
/* ---------------------------------------------------------------------- */

/* Page sizes a guest HPTE may have: base (the segment's) and actual. */
enum gsize { G4K, G64K_IN_4K, G16M_IN_4K, G64K, G16M_IN_64K, G16M, NGSIZE };

static const struct {
	unsigned int bshift, ashift;
	u64 lp;		/* LP, in the low ARPN bits */
	const char *name;
} gsz[NGSIZE] = {
	[G4K]		= { 12, 12, 0,       "4K" },
	[G64K_IN_4K]	= { 12, 16, 0x7000,  "64K in a 4K segment" },
	[G16M_IN_4K]	= { 12, 24, 0x38000, "16M in a 4K segment" },
	[G64K]		= { 16, 16, 0x1000,  "64K" },
	[G16M_IN_64K]	= { 16, 24, 0x08000, "16M in a 64K segment" },
	[G16M]		= { 24, 24, 0,       "16M" },
};

/* One HPTE the guest entered with H_ENTER, and what became of it. */
struct gpte {
	struct slbe slb;
	enum gsize sz;
	u64 ea, gpa;		/* first byte of the page */
	u64 hea;		/* the base page it was entered for (hashed) */
	u64 pteh, ptel;		/* as passed to H_ENTER (old format) */
	unsigned long index;
	bool live;		/* in the HPT (not removed) */
	bool ram;		/* a memslot page: a valid HPTE of KVM's */
	u64 ram_hpa;
	bool mapped;		/* a window mapping, valid */
	u64 map_hpa;		/* its host page (4K, or 64K) */
	u64 map_size;
	const struct win *w;	/* the window of the page, if any */
};

struct vm {
	struct kvm kvm;
	struct kvmppc_ptw p;
	bool p9;
	/* The model: what the HPT and the reverse map must hold. */
	__be64 *want;
	struct revmap_entry *want_rev;
	int *owner;		/* per HPTE: index in g[], or -1 */
	s64 want_mmio_update;
	struct gpte *g;
	size_t ng, capg;
	const struct win *wins[MAX_WINS];
	unsigned int nw;
};

/*
 * An HPT of 2^@order bytes, zeroed, followed by as many inaccessible
 * bytes: an access up to twice its size is a SIGSEGV, whatever would lie
 * there otherwise.
 */
static void hpt_alloc(struct kvm_hpt_info *info, u32 order)
{
	size_t len = (size_t)1 << order;
	char *m = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + len, len, PROT_NONE))
		abort();
	info->virt = (unsigned long)m;
	info->order = order;
	info->cma = 0;
	info->rev = calloc(1UL << (order - 4), sizeof(*info->rev));
	if (!info->rev)
		abort();
}

static void hpt_free(struct kvm_hpt_info *info)
{
	if (info->virt)
		munmap((void *)info->virt, (size_t)2 << info->order);
	free(info->rev);
	memset(info, 0, sizeof(*info));
}

static unsigned long npte(const struct vm *vm)
{
	return 1UL << (vm->kvm.arch.hpt.order - 4);
}

static void model_alloc(struct vm *vm)
{
	unsigned long i, n = npte(vm);

	free(vm->want);
	free(vm->want_rev);
	free(vm->owner);
	vm->want = calloc(2 * n, sizeof(*vm->want));
	vm->want_rev = calloc(n, sizeof(*vm->want_rev));
	vm->owner = malloc(n * sizeof(*vm->owner));
	if (!vm->want || !vm->want_rev || !vm->owner)
		abort();
	for (i = 0; i < n; i++)
		vm->owner[i] = -1;
}

static void set_p9(struct vm *vm, bool p9)
{
	vm->p9 = p9;
	shim_cpu_features = p9 ? CPU_FTR_ARCH_300 : 0;
}

static void vm_init(struct vm *vm, u32 order, bool p9)
{
	memset(vm, 0, sizeof(*vm));
	spin_lock_init(&vm->kvm.mmu_lock);
	mutex_init(&vm->kvm.slots_lock);
	vm->kvm.arch.lpid = TEST_LPID;
	vm->kvm.arch.mmu_ready = 1;
	hpt_alloc(&vm->kvm.arch.hpt, order);
	model_alloc(vm);
	vm->p.kvm = &vm->kvm;
	mutex_init(&vm->p.lock);
	xa_init(&vm->p.tables);
	xa_init(&vm->p.hpt_maps);
	set_p9(vm, p9);
	shim_trace_hook = trace_hook;
	ev_reset();
	evs.bad_state = 0;
}

static void vm_fini(struct vm *vm)
{
	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_hpt_forget(&vm->p);
	spin_unlock(&vm->kvm.mmu_lock);
	EXPECT(xa_empty(&vm->p.hpt_maps), "records left after forget");
	EXPECT(!evs.bad_state, "%lu invalidations of an HPTE not locked and ABSENT",
	       evs.bad_state);
	EXPECT_EQ(preempt_count(), 0);
	EXPECT_EQ(vm->kvm.srcu.readers, 0);
	hpt_free(&vm->kvm.arch.hpt);
	xa_destroy(&vm->p.tables);
	mutex_destroy(&vm->p.lock);
	mutex_destroy(&vm->kvm.slots_lock);
	free(vm->want);
	free(vm->want_rev);
	free(vm->owner);
	free(vm->g);
	shim_trace_hook = NULL;
	set_p9(vm, false);
}

static void vm_add_win(struct vm *vm, const struct win *w)
{
	BUG_ON(vm->nw == MAX_WINS);
	vm->wins[vm->nw++] = w;
}

static void vm_del_win(struct vm *vm, const struct win *w)
{
	unsigned int i;

	for (i = 0; i < vm->nw; i++)
		if (vm->wins[i] == w)
			vm->wins[i] = vm->wins[--vm->nw];
}

/* The window holding guest byte @gpa, if any. */
static const struct win *win_find(const struct vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < vm->nw; i++)
		if (gpa >= vm->wins[i]->l.guest_addr &&
		    gpa < win_end(vm->wins[i]))
			return vm->wins[i];
	return NULL;
}

/* A window with a byte in [@gpa, @gpa + @len), if any. */
static const struct win *win_overlap(const struct vm *vm, u64 gpa, u64 len)
{
	unsigned int i;

	for (i = 0; i < vm->nw; i++)
		if (gpa < win_end(vm->wins[i]) &&
		    vm->wins[i]->l.guest_addr < gpa + len)
			return vm->wins[i];
	return NULL;
}

/* The HPTE formats, the test's own way: what the model stores. */
static u64 fmt_v(const struct vm *vm, u64 v)
{
	return vm->p9 ? v & (((u64)1 << 52) - 1) : v;
}

static u64 fmt_r(const struct vm *vm, u64 v, u64 r)
{
	return vm->p9 ? (r & ~((u64)3 << 58)) | ((v >> 62) << 58) : r;
}

static void model_put(struct vm *vm, unsigned long index, u64 v, u64 r)
{
	vm->want[2 * index] = cpu_to_be64(fmt_v(vm, v));
	vm->want[2 * index + 1] = cpu_to_be64(fmt_r(vm, v, r));
}

static u64 model_d0(const struct vm *vm, unsigned long index)
{
	return be64_to_cpu(vm->want[2 * index]);
}

static u64 model_d1(const struct vm *vm, unsigned long index)
{
	return be64_to_cpu(vm->want[2 * index + 1]);
}

static u64 raw_d0(const struct vm *vm, unsigned long index)
{
	return be64_to_cpu(hpte_at(&vm->kvm.arch.hpt, index)[0]);
}

static u64 raw_d1(const struct vm *vm, unsigned long index)
{
	return be64_to_cpu(hpte_at(&vm->kvm.arch.hpt, index)[1]);
}

/*
 * What differs between two raw HPTEs, named after the first field that
 * does; NULL if they are equal.
 */
static const char *hpte_diff(bool p9, u64 a0, u64 a1, u64 b0, u64 b1)
{
	struct hw_hpte a, b;

	if (a0 == b0 && a1 == b1)
		return NULL;
	hw_decode(a0, a1, p9, &a);
	hw_decode(b0, b1, p9, &b);
	if (a.v != b.v)
		return "V";
	if ((a.sw ^ b.sw) & SW_ABSENT)
		return "ABSENT";
	if ((a.sw ^ b.sw) & SW_HVLOCK)
		return "HVLOCK";
	if (a.sw != b.sw)
		return "BOLTED or LOCK";
	if (a.h != b.h)
		return "H (secondary)";
	if (a.l != b.l)
		return "L";
	if (a.b != b.b)
		return "B (segment size)";
	if (a.avpn != b.avpn)
		return "AVPN";
	if (a.rpn != b.rpn)
		return "RPN";
	if (a.wimg != b.wimg)
		return "WIMG";
	if (a.pp != b.pp)
		return "PP0/PP";
	if (a.key != b.key)
		return "key";
	if (a.n != b.n)
		return "N";
	if (a.r != b.r || a.c != b.c)
		return "R/C";
	if (a.ts != b.ts)
		return "bit 62";
	return "reserved bits";
}

/* First HPTE or reverse-map entry that differs from the model, or -1. */
static long model_mismatch(const struct vm *vm, const char **what)
{
	const __be64 *hpt = (const __be64 *)vm->kvm.arch.hpt.virt;
	const struct revmap_entry *rev = vm->kvm.arch.hpt.rev;
	unsigned long i, n = npte(vm);

	if (!memcmp(hpt, vm->want, 2 * n * sizeof(*hpt)) &&
	    !memcmp(rev, vm->want_rev, n * sizeof(*rev)))
		return -1;
	for (i = 0; i < n; i++) {
		*what = hpte_diff(vm->p9, be64_to_cpu(hpt[2 * i]),
				  be64_to_cpu(hpt[2 * i + 1]),
				  model_d0(vm, i), model_d1(vm, i));
		if (*what)
			return i;
		*what = "rev->guest_rpte";
		if (memcmp(&rev[i], &vm->want_rev[i], sizeof(*rev)))
			return i;
	}
	return -1;
}

/* The HPT and reverse map are, byte for byte, the model. */
#define EXPECT_MODEL(vm, ctx)						\
	do {								\
		const char *__what = NULL;				\
		long __i = model_mismatch(vm, &__what);			\
									\
		EXPECT(__i < 0, "%s: HPTE %ld: %s: %#" PRIx64 " %#"	\
		       PRIx64 " (guest_rpte %#lx), want %#" PRIx64 " %#"	\
		       PRIx64 " (%#lx)", ctx, __i, __what,		\
		       __i < 0 ? 0 : raw_d0(vm, __i),			\
		       __i < 0 ? 0 : raw_d1(vm, __i),			\
		       __i < 0 ? 0 : (vm)->kvm.arch.hpt.rev[__i].guest_rpte, \
		       __i < 0 ? 0 : model_d0(vm, __i),			\
		       __i < 0 ? 0 : model_d1(vm, __i),			\
		       __i < 0 ? 0 : (vm)->want_rev[__i].guest_rpte);	\
	} while (0)

static int gpte_new(struct vm *vm)
{
	if (vm->ng == vm->capg) {
		vm->capg = vm->capg ? 2 * vm->capg : 64;
		vm->g = realloc(vm->g, vm->capg * sizeof(*vm->g));
		if (!vm->g)
			abort();
	}
	memset(&vm->g[vm->ng], 0, sizeof(vm->g[0]));
	return vm->ng++;
}

/* VSID bits: the VA is 78 bits, 68 on ISA v3.0. */
static unsigned int vsid_bits(const struct vm *vm, unsigned int ssize)
{
	unsigned int va = vm->p9 ? 68 : 78;

	return va - (ssize == MMU_SEGSIZE_1T ? 40 : 28);
}

static struct slbe rnd_slbe(const struct vm *vm, unsigned int bshift,
			    int ssize)
{
	struct slbe s = { .bshift = bshift };
	unsigned int bits;

	s.ssize = ssize < 0 ? rnd_below(2) : (unsigned int)ssize;
	bits = vsid_bits(vm, s.ssize);
	switch (rnd_below(4)) {
	case 0:		/* small, as Linux's kernel VSIDs */
		s.vsid = rnd_below(1 << 20);
		break;
	case 1:		/* the top of the field */
		s.vsid = ((u64)1 << bits) - 1 - rnd_below(1 << 12);
		break;
	default:
		s.vsid = rnd() & (((u64)1 << bits) - 1);
	}
	s.esid = rnd() >> (s.ssize == MMU_SEGSIZE_1T ? 40 : 28);
	s.ks = rnd_bool();
	s.kp = rnd_bool();
	s.n = !rnd_below(4);
	return s;
}

/* Guest protection attributes, as H_ENTER takes them (doubleword 1). */
static u64 rnd_attrs(void)
{
	unsigned int pp = rnd_below(8), key = rnd_below(KEY_MMIO);
	u64 r = 0;

	r |= (pp & 4) ? HPTE_R_PP0 : 0;
	r |= pp & 3;
	r |= ((u64)(key >> 3) << 60) | ((u64)(key & 7) << 9);
	r |= rnd_bool() ? HPTE_R_N : 0;
	r |= (rnd() & 0xf) << 3;		/* WIMG: whatever it asks */
	r |= rnd_bool() ? HPTE_R_R : 0;
	r |= rnd_bool() ? HPTE_R_C : 0;
	r |= !rnd_below(4) ? HPTE_GR_RESERVED : 0;	/* dropped by KVM */
	return r;
}

static u64 guest_avpn(const struct slbe *s, u64 ea, unsigned int ashift)
{
	u64 avpn = (u64)(slb_va(s, ea) >> 23);

	if (ashift > 23)
		avpn &= ~((1ULL << (ashift - 23)) - 1);
	return avpn;
}

static bool hpte_free(const struct vm *vm, unsigned long index)
{
	return vm->owner[index] < 0 &&
	       !(model_d0(vm, index) & (HPTE_V_VALID | HPTE_V_ABSENT));
}

/*
 * Create a guest HPTE for @gpa at @ea (both aligned down to the page
 * size) and give it a free slot of its primary (@sec 0) or secondary (1)
 * group, either if @sec < 0. It is entered for the base page of @ea (for
 * an MPSS page, one of its base pages). Attributes: @attrs, random if ~0.
 * Returns its number, -1 if both groups are full.
 */
static int gpte_add(struct vm *vm, const struct slbe *s, u64 ea, u64 gpa,
		    enum gsize sz, int sec, u64 attrs)
{
	unsigned int ashift = gsz[sz].ashift, i, nfree, try;
	u64 hash, mask = (1ULL << (vm->kvm.arch.hpt.order - 7)) - 1, hea;
	unsigned long freeslots[HPTES_PER_GROUP];
	struct gpte *g;
	int gi, h;

	BUG_ON(s->bshift != gsz[sz].bshift);
	hea = ALIGN_DOWN(ea, 1ULL << s->bshift);
	ea = ALIGN_DOWN(ea, 1ULL << ashift);
	gpa = ALIGN_DOWN(gpa, 1ULL << ashift);
	hash = slb_hash(s, hea, s->bshift);
	h = sec < 0 ? (int)rnd_below(2) : sec;
	for (try = 0; try < 2; try++, h ^= 1) {
		u64 group = (h ? ~hash : hash) & mask;

		nfree = 0;
		for (i = 0; i < HPTES_PER_GROUP; i++)
			if (hpte_free(vm, group * 8 + i))
				freeslots[nfree++] = group * 8 + i;
		if (nfree)
			break;
		if (sec >= 0)
			return -1;
	}
	if (!nfree)
		return -1;
	gi = gpte_new(vm);
	g = &vm->g[gi];
	g->slb = *s;
	g->sz = sz;
	g->ea = ea;
	g->hea = hea;
	g->gpa = gpa;
	g->index = freeslots[rnd_below(nfree)];
	g->pteh = ((u64)s->ssize << 62) |
		  (guest_avpn(s, ea, ashift) << HPTE_V_AVPN_SHIFT);
	if (sz != G4K)
		g->pteh |= HPTE_V_LARGE;
	if (h)
		g->pteh |= HPTE_V_SECONDARY;
	if (!rnd_below(4))
		g->pteh |= HPTE_V_BOLTED;
	if (!rnd_below(8))
		g->pteh |= HPTE_V_LOCK;
	if (attrs == ~0ULL)
		attrs = rnd_attrs();
	g->ptel = gpa | gsz[sz].lp | attrs;
	g->w = win_overlap(vm, gpa, 1ULL << ashift);
	return gi;
}

/* ---------------------------------------------------------------------- */
/* KVM's side, modelled: H_ENTER, H_REMOVE, H_PROTECT, the hardware      */
/* ---------------------------------------------------------------------- */

static void hpte_lock(__be64 *p)
{
	while (!try_lock_hpte(p, HPTE_V_HVLOCK))
		cpu_relax();
}

static u64 mod_note(const struct vm *vm, u64 gr)
{
	return atomic_read(&vm->kvm.arch.hpte_mod_interest) ?
	       gr | HPTE_GR_MODIFIED : gr;
}

/*
 * kvmppc_do_h_enter() for a guest address with no memslot: not valid,
 * ABSENT, key 31, the guest's view in rev->guest_rpte.
 */
static void h_enter_mmio(struct vm *vm, int gi)
{
	struct gpte *g = &vm->g[gi];
	__be64 *p = hpte_at(&vm->kvm.arch.hpt, g->index);
	u64 v = (g->pteh & ~(HPTE_V_HVLOCK | HPTE_V_ABSENT | HPTE_V_VALID)) |
		HPTE_V_ABSENT;
	u64 gr = g->ptel & ~HPTE_GR_RESERVED;
	u64 r = gr | HPTE_R_KEY_HI | HPTE_R_KEY_LO;

	hpte_lock(p);
	vm->kvm.arch.hpt.rev[g->index].guest_rpte = mod_note(vm, gr);
	p[1] = cpu_to_be64(fmt_r(vm, v, r));
	__unlock_hpte(p, fmt_v(vm, v));
	vm->want_rev[g->index].guest_rpte = mod_note(vm, gr);
	model_put(vm, g->index, v, r);
	vm->owner[g->index] = gi;
	g->live = true;
	g->mapped = false;
}

/* kvmppc_do_h_enter() for a memslot page at host address @hpa. */
static void h_enter_ram(struct vm *vm, int gi, u64 hpa)
{
	struct gpte *g = &vm->g[gi];
	__be64 *p = hpte_at(&vm->kvm.arch.hpt, g->index);
	u64 psize = 1ULL << gsz[g->sz].ashift;
	u64 v = (g->pteh & ~(HPTE_V_HVLOCK | HPTE_V_ABSENT)) | HPTE_V_VALID;
	u64 gr = g->ptel & ~HPTE_GR_RESERVED;
	u64 r = (gr & (HPTE_R_KEY | HPTE_R_PP0 | (psize - 1))) | hpa;

	hpte_lock(p);
	vm->kvm.arch.hpt.rev[g->index].guest_rpte = mod_note(vm, gr);
	p[1] = cpu_to_be64(fmt_r(vm, v, r));
	__unlock_hpte(p, fmt_v(vm, v));
	vm->want_rev[g->index].guest_rpte = mod_note(vm, gr);
	model_put(vm, g->index, v, r);
	vm->owner[g->index] = gi;
	g->live = true;
	g->ram = true;
	g->ram_hpa = hpa;
	g->mapped = false;
}

/*
 * kvmppc_do_h_remove(): invalidate (KVM's own tlbie, not recorded) and
 * zero doubleword 0; doubleword 1 and guest_rpte stay as they were.
 */
static void h_remove(struct vm *vm, int gi)
{
	struct gpte *g = &vm->g[gi];
	__be64 *p = hpte_at(&vm->kvm.arch.hpt, g->index);

	hpte_lock(p);
	unlock_hpte(p, 0);
	vm->want[2 * g->index] = 0;
	vm->owner[g->index] = -1;
	g->live = false;
	g->mapped = false;
}

/* hpte_is_writable() and hpte_make_readonly() of KVM, restated. */
static bool kvm_pp_writable(u64 r)
{
	u64 pp = r & (HPTE_R_PP0 | HPTE_R_PP);

	return pp != 3 && pp != (HPTE_R_PP0 | 2);
}

static u64 kvm_pp_readonly(u64 r)
{
	if ((r & HPTE_R_PP0) || (r & HPTE_R_PP) == 0)
		return (r & ~HPTE_R_PP) | HPTE_R_PP0 | 2;
	return r | 3;
}

/*
 * kvmppc_h_protect(): new PP0/PP, N and key in the guest view; a valid
 * HPTE takes them too, but never goes from read-only to writable (the
 * store faults instead); if it changes, it is invalidated first (KVM's
 * own tlbie, not recorded) and keeps the R/C the hardware set.
 */
static void h_protect(struct vm *vm, int gi, unsigned int pp, unsigned int key,
		      bool n)
{
	struct gpte *g = &vm->g[gi];
	__be64 *p = hpte_at(&vm->kvm.arch.hpt, g->index);
	struct revmap_entry *rev = &vm->kvm.arch.hpt.rev[g->index];
	u64 mask = HPTE_R_PP0 | HPTE_R_PP | HPTE_R_N | HPTE_R_KEY;
	u64 bits = ((pp & 4) ? HPTE_R_PP0 : 0) | (pp & 3) |
		   (n ? HPTE_R_N : 0) | ((u64)(key >> 3) << 60) |
		   ((u64)(key & 7) << 9);
	u64 d0, d1, r;

	hpte_lock(p);
	d0 = be64_to_cpu(p[0]) & ~HPTE_V_HVLOCK;
	rev->guest_rpte = mod_note(vm, (rev->guest_rpte & ~mask) | bits);
	vm->want_rev[g->index].guest_rpte = rev->guest_rpte;
	if (d0 & HPTE_V_VALID) {
		d1 = be64_to_cpu(p[1]);
		r = (d1 & ~mask) | bits;
		if (kvm_pp_writable(r) && !kvm_pp_writable(d1))
			r = kvm_pp_readonly(r);
		if (r != d1) {
			p[0] = cpu_to_be64((d0 & ~HPTE_V_VALID) |
					   HPTE_V_ABSENT | HPTE_V_HVLOCK);
			r |= be64_to_cpu(p[1]) & (HPTE_R_R | HPTE_R_C);
			p[1] = cpu_to_be64(r);
			vm->want[2 * g->index + 1] = cpu_to_be64(r);
		}
	}
	unlock_hpte(p, d0);
}

/* The hardware sets R, and C on a store, in a valid HPTE it used. */
static void hw_touch(struct vm *vm, int gi, bool store)
{
	struct gpte *g = &vm->g[gi];
	u64 bits = HPTE_R_R | (store ? HPTE_R_C : 0);

	__atomic_fetch_or(&hpte_at(&vm->kvm.arch.hpt, g->index)[1],
			  cpu_to_be64(bits), __ATOMIC_RELAXED);
	vm->want[2 * g->index + 1] |= cpu_to_be64(bits);
}

/* ---------------------------------------------------------------------- */
/* The fault path                                                         */
/* ---------------------------------------------------------------------- */

struct fault_res {
	bool in_window;
	bool called;		/* kvmppc_ptw_hpt_map() was called */
	int ret;
	int cls;
	unsigned int npages;	/* 4K pages mapped, as the trace reports */
	u64 gpa, hpa;
};

typedef void (*between_fn)(struct vm *vm, unsigned long index, void *arg);

/* ptw_fault_class() and ptw_count_map() of book3s_hv_ptw.c */
static void count_class(struct kvmppc_ptw *p, int cls)
{
	p->stats.faults++;
	if (cls == KVMPPC_PTW_MSIX)
		p->stats.msix_traps++;
	else if (cls == KVMPPC_PTW_EXIT)
		p->stats.vmm_exits++;
}

static void count_map(struct kvmppc_ptw *p, int cls, int ret)
{
	if (ret)
		p->stats.vmm_exits++;
	else if (cls == KVMPPC_PTW_DIRECT)
		p->stats.maps_direct++;
	else
		p->stats.maps_4k++;
}

/*
 * kvmppc_ptw_hpt_fault() (book3s_hv_ptw.c), its mapping part: the window
 * holding @gpa and the class of its page; a 4K guest HPTE maps the host
 * 4K page (DIRECT or MAP4K), a 64K one (base 4K or 64K) the host 64K page
 * of a DIRECT page of a window with 64K host pages; other sizes and
 * classes are declined. Counts as the kernel does.
 */
/* Pages the fault maps for @gpa through @hpte (0: declined); @hpa is set. */
static unsigned int fault_pages(const struct win *w, u64 gpa,
				const unsigned long *hpte,
				enum kvmppc_ptw_class cls, unsigned int shift,
				u64 *hpa)
{
	if (!class_maps(cls))
		return 0;
	if (kvmppc_ptw_hpte_is_4k(hpte[0], hpte[2])) {
		*hpa += gpa & ((1UL << shift) - 1) &
			~((1UL << KVMPPC_PTW_SHIFT_4K) - 1);
		return 1;
	}
	if (cls == KVMPPC_PTW_DIRECT && shift == KVMPPC_PTW_SHIFT_64K &&
	    kvmppc_ptw_hpte_is_64k(hpte[0], hpte[2]))
		return 1U << (shift - KVMPPC_PTW_SHIFT_4K);
#if defined(PTW_HPT_PLANT) && PTW_HPT_PLANT == 14
	if (cls == KVMPPC_PTW_MAP4K && kvmppc_ptw_hpte_is_64k(hpte[0], hpte[2])) {
		*hpa = ALIGN_DOWN(*hpa, 1UL << KVMPPC_PTW_SHIFT_64K);
		return 16;
	}
#endif
	return 0;
}

static void ptw_hpt_fault(struct vm *vm, unsigned long index,
			  const unsigned long *hpte, u64 gpa,
			  struct fault_res *res)
{
	const struct win *w;
	unsigned int shift = 0, npages = 0;
	u64 hpa = 0;
	int prepared = 0;

	spin_lock(&vm->kvm.mmu_lock);
	w = win_find(vm, gpa);
	/* The record goes in first, with the lock dropped. */
	if (w && !xa_load(&vm->p.hpt_maps, index))
		res->cls = kvmppc_ptw_classify(&w->l, gpa, &hpa, &shift);
	if (w && !xa_load(&vm->p.hpt_maps, index) &&
	    fault_pages(w, gpa, hpte, res->cls, shift, &hpa)) {
		spin_unlock(&vm->kvm.mmu_lock);
		prepared = kvmppc_ptw_hpt_prepare(&vm->p, index);
		spin_lock(&vm->kvm.mmu_lock);
	}
	hpa = 0;
	shift = 0;
	res->gpa = gpa;
	res->cls = KVMPPC_PTW_EXIT;
	if (!w) {
		spin_unlock(&vm->kvm.mmu_lock);
		return;
	}
	res->in_window = true;
	res->cls = kvmppc_ptw_classify(&w->l, gpa, &hpa, &shift);
	count_class(&vm->p, res->cls);
	if (class_maps(res->cls)) {
		res->ret = -EOPNOTSUPP;
		npages = fault_pages(w, gpa, hpte, res->cls, shift, &hpa);
		res->hpa = hpa;
		if (npages) {
			res->called = true;
			res->ret = prepared ? prepared :
				   kvmppc_ptw_hpt_map(&vm->p, index, hpte, hpa);
		}
		if (res->ret != -EAGAIN)
			count_map(&vm->p, res->cls, res->ret);
		res->npages = res->ret ? 0 : npages;
	}
	spin_unlock(&vm->kvm.mmu_lock);
}

/*
 * kvmppc_book3s_hv_page_fault() for a guest access at @ea through HPTE
 * @index with no memslot: read the HPTE under its lock (old format),
 * the guest address from the guest view, then the window code. @between,
 * if set, runs after the read, before the window code.
 */
static void hv_fault(struct vm *vm, unsigned long index, u64 ea,
		     between_fn between, void *arg, struct fault_res *res)
{
	struct kvm *kvm = &vm->kvm;
	__be64 *hptep = hpte_at(&kvm->arch.hpt, index);
	struct revmap_entry *rev = &kvm->arch.hpt.rev[index];
	unsigned long hpte[3], psize;
	u64 gpa;
	int idx;

	memset(res, 0, sizeof(*res));
	idx = srcu_read_lock(&kvm->srcu);
	preempt_disable();
	hpte_lock(hptep);
	hpte[0] = be64_to_cpu(hptep[0]) & ~HPTE_V_HVLOCK;
	hpte[1] = be64_to_cpu(hptep[1]);
	hpte[2] = rev->guest_rpte;
	unlock_hpte(hptep, hpte[0]);
	preempt_enable();
	if (cpu_has_feature(CPU_FTR_ARCH_300)) {
		hpte[0] = hpte_new_to_old_v(hpte[0], hpte[1]);
		hpte[1] = hpte_new_to_old_r(hpte[1]);
	}
	psize = kvmppc_actual_pgsz(hpte[0], hpte[2]);
	gpa = (hpte[2] & HPTE_R_RPN & ~(psize - 1)) | (ea & (psize - 1));
	if (between)
		between(vm, index, arg);
	ptw_hpt_fault(vm, index, hpte, gpa, res);
	srcu_read_unlock(&kvm->srcu, idx);
}

/* The size of the page a window HPTE for @g maps: its actual size. */
static u64 gpte_psize(const struct gpte *g)
{
	return 1ULL << gsz[g->sz].ashift;
}

/*
 * The window HPTE kvmppc_ptw_hpt_map() must write, into the model: the
 * guest's first doubleword made valid; its PP0/PP, key, N, R/C and, for
 * a 64K page, LP (the ARPN bits below the page that are not the host
 * page's); I|G; the host page.
 */
static void model_map(struct vm *vm, int gi, u64 hpa, u64 keep_rc)
{
	struct gpte *g = &vm->g[gi];
	u64 gr = vm->want_rev[g->index].guest_rpte, psize = gpte_psize(g);
	u64 v = (g->pteh & ~(HPTE_V_HVLOCK | HPTE_V_ABSENT)) | HPTE_V_VALID;
	u64 r = (gr & (HPTE_R_PP0 | HPTE_R_KEY | HPTE_R_PP | HPTE_R_N |
		       HPTE_R_R | HPTE_R_C)) |
		(gr & (psize - 1) & ~(SZ4K - 1)) |
		HPTE_R_I | HPTE_R_G | hpa | keep_rc;

	BUG_ON(psize != SZ4K && psize != SZ64K);
	BUG_ON(hpa & (psize - 1));
	model_put(vm, g->index, v, r);
	g->mapped = true;
	g->map_hpa = hpa;
	g->map_size = psize;
	vm->want_mmio_update++;
}

/*
 * The emulated-MMIO HPTE an unmap must leave, into the model: R/C the
 * hardware set go to the guest view (noting the change if an HTAB fd
 * watches), and the entry is what kvmppc_do_h_enter() would write for
 * that view.
 */
static void model_restore(struct vm *vm, int gi)
{
	struct gpte *g = &vm->g[gi];
	u64 rc = model_d1(vm, g->index) & (HPTE_R_R | HPTE_R_C);
	u64 gr = vm->want_rev[g->index].guest_rpte;
	u64 v = (g->pteh & ~(HPTE_V_HVLOCK | HPTE_V_VALID)) | HPTE_V_ABSENT;

	if (rc & ~gr)
		gr = mod_note(vm, gr | rc);
	vm->want_rev[g->index].guest_rpte = gr;
	model_put(vm, g->index, v,
		  (gr & ~HPTE_GR_RESERVED) | HPTE_R_KEY_HI | HPTE_R_KEY_LO);
	g->mapped = false;
}

/* The host 4K page a window page maps to, from the layout alone. */
static u64 want_hpa(const struct win *w, u64 gpa)
{
	return w->l.host_addr + (ALIGN_DOWN(gpa, SZ4K) - w->l.guest_addr);
}

/*
 * What a fault through guest HPTE @g at a byte of class @cls of @w must
 * map, from the layout and the HPTE alone: 4K for a 4K HPTE of a DIRECT
 * or MAP4K page; 64K for a 64K HPTE (base 4K or 64K) of a DIRECT page of
 * a window with 64K host pages (then every 4K page of the guest 64K page
 * is DIRECT: it lies in the window, on the host 64K page at the same
 * offsets, with no MSI-X byte); 0, declined, otherwise.
 */
static u64 want_map_size(const struct win *w, int cls, enum gsize sz)
{
	if (!class_maps(cls))
		return 0;
	if (sz == G4K)
		return SZ4K;
	if ((sz == G64K || sz == G64K_IN_4K) && cls == KVMPPC_PTW_DIRECT &&
	    w->l.host_page_shift == 16)
		return SZ64K;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The checker                                                            */
/* ---------------------------------------------------------------------- */

struct checker {
	struct vm *vm;
	bool quiet;
	unsigned long violations, probes;
};

#define __printf(a, b)	__attribute__((format(printf, a, b)))

__printf(2, 3)
static void violation(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->quiet && c->violations < 5) {
		fprintf(stderr, "# ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	c->violations++;
}

/*
 * What is wrong with the window HPTE of guest HPTE @g, read from the HPT
 * and decoded as the hardware does; NULL if nothing. It must be valid,
 * not ABSENT, unlocked; doubleword 0 as the guest entered it (AVPN, B, L,
 * H, BOLTED); the guest's PP0/PP, key, N and R/C (plus R/C the hardware
 * set), cache-inhibited and guarded, bit 62 clear, the host page the
 * layout gives, nothing else.
 */
static const char *window_hpte_problem(const struct vm *vm,
				       const struct gpte *g)
{
	u64 gr = vm->kvm.arch.hpt.rev[g->index].guest_rpte;
	u64 want_rc = model_d1(vm, g->index) & (HPTE_R_R | HPTE_R_C);
	u64 psize = gpte_psize(g);
	unsigned int base, actual;
	struct hw_hpte h, gh;

	hw_decode(raw_d0(vm, g->index), raw_d1(vm, g->index), vm->p9, &h);
	hw_decode(g->pteh, gr, false, &gh);
	hw_page_shifts(&h, &base, &actual);
	if (!h.v)
		return "not valid";
	if (h.sw & SW_ABSENT)
		return "ABSENT";
	if (h.sw & SW_HVLOCK)
		return "left locked";
	if (h.sw != gh.sw)
		return "BOLTED or LOCK not the guest's";
	if (h.h != gh.h)
		return "H (secondary) not the guest's";
	if (h.l != gh.l)
		return "L not the guest's";
	if (h.b != gh.b)
		return "B (segment size) not the guest's";
	if (h.avpn != (vm->p9 ? gh.avpn & (((u64)1 << 45) - 1) : gh.avpn))
		return "AVPN not the guest's";
	if (h.reserved)
		return "reserved bits set";
	if (base != gsz[g->sz].bshift || actual != gsz[g->sz].ashift)
		return "page size not the guest's";
	if (psize != g->map_size)
		return "mapped with another page size";
	if ((h.rpn & ~(psize - 1)) != g->map_hpa)
		return "RPN not the host page";
	if ((h.rpn ^ gh.rpn) & (psize - 1))
		return "LP not the guest's";
	if (h.wimg != (WIMG_I | WIMG_G))
		return "WIMG not I|G";
	if (h.pp != gh.pp)
		return "PP0/PP not the guest's";
	if (h.key != gh.key)
		return "key not the guest's";
	if (h.n != gh.n)
		return "N not the guest's";
	if (h.r != !!(want_rc & HPTE_R_R) || h.c != !!(want_rc & HPTE_R_C))
		return "R/C not the guest's and the hardware's";
	if (h.ts)
		return "bit 62 set";
	return NULL;
}

/*
 * Probe guest byte @off of @g's page: the MMU must translate it iff @g
 * is mapped (a window page or RAM), onto the right host byte, with the
 * access rights of the HPTE the model holds; a window page never for an
 * instruction fetch, never outside the host window nor onto an MSI-X
 * table or PBA byte.
 */
static void probe(struct checker *c, const struct gpte *g, u64 off)
{
	struct vm *vm = c->vm;
	u64 ea = g->ea + off, gpa = g->gpa + off, want = 0;
	bool pr = rnd_bool(), key = pr ? g->slb.kp : g->slb.ks;
	static const enum acc accs[] = { ACC_LOAD, ACC_STORE, ACC_FETCH };
	const struct win *w = g->w;
	struct hw_hpte mh;
	unsigned int i;
	struct hx x;

	/* an MPSS page is looked up through its base page (its TLB entry) */
	u64 hash_ea = g->hea + (off & ((1ULL << g->slb.bshift) - 1));

	c->probes++;
	hw_decode(model_d0(vm, g->index), model_d1(vm, g->index), vm->p9, &mh);
	if (g->mapped && w)
		want = w->l.host_addr + (gpa - w->l.guest_addr);
	else if (g->ram)
		want = g->ram_hpa + off;
	for (i = 0; i < ARRAY_SIZE(accs); i++) {
		enum acc acc = accs[i];
		bool ok = pp_allows(mh.pp, key, acc == ACC_STORE);

		if (acc == ACC_FETCH)
			ok = ok && !mh.n && !g->slb.n && !(mh.wimg & WIMG_G);
		mmu_xlate_via(&vm->kvm, vm->p9, &g->slb, ea, hash_ea, acc, pr,
			      false, &x);
		if (!g->mapped && !g->ram) {
			if (x.fault != HX_MISS)
				violation(c, "ea %#" PRIx64 " (gpa %#" PRIx64 "): expected no translation, MMU says %s (ra %#" PRIx64 ")",
					  ea, gpa, hfault_name[x.fault], x.ra);
			return;
		}
		if (x.fault == HX_MISS || x.fault == HX_MULTI) {
			violation(c, "ea %#" PRIx64 " (gpa %#" PRIx64 "): expected a translation, MMU says %s",
				  ea, gpa, hfault_name[x.fault]);
			return;
		}
		if (x.index != g->index)
			violation(c, "ea %#" PRIx64 ": through HPTE %lu, not %lu",
				  ea, x.index, g->index);
		if ((x.fault == HX_OK) != ok)
			violation(c, "ea %#" PRIx64 " access %d pr %d: MMU says %s, PP %u key %d%s",
				  ea, acc, pr, hfault_name[x.fault], mh.pp, key,
				  mh.n ? " N" : "");
		if (x.fault != HX_OK)
			continue;
		if (x.ra != want)
			violation(c, "ea %#" PRIx64 " (gpa %#" PRIx64 "): translates to %#" PRIx64 ", not %#" PRIx64,
				  ea, gpa, x.ra, want);
		if (g->ram)
			continue;
		if (acc == ACC_FETCH)
			violation(c, "ea %#" PRIx64 ": instruction fetch from a window page", ea);
		if (!w || x.ra < w->l.host_addr ||
		    x.ra - w->l.host_addr >= w->l.size)
			violation(c, "ea %#" PRIx64 ": reaches host %#" PRIx64 " outside the host window",
				  ea, x.ra);
		else if (win_traps(w, x.ra - w->l.host_addr, 1))
			violation(c, "ea %#" PRIx64 ": reaches an MSI-X table or PBA byte",
				  ea);
	}
}

/*
 * Check guest HPTE @g: its raw HPTE (window form if mapped) and the MMU
 * on its first and last bytes, a random one, and the window's first and
 * last bytes if they are in it; then a byte just past the page (no
 * HPTE there: effective addresses are handed out with gaps).
 */
static void check_gpte(struct checker *c, const struct gpte *g)
{
	u64 size = 1ULL << gsz[g->sz].ashift, page = g->gpa;
	const char *bad;

	if (g->mapped) {
		struct hw_hpte h;

		bad = window_hpte_problem(c->vm, g);
		if (bad)
			violation(c, "HPTE %lu (gpa %#" PRIx64 "): %s: %#" PRIx64 " %#" PRIx64,
				  g->index, g->gpa, bad, raw_d0(c->vm, g->index),
				  raw_d1(c->vm, g->index));
		/*
		 * The whole host page (its size as the MMU decodes it): in
		 * the host window, no MSI-X byte, at the guest page's offset.
		 */
		unsigned int base, actual;
		u64 hp, hsize;

		hw_decode(raw_d0(c->vm, g->index), raw_d1(c->vm, g->index),
			  c->vm->p9, &h);
		hw_page_shifts(&h, &base, &actual);
		hsize = 1ULL << (actual ? actual : 12);
		hp = h.rpn & ~(hsize - 1);
		if (!g->w || hp < g->w->l.host_addr ||
		    hp + hsize > g->w->l.host_addr + g->w->l.size)
			violation(c, "HPTE %lu: host page %#" PRIx64 " (%#" PRIx64 " bytes) not all in the host window",
				  g->index, hp, hsize);
		else if (win_traps(g->w, hp - g->w->l.host_addr, hsize))
			violation(c, "HPTE %lu: host page %#" PRIx64 " holds MSI-X table or PBA bytes",
				  g->index, hp);
		else if (hp - g->w->l.host_addr !=
			 ALIGN_DOWN(g->gpa, hsize) - g->w->l.guest_addr)
			violation(c, "HPTE %lu: host page %#" PRIx64 " not at the guest page's offset",
				  g->index, hp);
	}
	if (!g->live)
		return;
	probe(c, g, 0);
	probe(c, g, size - 1);
	probe(c, g, rnd_below(size));
	if (g->w) {
		u64 gs = g->w->l.guest_addr, ge = win_end(g->w);

		if (gs > page && gs < page + size)
			probe(c, g, gs - page);
		if (ge > page && ge < page + size)
			probe(c, g, ge - 1 - page);
	}
	if (((g->ea + size) >> seg_shift(&g->slb)) == g->slb.esid) {
		struct hx x;

		if (mmu_xlate(&c->vm->kvm, c->vm->p9, &g->slb, g->ea + size,
			      ACC_LOAD, false, true, &x) != HX_MISS)
			violation(c, "ea %#" PRIx64 " past the page: MMU says %s",
				  g->ea + size, hfault_name[x.fault]);
	}
}

static unsigned long check_all(struct vm *vm, bool quiet)
{
	struct checker c = { .vm = vm, .quiet = quiet };
	size_t i;

	for (i = 0; i < vm->ng; i++)
		check_gpte(&c, &vm->g[i]);
	return c.violations;
}

/* ---------------------------------------------------------------------- */
/* Faults and unmaps, with their checks                                   */
/* ---------------------------------------------------------------------- */

struct run_stats {
	unsigned long layouts, p9, gptes, mapped, declined_size;
	unsigned long declined_class, unmaps, restored, refills, probes;
	unsigned long cls[4];
	unsigned long mapped_64k[2];	/* 64K fills: base 4K, base 64K */
	unsigned long declined_64k;	/* 64K HPTEs of DIRECT/MAP4K pages */
	unsigned long shift12;		/* layouts with 4K host pages */
};

/*
 * Fault guest HPTE @gi at a byte of its page in the window (through the
 * base page it was entered for), and check the outcome against the
 * layout: mapped (the model's window HPTE, one more mmio_update) iff
 * want_map_size() says so, onto the host page at the guest page's offset;
 * a decline leaves its HPTE and reverse-map entry as they were; the
 * window statistics count the fault as kvmppc_ptw_hpt_fault() does.
 */
static void fault_and_check(struct vm *vm, int gi, struct run_stats *st)
{
	struct gpte *g = &vm->g[gi];
	u64 bsize = 1ULL << g->slb.bshift, boff = g->hea - g->ea;
	u64 off = boff + rnd_below(bsize), msize;
	struct kvm_ppc_pt_window_stats s0 = vm->p.stats, *s1 = &vm->p.stats;
	const struct win *w = g->w;
	struct fault_res res;
	const char *what;
	bool want, in_win;
	int cls;

	/* a byte of the base page that is in the window, if any */
	if (w) {
		u64 lo = max(g->gpa + boff, w->l.guest_addr);
		u64 hi = min(g->gpa + boff + bsize, win_end(w));

		if (lo < hi)
			off = lo + rnd_below(hi - lo) - g->gpa;
	}
	hv_fault(vm, g->index, g->ea + off, NULL, NULL, &res);
	EXPECT_EQ(res.gpa, g->gpa + off);
	in_win = w && res.gpa >= w->l.guest_addr && res.gpa < win_end(w);
	cls = in_win ? page_class(w, g->gpa + off) : KVMPPC_PTW_EXIT;
	EXPECT(res.cls == cls, "gpa %#" PRIx64 ": class %d, layout says %d",
	       res.gpa, res.cls, cls);
	msize = in_win ? want_map_size(w, cls, g->sz) : 0;
	want = msize != 0;
	EXPECT(res.called == want, "gpa %#" PRIx64 " (%s HPTE, class %d): map %s",
	       res.gpa, gsz[g->sz].name, cls, res.called ? "called" : "not called");
	if (want && res.called) {
		u64 whpa = msize == SZ4K ? want_hpa(w, res.gpa) :
			   w->l.host_addr + (g->gpa - w->l.guest_addr);

		EXPECT(res.ret == 0, "gpa %#" PRIx64 ": map returned %d",
		       res.gpa, res.ret);
		EXPECT_EQ(res.hpa, whpa);
		EXPECT_EQ(res.npages, res.ret ? 0 : msize / SZ4K);
		if (!res.ret)
			model_map(vm, gi, whpa, 0);
		st->mapped++;
		if (msize == SZ64K)
			st->mapped_64k[g->slb.bshift == 16]++;
	} else if (class_maps(cls)) {
		EXPECT(res.ret == -EOPNOTSUPP && !res.npages,
		       "gpa %#" PRIx64 ": declined with %d", res.gpa, res.ret);
		st->declined_size++;
		st->declined_64k += gsz[g->sz].ashift == 16;
	} else {
		st->declined_class++;
	}
	/* the statistics: one fault, counted once */
	EXPECT_EQ(s1->faults - s0.faults, in_win);
	EXPECT_EQ(s1->maps_direct - s0.maps_direct,
		  want && !res.ret && cls == KVMPPC_PTW_DIRECT);
	EXPECT_EQ(s1->maps_4k - s0.maps_4k,
		  want && !res.ret && cls == KVMPPC_PTW_MAP4K);
	EXPECT_EQ(s1->msix_traps - s0.msix_traps, cls == KVMPPC_PTW_MSIX);
	EXPECT_EQ(s1->vmm_exits - s0.vmm_exits,
		  in_win && (cls == KVMPPC_PTW_EXIT ||
			     (class_maps(cls) && (!want || res.ret))));
	what = hpte_diff(vm->p9, raw_d0(vm, g->index), raw_d1(vm, g->index),
			 model_d0(vm, g->index), model_d1(vm, g->index));
	EXPECT(!what, "HPTE %lu (gpa %#" PRIx64 ", %s, class %d) after the fault: %s: %#" PRIx64 " %#" PRIx64 ", want %#" PRIx64 " %#" PRIx64,
	       g->index, res.gpa, gsz[g->sz].name, cls, what,
	       raw_d0(vm, g->index), raw_d1(vm, g->index),
	       model_d0(vm, g->index), model_d1(vm, g->index));
	EXPECT_EQ(vm->kvm.arch.hpt.rev[g->index].guest_rpte,
		  vm->want_rev[g->index].guest_rpte);
	EXPECT_EQ(atomic64_read(&vm->kvm.arch.mmio_update),
		  vm->want_mmio_update);
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The record indices of hpt_maps, sorted; returns how many. */
static size_t records(struct vm *vm, unsigned long **out)
{
	unsigned long index, *v = malloc((vm->p.hpt_maps.nr + 1) * sizeof(*v));
	size_t n = 0;
	void *entry;

	if (!v)
		abort();
	xa_for_each(&vm->p.hpt_maps, index, entry)
		v[n++] = index;
	*out = v;
	return n;
}

/*
 * The size of a page window HPTEs may map, for the HPTE with first
 * doubleword @d0 (either format: L is at the same place) and guest view
 * @gr, decoded as the hardware does: 4K with a 4K base page, 64K with a
 * 4K or 64K one; 0 for any other.
 */
static u64 ours_size(u64 d0, u64 gr)
{
	unsigned int base, actual;
	struct hw_hpte h;

	hw_decode(d0, gr, false, &h);
	hw_page_shifts(&h, &base, &actual);
	if (base == 12 && actual == 12)
		return SZ4K;
	if (actual == 16 && base && base <= 16)
		return SZ64K;
	return 0;
}

/* The tlbie operand for guest HPTE @g's page, from its segment and EA. */
static u64 want_rb_g(const struct gpte *g)
{
	return want_rb_sz(&g->slb, g->hea, gsz[g->sz].bshift,
			  gsz[g->sz].ashift, gsz[g->sz].lp);
}

/* @rb invalidates guest HPTE @g's page. */
static bool rb_ok_g(const struct gpte *g, u64 rb)
{
	return rb_is(rb, want_rb_g(g), gsz[g->sz].bshift, gsz[g->sz].ashift);
}

/*
 * kvmppc_ptw_hpt_unmap(@start, @end), checked against the model: exactly
 * the window HPTEs of guest pages (4K or 64K) whose first byte is in the
 * range go back to the emulated-MMIO form (R/C harvested), each after one
 * tlbie of its virtual page (of its size) issued while it was locked,
 * ABSENT and still as mapped; every other byte of the HPT and reverse map
 * stays; records of HPTEs that are not valid, or not of a size we map
 * (4K, or 64K with a 4K or 64K base page), or are in the range, go; the
 * others stay.
 */
static void unmap_and_check(struct vm *vm, u64 start, u64 end,
			    struct run_stats *st)
{
	unsigned long *before, *after, *keep, *gone, n = npte(vm);
	size_t nb, na, nk = 0, ng = 0, i, k;
	u64 unmaps = vm->p.stats.unmaps;
	struct checker c = { .vm = vm };
	u64 *pre_d1;
	int *gi_of;

	EXPECT_MODEL(vm, "before unmapping");
	nb = records(vm, &before);
	keep = malloc((nb + 1) * sizeof(*keep));
	gone = malloc((vm->ng + 1) * sizeof(*gone));
	pre_d1 = malloc((vm->ng + 1) * sizeof(*pre_d1));
	gi_of = malloc((vm->ng + 1) * sizeof(*gi_of));
	if (!keep || !gone || !pre_d1 || !gi_of)
		abort();
	/*
	 * The records that must stay: valid HPTEs of a size we map whose
	 * guest page does not overlap the range.
	 */
	for (i = 0; i < nb; i++) {
		unsigned long x = before[i];
		u64 gr, gpa, psize;

		if (x >= n)
			continue;
		gr = vm->want_rev[x].guest_rpte;
		psize = ours_size(model_d0(vm, x), gr);
		gpa = gr & HPTE_R_RPN & ~(psize - 1);
		if ((model_d0(vm, x) & HPTE_V_VALID) && psize &&
		    (gpa + psize <= start || gpa >= end))
			keep[nk++] = x;
	}
	/* the HPTEs that must go back to emulated MMIO */
	for (k = 0; k < vm->ng; k++) {
		struct gpte *g = &vm->g[k];
		u64 ps = 1ULL << gsz[g->sz].ashift;
		u64 pg = ALIGN_DOWN(g->gpa, ps);

		if (!g->mapped || pg + ps <= start || pg >= end)
			continue;
		pre_d1[ng] = model_d1(vm, g->index);
		gi_of[ng] = k;
		gone[ng++] = g->index;
		model_restore(vm, k);
	}
	if (nb && start < end)
		vm->want_mmio_update++;

	ev_reset();
	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_hpt_unmap(&vm->p, start, end);
	spin_unlock(&vm->kvm.mmu_lock);

	EXPECT_MODEL(vm, "after unmapping");
	EXPECT_EQ(evs.n, ng);
	EXPECT_EQ(evs.trace_unmaps, ng);
	EXPECT_EQ(vm->p.stats.unmaps - unmaps, ng);
	EXPECT_EQ(atomic64_read(&vm->kvm.arch.mmio_update),
		  vm->want_mmio_update);
	EXPECT_EQ(preempt_count(), 0);
	EXPECT_EQ(vm->kvm.srcu.readers, 0);
	for (i = 0; i < evs.n; i++) {
		const struct tlbie_ev *e = &evs.v[i];
		size_t j;

		for (j = 0; j < ng && gone[j] != e->index; j++)
			;
		if (j == ng) {
			EXPECT(0, "tlbie of HPTE %lu, which was not to go",
			       e->index);
			continue;
		}
		EXPECT(e->ptr_ok, "tlbie of HPTE %lu through another pointer",
		       e->index);
		EXPECT((e->d0 & HPTE_V_HVLOCK) && (e->d0 & HPTE_V_ABSENT) &&
		       (e->d0 & HPTE_V_VALID),
		       "tlbie of HPTE %lu: doubleword 0 %#" PRIx64
		       " (want locked, ABSENT, valid)", e->index, e->d0);
		EXPECT(e->d1 == pre_d1[j], "tlbie of HPTE %lu computed from %#"
		       PRIx64 ", the HPTE was %#" PRIx64, e->index, e->d1,
		       pre_d1[j]);
		EXPECT(rb_ok_g(&vm->g[gi_of[j]], e->rb),
		       "tlbie of HPTE %lu (%s): rb %#" PRIx64 ", the page needs %#"
		       PRIx64, e->index, gsz[vm->g[gi_of[j]].sz].name, e->rb,
		       want_rb_g(&vm->g[gi_of[j]]));
		gone[j] = ~0UL;		/* one tlbie each */
	}
	na = records(vm, &after);
	EXPECT(na == nk && !memcmp(after, keep, nk * sizeof(*keep)),
	       "%zu records left, %zu expected (of %zu)", na, nk, nb);
	/* No valid HPTE with a host window RPN left for the range. */
	for (i = 0; i < n; i++) {
		struct hw_hpte h;
		unsigned int wi, base, actual;
		u64 gpa, psize;

		hw_decode(raw_d0(vm, i), raw_d1(vm, i), vm->p9, &h);
		hw_page_shifts(&h, &base, &actual);
		psize = 1ULL << (actual ? actual : 12);
		gpa = vm->kvm.arch.hpt.rev[i].guest_rpte & HPTE_R_RPN &
		      ~(psize - 1);
		if (!h.v || gpa + psize <= start || gpa >= end)
			continue;
		for (wi = 0; wi < vm->nw; wi++) {
			const struct win *w = vm->wins[wi];
			u64 hp = h.rpn & ~(psize - 1);

			if (hp + psize > w->l.host_addr &&
			    hp < w->l.host_addr + w->l.size)
				violation(&c, "HPTE %lu still maps host %#" PRIx64,
					  i, hp);
		}
	}
	EXPECT(!c.violations, "[%#" PRIx64 ", %#" PRIx64 ")", start, end);
	st->unmaps++;
	st->restored += ng;
	free(before);
	free(after);
	free(keep);
	free(gone);
	free(pre_d1);
	free(gi_of);
}

/*
 * A refill: the guest narrows a mapped page to read-only with H_PROTECT
 * (KVM rewrites the valid HPTE), the hardware sets R/C, the guest widens
 * it back (KVM keeps the valid HPTE read-only), a store faults: the window
 * code must invalidate the read-only translation once, before rewriting
 * the HPTE with the guest's protection, and keep R/C.
 */
static void refill_and_check(struct vm *vm, int gi, struct run_stats *st)
{
	struct gpte *g = &vm->g[gi];
	struct fault_res res;
	struct hw_hpte gh;
	u64 rc, pre_d1, rb;
	struct hx x;

	hw_decode(g->pteh, vm->want_rev[g->index].guest_rpte, false, &gh);
	h_protect(vm, gi, 3, gh.key, gh.n);		/* read-only */
	hw_touch(vm, gi, rnd_bool());
	h_protect(vm, gi, 2, gh.key, gh.n);		/* read/write */
	EXPECT_MODEL(vm, "H_PROTECT");
	/* the store faults, though the guest view allows it */
	EXPECT_EQ(mmu_xlate(&vm->kvm, vm->p9, &g->slb, g->hea, ACC_STORE,
			    false, false, &x), HX_PROT);
	pre_d1 = raw_d1(vm, g->index);
	rc = pre_d1 & (HPTE_R_R | HPTE_R_C);
	ev_reset();
	hv_fault(vm, g->index, g->hea, NULL, NULL, &res);
	EXPECT(res.called && res.ret == 0, "refill: map %d, returned %d",
	       res.called, res.ret);
	model_map(vm, gi, g->map_hpa, rc);
	EXPECT_MODEL(vm, "after the refill");
	rb = want_rb_g(g);
	ASSERT(evs.n == 1, "refill: %zu tlbies", evs.n);
	EXPECT(evs.v[0].index == g->index && evs.v[0].ptr_ok &&
	       rb_ok_g(g, evs.v[0].rb) && evs.v[0].d1 == pre_d1 &&
	       (evs.v[0].d0 & HPTE_V_HVLOCK) && (evs.v[0].d0 & HPTE_V_ABSENT),
	       "refill tlbie: HPTE %lu rb %#" PRIx64 " (want %#" PRIx64
	       ") d0 %#" PRIx64 " d1 %#" PRIx64 " (want %#" PRIx64 ")",
	       evs.v[0].index, evs.v[0].rb, rb, evs.v[0].d0, evs.v[0].d1,
	       pre_d1);
	EXPECT_EQ(atomic64_read(&vm->kvm.arch.mmio_update),
		  vm->want_mmio_update);
	EXPECT_EQ(mmu_xlate(&vm->kvm, vm->p9, &g->slb, g->hea, ACC_STORE,
			    false, false, &x),
		  pp_allows(2, g->slb.ks, true) ? HX_OK : HX_PROT);
	st->refills++;
}

/* Pages of @w the guest maps: all, or a sample of a large window. */
static unsigned long pick_pages(const struct win *w, unsigned long max,
				unsigned long *out)
{
	const struct kvmppc_ptw_layout *l = &w->l;
	unsigned long i, n = 0, k;

	if (w->npages <= max) {
		for (i = 0; i < w->npages; i++)
			out[n++] = i;
		return n;
	}
	/* the ends, the MSI-X table and PBA edges, then random pages */
	for (i = 0; i < 4; i++) {
		out[n++] = i;
		out[n++] = w->npages - 1 - i;
	}
	if (l->msix_table_size) {
		u64 t = (l->guest_addr + l->msix_table_offset - w->first) / SZ4K;
		u64 te = (l->guest_addr + l->msix_table_offset +
			  l->msix_table_size - 1 - w->first) / SZ4K;

		out[n++] = t;
		out[n++] = te;
		if (t)
			out[n++] = t - 1;
		if (te + 1 < w->npages)
			out[n++] = te + 1;
	}
	if (l->msix_pba_size) {
		u64 p = (l->guest_addr + l->msix_pba_offset - w->first) / SZ4K;

		out[n++] = p;
		if (p)
			out[n++] = p - 1;
		if (p + 1 < w->npages)
			out[n++] = p + 1;
	}
	while (n < max)
		out[n++] = rnd_below(w->npages);
	/* no page twice */
	qsort(out, n, sizeof(*out), cmp_ulong);
	for (i = k = 0; i < n; i++)
		if (!k || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

/*
 * An effective address in segment @s whose pages of 2^@pshift hash to
 * group @group of an order-18 HPT, primary or (@sec) secondary.
 */
static u64 ea_for_group(const struct slbe *s, unsigned int pshift,
			u64 group, bool sec)
{
	u64 mask = (1ULL << (18 - 7)) - 1, want = sec ? ~group : group;
	u64 vsid = s->vsid, page;

	if (s->ssize == MMU_SEGSIZE_1T)
		vsid ^= vsid << 25;
	page = (vsid ^ want) & mask;
	return (s->esid << seg_shift(s)) | (page << pshift);
}

/* Effective addresses, handed out in a segment with a gap after each. */
struct ea_cursor {
	struct slbe s;
	u64 next;
};

static void cursor_init(struct ea_cursor *cur, const struct vm *vm,
			unsigned int bshift, int ssize)
{
	unsigned int sh;

	cur->s = rnd_slbe(vm, bshift, ssize);
	sh = seg_shift(&cur->s);
	/*
	 * Start in the first quarter of the segment; a 256M segment has room
	 * for few 16M pages, so cursor_take() may run out.
	 */
	cur->next = (cur->s.esid << sh) +
		    ALIGN_DOWN(rnd_below((1ULL << sh) / 4), SZ16M);
}

/* The EA of the next page of 2^ashift bytes; 0 if the segment is full. */
static u64 cursor_take(struct ea_cursor *cur, unsigned int ashift)
{
	u64 ea = ALIGN(cur->next, 1ULL << ashift);

	if ((ea + (1ULL << ashift) - 1) >> seg_shift(&cur->s) != cur->s.esid)
		return 0;

	cur->next = ea + (1ULL << ashift) + SZ4K * (1 + rnd_below(4));
	return ea;
}

static enum gsize rnd_gsize(void)
{
	if (rnd_below(4))
		return G4K;
	return 1 + rnd_below(NGSIZE - 1);
}

/*
 * The size of the guest HPTE for a page of class @cls: @mixed, mostly 4K,
 * some of every other size, and a 64K one for a third of DIRECT pages;
 * else 4K but for half the DIRECT pages and an eighth of the others, 64K.
 */
static enum gsize pick_gsize(int cls, bool mixed)
{
	bool direct = cls == KVMPPC_PTW_DIRECT;

	if (mixed)
		return direct && !rnd_below(3) ? (rnd_bool() ? G64K : G64K_IN_4K)
					       : rnd_gsize();
	if (rnd_below(direct ? 2 : 8))
		return G4K;
	return rnd_bool() ? G64K : G64K_IN_4K;
}

#define MAX_PAGES	48

/*
 * One window, end to end: the guest maps pages of it (4K HPTEs mostly,
 * 64K ones for many DIRECT pages, some of other sizes; without
 * @mixed_sizes only 4K and 64K), faults them in random order (an MPSS
 * HPTE through the base page holding the page picked), and everything is
 * checked (each HPTE, the MMU on every page, the model); sometimes the
 * hardware sets R/C, a page is refilled, a sub-range is unmapped; the
 * window is unmapped as ptw_unmap_window() does, checked again, and the
 * guest removes its HPTEs, leaving the HPT for the next layout.
 */
static void run_layout(struct vm *vm, const struct kvmppc_ptw_layout *l,
		       struct run_stats *st, bool mixed_sizes)
{
	struct ea_cursor cur[3];
	unsigned long pages[MAX_PAGES + 16], np, i, *order;
	int ssize = rnd_below(3) - 1;	/* one size for all, or mixed */
	struct checker c = { .vm = vm };
	size_t first_g = vm->ng, k;
	struct win w;
	u64 start, end;

	ASSERT(!kvmppc_ptw_layout_check(l), "layout rejected");
	win_init(&w, l);
	vm_add_win(vm, &w);
	st->layouts++;
	st->p9 += vm->p9;
	st->shift12 += l->host_page_shift == 12;
	atomic_set(&vm->kvm.arch.hpte_mod_interest, !rnd_below(3));
	cursor_init(&cur[0], vm, 12, ssize);
	cursor_init(&cur[1], vm, 16, ssize);
	cursor_init(&cur[2], vm, 24, ssize);

	np = pick_pages(&w, MAX_PAGES, pages);
	for (i = 0; i < np; i++) {
		u64 gpa = w.first + pages[i] * SZ4K;
		enum gsize sz = pick_gsize(page_class(&w, gpa), mixed_sizes);
		struct ea_cursor *cu = &cur[gsz[sz].bshift == 12 ? 0 :
					    gsz[sz].bshift == 16 ? 1 : 2];
		u64 ea = cursor_take(cu, gsz[sz].ashift);
		int gi;

		if (!ea)
			continue;	/* no room left in the segment */
		ea += gpa & ((1ULL << gsz[sz].ashift) - 1);
		gi = gpte_add(vm, &cu->s, ea, gpa, sz, -1, ~0ULL);
		if (gi < 0)
			continue;
		h_enter_mmio(vm, gi);
		st->gptes++;
		st->cls[page_class(&w, gpa)]++;
	}
	EXPECT_MODEL(vm, "after H_ENTER");

	/* fault them all, in random order */
	order = malloc((vm->ng - first_g + 1) * sizeof(*order));
	if (!order)
		abort();
	for (k = first_g; k < vm->ng; k++)
		order[k - first_g] = k;
	for (i = vm->ng - first_g; i > 1; i--) {
		unsigned long j = rnd_below(i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < vm->ng - first_g && !harness_cur_failed; i++)
		fault_and_check(vm, order[i], st);
	free(order);
	EXPECT_MODEL(vm, "after the faults");
	for (k = first_g; k < vm->ng; k++)
		check_gpte(&c, &vm->g[k]);
	st->probes += c.probes;
	EXPECT(!c.violations, "layout guest %#" PRIx64 " host %#" PRIx64
	       " size %#" PRIx64 " table %#" PRIx64 "+%#" PRIx64 " pba %#"
	       PRIx64 "+%#" PRIx64 " %s", l->guest_addr, l->host_addr,
	       l->size, l->msix_table_offset, l->msix_table_size,
	       l->msix_pba_offset, l->msix_pba_size,
	       vm->p9 ? "ISA v3.0" : "old format");

	/* the hardware sets R/C on some pages; one page is refilled */
	for (k = first_g; k < vm->ng; k++)
		if (vm->g[k].mapped && rnd_below(2))
			hw_touch(vm, k, rnd_bool());
	if (!rnd_below(4)) {
		for (k = first_g; k < vm->ng; k++) {
			if (vm->g[k].mapped) {
				refill_and_check(vm, k, st);
				break;
			}
		}
	}

	start = ALIGN_DOWN(l->guest_addr, SZ4K);
	end = ALIGN(l->guest_addr + l->size, SZ4K);
	if (!rnd_below(4)) {
		u64 a0 = start + rnd_below((end - start) / SZ4K) * SZ4K;
		u64 a1 = a0 + (1 + rnd_below((end - a0) / SZ4K)) * SZ4K;

		unmap_and_check(vm, a0, a1, st);
		c.violations = 0;
		for (k = first_g; k < vm->ng; k++)
			check_gpte(&c, &vm->g[k]);
		EXPECT(!c.violations, "after unmapping [%#" PRIx64 ", %#"
		       PRIx64 ")", a0, a1);
	}
	/* ptw_unmap_window() */
	unmap_and_check(vm, start, end, st);
	c.violations = 0;
	for (k = first_g; k < vm->ng; k++) {
		EXPECT(!vm->g[k].mapped, "page %#" PRIx64 " still mapped",
		       vm->g[k].gpa);
		check_gpte(&c, &vm->g[k]);
	}
	EXPECT(!c.violations, "after unmapping the window");
	EXPECT(xa_empty(&vm->p.hpt_maps), "%u records left after unmap",
	       vm->p.hpt_maps.nr);

	/* the guest removes its HPTEs */
	for (k = first_g; k < vm->ng; k++)
		h_remove(vm, k);
	vm->ng = first_g;
	EXPECT_MODEL(vm, "after H_REMOVE");
	vm_del_win(vm, &w);
	win_fini(&w);
}

static void print_stats(const char *name, const struct run_stats *st)
{
	printf("# %s: %lu layouts (%lu ISA v3.0, %lu with 4K host pages), %lu guest HPTEs (exit %lu, direct %lu, map4k %lu, msix %lu), %lu mapped (64K: %lu in 4K segments, %lu in 64K ones), %lu declined for their size (%lu 64K), %lu by class, %lu refills, %lu unmaps restoring %lu HPTEs, %lu MMU probes\n",
	       name, st->layouts, st->p9, st->shift12, st->gptes,
	       st->cls[KVMPPC_PTW_EXIT], st->cls[KVMPPC_PTW_DIRECT],
	       st->cls[KVMPPC_PTW_MAP4K], st->cls[KVMPPC_PTW_MSIX],
	       st->mapped, st->mapped_64k[0], st->mapped_64k[1],
	       st->declined_size, st->declined_64k, st->declined_class,
	       st->refills, st->unmaps, st->restored, st->probes);
}

/* ---------------------------------------------------------------------- */
/* Tests: the shim's HPTE helpers and the software MMU                    */
/* ---------------------------------------------------------------------- */

/*
 * The helpers the kernel file calls (format conversions, page sizes, the
 * tlbie operand of <asm/kvm_book3s_64.h>, shim versions) agree with the
 * ISA as decoded here: the tlbie operand computed from an HPTE and its
 * index names the virtual page the guest mapped; both formats hold the
 * same fields; kvmppc_ptw_hpte_is_4k() holds for 4K HPTEs only, and
 * kvmppc_ptw_hpte_is_64k() for 64K ones (base 4K or 64K) only.
 */
TEST(hpte_helpers_match_isa)
{
	unsigned long n, bad_rb = 0, bad_fmt = 0, bad_size = 0;
	struct vm stub;

	seed_rng("hpte_helpers_match_isa", 0x15a);
	memset(&stub, 0, sizeof(stub));
	for (n = 0; n < 50000; n++) {
		enum gsize sz = rnd_below(NGSIZE);
		struct slbe s;
		unsigned int order = 18 + rnd_below(8), sh;
		u64 mask = (1ULL << (order - 7)) - 1, ea, hash, v, r, nv, nr;
		bool sec = rnd_bool();
		unsigned long index;
		struct hw_hpte a, b;

		stub.p9 = rnd_bool();
		s = rnd_slbe(&stub, gsz[sz].bshift, -1);
		sh = seg_shift(&s);
		/* a base page of the actual page: what the HPTE is hashed for */
		ea = (s.esid << sh) | (rnd() & ((1ULL << sh) - 1) &
				       ~((1ULL << gsz[sz].bshift) - 1));
		hash = slb_hash(&s, ea, gsz[sz].bshift);
		index = ((sec ? ~hash : hash) & mask) * 8 + rnd_below(8);
		v = ((u64)s.ssize << 62) |
		    (guest_avpn(&s, ea, gsz[sz].ashift) << 7) | HPTE_V_VALID |
		    (sec ? HPTE_V_SECONDARY : 0) |
		    (sz != G4K ? HPTE_V_LARGE : 0);
		r = (rnd() & HPTE_R_RPN_3_0 & ~((1ULL << gsz[sz].ashift) - 1)) |
		    gsz[sz].lp | rnd_attrs();
		/* every size: the operand the ISA gives for the guest's page */
		if (!rb_is(compute_tlbie_rb(v, r, index),
			   want_rb_sz(&s, ea, gsz[sz].bshift, gsz[sz].ashift, r),
			   gsz[sz].bshift, gsz[sz].ashift)) {
			if (!bad_rb)
				printf("# %s: rb %#lx, want %#" PRIx64 "\n",
				       gsz[sz].name, compute_tlbie_rb(v, r, index),
				       want_rb_sz(&s, ea, gsz[sz].bshift,
						  gsz[sz].ashift, r));
			bad_rb++;
		}
		if (kvmppc_hpte_base_page_shift(v, r) != (int)gsz[sz].bshift ||
		    kvmppc_actual_pgsz(v, r) != 1UL << gsz[sz].ashift ||
		    kvmppc_ptw_hpte_is_4k(v, r) != (sz == G4K) ||
		    kvmppc_ptw_hpte_is_64k(v, r) !=
		    (sz == G64K || sz == G64K_IN_4K))
			bad_size++;
		/* the same fields in both formats, and back */
		nv = hpte_old_to_new_v(v);
		nr = hpte_old_to_new_r(v, r);
		hw_decode(v, r, false, &a);
		hw_decode(nv, nr, true, &b);
		if (a.b != b.b || (a.avpn & ((1ULL << 45) - 1)) != b.avpn ||
		    a.v != b.v || a.h != b.h || a.l != b.l || a.pp != b.pp ||
		    a.key != b.key || a.rpn != b.rpn || a.wimg != b.wimg ||
		    b.reserved)
			bad_fmt++;
		if (stub.p9 && (hpte_new_to_old_v(nv, nr) != v ||
				hpte_new_to_old_r(nr) != (r & ~(3ULL << 58))))
			bad_fmt++;
	}
	EXPECT_EQ(bad_rb, 0);
	EXPECT_EQ(bad_fmt, 0);
	EXPECT_EQ(bad_size, 0);
	/* an unimplemented LP encoding: no page size at all */
	EXPECT_EQ(kvmppc_actual_pgsz(HPTE_V_LARGE, 0x5000), 0);
	EXPECT(!kvmppc_ptw_hpte_is_4k(HPTE_V_LARGE, 0x5000), "LP 0101 is 4K?");
	EXPECT(!kvmppc_ptw_hpte_is_64k(HPTE_V_LARGE, 0x5000), "LP 0101 is 64K?");
	/* ISA: PP 010 is read/write for both keys, 110 read-only for key 0 */
	EXPECT(pp_allows(2, 1, true) && pp_allows(6, 0, false) &&
	       !pp_allows(6, 0, true) && !pp_allows(6, 1, false) &&
	       !pp_allows(0, 1, false), "protection table");
}

/*
 * The software MMU on HPTEs KVM makes for guest RAM, of every page size,
 * in both formats, primary and secondary, 256M and 1T segments; ABSENT
 * entries do not translate; two matching HPTEs are reported.
 */
TEST(mmu_walks_guest_ram_hptes)
{
	unsigned int p9, sz, round;
	struct vm vm;

	seed_rng("mmu_walks_guest_ram_hptes", 0x3a3);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		for (round = 0; round < 40; round++) {
			for (sz = 0; sz < NGSIZE; sz++) {
				struct ea_cursor cur;
				u64 gpa = rnd_below(GPA_TOP);
				u64 hpa = rnd_below(HPA_TOP) &
					  ~((1ULL << gsz[sz].ashift) - 1);
				int gi;

				cursor_init(&cur, &vm, gsz[sz].bshift, -1);
				gi = gpte_add(&vm, &cur.s,
					      cursor_take(&cur, gsz[sz].ashift),
					      gpa, sz, -1, ~0ULL);
				ASSERT(gi >= 0, "HPT full");
				if (round & 1) {
					h_enter_ram(&vm, gi, hpa);
				} else {
					/* ABSENT: no translation */
					h_enter_mmio(&vm, gi);
				}
			}
		}
		EXPECT_MODEL(&vm, "RAM HPTEs");
		EXPECT_EQ(check_all(&vm, false), 0);
		/* a copy of a valid HPTE in its other free slot: two matches */
		{
			struct gpte *g = NULL;
			unsigned long i, j, grp;
			struct hx x;
			size_t k;

			for (k = 0; k < vm.ng && !g; k++)
				if (vm.g[k].ram)
					g = &vm.g[k];
			ASSERT(g, "no RAM HPTE");
			grp = g->index & ~7UL;
			for (j = grp; j < grp + 8 && !hpte_free(&vm, j); j++)
				;
			ASSERT(j < grp + 8, "group full");
			i = g->index;
			memcpy(hpte_at(&vm.kvm.arch.hpt, j),
			       hpte_at(&vm.kvm.arch.hpt, i), 16);
			EXPECT_EQ(mmu_xlate(&vm.kvm, vm.p9, &g->slb, g->ea,
					    ACC_LOAD, false, false, &x), HX_MULTI);
			memset(hpte_at(&vm.kvm.arch.hpt, j), 0, 16);
			EXPECT_EQ(mmu_xlate(&vm.kvm, vm.p9, &g->slb, g->ea,
					    ACC_LOAD, true, false, &x) == HX_MULTI, 0);
		}
		vm_fini(&vm);
	}
}

/* ---------------------------------------------------------------------- */
/* Tests: one page, bit for bit                                           */
/* ---------------------------------------------------------------------- */

static void one_page(bool p9, unsigned int ssize)
{
	/* pci-testdev BAR0 4K at 64K page + 0x4000, guest at + 0x2000 */
	struct kvmppc_ptw_layout l = bar(0x40002000, 0x200080004000, 0x1000);
	struct slbe s = {
		.esid = ssize ? 0xc00001 : 0xc00000001, .vsid = 0x1234567,
		.ssize = ssize, .bshift = 12, .ks = 0, .kp = 1,
	};
	u64 ea = (s.esid << seg_shift(&s)) | 0x345000, gpa = l.guest_addr;
	u64 hpa = l.host_addr, va_avpn, d0, d1, old_v, old_r;
	/* PP 010, key 5 (0b00101), N, M, R */
	u64 attrs = 2 | (HPTE_R_KEY_LO & (5 << 9)) | HPTE_R_N | HPTE_R_M |
		    HPTE_R_R;
	struct fault_res res;
	struct win w;
	struct vm vm;
	struct hx x;
	int gi;

	vm_init(&vm, 18, p9);
	win_init(&w, &l);
	vm_add_win(&vm, &w);
	gi = gpte_add(&vm, &s, ea, gpa, G4K, 1, attrs);
	ASSERT(gi >= 0, "no slot");
	vm.g[gi].pteh &= ~(HPTE_V_BOLTED | HPTE_V_LOCK);
	h_enter_mmio(&vm, gi);
	va_avpn = (u64)(slb_va(&s, ea) >> 23);

	/* kvmppc_do_h_enter()'s entry: ABSENT, key 31 */
	old_v = ((u64)ssize << 62) | va_avpn << 7 | 0x20 | 0x2;
	old_r = gpa | 0x3000000000000000ULL | 0xe00 | 0x100 | 0x10 | 0x4 | 2;
	d0 = p9 ? old_v & 0x000fffffffffffffULL : old_v;
	d1 = p9 ? old_r | (u64)ssize << 58 : old_r;
	EXPECT_EQ(raw_d0(&vm, vm.g[gi].index), d0);
	EXPECT_EQ(raw_d1(&vm, vm.g[gi].index), d1);
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea, ACC_LOAD, false, false, &x),
		  HX_MISS);
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea, ACC_LOAD, false, true, &x),
		  HX_ABSENT);
	EXPECT_EQ(x.index, vm.g[gi].index);

	hv_fault(&vm, x.index, ea + 0x123, NULL, NULL, &res);
	EXPECT(res.called && !res.ret, "map: %d %d", res.called, res.ret);
	EXPECT_EQ(res.cls, KVMPPC_PTW_MAP4K);
	EXPECT_EQ(res.hpa, hpa);
	/* valid, the guest's PP, key, N, R; WIMG = I|G; the host page */
	old_v = ((u64)ssize << 62) | va_avpn << 7 | 0x2 | 0x1;
	old_r = hpa | 0x0000000000000a00ULL | 0x100 | 0x20 | 0x8 | 0x4 | 2;
	d0 = p9 ? old_v & 0x000fffffffffffffULL : old_v;
	d1 = p9 ? old_r | (u64)ssize << 58 : old_r;
	EXPECT_EQ(raw_d0(&vm, vm.g[gi].index), d0);
	EXPECT_EQ(raw_d1(&vm, vm.g[gi].index), d1);
	/* big-endian in memory: V is the last byte's low bit */
	EXPECT_EQ(((u8 *)hpte_at(&vm.kvm.arch.hpt, vm.g[gi].index))[7] & 1, 1);
	EXPECT_EQ(vm.kvm.arch.hpt.rev[vm.g[gi].index].guest_rpte,
		  gpa | attrs);
	EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 1);
	EXPECT(xa_load(&vm.p.hpt_maps, vm.g[gi].index), "not recorded");
	EXPECT_EQ(evs.n, 0);
	model_map(&vm, gi, hpa, 0);
	EXPECT_MODEL(&vm, "mapped");
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea + 0xabc, ACC_LOAD, false,
			    false, &x), HX_OK);
	EXPECT_EQ(x.ra, hpa + 0xabc);
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea + 0xabc, ACC_STORE, true,
			    false, &x), HX_OK);
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea, ACC_FETCH, false, false, &x),
		  HX_PROT);
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea + SZ4K, ACC_LOAD, false,
			    false, &x), HX_MISS);
	EXPECT_EQ(check_all(&vm, false), 0);

	/* unmap: back to the entry of H_ENTER; one tlbie of the page */
	ev_reset();
	spin_lock(&vm.kvm.mmu_lock);
	kvmppc_ptw_hpt_unmap(&vm.p, gpa, gpa + SZ4K);
	spin_unlock(&vm.kvm.mmu_lock);
	old_v = ((u64)ssize << 62) | va_avpn << 7 | 0x20 | 0x2;
	old_r = gpa | 0x3000000000000000ULL | 0xe00 | 0x100 | 0x10 | 0x4 | 2;
	d0 = p9 ? old_v & 0x000fffffffffffffULL : old_v;
	d1 = p9 ? old_r | (u64)ssize << 58 : old_r;
	EXPECT_EQ(raw_d0(&vm, vm.g[gi].index), d0);
	EXPECT_EQ(raw_d1(&vm, vm.g[gi].index), d1);
	ASSERT(evs.n == 1, "%zu tlbies", evs.n);
	EXPECT_EQ(evs.v[0].rb, want_rb(&s, ea));
	/* ISA: RB 0:51 = VA 14:65, B in 54:55 */
	EXPECT_EQ(evs.v[0].rb >> 12,
		  (u64)(slb_va(&s, ea) >> 12) & ((1ULL << 52) - 1));
	EXPECT_EQ((evs.v[0].rb >> 8) & 3, ssize);
	EXPECT_EQ(evs.v[0].rb & 0xff, 0);
	EXPECT_EQ(evs.trace_unmaps, 1);
	EXPECT_EQ(vm.p.stats.unmaps, 1);
	EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 2);
	EXPECT(xa_empty(&vm.p.hpt_maps), "record left");
	EXPECT_EQ(mmu_xlate(&vm.kvm, p9, &s, ea, ACC_LOAD, false, false, &x),
		  HX_MISS);
	vm_del_win(&vm, &w);
	win_fini(&w);
	vm_fini(&vm);
}

TEST(one_page_old_format_256m)
{
	one_page(false, MMU_SEGSIZE_256M);
}

TEST(one_page_old_format_1t)
{
	one_page(false, MMU_SEGSIZE_1T);
}

TEST(one_page_isa300_256m)
{
	one_page(true, MMU_SEGSIZE_256M);
}

TEST(one_page_isa300_1t)
{
	one_page(true, MMU_SEGSIZE_1T);
}

/* ---------------------------------------------------------------------- */
/* Tests: layouts                                                         */
/* ---------------------------------------------------------------------- */

static void run_layout_v(struct vm *vm, struct kvmppc_ptw_layout l,
			 struct run_stats *st)
{
	run_layout(vm, &l, st, true);
}

/* The layouts of README.md's test bed and the 2012 thread's, both formats. */
TEST(seed_layouts)
{
	struct kvmppc_ptw_layout l;
	struct run_stats st = { 0 };
	unsigned int p9, round;
	struct vm vm;

	seed_rng("seed_layouts", 0x5eed);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		for (round = 0; round < 8; round++) {
			run_layout_v(&vm, bar(0x40002000, 0x200080004000, 0x1000), &st);
			run_layout_v(&vm, bar(0x40004000, 0x200080004000, 0x1000), &st);
			l = bar(0x40005000, 0x200080005000, 0x1000);
			run_layout_v(&vm, with_msix(l, 0, 3, 0x800), &st);
			l = bar(0x40010000, 0x200080000000, 0x4000);
			run_layout_v(&vm, with_msix(l, 0, 5, 0x2000), &st);
			run_layout_v(&vm, bar(0x40020000, 0x200080020000, 0x10000), &st);
			l = bar(0x401f1000, 0x200090001000, 0x200000);
			run_layout_v(&vm, with_msix(l, 0x5200, 64, 0x6000), &st);
		}
		vm_fini(&vm);
	}
	EXPECT(st.cls[KVMPPC_PTW_DIRECT] && st.cls[KVMPPC_PTW_MAP4K] &&
	       st.cls[KVMPPC_PTW_MSIX] && st.refills && st.declined_size,
	       "a case never came up");
	print_stats("seed_layouts", &st);
}

/*
 * Combinations of guest and host offsets in a 64K page (4K steps and two
 * sub-4K ones), of small sizes and MSI-X placements, at the start of a
 * 2M region and straddling one; both formats, 4K guest HPTEs.
 */
TEST(exhaustive_small_layouts)
{
	static const u64 ofs[] = {
		0x0000, 0x1000, 0x3000, 0x4000, 0x8000, 0xf000, 0x0800, 0x0010,
	};
	static const u64 sizes[] = {
		0x80, 0x1000, 0x2000, 0x5000, 0x10000, 0x11000, 0x20000,
	};
	static const u64 bases[] = { 0x7c0000000, 0x7c01f0000 };
	const unsigned int nofs = ARRAY_SIZE(ofs), nsizes = ARRAY_SIZE(sizes);
	unsigned int n, total = ARRAY_SIZE(bases) * nofs * nofs * nsizes * 5;
	struct run_stats st = { 0 };
	unsigned long rejected = 0;
	struct vm vm;

	seed_rng("exhaustive_small_layouts", 0xe4a);
	vm_init(&vm, 18, false);
	for (n = 0; n < total && !harness_cur_failed; n++) {
		unsigned int m = n % 5, s = n / 5 % nsizes;
		unsigned int h = n / 5 / nsizes % nofs;
		unsigned int g = n / 5 / nsizes / nofs % nofs;
		unsigned int b = n / 5 / nsizes / nofs / nofs;
		struct kvmppc_ptw_layout l = bar(bases[b] + ofs[g],
						 0x3fe000000000 + ofs[h],
						 sizes[s]);

		switch (m) {
		case 1:
			l = with_msix(l, 0, 1, 0x10);
			break;
		case 2:
			l = with_msix(l, 0, 3, 0x800);
			break;
		case 3:
			l = with_msix(l, 0, 5, 0x2000);
			break;
		case 4:
			l = with_msix(l, 0x5200, 16, l.size - 8);
			break;
		}
		if (kvmppc_ptw_layout_check(&l)) {
			rejected++;
			continue;
		}
		set_p9(&vm, n & 1);
		run_layout(&vm, &l, &st, false);
	}
	print_stats("exhaustive_small_layouts", &st);
	printf("# exhaustive_small_layouts: %lu of %u combinations not a valid layout\n",
	       rejected, total);
	EXPECT(st.layouts > total / 2, "only %lu layouts", st.layouts);
	vm_fini(&vm);
}

static u64 rnd_guest(u64 size)
{
	u64 g, limit = GPA_TOP - size;

	switch (rnd_below(6)) {
	case 0:		/* across a 16M boundary */
		g = (1 + rnd_below(1 << 20)) * SZ16M - rnd_below(4 * MB);
		break;
	case 1:		/* at the top of the 52-bit space */
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
	u64 size = rnd_bar_size(24, GB);	/* 128 B .. 1 GiB */
	struct kvmppc_ptw_layout l = bar(rnd_guest(size), 0, size);

	l.host_addr = rnd_host(l.guest_addr, size, HPA_TOP);
	rnd_msix(&l);
	if (!rnd_below(8))	/* 4K host pages: DIRECT pages are 4K */
		l.host_page_shift = KVMPPC_PTW_SHIFT_4K;
	return l;
}

#define RANDOM_LAYOUTS	nr_random_layouts(5000)

/* Random layouts, guest HPTEs of every size, random format per layout. */
TEST(random_layouts)
{
	struct run_stats st = { 0 };
	unsigned long rejected = 0;
	struct vm vm;

	seed_rng("random_layouts", 0x4b564d2d485054ULL);
	vm_init(&vm, 18, false);
	while (st.layouts < RANDOM_LAYOUTS && rejected < 10 * RANDOM_LAYOUTS) {
		struct kvmppc_ptw_layout l = rnd_layout();

		if (kvmppc_ptw_layout_check(&l)) {
			rejected++;
			continue;
		}
		set_p9(&vm, rnd_bool());
		run_layout(&vm, &l, &st, true);
		if (harness_cur_failed) {
			printf("# random_layouts: failed at layout %lu\n",
			       st.layouts - 1);
			break;
		}
	}
	print_stats("random_layouts", &st);
	EXPECT(st.layouts == RANDOM_LAYOUTS || harness_cur_failed,
	       "only %lu valid layouts generated", st.layouts);
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: declines                                                        */
/* ---------------------------------------------------------------------- */

/* A guest HPTE of size @sz for @gpa, entered as emulated MMIO. */
static int add_mmio(struct vm *vm, struct ea_cursor *cur, u64 gpa,
		    enum gsize sz)
{
	u64 ea = cursor_take(cur, gsz[sz].ashift);
	int gi;

	/* entered for the base page holding @gpa */
	ea += gpa & ((1ULL << gsz[sz].ashift) - 1);
	gi = gpte_add(vm, &cur->s, ea, gpa, sz, -1, ~0ULL);
	if (gi >= 0)
		h_enter_mmio(vm, gi);
	return gi;
}

/*
 * Guest HPTEs of each size over pages of each kind, both formats: 4K and
 * 64K ones (base 4K or 64K) of DIRECT pages map, a 64K one onto the whole
 * host 64K page with the guest's LP; 16M ones (any base) never; a 64K one
 * is declined too when its page is MAP4K (the window ends inside the 64K
 * page, host and guest offsets differ modulo 64K, an MSI-X table is in
 * another 4K page of it), MSIX or EXIT, or DIRECT in a window of 4K host
 * pages. A decline writes and records nothing; the windows are then
 * unmapped, one tlbie of the right size each.
 */
TEST(hpte_sizes_and_classes)
{
	static const struct {
		int win;
		u64 off;
		bool map64;	/* a 64K HPTE of the page maps */
		bool map4k;	/* a 4K one does */
	} cases[] = {
		{ 0, 0x0, 1, 1 }, { 0, 0x5abc, 1, 1 }, { 0, SZ16M - 1, 1, 1 },
		{ 1, 0x1234, 1, 1 }, { 1, 0x10000, 0, 1 }, { 1, 0x17fff, 0, 1 },
		{ 2, 0x0, 0, 1 }, { 2, 0x1f000, 0, 1 },
		{ 3, 0x0, 1, 1 }, { 3, 0x11000, 0, 1 }, { 3, 0x13010, 0, 0 },
		{ 4, 0x4000, 0, 0 },
		{ 5, 0x0, 0, 1 }, { 5, 0x1ffff, 0, 1 },
	};
	struct kvmppc_ptw_layout l[6] = {
		/* DIRECT throughout */
		bar(0x41000000, 0x300001000000, SZ16M),
		/* the second 64K page only partly in the window: MAP4K */
		bar(0x42000000, 0x300002000000, 0x18000),
		/* host offset 4K off modulo 64K: MAP4K */
		bar(0x43000000, 0x300003001000, 0x20000),
		/* an MSI-X table in the second 64K page */
		with_msix(bar(0x44000000, 0x300004000000, 0x20000), 0x13000, 4,
			  0x13800),
		/* offsets differ below 4K: EXIT */
		bar(0x45000000, 0x300005000800, 0x20000),
		/* 4K host pages: DIRECT 4K pages */
		bar(0x46000000, 0x300006000000, 0x20000),
	};
	struct run_stats st = { 0 };
	struct ea_cursor cur[3];
	unsigned int p9, sz, c, wi, lp_seen = 0;
	struct win w[6];
	struct vm vm;

	seed_rng("hpte_sizes_and_classes", 0xd1);
	l[5].host_page_shift = KVMPPC_PTW_SHIFT_4K;
	for (wi = 0; wi < 6; wi++)
		win_init(&w[wi], &l[wi]);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		for (wi = 0; wi < 6; wi++)
			vm_add_win(&vm, &w[wi]);
		cursor_init(&cur[0], &vm, 12, -1);
		cursor_init(&cur[1], &vm, 16, -1);
		cursor_init(&cur[2], &vm, 24, -1);
		/* 16M HPTEs of DIRECT pages: declined, nothing written */
		for (sz = G16M_IN_4K; sz < NGSIZE; sz++) {
			struct ea_cursor *cu = &cur[gsz[sz].bshift == 12 ? 0 :
						    gsz[sz].bshift == 16 ? 1 : 2];
			int gi;

			if (sz == G64K)
				continue;
			gi = add_mmio(&vm, cu, l[0].guest_addr +
				      rnd_below(l[0].size), sz);
			ASSERT(gi >= 0, "no slot");
			fault_and_check(&vm, gi, &st);
			EXPECT(!vm.g[gi].mapped, "%s HPTE mapped",
			       gsz[sz].name);
			EXPECT_MODEL(&vm, gsz[sz].name);
		}
		EXPECT(xa_empty(&vm.p.hpt_maps), "a declined HPTE was recorded");
		EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 0);
		for (c = 0; c < ARRAY_SIZE(cases); c++) {
			u64 gpa = l[cases[c].win].guest_addr + cases[c].off;

			for (sz = G4K; sz <= G64K; sz++) {
				struct ea_cursor *cu = &cur[gsz[sz].bshift == 12 ? 0 : 1];
				bool want = sz == G4K ? cases[c].map4k :
					    cases[c].map64;
				int gi;

				if (sz == G16M_IN_4K)
					continue;
				gi = add_mmio(&vm, cu, gpa, sz);
				ASSERT(gi >= 0, "no slot");
				fault_and_check(&vm, gi, &st);
				EXPECT(vm.g[gi].mapped == want,
				       "%s HPTE of %#" PRIx64 ": %s", gsz[sz].name,
				       gpa, vm.g[gi].mapped ? "mapped" : "declined");
				if (vm.g[gi].mapped && sz != G4K) {
					/* the guest's LP, the host 64K page */
					u64 d1 = raw_d1(&vm, vm.g[gi].index);

					EXPECT_EQ(d1 & 0xf000, gsz[sz].lp);
					EXPECT_EQ(d1 & HPTE_R_RPN_3_0 & ~(SZ64K - 1),
						  l[cases[c].win].host_addr +
						  (vm.g[gi].gpa -
						   l[cases[c].win].guest_addr));
					EXPECT_EQ(d1 & 0x78, 0x28);
					lp_seen++;
				}
			}
		}
		EXPECT_MODEL(&vm, "after the faults");
		EXPECT_EQ(check_all(&vm, false), 0);
		for (wi = 0; wi < 6; wi++)
			unmap_and_check(&vm, l[wi].guest_addr,
					l[wi].guest_addr + l[wi].size, &st);
		EXPECT(xa_empty(&vm.p.hpt_maps), "records left");
		EXPECT_EQ(check_all(&vm, false), 0);
		vm.nw = 0;
		vm_fini(&vm);
	}
	EXPECT_EQ(lp_seen, 2 * 2 * 5);
	EXPECT_EQ(st.mapped_64k[0] + st.mapped_64k[1], 2 * 2 * 5);
	/*
	 * 64K HPTEs declined on DIRECT or MAP4K pages: 7 cases a size and
	 * format, and the 64K-base one of the page with the MSI-X table
	 * when it faults at one of its MAP4K pages rather than the MSIX one.
	 */
	EXPECT(st.declined_64k >= 2 * 2 * 7 && st.declined_64k <= 2 * 2 * 7 + 2,
	       "%lu 64K HPTEs declined for their size", st.declined_64k);
	print_stats("hpte_sizes_and_classes", &st);
	for (wi = 0; wi < 6; wi++)
		win_fini(&w[wi]);
}

/* Pages of class MSIX and EXIT: no map call, the HPT as it was. */
TEST(declines_msix_and_exit_pages)
{
	/* table at 0x1000, PBA at 0x3800; ends not 4K aligned: EXIT */
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x50000800, 0x600000000800, 0x6000), 0x1000, 8,
			  0x3800);
	/* host and guest differ modulo 4K: every page EXIT */
	struct kvmppc_ptw_layout l2 = bar(0x50100000, 0x600000100800, 0x4000);
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	unsigned int p9;
	unsigned long i, declined = 0;
	struct win w, w2;
	struct vm vm;

	seed_rng("declines_msix_and_exit_pages", 0xd2);
	win_init(&w, &l);
	win_init(&w2, &l2);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &w);
		vm_add_win(&vm, &w2);
		cursor_init(&cur, &vm, 12, -1);
		for (i = 0; i < w.npages; i++)
			add_mmio(&vm, &cur, w.first + i * SZ4K, G4K);
		for (i = 0; i < w2.npages; i++)
			add_mmio(&vm, &cur, w2.first + i * SZ4K, G4K);
		for (i = 0; i < vm.ng; i++) {
			int cls = page_class(vm.g[i].w, vm.g[i].gpa);

			fault_and_check(&vm, i, &st);
			declined += !class_maps(cls);
		}
		EXPECT_MODEL(&vm, "after the faults");
		EXPECT_EQ(check_all(&vm, false), 0);
		vm_del_win(&vm, &w);
		vm_del_win(&vm, &w2);
		vm_fini(&vm);
	}
	/* the first and last pages, the table's and PBA's, all of w2 */
	EXPECT_EQ(declined, 2 * (4 + w2.npages));
	win_fini(&w);
	win_fini(&w2);
}

/*
 * While the HPT is being resized (mmu_ready 0) the map declines with
 * -EAGAIN and writes nothing to the HPT; the record it made first is
 * dropped by the next unmap.
 */
TEST(declines_while_resizing)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x2000);
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	struct fault_res res;
	unsigned int p9;
	struct win w;
	struct vm vm;
	int gi;

	seed_rng("declines_while_resizing", 0xd3);
	win_init(&w, &l);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &w);
		cursor_init(&cur, &vm, 12, -1);
		gi = add_mmio(&vm, &cur, l.guest_addr, G4K);
		ASSERT(gi >= 0, "no slot");
		vm.kvm.arch.mmu_ready = 0;
		hv_fault(&vm, vm.g[gi].index, vm.g[gi].ea, NULL, NULL, &res);
		EXPECT(res.called && res.ret == -EAGAIN, "map %d, ret %d",
		       res.called, res.ret);
		EXPECT_MODEL(&vm, "mmu_ready 0");
		EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 0);
		vm.kvm.arch.mmu_ready = 1;
		EXPECT_EQ(vm.p.hpt_maps.nr, 1);
		unmap_and_check(&vm, l.guest_addr, l.guest_addr + l.size, &st);
		EXPECT(xa_empty(&vm.p.hpt_maps), "record kept");
		/* and once the resize is over, the fault maps */
		fault_and_check(&vm, gi, &st);
		EXPECT(vm.g[gi].mapped, "not mapped after the resize");
		vm_del_win(&vm, &w);
		vm_fini(&vm);
	}
	win_fini(&w);
}

/* Changes of the HPTE between the fault path's read and the map. */
enum change {
	CH_PROTECT,	/* H_PROTECT of the ABSENT entry: guest view only */
	CH_REENTER,	/* H_REMOVE, H_ENTER of another page there */
	CH_BOLTED,	/* H_REMOVE, H_ENTER of the same page, BOLTED flipped */
	CH_HTAB_READ,	/* the HTAB fd read it: GR_MODIFIED cleared */
	CH_DWORD1,	/* doubleword 1 alone */
	NCHANGES
};

static const char *const change_name[] = {
	"H_PROTECT", "H_REMOVE + H_ENTER of another page",
	"H_REMOVE + H_ENTER with BOLTED flipped", "HTAB fd read",
	"doubleword 1 changed",
};

struct change_arg {
	enum change ch;
	int gi;
};

static void change_between(struct vm *vm, unsigned long index, void *arg)
{
	struct change_arg *a = arg;
	struct gpte *g = &vm->g[a->gi];
	struct hw_hpte gh;
	__be64 *p = hpte_at(&vm->kvm.arch.hpt, index);

	switch (a->ch) {
	case CH_PROTECT:
		hw_decode(g->pteh, g->ptel, false, &gh);
		h_protect(vm, a->gi, gh.pp ^ 1, gh.key, !gh.n);
		break;
	case CH_REENTER:
		h_remove(vm, a->gi);
		g->gpa += SZ4K;
		g->ptel += SZ4K;
		h_enter_mmio(vm, a->gi);
		break;
	case CH_BOLTED:
		h_remove(vm, a->gi);
		g->pteh ^= HPTE_V_BOLTED;
		h_enter_mmio(vm, a->gi);
		break;
	case CH_HTAB_READ:
		vm->kvm.arch.hpt.rev[index].guest_rpte &= ~HPTE_GR_MODIFIED;
		vm->want_rev[index].guest_rpte &= ~HPTE_GR_MODIFIED;
		break;
	case CH_DWORD1:
		hpte_lock(p);
		p[1] ^= cpu_to_be64(HPTE_R_M);
		vm->want[2 * index + 1] ^= cpu_to_be64(HPTE_R_M);
		unlock_hpte(p, be64_to_cpu(p[0]));
		break;
	default:
		break;
	}
}

/*
 * The HPTE changed between the fault path's read and the map taking its
 * lock: -EAGAIN, and the HPT and reverse map hold what the change made,
 * nothing of the map's. Each change alters one of the three doublewords
 * the map compares, so each comparison is needed.
 */
TEST(declines_changed_hpte)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x4000);
	struct change_arg a;
	struct ea_cursor cur;
	struct fault_res res;
	unsigned int p9;
	struct win w;
	struct vm vm;

	seed_rng("declines_changed_hpte", 0xd4);
	win_init(&w, &l);
	for (p9 = 0; p9 < 2; p9++) {
		for (a.ch = 0; a.ch < NCHANGES; a.ch++) {
			vm_init(&vm, 18, p9);
			vm_add_win(&vm, &w);
			atomic_set(&vm.kvm.arch.hpte_mod_interest,
				   a.ch == CH_HTAB_READ);
			cursor_init(&cur, &vm, 12, -1);
			a.gi = add_mmio(&vm, &cur, l.guest_addr, G4K);
			ASSERT(a.gi >= 0, "no slot");
			hv_fault(&vm, vm.g[a.gi].index, vm.g[a.gi].ea,
				 change_between, &a, &res);
			EXPECT(res.called && res.ret == -EAGAIN,
			       "%s: map %d, ret %d", change_name[a.ch],
			       res.called, res.ret);
			EXPECT_MODEL(&vm, change_name[a.ch]);
			EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 0);
			EXPECT_EQ(check_all(&vm, false), 0);
			vm_del_win(&vm, &w);
			vm_fini(&vm);
		}
	}
	win_fini(&w);
}

/* Another CPU holds the HPTE lock: the map waits for it. */
struct holder {
	struct vm *vm;
	int gi;
	bool change;
	int locked, released;
	pthread_t t;
};

static void *holder_thread(void *arg)
{
	struct holder *h = arg;
	struct gpte *g = &h->vm->g[h->gi];
	__be64 *p = hpte_at(&h->vm->kvm.arch.hpt, g->index);
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	hpte_lock(p);
	__atomic_store_n(&h->locked, 1, __ATOMIC_RELEASE);
	nanosleep(&ts, NULL);
	if (h->change) {
		/* as H_PROTECT of the ABSENT entry does, under the lock */
		h->vm->kvm.arch.hpt.rev[g->index].guest_rpte ^= HPTE_R_N;
		h->vm->want_rev[g->index].guest_rpte ^= HPTE_R_N;
	}
	__atomic_store_n(&h->released, 1, __ATOMIC_RELEASE);
	unlock_hpte(p, be64_to_cpu(p[0]));
	return NULL;
}

static void start_holder(struct vm *vm, unsigned long index, void *arg)
{
	struct holder *h = arg;

	if (pthread_create(&h->t, NULL, holder_thread, h))
		abort();
	while (!__atomic_load_n(&h->locked, __ATOMIC_ACQUIRE))
		sched_yield();
}

TEST(map_waits_for_hpte_lock)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x1000);
	struct ea_cursor cur;
	struct fault_res res;
	unsigned int change;
	struct win w;
	struct vm vm;

	seed_rng("map_waits_for_hpte_lock", 0xd5);
	win_init(&w, &l);
	for (change = 0; change < 2; change++) {
		struct holder h = { .vm = &vm, .change = change };

		vm_init(&vm, 18, change);
		vm_add_win(&vm, &w);
		cursor_init(&cur, &vm, 12, -1);
		h.gi = add_mmio(&vm, &cur, l.guest_addr, G4K);
		ASSERT(h.gi >= 0, "no slot");
		hv_fault(&vm, vm.g[h.gi].index, vm.g[h.gi].ea, start_holder,
			 &h, &res);
		EXPECT(__atomic_load_n(&h.released, __ATOMIC_ACQUIRE),
		       "the map went on while another CPU held the HPTE lock");
		pthread_join(h.t, NULL);
		EXPECT_EQ(res.ret, change ? -EAGAIN : 0);
		if (!res.ret)
			model_map(&vm, h.gi, l.host_addr, 0);
		EXPECT_MODEL(&vm, change ? "changed under the lock" : "waited");
		EXPECT_EQ(check_all(&vm, false), 0);
		vm_del_win(&vm, &w);
		vm_fini(&vm);
	}
	win_fini(&w);
}

/* ---------------------------------------------------------------------- */
/* Tests: refill, R/C, unmap                                              */
/* ---------------------------------------------------------------------- */

TEST(refill_after_h_protect)
{
	struct kvmppc_ptw_layout l = bar(0x60002000, 0x700000005000, 0x3000);
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	unsigned int p9, round;
	struct win w;
	struct vm vm;

	seed_rng("refill_after_h_protect", 0xd6);
	win_init(&w, &l);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &w);
		for (round = 0; round < 16; round++) {
			int gi;

			cursor_init(&cur, &vm, 12, round & 1);
			gi = add_mmio(&vm, &cur, l.guest_addr + (round % 3) * SZ4K,
				      G4K);
			ASSERT(gi >= 0, "no slot");
			fault_and_check(&vm, gi, &st);
			ASSERT(vm.g[gi].mapped, "not mapped");
			refill_and_check(&vm, gi, &st);
			EXPECT_EQ(check_all(&vm, false), 0);
			/* the unmap harvests what the refill kept */
			unmap_and_check(&vm, vm.g[gi].gpa, vm.g[gi].gpa + SZ4K,
					&st);
			h_remove(&vm, gi);
		}
		vm_del_win(&vm, &w);
		vm_fini(&vm);
	}
	EXPECT_EQ(st.refills, 32);
	win_fini(&w);
}

/*
 * R/C the hardware set go to the guest view on unmap; GR_MODIFIED is set
 * when that changes the view and an HTAB fd watches, and only then.
 */
TEST(unmap_harvests_rc)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x1000);
	struct run_stats st = { 0 };
	unsigned int p9, interest, grc, hwrc, seen_mod = 0, seen_clean = 0;
	struct ea_cursor cur;
	struct win w;
	struct vm vm;

	seed_rng("unmap_harvests_rc", 0xd7);
	win_init(&w, &l);
	for (p9 = 0; p9 < 2; p9++) {
		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &w);
		cursor_init(&cur, &vm, 12, -1);
		for (interest = 0; interest < 2; interest++) {
			for (grc = 0; grc < 4; grc++) {
				for (hwrc = 0; hwrc < 4; hwrc++) {
					u64 attrs = rnd_attrs() &
						    ~(HPTE_R_R | HPTE_R_C);
					u64 gr, want_rc;
					int gi;

					attrs |= (grc & 2 ? HPTE_R_R : 0) |
						 (grc & 1 ? HPTE_R_C : 0);
					atomic_set(&vm.kvm.arch.hpte_mod_interest, 0);
					gi = gpte_add(&vm, &cur.s,
						      cursor_take(&cur, 12),
						      l.guest_addr, G4K, -1,
						      attrs);
					ASSERT(gi >= 0, "no slot");
					h_enter_mmio(&vm, gi);
					fault_and_check(&vm, gi, &st);
					if (hwrc & 2)
						hw_touch(&vm, gi, false);
					if (hwrc & 1)
						hw_touch(&vm, gi, true);
					atomic_set(&vm.kvm.arch.hpte_mod_interest,
						   interest);
					unmap_and_check(&vm, l.guest_addr,
							l.guest_addr + SZ4K,
							&st);
					gr = vm.kvm.arch.hpt.rev[vm.g[gi].index].guest_rpte;
					want_rc = (grc & 2 || hwrc & 3 ? HPTE_R_R : 0) |
						  (grc & 1 || hwrc & 1 ? HPTE_R_C : 0);
					EXPECT_EQ(gr & (HPTE_R_R | HPTE_R_C), want_rc);
					EXPECT_EQ(!!(gr & HPTE_GR_MODIFIED),
						  interest && (want_rc & ~(attrs & (HPTE_R_R | HPTE_R_C))));
					seen_mod += !!(gr & HPTE_GR_MODIFIED);
					seen_clean += interest && !(gr & HPTE_GR_MODIFIED);
					h_remove(&vm, gi);
				}
			}
		}
		vm_del_win(&vm, &w);
		vm_fini(&vm);
	}
	EXPECT(seen_mod && seen_clean, "GR_MODIFIED never set or always set");
	win_fini(&w);
}

/* HPTE @gi's slot, reused by the guest for a @sz page of RAM (base 64K). */
static void reuse_for_ram(struct vm *vm, int gi, struct ea_cursor *cur,
			  enum gsize sz, u64 gpa, u64 hpa)
{
	unsigned long slot = vm->g[gi].index;
	bool sec = vm->g[gi].pteh & HPTE_V_SECONDARY;
	int ni;

	h_remove(vm, gi);
	ni = gpte_add(vm, &cur->s, ea_for_group(&cur->s, 16, slot / 8, sec),
		      gpa, sz, sec, ~0ULL);
	ASSERT(ni >= 0 && vm->g[ni].index / 8 == slot / 8,
	       "not in the same group");
	vm->g[ni].index = slot;		/* free: any slot will do */
	h_enter_ram(vm, ni, hpa);
}

/*
 * Unmapping one window leaves everything else as it was: the other
 * windows' HPTEs (4K, and 64K of both base sizes), guest RAM HPTEs, and
 * HPTEs the guest removed or reused since they were mapped; records of
 * removed HPTEs and of ones reused for a size we never map (16M) are
 * dropped, those reused for 4K or 64K RAM elsewhere kept. Unmapping the
 * window of 64K pages restores them, one tlbie of a 64K page each.
 */
TEST(unmap_spares_others)
{
	struct kvmppc_ptw_layout la =
		with_msix(bar(0x80010000, 0x600000002000, 0x8000), 0x7000, 4,
			  0x7800);
	struct kvmppc_ptw_layout lb = bar(0x80020000, 0x600000107000, 0x8000);
	struct kvmppc_ptw_layout lc = bar(0x80100000, 0x600000200000, 0x30000);
	struct run_stats st = { 0 };
	struct ea_cursor cur, cur64, cur64b;
	unsigned int p9, ram_kept = 0;
	struct win wa, wb, wc;
	struct vm vm;
	size_t k;

	seed_rng("unmap_spares_others", 0xd8);
	win_init(&wa, &la);
	win_init(&wb, &lb);
	win_init(&wc, &lc);
	for (p9 = 0; p9 < 2; p9++) {
		unsigned long *recs, n64;
		size_t nrec, i;
		int a[8], ram[4], c[6];

		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &wa);
		vm_add_win(&vm, &wb);
		vm_add_win(&vm, &wc);
		cursor_init(&cur, &vm, 12, -1);
		cursor_init(&cur64, &vm, 16, -1);
		cursor_init(&cur64b, &vm, 16, -1);
		for (i = 0; i < 8; i++)
			a[i] = add_mmio(&vm, &cur, la.guest_addr + i * SZ4K, G4K);
		for (i = 0; i < 8; i++)
			add_mmio(&vm, &cur, lb.guest_addr + i * SZ4K, G4K);
		/* 64K pages of c: base 4K and 64K, two HPTEs for one page */
		for (i = 0; i < 6; i++) {
			c[i] = add_mmio(&vm, i & 1 ? &cur64 : &cur,
					lc.guest_addr + i / 2 * SZ64K +
					rnd_below(SZ64K),
					i & 1 ? G64K : G64K_IN_4K);
			ASSERT(c[i] >= 0, "no slot");
		}
		for (i = 0; i < 4; i++) {
			ram[i] = gpte_add(&vm, &cur.s, cursor_take(&cur, 12),
					  0x10000000 + i * SZ4K, G4K, -1, ~0ULL);
			ASSERT(ram[i] >= 0, "no slot");
			h_enter_ram(&vm, ram[i], 0x20000000 + i * SZ4K);
		}
		for (k = 0; k < vm.ng; k++)
			if (!vm.g[k].ram)
				fault_and_check(&vm, k, &st);
		for (i = 0; i < 6; i++)
			EXPECT(vm.g[c[i]].mapped, "64K page not mapped");
		EXPECT_EQ(check_all(&vm, false), 0);
		/*
		 * a[0]: removed; a[1]: reused for RAM; a[2]: for a page of b
		 * (mapped); a[3]: for 64K of RAM; a[4]: for 16M of RAM (in a
		 * 64K segment); c[0]: for 4K RAM; c[1]: removed.
		 */
		h_remove(&vm, a[0]);
		h_remove(&vm, a[1]);
		vm.g[a[1]].gpa = vm.g[a[1]].ptel = 0x30000000;
		vm.g[a[1]].ptel |= rnd_attrs();
		vm.g[a[1]].w = NULL;
		h_enter_ram(&vm, a[1], 0x40000000);
		h_remove(&vm, a[2]);
		vm.g[a[2]].gpa = lb.guest_addr + 0x7000;
		vm.g[a[2]].ptel = (vm.g[a[2]].ptel & 0xfff) | vm.g[a[2]].gpa;
		vm.g[a[2]].w = &wb;
		h_enter_mmio(&vm, a[2]);
		fault_and_check(&vm, a[2], &st);
		EXPECT(vm.g[a[2]].mapped, "reused HPTE not mapped for b");
		reuse_for_ram(&vm, a[3], &cur64, G64K, 0x50000000, 0x60000000);
		reuse_for_ram(&vm, a[4], &cur64b, G16M_IN_64K, 0x71000000,
			      0x81000000);
		/* c[0] (64K in a 4K segment): for the 4K page it was hashed for */
		h_remove(&vm, c[0]);
		vm.g[c[0]].sz = G4K;
		vm.g[c[0]].ea = vm.g[c[0]].hea;
		vm.g[c[0]].gpa = 0x31000000;
		vm.g[c[0]].ptel = 0x31000000 | (vm.g[c[0]].ptel & 0xfff);
		vm.g[c[0]].pteh &= ~HPTE_V_LARGE;
		vm.g[c[0]].w = NULL;
		h_enter_ram(&vm, c[0], 0x41000000);
		h_remove(&vm, c[1]);
		EXPECT_EQ(check_all(&vm, false), 0);
		unmap_and_check(&vm, la.guest_addr, la.guest_addr + la.size, &st);
		EXPECT_EQ(check_all(&vm, false), 0);
		nrec = records(&vm, &recs);
		for (i = 0, n64 = 0; i < nrec; i++) {
			if (recs[i] == vm.g[a[0]].index ||
			    recs[i] == vm.g[a[4]].index ||
			    recs[i] == vm.g[c[1]].index)
				EXPECT(0, "record of a removed or 16M HPTE kept");
			ram_kept += recs[i] == vm.g[a[1]].index ||
				    recs[i] == vm.g[a[3]].index ||
				    recs[i] == vm.g[c[0]].index;
			for (k = 2; k < 6; k++)
				n64 += recs[i] == vm.g[c[k]].index;
		}
		free(recs);
		EXPECT_EQ(n64, 4);
		unmap_and_check(&vm, lb.guest_addr, lb.guest_addr + lb.size, &st);
		EXPECT_EQ(check_all(&vm, false), 0);
		k = st.restored;
		unmap_and_check(&vm, lc.guest_addr, lc.guest_addr + lc.size, &st);
		EXPECT_EQ(st.restored - k, 4);
		EXPECT_EQ(check_all(&vm, false), 0);
		for (k = 0; k < vm.ng; k++)
			EXPECT(!vm.g[k].mapped || vm.g[k].ram,
			       "window page %#" PRIx64 " still mapped",
			       vm.g[k].gpa);
		vm.nw = 0;
		vm_fini(&vm);
	}
	/*
	 * The record of an HPTE the guest reused for a 4K or 64K RAM page
	 * stays (it is valid and of a size we map, just not in the range):
	 * harmless, the next unmaps only look at it. Counted, not failed.
	 */
	EXPECT_EQ(ram_kept, 2 * 3);
	printf("# unmap_spares_others: %u records of HPTEs reused for guest RAM kept until the HPT is forgotten\n",
	       ram_kept);
	win_fini(&wa);
	win_fini(&wb);
	win_fini(&wc);
}

/* ---------------------------------------------------------------------- */
/* Tests: HPT resize, forget                                              */
/* ---------------------------------------------------------------------- */

/*
 * resize_hpt_rehash_hpte() and resize_hpt_pivot() of book3s_64_mmu_hv.c
 * (6.1 with the window hook), for the HPT of @vm into one of @order: each
 * used HPTE is locked; a valid one with no memslot goes through
 * kvmppc_ptw_hpte_unmap_locked(), after which the BUG_ON()s must hold (not
 * valid, ABSENT), the entry must still be locked and in emulated-MMIO
 * form, with one tlbie of its page; guest RAM goes ABSENT as
 * kvmppc_unmap_hpte() makes it; BOLTED entries move to the new HPT, in
 * the same slot of their group there; the rest is dropped.
 */
static void resize_hpt(struct vm *vm, u32 order, unsigned long *restored,
		       unsigned long *restored_64k)
{
	struct kvm *kvm = &vm->kvm;
	struct kvm_hpt_info old = kvm->arch.hpt, new;
	unsigned long i, n = npte(vm), nn;
	u64 new_mask = (1ULL << (order - 7)) - 1;
	__be64 *nwant;
	struct revmap_entry *nrev;
	int *nowner;

	hpt_alloc(&new, order);
	nn = 1UL << (order - 4);
	nwant = calloc(2 * nn, sizeof(*nwant));
	nrev = calloc(nn, sizeof(*nrev));
	nowner = malloc(nn * sizeof(*nowner));
	if (!nwant || !nrev || !nowner)
		abort();
	for (i = 0; i < nn; i++)
		nowner[i] = -1;
	kvm->arch.mmu_ready = 0;
	for (i = 0; i < n; i++) {
		__be64 *p = hpte_at(&old, i);
		int gi = vm->owner[i];
		struct gpte *g = gi >= 0 ? &vm->g[gi] : NULL;
		u64 d0 = be64_to_cpu(p[0]), hash, ni;
		const char *what;

		if (!(d0 & (HPTE_V_VALID | HPTE_V_ABSENT)))
			continue;
		ASSERT(g, "HPTE %lu used by nobody", i);
		hpte_lock(p);
		if (d0 & HPTE_V_VALID) {
			if (g->ram) {
				/* kvmppc_unmap_hpte(): ABSENT, R/C harvested */
				u64 rc = be64_to_cpu(p[1]) & (HPTE_R_R | HPTE_R_C);

				p[0] = cpu_to_be64((d0 & ~HPTE_V_VALID) |
						   HPTE_V_ABSENT |
						   HPTE_V_HVLOCK);
				old.rev[i].guest_rpte |= rc;
				vm->want_rev[i].guest_rpte |= rc;
				vm->want[2 * i] = cpu_to_be64((d0 & ~HPTE_V_VALID) |
							      HPTE_V_ABSENT);
				g->ram = false;
			} else {
				size_t before = evs.n;

				EXPECT(g->mapped, "HPTE %lu valid, not mapped", i);
				kvmppc_ptw_hpte_unmap_locked(kvm, p, &old.rev[i],
							     i);
				model_restore(vm, gi);
				vm->want_mmio_update++;
				(*restored)++;
				EXPECT(evs.n == before + 1 &&
				       evs.v[before].index == i &&
				       rb_ok_g(g, evs.v[before].rb),
				       "HPTE %lu (%s): %zu tlbies", i,
				       gsz[g->sz].name, evs.n - before);
				(*restored_64k) += g->map_size == SZ64K;
			}
		}
		/* the BUG_ON()s of the rehash, and the entry still locked */
		d0 = be64_to_cpu(p[0]);
		EXPECT(!(d0 & HPTE_V_VALID), "HPTE %lu: valid after unmap", i);
		EXPECT(d0 & HPTE_V_ABSENT, "HPTE %lu: not ABSENT after unmap", i);
		EXPECT(d0 & HPTE_V_HVLOCK, "HPTE %lu: unlocked by the unmap", i);
		what = hpte_diff(vm->p9, d0 & ~HPTE_V_HVLOCK, be64_to_cpu(p[1]),
				 model_d0(vm, i), model_d1(vm, i));
		EXPECT(!what, "HPTE %lu after unmap: %s", i, what);
		EXPECT_EQ(old.rev[i].guest_rpte, vm->want_rev[i].guest_rpte);
		if (g->pteh & HPTE_V_BOLTED) {
			hash = slb_hash(&g->slb, g->hea, g->slb.bshift);
			if (g->pteh & HPTE_V_SECONDARY)
				hash = ~hash;
			ni = (hash & new_mask) * 8 + i % 8;
			if (nowner[ni] < 0) {
				__be64 *q = hpte_at(&new, ni);

				q[0] = cpu_to_be64(d0 & ~HPTE_V_HVLOCK);
				q[1] = p[1];
				new.rev[ni].guest_rpte = old.rev[i].guest_rpte;
				nwant[2 * ni] = q[0];
				nwant[2 * ni + 1] = q[1];
				nrev[ni] = new.rev[ni];
				nowner[ni] = gi;
				g->index = ni;
				unlock_hpte(p, d0);
				continue;
			}
		}
		g->live = false;
		unlock_hpte(p, d0);
	}
	EXPECT_MODEL(vm, "old HPT after the rehash");
	/* pivot */
	spin_lock(&kvm->mmu_lock);
	kvm->arch.hpt = new;
	spin_unlock(&kvm->mmu_lock);
	hpt_free(&old);
	free(vm->want);
	free(vm->want_rev);
	free(vm->owner);
	vm->want = nwant;
	vm->want_rev = nrev;
	vm->owner = nowner;
	kvm->arch.mmu_ready = 1;
}

/*
 * A window of 4K HPTEs and one of 64K HPTEs (64K-aligned, DIRECT pages;
 * base 4K and 64K, some BOLTED so they move), faulted, then the HPT
 * resized: every mapped one is restored by the rehash hook with one tlbie
 * of its page, the moved ones fault in again at their new index.
 */
static void resize_case(bool p9, u32 from, u32 to)
{
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x90001000, 0x600000003000, 0x40000), 0x20000, 64,
			  0x21000);
	struct kvmppc_ptw_layout l64 = bar(0x90100000, 0x600000100000, 0x80000);
	struct run_stats st = { 0 };
	unsigned long restored = 0, restored_64k = 0, i, beyond = 0, *recs;
	struct ea_cursor cur, cur64[2];
	struct win w, w64;
	struct vm vm;
	size_t k, nrec;

	vm_init(&vm, from, p9);
	win_init(&w, &l);
	win_init(&w64, &l64);
	vm_add_win(&vm, &w);
	vm_add_win(&vm, &w64);
	cursor_init(&cur, &vm, 12, -1);
	cursor_init(&cur64[0], &vm, 12, -1);
	cursor_init(&cur64[1], &vm, 16, -1);
	for (i = 0; i < w.npages; i++)
		add_mmio(&vm, &cur, w.first + i * SZ4K, G4K);
	/* two HPTEs per 64K page, one of each base page size */
	for (i = 0; i < 2 * l64.size / SZ64K; i++)
		add_mmio(&vm, &cur64[i & 1],
			 l64.guest_addr + i / 2 * SZ64K + rnd_below(SZ64K),
			 i & 1 ? G64K : G64K_IN_4K);
	for (i = 0; i < 32; i++) {
		int gi = gpte_add(&vm, &cur.s, cursor_take(&cur, 12),
				  0x10000000 + i * SZ4K, G4K, -1, ~0ULL);

		ASSERT(gi >= 0, "no slot");
		h_enter_ram(&vm, gi, 0x20000000 + i * SZ4K);
	}
	/* fault all but a few window pages */
	for (k = 0; k < vm.ng; k++)
		if (!vm.g[k].ram && rnd_below(8))
			fault_and_check(&vm, k, &st);
	EXPECT(st.mapped_64k[0] && st.mapped_64k[1], "64K pages not mapped");
	EXPECT_EQ(check_all(&vm, false), 0);
	nrec = records(&vm, &recs);
	for (i = 0; i < nrec; i++)
		beyond += recs[i] >= 1UL << (to - 4);
	free(recs);

	ev_reset();
	resize_hpt(&vm, to, &restored, &restored_64k);
	EXPECT(restored > 0, "nothing to restore");
	EXPECT_EQ(restored_64k, st.mapped_64k[0] + st.mapped_64k[1]);
	EXPECT_MODEL(&vm, "new HPT");
	EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), vm.want_mmio_update);
	/* no window page translates; the bolted ones are there, ABSENT */
	EXPECT_EQ(check_all(&vm, false), 0);
	if (to < from)
		EXPECT(beyond > 0, "no record beyond the new HPT");
	/* the records point into the old table: dropped, nothing touched */
	unmap_and_check(&vm, l.guest_addr, l.guest_addr + l.size, &st);
	unmap_and_check(&vm, l64.guest_addr, l64.guest_addr + l64.size, &st);
	EXPECT_EQ(st.restored, 0);
	EXPECT(xa_empty(&vm.p.hpt_maps), "records of the old HPT kept");
	/* the moved window pages fault in again, at their new index */
	for (k = 0; k < vm.ng; k++)
		if (vm.g[k].live && !vm.g[k].ram)
			fault_and_check(&vm, k, &st);
	EXPECT_EQ(check_all(&vm, false), 0);
	unmap_and_check(&vm, l.guest_addr, l.guest_addr + l.size, &st);
	unmap_and_check(&vm, l64.guest_addr, l64.guest_addr + l64.size, &st);
	EXPECT_EQ(check_all(&vm, false), 0);
	vm_del_win(&vm, &w);
	vm_del_win(&vm, &w64);
	win_fini(&w);
	win_fini(&w64);
	vm_fini(&vm);
}

TEST(resize_shrink_old_format)
{
	seed_rng("resize_shrink_old_format", 0xe1);
	resize_case(false, 19, 18);
}

TEST(resize_shrink_isa300)
{
	seed_rng("resize_shrink_isa300", 0xe2);
	resize_case(true, 19, 18);
}

TEST(resize_grow_old_format)
{
	seed_rng("resize_grow_old_format", 0xe3);
	resize_case(false, 18, 20);
}

TEST(resize_grow_isa300)
{
	seed_rng("resize_grow_isa300", 0xe4);
	resize_case(true, 18, 20);
}

/*
 * kvmppc_ptw_hpt_forget() (HPT about to be freed or cleared): the records
 * go, the HPT is not touched, and a later unmap has nothing to do.
 */
TEST(forget_drops_records)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x8000);
	struct ea_cursor cur;
	struct run_stats st = { 0 };
	struct win w;
	struct vm vm;
	size_t k;

	seed_rng("forget_drops_records", 0xe5);
	win_init(&w, &l);
	vm_init(&vm, 18, true);
	vm_add_win(&vm, &w);
	cursor_init(&cur, &vm, 12, -1);
	for (k = 0; k < w.npages; k++)
		add_mmio(&vm, &cur, w.first + k * SZ4K, G4K);
	for (k = 0; k < vm.ng; k++)
		fault_and_check(&vm, k, &st);
	EXPECT_EQ(vm.p.hpt_maps.nr, 8);
	ev_reset();
	spin_lock(&vm.kvm.mmu_lock);
	kvmppc_ptw_hpt_forget(&vm.p);
	spin_unlock(&vm.kvm.mmu_lock);
	EXPECT(xa_empty(&vm.p.hpt_maps), "records left");
	EXPECT_MODEL(&vm, "forget");
	EXPECT_EQ(evs.n, 0);
	spin_lock(&vm.kvm.mmu_lock);
	kvmppc_ptw_hpt_unmap(&vm.p, 0, GPA_TOP);
	spin_unlock(&vm.kvm.mmu_lock);
	EXPECT_MODEL(&vm, "unmap after forget");
	EXPECT_EQ(evs.n, 0);
	EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), vm.want_mmio_update);
	vm_del_win(&vm, &w);
	vm_fini(&vm);
	win_fini(&w);
}

/*
 * Records whose index is beyond the HPT (a resize shrank it): the unmap
 * drops them without reading their would-be HPTEs (which lie in the
 * inaccessible pages after the table), and without touching the rest.
 */
TEST(unmap_records_beyond_hpt)
{
	struct run_stats st = { 0 };
	unsigned long i, n;
	struct vm vm;

	seed_rng("unmap_records_beyond_hpt", 0xe6);
	vm_init(&vm, 18, false);
	n = npte(&vm);
	for (i = 0; i < 64; i++)
		xa_store(&vm.p.hpt_maps, n + rnd_below(n), xa_mk_value(0),
			 GFP_KERNEL);
	xa_store(&vm.p.hpt_maps, n, xa_mk_value(0), GFP_KERNEL);
	xa_store(&vm.p.hpt_maps, ~0UL >> 4, xa_mk_value(0), GFP_KERNEL);
	unmap_and_check(&vm, 0, GPA_TOP, &st);
	EXPECT(xa_empty(&vm.p.hpt_maps), "records beyond the HPT kept");
	vm_fini(&vm);
}

/* ---------------------------------------------------------------------- */
/* Tests: races with HPT resize                                           */
/* ---------------------------------------------------------------------- */

struct pivot_arg {
	u32 order;
	struct kvm_hpt_info old;
};

/*
 * kvm_vm_ioctl_resize_hpt_commit() running while a vCPU is in the fault
 * path (it does not wait for vCPUs; the fault holds kvm->srcu): mmu_ready
 * goes to 0, the rehash finds the entry ABSENT, the pivot installs the new
 * HPT, and mmu_ready stays 0 until synchronize_srcu_expedited() in the
 * pivot returns, which is after this fault.
 */
static void pivot_between(struct vm *vm, unsigned long index, void *arg)
{
	struct pivot_arg *a = arg;
	struct kvm_hpt_info new;

	vm->kvm.arch.mmu_ready = 0;
	hpt_alloc(&new, a->order);
	spin_lock(&vm->kvm.mmu_lock);
	a->old = vm->kvm.arch.hpt;
	vm->kvm.arch.hpt = new;
	spin_unlock(&vm->kvm.mmu_lock);
}

/*
 * Child: a guest HPTE is faulted while a resize pivots from an HPT of 2^19
 * bytes to one of 2^@to; when it shrinks, the HPTE's index is beyond
 * the new HPT. The map must decline (-EAGAIN: the HPT is being resized)
 * without touching the new HPT, nor anything beyond it (an inaccessible
 * region follows it). Exit status 0 if so.
 */
static void resize_race_child(bool p9, u32 to)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x1000);
	struct pivot_arg a = { .order = to };
	struct fault_res res;
	struct ea_cursor cur;
	struct win w;
	struct vm vm;
	size_t i, len = (size_t)1 << to;
	const u8 *nh;
	u64 ea;
	int gi;

	vm_init(&vm, 19, p9);
	win_init(&w, &l);
	vm_add_win(&vm, &w);
	cursor_init(&cur, &vm, 12, MMU_SEGSIZE_256M);
	/* an EA whose primary group is 2048 of the order-19 HPT's 4096 */
	ea = (cur.s.esid << 28) | ((((cur.s.vsid & 4095) ^ 2048)) << 12);
	gi = gpte_add(&vm, &cur.s, ea, l.guest_addr, G4K, 0, ~0ULL);
	if (gi < 0 || vm.g[gi].index < (1UL << (18 - 4)))
		_exit(4);
	h_enter_mmio(&vm, gi);
	hv_fault(&vm, vm.g[gi].index, ea, pivot_between, &a, &res);
	if (!res.called || res.ret != -EAGAIN)
		_exit(3);
	nh = (const u8 *)vm.kvm.arch.hpt.virt;
	for (i = 0; i < len; i++)
		if (nh[i])
			_exit(6);
	_exit(0);
}

/*
 * The race above, in a child process. On a shrink it fails with the
 * current kvmppc_ptw_hpt_map(), which takes kvm->arch.hpt afresh, after
 * the fault path read the HPTE in the old table, and locks the entry at
 * the old index in the new one before it tests mmu_ready.
 */
static void resize_race(bool p9, u32 to)
{
	char path[] = "/tmp/kvm_pt_hpt_XXXXXX", line[256], first[256] = "";
	int fd = mkstemp(path), status = 0;
	pid_t pid;
	FILE *f;

	ASSERT(fd >= 0, "mkstemp");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (!pid) {
		dup2(fd, 2);
		resize_race_child(p9, to);
		_exit(5);
	}
	ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid, "fork");
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!first[0] && (strstr(line, "ERROR") || strstr(line, "SEGV")))
			snprintf(first, sizeof(first), "%s", line);
	if (f)
		fclose(f);
	close(fd);
	unlink(path);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "map during a resize to an HPT of 2^%u bytes: %s %d: %s", to,
	       WIFSIGNALED(status) ? "killed by signal" : "exit status",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	       first[0] ? first : "(no report)");
}

TEST(map_during_shrinking_resize_old_format)
{
	seed_rng("map_during_shrinking_resize_old_format", 0xf1);
	resize_race(false, 18);
}

TEST(map_during_shrinking_resize_isa300)
{
	seed_rng("map_during_shrinking_resize_isa300", 0xf2);
	resize_race(true, 18);
}

TEST(map_during_growing_resize)
{
	seed_rng("map_during_growing_resize", 0xf6);
	resize_race(false, 20);
	resize_race(true, 20);
}

/* ---------------------------------------------------------------------- */
/* Tests: misuse and allocation failure                                   */
/* ---------------------------------------------------------------------- */

static const unsigned long read_hpte[3] = {
	HPTE_V_ABSENT, HPTE_R_KEY_HI | HPTE_R_KEY_LO, 0,
};

static void map_unlocked(struct vm *vm)
{
	kvmppc_ptw_hpt_map(&vm->p, 0, read_hpte, 0x600000000000);
}

static void unmap_unlocked(struct vm *vm)
{
	xa_store(&vm->p.hpt_maps, 0, xa_mk_value(0), GFP_KERNEL);
	kvmppc_ptw_hpt_unmap(&vm->p, 0, GPA_TOP);
}

static void forget_unlocked(struct vm *vm)
{
	kvmppc_ptw_hpt_forget(&vm->p);
}

static void map_hpa_too_high(struct vm *vm)
{
	spin_lock(&vm->kvm.mmu_lock);
	kvmppc_ptw_hpt_map(&vm->p, 0, read_hpte, HPA_TOP);
}

static void map_ok(struct vm *vm)
{
	if (kvmppc_ptw_hpt_prepare(&vm->p, 0))
		abort();
	spin_lock(&vm->kvm.mmu_lock);
	if (kvmppc_ptw_hpt_map(&vm->p, 0, read_hpte, HPA_TOP - SZ4K))
		abort();
}

TEST(bad_calls_warn)
{
	struct vm vm;

	vm_init(&vm, 18, false);
	/* HPTE 0 as kvmppc_do_h_enter() leaves it for guest address 0 */
	hpte_at(&vm.kvm.arch.hpt, 0)[0] = cpu_to_be64(read_hpte[0]);
	hpte_at(&vm.kvm.arch.hpt, 0)[1] = cpu_to_be64(read_hpte[1]);
	EXPECT(harness_dies(map_unlocked, &vm), "map without kvm->mmu_lock");
	EXPECT(harness_dies(unmap_unlocked, &vm), "unmap without kvm->mmu_lock");
	EXPECT(harness_dies(forget_unlocked, &vm), "forget without kvm->mmu_lock");
	EXPECT(harness_dies(map_hpa_too_high, &vm), "host address beyond the RPN");
	EXPECT(!harness_dies(map_ok, &vm), "the top host page");
	hpte_at(&vm.kvm.arch.hpt, 0)[0] = 0;
	vm_fini(&vm);
}

/* The record cannot be allocated: -ENOMEM, nothing written. */
TEST(map_alloc_failure)
{
	struct kvmppc_ptw_layout l = bar(0x60000000, 0x700000000000, 0x1000);
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	struct fault_res res;
	struct win w;
	struct vm vm;
	int gi;

	seed_rng("map_alloc_failure", 0xf3);
	win_init(&w, &l);
	vm_init(&vm, 18, true);
	vm_add_win(&vm, &w);
	cursor_init(&cur, &vm, 12, -1);
	gi = add_mmio(&vm, &cur, l.guest_addr, G4K);
	ASSERT(gi >= 0, "no slot");
	slab_fail_countdown = 1;
	hv_fault(&vm, vm.g[gi].index, vm.g[gi].ea, NULL, NULL, &res);
	EXPECT_EQ(slab_fail_countdown, 0);
	slab_fail_countdown = 0;
	EXPECT(res.called && res.ret == -ENOMEM, "map %d ret %d", res.called,
	       res.ret);
	EXPECT_MODEL(&vm, "allocation failure");
	EXPECT(xa_empty(&vm.p.hpt_maps), "recorded");
	EXPECT_EQ(atomic64_read(&vm.kvm.arch.mmio_update), 0);
	fault_and_check(&vm, gi, &st);
	EXPECT(vm.g[gi].mapped, "retry did not map");
	unmap_and_check(&vm, l.guest_addr, l.guest_addr + SZ4K, &st);
	vm_del_win(&vm, &w);
	vm_fini(&vm);
	win_fini(&w);
}

/* ---------------------------------------------------------------------- */
/* Tests: the checks themselves                                           */
/* ---------------------------------------------------------------------- */

/*
 * Each kind of wrong HPTE must be caught by the checks that do not use
 * the model (decoding and the MMU): field by field.
 */
TEST(checker_catches_corruption)
{
	struct kvmppc_ptw_layout l =
		with_msix(bar(0x40002000, 0x600000004000, 0x8000), 0x3000, 4,
			  0x3800);
	static const struct {
		int dw;
		u64 bits;
		const char *what;
	} flips[] = {
		{ 1, 0x1000, "RPN: next host page" },
		{ 1, 1ULL << 40, "RPN: high bit" },
		{ 1, 0x8, "WIMG: not guarded" },
		{ 1, 0x20, "WIMG: cacheable" },
		{ 1, 0x40, "WIMG: write-through" },
		{ 1, 0x1, "PP" },
		{ 1, 1ULL << 63, "PP0" },
		{ 1, 0x200, "key low" },
		{ 1, 1ULL << 60, "key high" },
		{ 1, 0x4, "N" },
		{ 1, 0x100, "R" },
		{ 1, 1ULL << 62, "bit 62" },
		{ 0, 0x1, "V" },
		{ 0, 0x2, "H" },
		{ 0, 0x4, "L" },
		{ 0, 0x10, "BOLTED" },
		{ 0, 0x20, "ABSENT" },
		{ 0, 0x40, "HVLOCK" },
		{ 0, 0x80, "AVPN low bit" },
		{ 0, 1ULL << 40, "AVPN" },
		{ -1, 1ULL << 62, "B (1T)" },
	};
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	unsigned int p9, i;
	struct win w;
	struct vm vm;
	size_t k;

	seed_rng("checker_catches_corruption", 0xf4);
	win_init(&w, &l);
	for (p9 = 0; p9 < 2; p9++) {
		struct gpte *g = NULL;
		__be64 *p;

		vm_init(&vm, 18, p9);
		vm_add_win(&vm, &w);
		cursor_init(&cur, &vm, 12, MMU_SEGSIZE_256M);
		for (k = 0; k < w.npages; k++) {
			int gi = gpte_add(&vm, &cur.s, cursor_take(&cur, 12),
					  w.first + k * SZ4K, G4K, -1,
					  2 | (7 << 9));	/* RW, key 7 */

			ASSERT(gi >= 0, "no slot");
			vm.g[gi].pteh &= ~(HPTE_V_BOLTED | HPTE_V_LOCK);
			h_enter_mmio(&vm, gi);
			fault_and_check(&vm, gi, &st);
		}
		ASSERT(!check_all(&vm, false), "clean HPT flagged");
		for (k = 0; k < vm.ng && !g; k++)
			if (vm.g[k].mapped)
				g = &vm.g[k];
		ASSERT(g, "nothing mapped");
		p = hpte_at(&vm.kvm.arch.hpt, g->index);
		for (i = 0; i < ARRAY_SIZE(flips); i++) {
			int dw = flips[i].dw;
			u64 bits = flips[i].bits;

			if (dw < 0) {	/* B: dw0 0:1, or dw1 4:5 on v3.0 */
				dw = p9;
				bits = p9 ? 1ULL << 58 : 1ULL << 62;
			}
			p[dw] ^= cpu_to_be64(bits);
			EXPECT(check_all(&vm, true), "%s %s not caught",
			       p9 ? "ISA v3.0" : "old format", flips[i].what);
			p[dw] ^= cpu_to_be64(bits);
		}
		ASSERT(!check_all(&vm, false), "restored HPT flagged");
		/* a declined page (MSI-X table) made valid */
		for (k = 0; k < vm.ng; k++) {
			struct gpte *m = &vm.g[k];

			if (m->mapped)
				continue;
			p = hpte_at(&vm.kvm.arch.hpt, m->index);
			p[0] ^= cpu_to_be64(HPTE_V_VALID | HPTE_V_ABSENT);
			EXPECT(check_all(&vm, true),
			       "valid HPTE of a trapped page not caught");
			p[0] ^= cpu_to_be64(HPTE_V_VALID | HPTE_V_ABSENT);
			break;
		}
		ASSERT(k < vm.ng, "no declined page");
		unmap_and_check(&vm, l.guest_addr, l.guest_addr + l.size, &st);
		vm_del_win(&vm, &w);
		vm_fini(&vm);
	}
	win_fini(&w);
}

/* Run @fn with stderr silenced; returns how many EXPECTs it failed. */
static int failures_of(void (*fn)(void *), void *arg)
{
	int failed = harness_cur_failed, saved, null, n;

	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	if (saved < 0 || null < 0)
		abort();
	dup2(null, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	n = harness_cur_failed - failed;
	harness_cur_failed = failed;
	return n;
}

struct unmap_arg {
	struct vm *vm;
	u64 start, end;
};

static void do_unmap_check(void *arg)
{
	struct unmap_arg *a = arg;
	struct run_stats st = { 0 };

	unmap_and_check(a->vm, a->start, a->end, &st);
}

/*
 * The unmap checks fail when a window HPTE in the range stays mapped
 * (here one mapped behind the records' back).
 */
TEST(unmap_checks_catch_missing_restore)
{
	struct kvmppc_ptw_layout l = bar(0x40002000, 0x600000002000, 0x3000);
	struct run_stats st = { 0 };
	struct ea_cursor cur;
	struct unmap_arg a;
	struct win w;
	struct vm vm;
	size_t k;
	int gi;

	seed_rng("unmap_checks_catch_missing_restore", 0xf5);
	win_init(&w, &l);
	vm_init(&vm, 18, true);
	vm_add_win(&vm, &w);
	cursor_init(&cur, &vm, 12, -1);
	for (k = 0; k < w.npages; k++)
		add_mmio(&vm, &cur, w.first + k * SZ4K, G4K);
	for (k = 0; k < vm.ng; k++)
		fault_and_check(&vm, k, &st);
	/* A page outside the window, mapped behind the records' back. */
	gi = add_mmio(&vm, &cur, 0x40005000, G4K);
	ASSERT(gi >= 0, "no slot");
	vm.g[gi].w = &w;
	EXPECT_EQ(kvmppc_ptw_hpt_prepare(&vm.p, vm.g[gi].index), 0);
	spin_lock(&vm.kvm.mmu_lock);
	EXPECT_EQ(kvmppc_ptw_hpt_map(&vm.p, vm.g[gi].index, (unsigned long[]){
		hpte_new_to_old_v(raw_d0(&vm, vm.g[gi].index),
				  raw_d1(&vm, vm.g[gi].index)),
		hpte_new_to_old_r(raw_d1(&vm, vm.g[gi].index)),
		vm.kvm.arch.hpt.rev[vm.g[gi].index].guest_rpte },
		0x600000005000), 0);
	spin_unlock(&vm.kvm.mmu_lock);
	model_map(&vm, gi, 0x600000005000, 0);
	/* ... then its record lost: the unmap cannot find it */
	xa_erase(&vm.p.hpt_maps, vm.g[gi].index);
	a = (struct unmap_arg){ &vm, l.guest_addr, 0x40006000 };
	EXPECT(failures_of(do_unmap_check, &a) > 0,
	       "an HPTE left mapped not caught");
	vm_del_win(&vm, &w);
	vm_fini(&vm);
	win_fini(&w);
}
