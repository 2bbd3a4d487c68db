// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the passthrough IO window page classifier
 * (arch/powerpc/kvm/book3s_ptw_classify.c).
 *
 * The classifier decides which guest pages of a window (a byte range of a
 * device BAR, of any size and alignment) KVM may map and onto which host
 * bytes, so a wrong answer is a hole in device isolation. It is checked
 * here against two things that do not share its code:
 *
 *  - the invariants of DESIGN.md, checked on every answer: (a) a mapping
 *    reaches no host byte outside the host window, (b) it covers no MSI-X
 *    table or PBA byte, (c) it sends each guest byte to the host byte at
 *    the same window offset;
 *  - a reference model that states the class rules as sets of bytes in
 *    absolute (128-bit, so nothing wraps) guest and host addresses, which
 *    also gives liveness: a page that could be mapped is mapped, and with
 *    a host page whenever one fits. The model itself is checked against a
 *    literal byte-by-byte count on smaller layouts.
 *
 * Random tests print their seed; set KVM_PT_SEED to replay one.
 */
#define HARNESS_MAIN
#include "harness.h"
#include "harness_rand.h"

#include <linux/kernel.h>

#include "../../../arch/powerpc/kvm/book3s_ptw_classify.c"

#include <inttypes.h>

/* u64, not unsigned long long, so that sums print with PRIx64 */
#define SZ4K	((u64)1 << 12)
#define SZ64K	((u64)1 << 16)
#define KB	((u64)1024)
#define MB	(1024 * KB)
#define GB	(1024 * MB)
#define TB	(1024 * GB)

#define HPA_UNTOUCHED	0x5a5a5a5a5a5a5a5aULL
#define SHIFT_UNTOUCHED	0xa5a5a5a5U

/* ---------------------------------------------------------------------- */
/* Sets of byte addresses                                                 */
/* ---------------------------------------------------------------------- */

/* The bytes [lo, hi): empty when lo >= hi. */
struct bytes {
	__uint128_t lo, hi;
};

static struct bytes bytes_at(__uint128_t lo, __uint128_t len)
{
	return (struct bytes){ lo, lo + len };
}

static bool bytes_empty(struct bytes a)
{
	return a.lo >= a.hi;
}

/* Some byte belongs to both. */
static bool bytes_meet(struct bytes a, struct bytes b)
{
	__uint128_t lo = a.lo > b.lo ? a.lo : b.lo;
	__uint128_t hi = a.hi < b.hi ? a.hi : b.hi;

	return lo < hi;
}

/* Every byte of a belongs to b. */
static bool bytes_within(struct bytes a, struct bytes b)
{
	return bytes_empty(a) || (b.lo <= a.lo && a.hi <= b.hi);
}

static bool bytes_has(struct bytes a, __uint128_t x)
{
	return a.lo <= x && x < a.hi;
}

/* The naturally aligned block of 1 << shift bytes that holds x. */
static struct bytes block_of(__uint128_t x, unsigned int shift)
{
	__uint128_t len = (__uint128_t)1 << shift;

	return bytes_at(x & ~(len - 1), len);
}

/* ---------------------------------------------------------------------- */
/* Reference model                                                        */
/* ---------------------------------------------------------------------- */

struct verdict {
	enum kvmppc_ptw_class cls;
	u64 hpa;
	unsigned int shift;
};

/* A layout seen as byte sets in guest and host address space. */
struct model {
	const struct kvmppc_ptw_layout *l;
	bool valid;
	struct bytes gbar, hbar;
	struct bytes gtrap[2], htrap[2];	/* table, PBA; empty if absent */
};

/* Layout validity as the brief states it, in 128-bit arithmetic. */
static bool model_valid(const struct kvmppc_ptw_layout *l)
{
	__uint128_t top = (__uint128_t)1 << 64;
	u64 s = l->size;
	__uint128_t to = l->msix_table_offset, ts = l->msix_table_size;
	__uint128_t po = l->msix_pba_offset, ps = l->msix_pba_size;

	if (s < 16 || s > TB)
		return false;
	/* any alignment, any size: only the exclusive ends must fit a u64 */
	if ((__uint128_t)l->guest_addr + s >= top ||
	    (__uint128_t)l->host_addr + s >= top)
		return false;
	if (l->host_page_shift != 12 && l->host_page_shift != 16)
		return false;
	if (!ts)
		return !ps;
	if (to % 8 || ts % 16 || ts > 2048 * 16 || to + ts > s)
		return false;
	if (!ps)
		return true;
	if (po % 8 || ps % 8 || ps > 2048 / 8 || po + ps > s)
		return false;
	return to + ts <= po || po + ps <= to;
}

/* Call again whenever *l changes. */
static void model_init(struct model *m, const struct kvmppc_ptw_layout *l)
{
	__uint128_t g = l->guest_addr, h = l->host_addr;

	memset(m, 0, sizeof(*m));
	m->l = l;
	m->valid = model_valid(l);
	m->gbar = bytes_at(g, l->size);
	m->hbar = bytes_at(h, l->size);
	if (l->msix_table_size) {
		m->gtrap[0] = bytes_at(g + l->msix_table_offset,
				       l->msix_table_size);
		m->htrap[0] = bytes_at(h + l->msix_table_offset,
				       l->msix_table_size);
	}
	if (l->msix_pba_size) {
		m->gtrap[1] = bytes_at(g + l->msix_pba_offset,
				       l->msix_pba_size);
		m->htrap[1] = bytes_at(h + l->msix_pba_offset,
				       l->msix_pba_size);
	}
}

static bool model_trapped(const struct model *m, struct bytes r)
{
	return bytes_meet(r, m->gtrap[0]) || bytes_meet(r, m->gtrap[1]);
}

/* Where guest byte x has to land: the same offset in the host BAR. */
static __uint128_t model_xlate(const struct model *m, __uint128_t x)
{
	return m->hbar.lo + (x - m->gbar.lo);
}

/*
 * A guest block can be mapped with one hardware page if all its bytes
 * are BAR bytes outside table and PBA, and the host bytes they must land
 * on form one naturally aligned page.
 */
static bool model_mappable(const struct model *m, struct bytes r,
			   unsigned int shift)
{
	__uint128_t host = model_xlate(m, r.lo);

	return bytes_within(r, m->gbar) && !model_trapped(m, r) &&
	       !(host & (((__uint128_t)1 << shift) - 1));
}

static struct verdict model_classify(const struct model *m, u64 gpa)
{
	struct verdict v = { KVMPPC_PTW_EXIT, HPA_UNTOUCHED, SHIFT_UNTOUCHED };
	unsigned int hs = m->l->host_page_shift;
	struct bytes page, hpage;

	/* a layout the brief calls invalid is never mapped */
	if (!m->valid || !bytes_has(m->gbar, gpa))
		return v;
	page = block_of(gpa, 12);
	if (model_trapped(m, page)) {
		v.cls = KVMPPC_PTW_MSIX;
		return v;
	}
	hpage = block_of(gpa, hs);
	if (model_mappable(m, hpage, hs)) {
		v.cls = KVMPPC_PTW_DIRECT;
		v.hpa = (u64)model_xlate(m, hpage.lo);
		v.shift = hs;
	} else if (model_mappable(m, page, 12)) {
		v.cls = KVMPPC_PTW_MAP4K;
		v.hpa = (u64)model_xlate(m, page.lo);
		v.shift = 12;
	}
	return v;
}

/* ---------------------------------------------------------------------- */
/* Invariant checker                                                      */
/* ---------------------------------------------------------------------- */

static const char *cls_name(enum kvmppc_ptw_class c)
{
	switch (c) {
	case KVMPPC_PTW_EXIT:
		return "EXIT";
	case KVMPPC_PTW_DIRECT:
		return "DIRECT";
	case KVMPPC_PTW_MAP4K:
		return "MAP4K";
	case KVMPPC_PTW_MSIX:
		return "MSIX";
	}
	return "?";
}

static void note(char *why, size_t len, int *n, const char *what)
{
	if (!(*n)++ && why)
		snprintf(why, len, "%s", what);
}

/*
 * Count the invariants that verdict v for gpa breaks. EXIT and MSIX map
 * nothing and so cannot break (a)-(c).
 */
static int safety_violations(const struct model *m, u64 gpa,
			     const struct verdict *v, char *why, size_t len)
{
	unsigned int hs = m->l->host_page_shift;
	struct bytes gmap, hmap;
	int n = 0;

	if (v->cls == KVMPPC_PTW_EXIT || v->cls == KVMPPC_PTW_MSIX)
		return 0;
	if (v->cls != KVMPPC_PTW_DIRECT && v->cls != KVMPPC_PTW_MAP4K) {
		note(why, len, &n, "unknown class");
		return n;
	}
	if (!m->valid) {
		note(why, len, &n, "a mapping for an invalid layout");
		return n;
	}
	if (v->shift != 12 && v->shift != hs) {
		note(why, len, &n, "mapping size is neither 4K nor a host page");
		return n;
	}
	if (v->cls == KVMPPC_PTW_DIRECT && v->shift != hs)
		note(why, len, &n, "DIRECT with a shift other than the host's");
	if (v->cls == KVMPPC_PTW_MAP4K && v->shift != 12)
		note(why, len, &n, "MAP4K with a shift other than 12");

	gmap = block_of(gpa, v->shift);
	hmap = bytes_at(v->hpa, (__uint128_t)1 << v->shift);
	if (v->hpa & ((1ULL << v->shift) - 1))
		note(why, len, &n, "host page not naturally aligned");
	/* (a) */
	if (!bytes_within(hmap, m->hbar))
		note(why, len, &n, "(a) maps host bytes outside the host BAR");
	/* (b), on both sides so that (c) is not needed to see it */
	if (model_trapped(m, gmap))
		note(why, len, &n, "(b) maps a guest table/PBA byte");
	if (bytes_meet(hmap, m->htrap[0]) || bytes_meet(hmap, m->htrap[1]))
		note(why, len, &n, "(b) maps a host table/PBA byte");
	/* (c): one guest byte per host byte, at the same BAR offset */
	if (hmap.lo != model_xlate(m, gmap.lo))
		note(why, len, &n, "(c) guest byte lands at another BAR offset");
	if (!bytes_within(gmap, m->gbar))
		note(why, len, &n, "(c) maps guest bytes outside the guest BAR");
	return n;
}

/* Safety plus liveness: the verdict must also be the model's. */
static int verdict_violations(const struct model *m, u64 gpa,
			      const struct verdict *v, char *why, size_t len)
{
	struct verdict want = model_classify(m, gpa);
	int n = safety_violations(m, gpa, v, why, len);

	if (v->cls != want.cls) {
		char buf[96];

		snprintf(buf, sizeof(buf), "class %s, model says %s",
			 cls_name(v->cls), cls_name(want.cls));
		note(why, len, &n, buf);
	} else if (v->hpa != want.hpa || v->shift != want.shift) {
		note(why, len, &n, "hpa/shift differ from the model");
	}
	return n;
}

static struct verdict run_classify(const struct kvmppc_ptw_layout *l,
				   u64 gpa)
{
	struct verdict v = { 0, HPA_UNTOUCHED, SHIFT_UNTOUCHED };

	v.cls = kvmppc_ptw_classify(l, gpa, &v.hpa, &v.shift);
	return v;
}

static void fmt_layout(char *buf, size_t len,
		       const struct kvmppc_ptw_layout *l)
{
	snprintf(buf, len,
		 "{.guest_addr=%#" PRIx64 ", .host_addr=%#" PRIx64
		 ", .size=%#" PRIx64 ", .msix_table_offset=%#" PRIx64
		 ", .msix_table_size=%#" PRIx64 ", .msix_pba_offset=%#" PRIx64
		 ", .msix_pba_size=%#" PRIx64 ", .host_page_shift=%u}",
		 l->guest_addr, l->host_addr, l->size, l->msix_table_offset,
		 l->msix_table_size, l->msix_pba_offset, l->msix_pba_size,
		 l->host_page_shift);
}

/* Classify gpa and check the answer; report the first few failures. */
static bool check_gpa(const struct model *m, u64 gpa, struct verdict *out)
{
	struct verdict v = run_classify(m->l, gpa);
	char why[128] = "", lay[320];
	bool ok = true;

	if (verdict_violations(m, gpa, &v, why, sizeof(why)))
		ok = false;
	if ((v.cls == KVMPPC_PTW_EXIT || v.cls == KVMPPC_PTW_MSIX) &&
	    (v.hpa != HPA_UNTOUCHED || v.shift != SHIFT_UNTOUCHED)) {
		snprintf(why, sizeof(why), "hpa/shift written for %s",
			 cls_name(v.cls));
		ok = false;
	}
	if (!ok) {
		fmt_layout(lay, sizeof(lay), m->l);
		EXPECT(ok, "%s; gpa %#" PRIx64 " -> %s hpa %#" PRIx64
		       " shift %u; layout %s", why, gpa, cls_name(v.cls),
		       v.hpa, v.shift, lay);
	}
	if (out)
		*out = v;
	return ok;
}

/*
 * Guest 4K pages are naturally aligned in guest physical space; the
 * window need not be. Page index pidx counts from the guest 4K page that
 * holds the window's first byte; [*lo, *hi) are the window bytes of the
 * page, in guest addresses. A valid layout's end does not wrap.
 */
static void page_span(const struct kvmppc_ptw_layout *l, u64 pidx,
		      u64 *lo, u64 *hi)
{
	u64 base = ((l->guest_addr >> 12) + pidx) << 12;
	u64 end = l->guest_addr + l->size;

	*lo = base > l->guest_addr ? base : l->guest_addr;
	*hi = end - base < SZ4K ? end : base + SZ4K;
}

/* How many guest 4K pages hold window bytes. */
static u64 npages(const struct kvmppc_ptw_layout *l)
{
	return ((l->guest_addr + l->size - 1) >> 12) -
	       (l->guest_addr >> 12) + 1;
}

/* The page index (as page_span() counts) holding window offset off. */
static u64 page_of(const struct kvmppc_ptw_layout *l, u64 off)
{
	return ((l->guest_addr + off) >> 12) - (l->guest_addr >> 12);
}

/*
 * Check guest 4K page pidx at its first window byte, and that its last
 * window byte gets the same answer: the class is a property of the page.
 */
static bool check_page(const struct model *m, u64 pidx, struct verdict *out)
{
	const struct kvmppc_ptw_layout *l = m->l;
	struct verdict a, b;
	u64 lo, hi;

	page_span(l, pidx, &lo, &hi);
	if (!check_gpa(m, lo, &a))
		return false;
	if (out)
		*out = a;
	b = run_classify(l, hi - 1);
	if (a.cls != b.cls || a.hpa != b.hpa || a.shift != b.shift) {
		check_gpa(m, hi - 1, NULL);
		EXPECT(0, "page %#" PRIx64 ": first and last byte differ",
		       lo & ~(SZ4K - 1));
		return false;
	}
	return true;
}

/* The bytes just outside the window exit. */
static bool check_outside(const struct model *m)
{
	const struct kvmppc_ptw_layout *l = m->l;
	bool ok = true;

	if (l->guest_addr)
		ok &= check_gpa(m, l->guest_addr - 1, NULL);
	ok &= check_gpa(m, l->guest_addr + l->size, NULL);
	return ok;
}

/* ---------------------------------------------------------------------- */
/* Random numbers                                                         */
/* ---------------------------------------------------------------------- */

/* rnd(), rnd_below(), seed_rng(): harness_rand.h */

/* ---------------------------------------------------------------------- */
/* Named layouts                                                          */
/* ---------------------------------------------------------------------- */

static struct kvmppc_ptw_layout bar(u64 guest, u64 host, u64 size)
{
	return (struct kvmppc_ptw_layout){
		.guest_addr = guest, .host_addr = host, .size = size,
		.host_page_shift = 16,
	};
}

static void expect_page(const struct kvmppc_ptw_layout *l, u64 gpa,
			enum kvmppc_ptw_class cls, u64 hpa, unsigned int shift)
{
	struct verdict v;
	struct model m;

	model_init(&m, l);
	check_gpa(&m, gpa, &v);
	EXPECT(v.cls == cls, "gpa %#" PRIx64 ": %s, want %s", gpa,
	       cls_name(v.cls), cls_name(cls));
	if (cls == KVMPPC_PTW_DIRECT || cls == KVMPPC_PTW_MAP4K) {
		EXPECT_EQ(v.hpa, hpa);
		EXPECT_EQ(v.shift, shift);
	}
}

/* The seed: host BAR 4K into a 64K page, the guest's copy 8K into one. */
TEST(seed_mismatched_4k_bar_maps_4k)
{
	struct kvmppc_ptw_layout l = bar(0x40002000, 0xf0001000, 0x1000);

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40002000, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x40002abc, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x40002fff, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x40001fff, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40003000, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40000000, KVMPPC_PTW_EXIT, 0, 0);
	/* on a 4K-page host the same page is a host page */
	l.host_page_shift = 12;
	expect_page(&l, 0x40002abc, KVMPPC_PTW_DIRECT, 0xf0001000, 12);
}

/* Matching offsets on a BAR of a whole host page keep today's path. */
TEST(seed_matched_64k_bar_direct)
{
	struct kvmppc_ptw_layout l = bar(0x40010000, 0xf0010000, 0x10000);
	u64 off;

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	for (off = 0; off < l.size; off += SZ4K)
		expect_page(&l, l.guest_addr + off, KVMPPC_PTW_DIRECT,
			    0xf0010000, 16);
	l = bar(0x40000000, 0xf0100000, 0x100000);
	for (off = 0; off < l.size; off += SZ4K)
		expect_page(&l, l.guest_addr + off + 0x18, KVMPPC_PTW_DIRECT,
			    l.host_addr + (off & ~(SZ64K - 1)), 16);
}

/*
 * Offsets agree, but the 64K host page also holds other devices' bytes:
 * a host-page mapping would be the isolation hole, so map 4K.
 */
TEST(seed_matched_offset_small_bar_map4k)
{
	struct kvmppc_ptw_layout l = bar(0x40001000, 0xf0001000, 0x1000);

	expect_page(&l, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	l = bar(0x40004000, 0xf0004000, 0x4000);
	expect_page(&l, 0x40007fff, KVMPPC_PTW_MAP4K, 0xf0007000, 12);
}

/* virtio-net (modern): 4K BAR, table at 0, PBA at 0x800. */
TEST(seed_virtio_net_msix)
{
	struct kvmppc_ptw_layout l = bar(0x40002000, 0xf0001000, 0x1000);

	l.msix_table_offset = 0;
	l.msix_table_size = 3 * 16;
	l.msix_pba_offset = 0x800;
	l.msix_pba_size = 8;
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40002000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40002400, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40002ffc, KVMPPC_PTW_MSIX, 0, 0);
	l.host_page_shift = 12;
	expect_page(&l, 0x40002ffc, KVMPPC_PTW_MSIX, 0, 0);
}

/* e1000e: 16K BAR, table at 0, PBA at 0x2000. */
TEST(seed_e1000e)
{
	struct kvmppc_ptw_layout l = bar(0x40008000, 0xf0004000, 0x4000);

	l.msix_table_size = 5 * 16;
	l.msix_pba_offset = 0x2000;
	l.msix_pba_size = 8;
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40008000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40009000, KVMPPC_PTW_MAP4K, 0xf0005000, 12);
	expect_page(&l, 0x4000a000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x4000b000, KVMPPC_PTW_MAP4K, 0xf0007000, 12);
	l.host_page_shift = 12;
	expect_page(&l, 0x40009000, KVMPPC_PTW_DIRECT, 0xf0005000, 12);
	expect_page(&l, 0x4000a000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x4000b000, KVMPPC_PTW_DIRECT, 0xf0007000, 12);
}

/* KIOXIA CD8P keeps its table at 0x5200, inside a 4K page. */
TEST(seed_table_at_0x5200)
{
	struct kvmppc_ptw_layout l = bar(0x40000000, 0xf0000000, 0x20000);
	u64 off;

	l.msix_table_offset = 0x5200;
	l.msix_table_size = 32 * 16;
	l.msix_pba_offset = 0x5400;
	l.msix_pba_size = 8;
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	for (off = 0; off < 0x10000; off += SZ4K) {
		if (off == 0x5000)
			expect_page(&l, l.guest_addr + off, KVMPPC_PTW_MSIX,
				    0, 0);
		else
			expect_page(&l, l.guest_addr + off, KVMPPC_PTW_MAP4K,
				    l.host_addr + off, 12);
	}
	/* the second host page holds no MSI-X byte */
	for (; off < l.size; off += SZ4K)
		expect_page(&l, l.guest_addr + off, KVMPPC_PTW_DIRECT,
			    l.host_addr + 0x10000, 16);
}

/* Partial 4K pages can be neither mapped nor hidden; the VMM gets them. */
TEST(seed_sub_4k_bar_exits)
{
	struct kvmppc_ptw_layout l = bar(0x40002100, 0xf0001300, 0x100);

	expect_page(&l, 0x40002100, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x400021ff, KVMPPC_PTW_EXIT, 0, 0);
	/* even a page-aligned one: the rest of the page is not the BAR's */
	l = bar(0x40002000, 0xf0001000, 0x800);
	expect_page(&l, 0x40002000, KVMPPC_PTW_EXIT, 0, 0);
	l.host_page_shift = 12;
	expect_page(&l, 0x40002000, KVMPPC_PTW_EXIT, 0, 0);
	/* a small BAR with MSI-X still traps to the emulator */
	l.msix_table_offset = 0x400;
	l.msix_table_size = 16;
	expect_page(&l, 0x40002000, KVMPPC_PTW_MSIX, 0, 0);
}

/* A table at the very end of a BAR, and a PBA in another host page. */
TEST(seed_table_at_end_pba_far)
{
	struct kvmppc_ptw_layout l = bar(0x40000000, 0xf0040000, 0x40000);

	l.msix_table_offset = 0x40000 - 0x800;
	l.msix_table_size = 0x800;
	l.msix_pba_offset = 0x100;
	l.msix_pba_size = 16;
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40000000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0041000, 12);
	expect_page(&l, 0x40010000, KVMPPC_PTW_DIRECT, 0xf0050000, 16);
	expect_page(&l, 0x4002ffff, KVMPPC_PTW_DIRECT, 0xf0060000, 16);
	expect_page(&l, 0x40030000, KVMPPC_PTW_MAP4K, 0xf0070000, 12);
	expect_page(&l, 0x4003efff, KVMPPC_PTW_MAP4K, 0xf007e000, 12);
	expect_page(&l, 0x4003f000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x4003ffff, KVMPPC_PTW_MSIX, 0, 0);
}

/*
 * The benchmark: 64K of a 128K host BAR, at a guest address that is 4K
 * but not 64K aligned. Guest and host agree modulo 4K only, so every page
 * is MAP4K; none is DIRECT, as each guest 64K page is partial.
 */
TEST(window_bench_64k_at_4k_offset)
{
	struct kvmppc_ptw_layout l = bar(0x40001000, 0x2000800a0000ULL,
					 0x10000);
	u64 off, n4k = 0, ndirect = 0;
	struct model m;

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	model_init(&m, &l);
	EXPECT_EQ(npages(&l), 16);
	for (off = 0; off < l.size; off += SZ4K) {
		struct verdict v;

		check_gpa(&m, l.guest_addr + off + 0x7f8, &v);
		n4k += v.cls == KVMPPC_PTW_MAP4K;
		ndirect += v.cls == KVMPPC_PTW_DIRECT;
		expect_page(&l, l.guest_addr + off, KVMPPC_PTW_MAP4K,
			    l.host_addr + off, 12);
	}
	EXPECT_EQ(n4k, 16);
	EXPECT_EQ(ndirect, 0);
	expect_page(&l, 0x40000fff, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40011000, KVMPPC_PTW_EXIT, 0, 0);
	/* on a 4K-page host each of them is a host page */
	l.host_page_shift = 12;
	for (off = 0; off < l.size; off += SZ4K)
		expect_page(&l, l.guest_addr + off + 0xfff,
			    KVMPPC_PTW_DIRECT, l.host_addr + off, 12);
	/* with the offsets agreeing modulo 64K it is still all MAP4K */
	l = bar(0x40001000, 0x2000800a1000ULL, 0x10000);
	for (off = 0; off < l.size; off += SZ4K)
		expect_page(&l, l.guest_addr + off, KVMPPC_PTW_MAP4K,
			    l.host_addr + off, 12);
}

/* A size that is no power of two: one whole 4K page and half a page. */
TEST(window_0x1800_bytes)
{
	struct kvmppc_ptw_layout l = bar(0x40003000, 0xf0005000, 0x1800);

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40003000, KVMPPC_PTW_MAP4K, 0xf0005000, 12);
	expect_page(&l, 0x40003fff, KVMPPC_PTW_MAP4K, 0xf0005000, 12);
	/* the rest of the second page is not the window's */
	expect_page(&l, 0x40004000, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x400047ff, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40004800, KVMPPC_PTW_EXIT, 0, 0);
	l.host_page_shift = 12;
	expect_page(&l, 0x40003800, KVMPPC_PTW_DIRECT, 0xf0005000, 12);
	expect_page(&l, 0x40004000, KVMPPC_PTW_EXIT, 0, 0);
	/* an MSI-X table in the half page traps that page alone */
	l.host_page_shift = 16;
	l.msix_table_offset = 0x1400;
	l.msix_table_size = 0x40;
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40003000, KVMPPC_PTW_MAP4K, 0xf0005000, 12);
	expect_page(&l, 0x40004000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x400047f8, KVMPPC_PTW_MSIX, 0, 0);
	/* starting half-way into a page, the whole page comes second */
	l = bar(0x40003800, 0xf0005800, 0x1800);
	expect_page(&l, 0x40003800, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40004000, KVMPPC_PTW_MAP4K, 0xf0006000, 12);
	expect_page(&l, 0x40004fff, KVMPPC_PTW_MAP4K, 0xf0006000, 12);
	expect_page(&l, 0x40005000, KVMPPC_PTW_EXIT, 0, 0);
}

/*
 * Not 4K aligned: the whole guest pages inside the window map if the
 * host agrees modulo 4K, and a table byte traps the guest page it is in,
 * not the window's offset page.
 */
TEST(window_not_4k_aligned)
{
	struct kvmppc_ptw_layout l = bar(0x40000800, 0xf0000800, 0x2000);

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40000800, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40000fff, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x40001fff, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x40002000, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x400027ff, KVMPPC_PTW_EXIT, 0, 0);
	l.host_page_shift = 12;
	expect_page(&l, 0x40001800, KVMPPC_PTW_DIRECT, 0xf0001000, 12);
	expect_page(&l, 0x40000800, KVMPPC_PTW_EXIT, 0, 0);
	/* table at window offset 0x800 = guest 0x40001000 */
	l.host_page_shift = 16;
	l.msix_table_offset = 0x800;
	l.msix_table_size = 0x10;
	expect_page(&l, 0x40001000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40001ff8, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40000ff8, KVMPPC_PTW_EXIT, 0, 0);
	/* table ending at guest 0x40001000: the first page only */
	l.msix_table_offset = 0x7f0;
	expect_page(&l, 0x40000800, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	/* host off by 8 bytes modulo 4K: nothing can be mapped */
	l = bar(0x40000800, 0xf0000808, 0x2000);
	expect_page(&l, 0x40001000, KVMPPC_PTW_EXIT, 0, 0);
	l.host_page_shift = 12;
	expect_page(&l, 0x40001000, KVMPPC_PTW_EXIT, 0, 0);
	/* a sub-4K window across a guest page boundary */
	l = bar(0x40001c00, 0xf0000c00, 0x800);
	l.msix_table_offset = 0x500;
	l.msix_table_size = 0x10;
	expect_page(&l, 0x40001c00, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40002000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x400023ff, KVMPPC_PTW_MSIX, 0, 0);
}

/*
 * A window not aligned to the host page still gets host pages where a
 * whole guest 64K page lies inside it over a whole host 64K page.
 */
TEST(window_direct_in_the_middle)
{
	struct kvmppc_ptw_layout l = bar(0x40001000, 0xf0001000, 0x21000);
	u64 g;

	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	for (g = 0x40001000; g < 0x40010000; g += SZ4K)
		expect_page(&l, g, KVMPPC_PTW_MAP4K, g - 0x40000000 +
			    0xf0000000, 12);
	for (; g < 0x40020000; g += SZ4K)
		expect_page(&l, g + 0x123, KVMPPC_PTW_DIRECT, 0xf0010000, 16);
	for (; g < 0x40022000; g += SZ4K)
		expect_page(&l, g, KVMPPC_PTW_MAP4K, g - 0x40000000 +
			    0xf0000000, 12);
	expect_page(&l, 0x40022000, KVMPPC_PTW_EXIT, 0, 0);
	/* agreeing modulo 4K only: all MAP4K */
	l.host_addr = 0xf0003000;
	expect_page(&l, 0x40010000, KVMPPC_PTW_MAP4K, 0xf0012000, 12);
	/* and a table in the middle 64K page takes DIRECT away there */
	l.host_addr = 0xf0001000;
	l.msix_table_offset = 0x10000;
	l.msix_table_size = 0x10;
	expect_page(&l, 0x40011000, KVMPPC_PTW_MSIX, 0, 0);
	expect_page(&l, 0x40012000, KVMPPC_PTW_MAP4K, 0xf0012000, 12);
	/* an odd-byte start: whole pages in the middle still map */
	l = bar(0x40000ffd, 0xf0000ffd, 0x2f003);
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, 0x40000ffd, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0001000, 12);
	expect_page(&l, 0x4001ffff, KVMPPC_PTW_DIRECT, 0xf0010000, 16);
	expect_page(&l, 0x4002ffff, KVMPPC_PTW_DIRECT, 0xf0020000, 16);
	expect_page(&l, 0x40030000, KVMPPC_PTW_EXIT, 0, 0);
}

TEST(classify_outside_bar_exits)
{
	struct kvmppc_ptw_layout l = bar(0x40010000, 0xf0010000, 0x10000);

	expect_page(&l, 0x4000ffff, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0x40020000, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, 0, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, ~0ULL, KVMPPC_PTW_EXIT, 0, 0);
	/* a BAR ending at the last representable byte */
	l = bar(~0ULL - 2 * 0x10000 + 1, 0xf0010000, 0x10000);
	ASSERT(kvmppc_ptw_layout_check(&l) == 0, "failed");
	expect_page(&l, l.guest_addr + 0xffff, KVMPPC_PTW_DIRECT,
		    0xf0010000, 16);
	expect_page(&l, l.guest_addr + 0x10000, KVMPPC_PTW_EXIT, 0, 0);
	expect_page(&l, ~0ULL, KVMPPC_PTW_EXIT, 0, 0);
}

/* A layout that the check refuses is never mapped. */
TEST(classify_invalid_layout_exits)
{
	struct kvmppc_ptw_layout l = bar(0x40010000, 0xf0010000, 0x10000);
	struct verdict v;

	l.host_page_shift = 13;
	v = run_classify(&l, 0x40010000);
	EXPECT(v.cls == KVMPPC_PTW_EXIT, "failed");
	EXPECT(v.hpa == HPA_UNTOUCHED && v.shift == SHIFT_UNTOUCHED, "failed");
	/* a guest end one past the address space */
	l = bar(0ULL - 0x10000, 0xf0010000, 0x10000);
	v = run_classify(&l, l.guest_addr);
	EXPECT(v.cls == KVMPPC_PTW_EXIT, "failed");
	l = bar(0x40010000, 0xf0010000, 15);
	v = run_classify(&l, 0x40010000);
	EXPECT(v.cls == KVMPPC_PTW_EXIT, "failed");
	l = bar(0x40010000, 0xf0010000, 0x10000);
	l.msix_pba_size = 8;
	v = run_classify(&l, 0x40010000);
	EXPECT(v.cls == KVMPPC_PTW_EXIT, "failed");
	EXPECT(v.hpa == HPA_UNTOUCHED && v.shift == SHIFT_UNTOUCHED, "failed");
}

/* ---------------------------------------------------------------------- */
/* The checker itself catches wrong answers                               */
/* ---------------------------------------------------------------------- */

static int violations(const struct kvmppc_ptw_layout *l, u64 gpa,
		      enum kvmppc_ptw_class cls, u64 hpa, unsigned int shift,
		      char *why, size_t len)
{
	struct verdict v = { cls, hpa, shift };
	struct model m;

	model_init(&m, l);
	why[0] = 0;
	return verdict_violations(&m, gpa, &v, why, len);
}

TEST(checker_catches_corrupted_results)
{
	struct kvmppc_ptw_layout seed = bar(0x40002000, 0xf0001000, 0x1000);
	struct kvmppc_ptw_layout big = bar(0x40000000, 0xf0000000, 0x20000);
	struct kvmppc_ptw_layout odd = bar(0x40000800, 0xf0000800, 0x2000);
	struct kvmppc_ptw_layout virtio = seed;
	char why[128];

	virtio.msix_table_size = 0x40;
	virtio.msix_pba_offset = 0x800;
	virtio.msix_pba_size = 8;
	big.msix_table_offset = 0x5200;
	big.msix_table_size = 0x200;

	/* the right answers pass */
	EXPECT(!violations(&seed, 0x40002000, KVMPPC_PTW_MAP4K, 0xf0001000,
			   12, why, sizeof(why)), "%s", why);
	EXPECT(!violations(&big, 0x40010000, KVMPPC_PTW_DIRECT, 0xf0010000,
			   16, why, sizeof(why)), "%s", why);

	/* status quo: the guest's 64K page onto the host's, 0x1000 off */
	EXPECT(violations(&seed, 0x40002000, KVMPPC_PTW_DIRECT, 0xf0000000,
			  16, why, sizeof(why)) >= 2, "failed");
	EXPECT(strstr(why, "(a)"), "%s", why);
	/* right page, wrong offset */
	EXPECT(violations(&seed, 0x40002000, KVMPPC_PTW_MAP4K, 0xf0002000,
			  12, why, sizeof(why)) > 0, "failed");
	EXPECT(violations(&big, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0002000,
			  12, why, sizeof(why)) > 0, "failed");
	EXPECT(strstr(why, "(c)"), "%s", why);
	/* mapping the MSI-X table page, or the host page around it */
	EXPECT(violations(&virtio, 0x40002000, KVMPPC_PTW_MAP4K, 0xf0001000,
			  12, why, sizeof(why)) > 0, "failed");
	EXPECT(strstr(why, "(b)"), "%s", why);
	EXPECT(violations(&big, 0x40001000, KVMPPC_PTW_DIRECT, 0xf0000000,
			  16, why, sizeof(why)) > 0, "failed");
	EXPECT(strstr(why, "(b)"), "%s", why);
	/* a misaligned host page */
	EXPECT(violations(&big, 0x40000000, KVMPPC_PTW_MAP4K, 0xf0000800,
			  12, why, sizeof(why)) > 0, "failed");
	/* liveness: a mappable page left to the VMM */
	EXPECT(violations(&seed, 0x40002000, KVMPPC_PTW_EXIT, 0, 0,
			  why, sizeof(why)) == 1, "%s", why);
	/* liveness: 4K where the host page fits */
	EXPECT(violations(&big, 0x40010000, KVMPPC_PTW_MAP4K, 0xf0010000,
			  12, why, sizeof(why)) == 1, "%s", why);
	/* trapped page not trapped */
	EXPECT(violations(&big, 0x40005000, KVMPPC_PTW_EXIT, 0, 0,
			  why, sizeof(why)) == 1, "%s", why);

	/* a window 0x800 into a page: right answers pass */
	EXPECT(!violations(&odd, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0001000,
			   12, why, sizeof(why)), "%s", why);
	EXPECT(!violations(&odd, 0x40000800, KVMPPC_PTW_EXIT, HPA_UNTOUCHED,
			   SHIFT_UNTOUCHED, why, sizeof(why)), "%s", why);
	/* the window's offset page, not the guest page (status quo ante) */
	EXPECT(violations(&odd, 0x40001000, KVMPPC_PTW_MAP4K, 0xf0000800,
			  12, why, sizeof(why)) > 0, "failed");
	/* the partial first page, mapped */
	EXPECT(violations(&odd, 0x40000800, KVMPPC_PTW_MAP4K, 0xf0000000,
			  12, why, sizeof(why)) >= 2, "failed");
	EXPECT(strstr(why, "(a)"), "%s", why);
	/* liveness: the whole middle page left to the VMM */
	EXPECT(violations(&odd, 0x40001000, KVMPPC_PTW_EXIT, 0, 0,
			  why, sizeof(why)) == 1, "%s", why);
	/* a table byte in the guest page, but not in the offset page */
	odd.msix_table_offset = 0x800;
	odd.msix_table_size = 0x10;
	EXPECT(violations(&odd, 0x40001800, KVMPPC_PTW_MAP4K, 0xf0001000,
			  12, why, sizeof(why)) > 0, "failed");
	EXPECT(strstr(why, "(b)"), "%s", why);
}

/* ---------------------------------------------------------------------- */
/* layout_check: rejections, one rule at a time                           */
/* ---------------------------------------------------------------------- */

/* 64K BAR, table at 0 (4 vectors), PBA at 0x800: valid. */
static struct kvmppc_ptw_layout base(void)
{
	struct kvmppc_ptw_layout l = bar(0x40010000, 0xf0020000, 0x10000);

	l.msix_table_size = 0x40;
	l.msix_pba_offset = 0x800;
	l.msix_pba_size = 8;
	return l;
}

/* The check (and the model) must reject l, and classify must EXIT. */
static void expect_reject(const struct kvmppc_ptw_layout *l, int line)
{
	struct verdict v = run_classify(l, l->guest_addr);
	char lay[320];

	fmt_layout(lay, sizeof(lay), l);
	EXPECT(kvmppc_ptw_layout_check(l) == -EINVAL, "line %d: %s", line,
	       lay);
	EXPECT(!model_valid(l), "line %d: %s", line, lay);
	EXPECT(v.cls == KVMPPC_PTW_EXIT && v.hpa == HPA_UNTOUCHED,
	       "line %d: %s", line, lay);
}

static void expect_accept(const struct kvmppc_ptw_layout *l, int line)
{
	char lay[320];

	fmt_layout(lay, sizeof(lay), l);
	EXPECT(kvmppc_ptw_layout_check(l) == 0, "line %d: %s", line, lay);
	EXPECT(model_valid(l), "line %d: %s", line, lay);
}

#define REJECT(l)	expect_reject(&(l), __LINE__)
#define ACCEPT(l)	expect_accept(&(l), __LINE__)

TEST(check_accepts_base_and_limits)
{
	struct kvmppc_ptw_layout l = base();

	ACCEPT(l);
	l = bar(0, 0, 16);
	ACCEPT(l);
	l.msix_table_size = 16;
	ACCEPT(l);
	l = bar(0, 1ULL << 40, 1ULL << 40);
	ACCEPT(l);
	l.host_page_shift = 12;
	ACCEPT(l);
	/* the last BAR-sized slot below 2^64 */
	l = bar(0ULL - 2 * 0x10000, 0ULL - 4 * 0x10000, 0x10000);
	ACCEPT(l);
	/* 2048 vectors and 2048 pending bits, touching */
	l = bar(0, 0x100000, 0x10000);
	l.msix_table_offset = 0x100;
	l.msix_table_size = 2048 * 16;
	l.msix_pba_offset = 0;
	l.msix_pba_size = 256;
	ACCEPT(l);
	l.msix_pba_offset = 0x8100;
	ACCEPT(l);
	/* QWORD- but not entry-aligned table; table filling the BAR */
	l = bar(0, 0, 0x20);
	l.msix_table_offset = 8;
	l.msix_table_size = 16;
	l.msix_pba_size = 8;
	ACCEPT(l);
	l.msix_pba_offset = 24;
	ACCEPT(l);
	l = bar(0, 0, 0x8000);
	l.msix_table_size = 0x8000;
	ACCEPT(l);
	/* without a table the offset means nothing */
	l = bar(0, 0, 0x1000);
	l.msix_table_offset = ~0ULL;
	l.msix_pba_offset = 3;
	ACCEPT(l);
}

/*
 * A window is any byte range of a BAR: sizes need not be powers of two
 * and addresses need no alignment, down to the byte.
 */
TEST(check_accepts_any_size_and_alignment)
{
	static const u64 sizes[] = { 16, 17, 0x18, 0x1001, 0x1800, 0x3000,
				     0x10010, 0x11000, 3ULL << 38,
				     (1ULL << 40) - 16, (1ULL << 40) - 1 };
	static const u64 addrs[] = { 0, 1, 8, 0x800, 0x1000, 0xfff8,
				     0x40001000, 0x40010008, 0xf0028000,
				     0x2000800a0000ULL, 0x123456789abULL };
	struct kvmppc_ptw_layout l = bar(0, 0, 0);
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(addrs); j++) {
			l = bar(addrs[j], addrs[ARRAY_SIZE(addrs) - 1 - j],
				sizes[i]);
			ACCEPT(l);
			l.host_page_shift = 12;
			ACCEPT(l);
		}
	}
	/* the layouts the power-of-two rules used to refuse */
	l = base();
	l.guest_addr += 0x1000;
	ACCEPT(l);
	l.guest_addr = 0x40010008;
	ACCEPT(l);
	l = base();
	l.host_addr += 0x8000;
	ACCEPT(l);
	l = bar(0x40002000, 0xf0001000, 0x2000);
	ACCEPT(l);
	/* the benchmark's window, with MSI-X at window offsets */
	l = bar(0x40001000, 0x2000800a0000ULL, 0x10000);
	l.msix_table_offset = 0x3008;
	l.msix_table_size = 0x100;
	l.msix_pba_offset = 0xfff8;
	l.msix_pba_size = 8;
	ACCEPT(l);
	/* a window ending at 2^64 - 1, the highest end a u64 holds */
	l = bar(0ULL - 0x1801, 0ULL - 0x1801, 0x1800);
	ACCEPT(l);
}

TEST(check_rejects_size_zero)
{
	struct kvmppc_ptw_layout l = base();

	l.size = 0;
	REJECT(l);
}

TEST(check_rejects_size_below_16)
{
	struct kvmppc_ptw_layout l = bar(0, 0, 8);
	u64 s;

	for (s = 1; s < 16; s <<= 1) {
		l.size = s;
		REJECT(l);
	}
}

TEST(check_rejects_size_above_1t)
{
	struct kvmppc_ptw_layout l = bar(0, 0, 1ULL << 41);
	unsigned int b;

	for (b = 41; b < 64; b++) {
		l.size = 1ULL << b;
		REJECT(l);
	}
}

TEST(check_rejects_guest_end_wrap)
{
	struct kvmppc_ptw_layout l = base();

	l.guest_addr = 0ULL - l.size;
	REJECT(l);
	l = bar(0ULL - 16, 0, 16);
	REJECT(l);
	/* unaligned, one byte past */
	l = bar(0ULL - 0x1800, 0x1000, 0x1800);
	REJECT(l);
	l = bar(0ULL - 0x17ff, 0x1000, 0x1800);
	REJECT(l);
}

TEST(check_rejects_host_end_wrap)
{
	struct kvmppc_ptw_layout l = base();

	l.host_addr = 0ULL - l.size;
	REJECT(l);
	l = bar(0, 0ULL - (1ULL << 40), 1ULL << 40);
	REJECT(l);
	l = bar(0x1000, 0ULL - 0x10007, 0x11000);
	REJECT(l);
}

TEST(check_rejects_bad_page_shift)
{
	static const unsigned int shifts[] = { 0, 1, 11, 13, 14, 15, 17, 21,
					       24, 30, 64, 65, 0xffffffffU };
	struct kvmppc_ptw_layout l = base();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		l.host_page_shift = shifts[i];
		REJECT(l);
	}
}

TEST(check_rejects_table_offset_bir_bits)
{
	struct kvmppc_ptw_layout l = base();
	u64 bits;

	for (bits = 1; bits < 8; bits++) {
		l.msix_table_offset = 0x5200 | bits;
		REJECT(l);
	}
}

TEST(check_rejects_table_size_not_whole_entries)
{
	static const u64 sizes[] = { 1, 8, 0x18, 0x41, 0x7ff8 };
	struct kvmppc_ptw_layout l = base();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		l.msix_table_size = sizes[i];
		REJECT(l);
	}
}

TEST(check_rejects_table_over_2048_vectors)
{
	struct kvmppc_ptw_layout l = base();

	l.size = 0x100000;
	l.guest_addr = 0x100000;
	l.host_addr = 0x100000;
	l.msix_pba_offset = 0xff000;
	l.msix_table_size = 2049 * 16;
	REJECT(l);
	l.msix_table_size = 1ULL << 40;
	REJECT(l);
}

TEST(check_rejects_table_outside_bar)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_pba_size = 0;
	l.msix_table_offset = l.size - 16;
	l.msix_table_size = 32;
	REJECT(l);
	l.msix_table_offset = l.size;
	l.msix_table_size = 16;
	REJECT(l);
	l = bar(0, 0, 16);
	l.msix_table_size = 32;
	REJECT(l);
}

/* offset + size wraps to a small number: a naive sum would pass. */
TEST(check_rejects_table_offset_wrap)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_pba_size = 0;
	l.msix_table_offset = 0ULL - 0x10;
	l.msix_table_size = 0x20;
	REJECT(l);
	l.msix_table_offset = 0ULL - 0x8000;
	l.msix_table_size = 0x8000;
	REJECT(l);
}

TEST(check_rejects_pba_without_table)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_table_size = 0;
	REJECT(l);
	l.msix_table_offset = 0x1000;
	REJECT(l);
}

TEST(check_rejects_pba_offset_bir_bits)
{
	struct kvmppc_ptw_layout l = base();
	u64 bits;

	for (bits = 1; bits < 8; bits++) {
		l.msix_pba_offset = 0x800 | bits;
		REJECT(l);
	}
}

TEST(check_rejects_pba_size_not_qwords)
{
	static const u64 sizes[] = { 1, 4, 12, 0xf9 };
	struct kvmppc_ptw_layout l = base();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		l.msix_pba_size = sizes[i];
		REJECT(l);
	}
}

TEST(check_rejects_pba_over_2048_bits)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_pba_size = 264;
	REJECT(l);
	l.msix_pba_size = 0x1000;
	REJECT(l);
}

TEST(check_rejects_pba_outside_bar)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_pba_offset = l.size - 8;
	l.msix_pba_size = 16;
	REJECT(l);
	l.msix_pba_offset = l.size;
	l.msix_pba_size = 8;
	REJECT(l);
}

TEST(check_rejects_pba_offset_wrap)
{
	struct kvmppc_ptw_layout l = base();

	l.msix_pba_offset = 0ULL - 8;
	l.msix_pba_size = 16;
	REJECT(l);
}

TEST(check_rejects_pba_overlapping_table)
{
	/* table at 0x100..0x140 */
	static const u64 pba[][2] = {
		{ 0xf8, 0x10 },		/* over the first byte */
		{ 0x138, 0x10 },	/* over the last byte */
		{ 0x110, 0x8 },		/* inside */
		{ 0xf0, 0x100 },	/* around */
		{ 0x100, 0x40 },	/* the same bytes */
		{ 0x100, 0x8 },		/* same start */
	};
	struct kvmppc_ptw_layout l = base();
	size_t i;

	l.msix_table_offset = 0x100;
	l.msix_table_size = 0x40;
	for (i = 0; i < ARRAY_SIZE(pba); i++) {
		l.msix_pba_offset = pba[i][0];
		l.msix_pba_size = pba[i][1];
		REJECT(l);
	}
	/* touching is fine */
	l.msix_pba_offset = 0x140;
	l.msix_pba_size = 8;
	ACCEPT(l);
	l.msix_pba_offset = 0xf8;
	ACCEPT(l);
}

/* ---------------------------------------------------------------------- */
/* Exhaustive small layouts                                               */
/* ---------------------------------------------------------------------- */

struct msix_place {
	const char *what;
	u64 min_size;		/* smallest BAR it fits */
	/* offsets and sizes as functions of the BAR size s */
	u64 (*to)(u64 s), (*ts)(u64 s), (*po)(u64 s), (*ps)(u64 s);
};

static u64 f_0(u64 s) { return 0; }
static u64 f_8(u64 s) { return 8; }
static u64 f_16(u64 s) { return 16; }
/* rounded so that any size gives whole entries and QWORD offsets */
static u64 f_half(u64 s) { return s / 2 & ~7ULL; }
static u64 f_half16(u64 s) { return s / 2 & ~15ULL; }
static u64 f_virtio_ts(u64 s) { return min_t(u64, f_half16(s), 0x800); }
static u64 f_80(u64 s) { return 0x50; }
static u64 f_end_ts(u64 s) { return min_t(u64, f_half16(s), 0x80); }
static u64 f_end_to(u64 s) { return (s - f_end_ts(s)) & ~7ULL; }
static u64 f_end8(u64 s) { return (s - 8) & ~7ULL; }
static u64 f_5200(u64 s) { return 0x5200; }
static u64 f_200(u64 s) { return 0x200; }
static u64 f_5400(u64 s) { return 0x5400; }
static u64 f_cross_to(u64 s) { return 0x1000 - 0x20; }
static u64 f_40(u64 s) { return 0x40; }
static u64 f_cross_po(u64 s) { return 0x3000 - 8; }
static u64 f_8000(u64 s) { return 0x8000; }
static u64 f_half_minus_100(u64 s) { return f_half(s) - 0x100; }
static u64 f_100(u64 s) { return 0x100; }
static u64 f_10200(u64 s) { return 0x10200; }
static u64 f_end_4k(u64 s) { return (s - 0x1000) & ~7ULL; }

static const struct msix_place places[] = {
	{ "no MSI-X", 16, NULL, NULL, NULL, NULL },
	{ "1 vector at 0, no PBA", 16, f_0, f_16, NULL, NULL },
	{ "virtio-net: table 0, PBA at half", 32, f_0, f_virtio_ts,
	  f_half, f_8 },
	{ "e1000e: 5 vectors at 0, PBA at half", 256, f_0, f_80,
	  f_half, f_8 },
	{ "table at the end, PBA at 0", 32, f_end_to, f_end_ts, f_0, f_8 },
	{ "table at 8, PBA at 0", 32, f_8, f_16, f_0, f_8 },
	{ "table at 0, PBA at the end", 32, f_0, f_16, f_end8, f_8 },
	{ "table at 0x5200, PBA at 0x5400", 0x8000, f_5200, f_200,
	  f_5400, f_8 },
	{ "table and PBA across 4K boundaries", 0x4000, f_cross_to, f_40,
	  f_cross_po, f_16 },
	{ "2048 vectors at half, 256-byte PBA before", 0x10000, f_half,
	  f_8000, f_half_minus_100, f_100 },
	{ "table in the second 64K only", 0x20000, f_10200, f_200, NULL,
	  NULL },
	{ "PBA alone in the last 4K", 0x2000, f_0, f_16, f_end_4k, f_8 },
};

static bool place_msix(struct kvmppc_ptw_layout *l,
		       const struct msix_place *p)
{
	if (l->size < p->min_size)
		return false;
	l->msix_table_offset = p->to ? p->to(l->size) : 0;
	l->msix_table_size = p->ts ? p->ts(l->size) : 0;
	l->msix_pba_offset = p->po ? p->po(l->size) : 0;
	l->msix_pba_size = p->ps ? p->ps(l->size) : 0;
	return true;
}

#define SPAN		(256 * KB)
/* An 8K window across the span's first 64K boundary */
#define WIN_LO		(SZ64K - 4 * KB)
#define WIN_HI		(SZ64K + 4 * KB)

static bool in_window(u64 x)
{
	return x >= WIN_LO && x < WIN_HI;
}

/*
 * Placements that stress the bounds: the span's ends, both sides of
 * 4K and 64K boundaries, and 4K and 8K into a 64K page (the seed's).
 */
static const u64 notable_at[] = { 0, 0xff0, 0x1010, 0xfff0, 0x10000,
				  0x21000, 0x32000, 0x3fff0 };

static bool notable(u64 x, u64 s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(notable_at); i++)
		if (x == (notable_at[i] & ~(s - 1)))
			return true;
	return false;
}

/*
 * The host placements to pair with guest placement g: all of them, or
 * for small BARs the window (if g is in it) and the notable ones.
 */
static size_t host_places(u64 g, u64 s, bool full, u64 *h, size_t max)
{
	size_t n = 0, i;
	u64 x;

	if (full || notable(g, s)) {
		for (x = 0; x < SPAN && n < max; x += s)
			h[n++] = x;
		return n;
	}
	if (in_window(g))
		for (x = WIN_LO; x < WIN_HI && n < max; x += s)
			h[n++] = x;
	for (i = 0; i < ARRAY_SIZE(notable_at) && n < max; i++) {
		x = notable_at[i] & ~(s - 1);
		if (!(in_window(g) && in_window(x)))
			h[n++] = x;
	}
	return n;
}

struct exh_stats {
	u64 layouts, pages, cls[4];
};

static void exh_report(const struct exh_stats *st)
{
	printf("# %" PRIu64 " layouts, %" PRIu64 " pages: EXIT %" PRIu64
	       " DIRECT %" PRIu64 " MAP4K %" PRIu64 " MSIX %" PRIu64 "\n",
	       st->layouts, st->pages, st->cls[KVMPPC_PTW_EXIT],
	       st->cls[KVMPPC_PTW_DIRECT], st->cls[KVMPPC_PTW_MAP4K],
	       st->cls[KVMPPC_PTW_MSIX]);
	EXPECT(st->cls[KVMPPC_PTW_DIRECT] && st->cls[KVMPPC_PTW_MAP4K] &&
	       st->cls[KVMPPC_PTW_MSIX] && st->cls[KVMPPC_PTW_EXIT],
	       "some class never seen");
}

static bool exh_one(struct kvmppc_ptw_layout *l, struct exh_stats *st)
{
	struct model m;
	u64 p;

	for (l->host_page_shift = 12; l->host_page_shift <= 16;
	     l->host_page_shift += 4) {
		if (kvmppc_ptw_layout_check(l)) {
			char lay[320];

			fmt_layout(lay, sizeof(lay), l);
			EXPECT(0, "generated layout rejected: %s", lay);
			return false;
		}
		model_init(&m, l);
		for (p = 0; p < npages(l); p++) {
			struct verdict v;

			if (!check_page(&m, p, &v))
				return false;
			st->cls[v.cls & 3]++;
		}
		if (!check_outside(&m))
			return false;
		st->layouts++;
		st->pages += npages(l);
	}
	return true;
}

/*
 * Every power-of-two size from 16 bytes to 256K, every MSI-X placement
 * above that fits, both host page sizes, and guest and host windows at
 * every naturally aligned place in a 256K span (four 64K host pages),
 * as whole PCI BARs sit: all pairs for windows of 512 bytes and more.
 * Under 512 bytes all pairs would be 3.6 * 10^8 layouts, more than the
 * time budget allows, so there the pairs are those with both windows in
 * an 8K range across a 64K boundary, and those with either window at a
 * notable() place and the other anywhere in the span.
 */
TEST(exhaustive_small_layouts)
{
	static u64 hs[SPAN / 16];
	struct exh_stats st = { 0 };
	unsigned int sb;
	size_t pi, nh, i;

	for (sb = 4; sb <= 18; sb++) {
		u64 s = 1ULL << sb, g;
		bool full = (SPAN / s) * (SPAN / s) <= (1ULL << 18);

		for (pi = 0; pi < ARRAY_SIZE(places); pi++) {
			struct kvmppc_ptw_layout l = bar(0, 0, s);

			if (!place_msix(&l, &places[pi]))
				continue;
			for (g = 0; g < SPAN; g += s) {
				nh = host_places(g, s, full, hs,
						 ARRAY_SIZE(hs));
				for (i = 0; i < nh; i++) {
					l.guest_addr = g;
					l.host_addr = hs[i];
					if (!exh_one(&l, &st)) {
						printf("# failed in \"%s\"\n",
						       places[pi].what);
						return;
					}
				}
			}
		}
	}
	exh_report(&st);
}

/*
 * Window sizes for the unaligned sweep: every power of two up to 64K,
 * and sizes that are none: below a QWORD multiple, around 4K and 64K,
 * and several 4K pages.
 */
static const u64 unaligned_sizes[] = {
	0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000,
	0x4000, 0x8000, 0x10000,
	0x11, 0x18, 0x30, 0x1f8, 0x801, 0xff0, 0x1001, 0x1010, 0x1800,
	0x2800, 0x3000, 0x5000, 0xc000, 0xfff8, 0x10010, 0x11000, 0x1f000,
	0x30000,
};

/*
 * Sub-4K placements on both sides of the span's first 64K boundary;
 * pairs of them agree modulo 4K (0xf008 and 0x10008, 0xf800 and 0x10800,
 * 0xfff8 and 0x10ff8) or do not, and 0xf008 and 0x10008 are also 4K into
 * a 64K page.
 */
static const u64 sub4k_at[] = { 0xf008, 0xf800, 0xfff0, 0xfff8,
				0x10008, 0x10010, 0x10800, 0x10ff8 };

/*
 * The guest and host placements for a window of size s: every 4K offset
 * in the span (in its first 128K for windows over 64K) and the sub-4K
 * ones.
 */
static size_t unaligned_places(u64 s, u64 *at, size_t max)
{
	u64 lim = s > SZ64K ? 2 * SZ64K : SPAN, x;
	size_t n = 0, i;

	for (x = 0; x < lim && n < max; x += SZ4K)
		at[n++] = x;
	for (i = 0; i < ARRAY_SIZE(sub4k_at) && n < max; i++)
		at[n++] = sub4k_at[i];
	return n;
}

/*
 * Windows as the VMM may cut them from a BAR: the sizes above, every
 * MSI-X placement that fits, both host page sizes, and every pair of
 * unaligned_places() for guest and host, so that guest and host agree
 * modulo 64K, modulo 4K only, or not at all, from 4K-aligned down to
 * 8-byte-aligned starts across a 64K boundary.
 */
TEST(exhaustive_unaligned_windows)
{
	u64 at[SPAN / SZ4K + ARRAY_SIZE(sub4k_at)];
	struct exh_stats st = { 0 };
	size_t si, pi, gi, hi, n;

	for (si = 0; si < ARRAY_SIZE(unaligned_sizes); si++) {
		u64 s = unaligned_sizes[si];

		n = unaligned_places(s, at, ARRAY_SIZE(at));
		for (pi = 0; pi < ARRAY_SIZE(places); pi++) {
			struct kvmppc_ptw_layout l = bar(0, 0, s);

			if (!place_msix(&l, &places[pi]))
				continue;
			for (gi = 0; gi < n; gi++) {
				for (hi = 0; hi < n; hi++) {
					l.guest_addr = at[gi];
					l.host_addr = at[hi];
					if (!exh_one(&l, &st)) {
						printf("# failed in \"%s\"\n",
						       places[pi].what);
						return;
					}
				}
			}
		}
	}
	exh_report(&st);
}

/* ---------------------------------------------------------------------- */
/* The model against a literal byte count                                 */
/* ---------------------------------------------------------------------- */

/*
 * Classify every guest 4K page around a BAR by looking at each byte:
 * count, per guest 4K page and per guest host page, the BAR bytes that
 * are not table/PBA bytes and the table/PBA bytes.
 */
static void count_classify(const struct kvmppc_ptw_layout *l, u64 base,
			   u64 span, struct verdict *out)
{
	u64 hp = 1ULL << l->host_page_shift, b, i;
	u64 *good4 = calloc(span / SZ4K, sizeof(u64));
	u64 *trap4 = calloc(span / SZ4K, sizeof(u64));
	u64 *goodh = calloc(span / hp, sizeof(u64));

	ASSERT(good4 && trap4 && goodh, "failed");
	for (b = base; b < base + span; b++) {
		bool in = b >= l->guest_addr && b - l->guest_addr < l->size;
		u64 off = b - l->guest_addr;
		bool trap = in &&
			((l->msix_table_size && off >= l->msix_table_offset &&
			  off < l->msix_table_offset + l->msix_table_size) ||
			 (l->msix_pba_size && off >= l->msix_pba_offset &&
			  off < l->msix_pba_offset + l->msix_pba_size));

		trap4[(b - base) / SZ4K] += trap;
		good4[(b - base) / SZ4K] += in && !trap;
		goodh[(b - base) / hp] += in && !trap;
	}
	for (i = 0; i < span / SZ4K; i++) {
		struct verdict *v = &out[i];
		u64 g4 = base + i * SZ4K, gh = g4 & ~(hp - 1);
		u64 h4 = l->host_addr + (g4 - l->guest_addr);
		u64 hh = l->host_addr + (gh - l->guest_addr);

		v->cls = KVMPPC_PTW_EXIT;
		v->hpa = HPA_UNTOUCHED;
		v->shift = SHIFT_UNTOUCHED;
		if (trap4[i]) {
			v->cls = KVMPPC_PTW_MSIX;
		} else if (goodh[(gh - base) / hp] == hp && !(hh % hp)) {
			v->cls = KVMPPC_PTW_DIRECT;
			v->hpa = hh;
			v->shift = l->host_page_shift;
		} else if (good4[i] == SZ4K && !(h4 % SZ4K)) {
			v->cls = KVMPPC_PTW_MAP4K;
			v->hpa = h4;
			v->shift = 12;
		}
	}
	free(good4);
	free(trap4);
	free(goodh);
}

/* Compare the model with count_classify() on each page of one layout. */
static u64 compare_with_count(const struct kvmppc_ptw_layout *l,
			      const char *what)
{
	struct verdict out[(SPAN + 2 * SZ64K) / SZ4K];
	struct bytes gbar = bytes_at(l->guest_addr, l->size);
	u64 base, span, i, compared = 0;
	struct model mod;

	model_init(&mod, l);
	base = l->guest_addr & ~(SZ64K - 1);
	span = ((l->guest_addr + l->size + SZ64K - 1) & ~(SZ64K - 1)) - base;
	count_classify(l, base, span, out);
	for (i = 0; i < span / SZ4K; i++) {
		u64 page = base + i * SZ4K;
		struct verdict m;

		/* pages off the BAR are EXIT by the model's first rule */
		if (!bytes_meet(block_of(page, 12), gbar))
			continue;
		/* ask about a byte of the page that is in the BAR */
		m = model_classify(&mod, page > l->guest_addr ? page :
							       l->guest_addr);
		compared++;
		EXPECT(m.cls == out[i].cls && m.hpa == out[i].hpa &&
		       m.shift == out[i].shift,
		       "size %#" PRIx64 " %s page %#" PRIx64
		       ": model %s, count %s", l->size, what, page,
		       cls_name(m.cls), cls_name(out[i].cls));
	}
	return compared;
}

TEST(model_matches_byte_count)
{
	static const u64 gpos[] = { 0, 1, 3, 17 }, hpos[] = { 0, 2, 5 };
	/* agreeing modulo 64K, modulo 4K only, and not at all */
	static const u64 ugpos[] = { 0x800, 0xf008, 0x11000 };
	static const u64 uhpos[] = { 0x1800, 0xf008, 0x2000 };
	u64 compared = 0;
	unsigned int sb, hs;
	size_t pi, k;

	for (sb = 4; sb <= 18; sb++) {
		u64 s = 1ULL << sb;

		for (pi = 0; pi < ARRAY_SIZE(places); pi++) {
			for (k = 0; k < ARRAY_SIZE(gpos) * ARRAY_SIZE(hpos);
			     k++) {
				struct kvmppc_ptw_layout l = bar(0, 0, s);
				u64 gp = gpos[k % ARRAY_SIZE(gpos)];
				u64 hp = hpos[k / ARRAY_SIZE(gpos)];

				if (!place_msix(&l, &places[pi]))
					break;
				/* odd multiples of s: all offset bits in play */
				l.guest_addr = 0x400000 + gp * s % SPAN;
				l.host_addr = 0x100000 + hp * 3 * s % SPAN;
				for (hs = 12; hs <= 16; hs += 4) {
					l.host_page_shift = hs;
					ASSERT(!kvmppc_ptw_layout_check(&l),
					       "%s", places[pi].what);
					compared += compare_with_count(&l,
							places[pi].what);
				}
			}
		}
	}
	/* windows of other sizes, at places no BAR could be */
	for (k = 0; k < ARRAY_SIZE(unaligned_sizes); k++) {
		u64 s = unaligned_sizes[k];
		size_t gi, hi;

		for (pi = 0; pi < ARRAY_SIZE(places); pi++) {
			struct kvmppc_ptw_layout l = bar(0, 0, s);

			if (!place_msix(&l, &places[pi]))
				continue;
			for (gi = 0; gi < ARRAY_SIZE(ugpos); gi++) {
				for (hi = 0; hi < ARRAY_SIZE(uhpos); hi++) {
					l.guest_addr = 0x400000 + ugpos[gi];
					l.host_addr = 0x100000 + uhpos[hi];
					for (hs = 12; hs <= 16; hs += 4) {
						l.host_page_shift = hs;
						ASSERT(!kvmppc_ptw_layout_check(&l),
						       "%s", places[pi].what);
						compared += compare_with_count(&l,
							places[pi].what);
					}
				}
			}
		}
	}
	printf("# %" PRIu64 " pages compared\n", compared);
}

/* The set primitives mean what they say, byte by byte. */
TEST(model_set_primitives)
{
	int i, x;

	/* every pair of ranges with ends in [0, 12) */
	for (i = 0; i < 12 * 12 * 12 * 12; i++) {
		int alo = i % 12, ahi = i / 12 % 12;
		int blo = i / 144 % 12, bhi = i / 1728;
		struct bytes a = { alo, ahi }, b = { blo, bhi };
		bool meet = false, within = true;

		for (x = 0; x < 12; x++) {
			bool ina = alo <= x && x < ahi;
			bool inb = blo <= x && x < bhi;

			meet |= ina && inb;
			within &= !ina || inb;
			EXPECT(bytes_has(a, x) == ina, "failed");
		}
		EXPECT(bytes_meet(a, b) == meet, "failed");
		EXPECT(bytes_within(a, b) == within, "failed");
	}
	EXPECT(block_of(0x12345, 12).lo == 0x12000, "failed");
	EXPECT(block_of(0x12345, 12).hi == 0x13000, "failed");
	EXPECT(block_of(~0ULL, 16).hi == (__uint128_t)1 << 64, "failed");
}

/* ---------------------------------------------------------------------- */
/* Random layouts                                                         */
/* ---------------------------------------------------------------------- */

/*
 * Window sizes from 128 bytes to 1 GiB, log-uniform: powers of two (as
 * whole BARs), whole 4K pages, QWORD multiples, and any byte count.
 */
static u64 rnd_size(void)
{
	u64 p = 1ULL << (7 + rnd_below(24)), s;

	switch (rnd_below(4)) {
	case 0:
		return p;
	case 1:
		s = (p + rnd_below(p)) & ~(SZ4K - 1);
		break;
	case 2:
		s = (p + rnd_below(p)) & ~7ULL;
		break;
	default:
		s = p + rnd_below(p);
		break;
	}
	if (s < 128)
		s = 128;
	return s < GB ? s : GB;
}

/*
 * A start address for a window of size s: aligned as a whole BAR would
 * be (to the power of two at or above s), or to 64K, 4K, a QWORD or
 * nothing; near the top of the address space, near zero, or anywhere.
 */
static u64 rnd_addr(u64 s)
{
	u64 nat = 1ULL << (64 - __builtin_clzll(s - 1)), a, x;

	switch (rnd_below(8)) {
	case 0:
	case 1:
		a = nat;
		break;
	case 2:
		a = SZ64K;
		break;
	case 3:
	case 4:
		a = SZ4K;
		break;
	case 5:
		a = 8;
		break;
	default:
		a = 1;
		break;
	}
	switch (rnd_below(16)) {
	case 0:		/* near the top of the address space */
		x = 0ULL - s * (2 + rnd_below(8)) - rnd_below(2 * SZ64K);
		break;
	case 1:		/* near zero */
		x = s * rnd_below(8) + rnd_below(2 * SZ64K);
		break;
	default:
		x = rnd() & ((1ULL << 50) - 1);
		break;
	}
	return x & ~(a - 1);
}

/*
 * A QWORD-aligned window offset for len bytes of MSI-X structure: at
 * either end, on or across a 4K boundary of the window's offsets, on or
 * just before a guest 4K page boundary (which differs when the window is
 * not 4K aligned), or anywhere.
 */
static u64 rnd_offset(const struct kvmppc_ptw_layout *l, u64 len)
{
	u64 s = l->size, room = s - len, off;

	switch (rnd_below(7)) {
	case 0:
		return 0;
	case 1:
		return room & ~7ULL;
	case 2:		/* on a 4K boundary */
		return rnd_below(room / SZ4K + 1) * SZ4K;
	case 3:		/* across a 4K boundary */
		if (len > 8 && s >= 2 * SZ4K) {
			u64 back = 8 * (1 + rnd_below(len / 8 - 1));

			off = SZ4K * (1 + rnd_below(s / SZ4K - 1)) - back;
			if (off <= room)
				return off;
		}
		fallthrough;
	case 4:		/* on or just before a guest 4K boundary */
		off = (SZ4K - (l->guest_addr & (SZ4K - 1))) & (SZ4K - 1);
		off += SZ4K * rnd_below(s / SZ4K + 1);
		off = (off & ~7ULL) - 8 * rnd_below(2);
		if (off <= room)
			return off;
		fallthrough;
	default:
		return rnd_below(room / 8 + 1) * 8;
	}
}

static void rnd_layout(struct kvmppc_ptw_layout *l)
{
	u64 s = rnd_size(), n, max_n, ts, ps;
	int tries;

	memset(l, 0, sizeof(*l));
	l->size = s;
	l->guest_addr = rnd_addr(s);
	l->host_addr = rnd_addr(s);
	/*
	 * Half the time the offsets inside the 64K page agree, a quarter
	 * of the time only those inside the 4K page.
	 */
	switch (rnd_below(4)) {
	case 0:
		break;
	case 1:
		l->host_addr = (l->host_addr & ~(SZ4K - 1)) |
			       (l->guest_addr & (SZ4K - 1));
		if (l->host_addr + s < l->host_addr)
			l->host_addr -= SZ4K;
		break;
	default:
		l->host_addr = (l->host_addr & ~(SZ64K - 1)) |
			       (l->guest_addr & (SZ64K - 1));
		if (l->host_addr + s < l->host_addr)
			l->host_addr -= SZ64K;
		break;
	}
	l->host_page_shift = 16;
	if (!rnd_below(5))
		return;

	max_n = (s - 8) / 16 < 2048 ? (s - 8) / 16 : 2048;
	switch (rnd_below(4)) {
	case 0:
		n = 1 + rnd_below(4);
		break;
	case 1:
		n = 1 + rnd_below(64);
		break;
	case 2:
		n = 2048;
		break;
	default:
		n = 1 + rnd_below(2048);
		break;
	}
	n = n < max_n ? n : max_n;
	ts = 16 * n;
	l->msix_table_size = ts;
	l->msix_table_offset = rnd_offset(l, ts);
	if (!rnd_below(4))
		return;

	ps = rnd_below(2) ? 8 * ((n + 63) / 64) : 8 * (1 + rnd_below(32));
	for (tries = 0; tries < 8; tries++) {
		u64 po;

		switch (rnd_below(4)) {
		case 0:		/* right after the table */
			po = l->msix_table_offset + ts;
			break;
		case 1:		/* right before it */
			po = l->msix_table_offset - ps;
			break;
		case 2:		/* in the table's 4K page */
			po = (l->msix_table_offset & ~(SZ4K - 1)) +
			     8 * rnd_below(SZ4K / 8);
			break;
		default:
			po = rnd_offset(l, ps);
			break;
		}
		if (po > s || ps > s - po ||
		    (po < l->msix_table_offset + ts &&
		     l->msix_table_offset < po + ps))
			continue;
		l->msix_pba_offset = po;
		l->msix_pba_size = ps;
		return;
	}
}

/*
 * Guest pages (as page_span() counts them) worth a look: the first two
 * and the last two (partial or not), those around the window's first
 * guest 64K boundary, those around the table and PBA and the ends of the
 * guest 64K page around them, and random ones.
 */
static size_t interesting_pages(const struct kvmppc_ptw_layout *l,
				u64 *pg, size_t max)
{
	u64 np = npages(l), g0 = l->guest_addr >> 12, pts[4], b;
	size_t n = 0, i, k = 0;
	int d;

	pg[n++] = 0;
	pg[n++] = np - 1;
	if (np > 2) {
		pg[n++] = 1;
		pg[n++] = np - 2;
	}
	b = (SZ64K - (l->guest_addr & (SZ64K - 1))) & (SZ64K - 1);
	if (b < l->size) {
		pg[n++] = page_of(l, b);
		if (page_of(l, b))
			pg[n++] = page_of(l, b) - 1;
	}
	if (l->msix_table_size) {
		pts[k++] = l->msix_table_offset;
		pts[k++] = l->msix_table_offset + l->msix_table_size - 1;
	}
	if (l->msix_pba_size) {
		pts[k++] = l->msix_pba_offset;
		pts[k++] = l->msix_pba_offset + l->msix_pba_size - 1;
	}
	for (i = 0; i < k; i++) {
		u64 p = page_of(l, pts[i]);
		/* 4K index of the guest 64K page around it, from g0 */
		u64 h = ((l->guest_addr + pts[i]) & ~(SZ64K - 1)) >> 12;
		u64 hfirst = h > g0 ? h - g0 : 0;
		u64 hlast = h + SZ64K / SZ4K - 1 - g0;

		for (d = -1; d <= 1; d++)
			if (p + d < np && n < max)
				pg[n++] = p + d;
		/* the host page around it, and its neighbours */
		if (hfirst && hfirst - 1 < np && n < max)
			pg[n++] = hfirst - 1;
		if (hfirst < np && n < max)
			pg[n++] = hfirst;
		if (hlast < np && n < max)
			pg[n++] = hlast;
		if (hlast + 1 < np && n < max)
			pg[n++] = hlast + 1;
	}
	for (i = 0; i < 4 && n < max; i++)
		pg[n++] = rnd_below(np);
	return n;
}

TEST(random_layouts)
{
	u64 i, n = 1000000, pages = 0, cls[4] = { 0 };
	struct kvmppc_ptw_layout l;
	struct model m;
	u64 pg[40];

	seed_rng("random_layouts", 0x5eed0f0ddba11ULL);
	for (i = 0; i < n; i++) {
		size_t np, j;

		rnd_layout(&l);
		for (l.host_page_shift = 12; l.host_page_shift <= 16;
		     l.host_page_shift += 4) {
			if (kvmppc_ptw_layout_check(&l) || !model_valid(&l)) {
				char lay[320];

				fmt_layout(lay, sizeof(lay), &l);
				EXPECT(0, "layout %" PRIu64 " rejected: %s",
				       i, lay);
				return;
			}
			model_init(&m, &l);
			np = interesting_pages(&l, pg, ARRAY_SIZE(pg));
			for (j = 0; j < np; j++) {
				struct verdict v;
				u64 lo, hi, gpa;

				page_span(&l, pg[j], &lo, &hi);
				gpa = lo + rnd_below(hi - lo);

				if (!check_gpa(&m, gpa, &v)) {
					printf("# failed at layout %" PRIu64
					       "\n", i);
					return;
				}
				cls[v.cls & 3]++;
			}
			pages += np;
			if (!check_outside(&m))
				return;
		}
	}
	printf("# %" PRIu64 " layouts x 2 host page sizes, %" PRIu64
	       " pages: EXIT %" PRIu64 " DIRECT %" PRIu64 " MAP4K %" PRIu64
	       " MSIX %" PRIu64 "\n", n, pages, cls[KVMPPC_PTW_EXIT],
	       cls[KVMPPC_PTW_DIRECT], cls[KVMPPC_PTW_MAP4K],
	       cls[KVMPPC_PTW_MSIX]);
	EXPECT(cls[KVMPPC_PTW_DIRECT] && cls[KVMPPC_PTW_MAP4K] &&
	       cls[KVMPPC_PTW_MSIX] && cls[KVMPPC_PTW_EXIT], "failed");
}

/* ---------------------------------------------------------------------- */
/* layout_check against the model on near-valid garbage                   */
/* ---------------------------------------------------------------------- */

static u64 pick_u64(u64 bar_size)
{
	static const u64 fixed[] = { 0, 1, 4, 8, 12, 16, 24, 0x40, 0x100,
				     0x800, 0xff8, 0x1000, 0x5200, 0x8000,
				     0x8010, 0x10000, 1ULL << 40,
				     1ULL << 41, ~0ULL, ~0ULL - 7,
				     1ULL << 63 };

	switch (rnd_below(6)) {
	case 0:
		return fixed[rnd_below(ARRAY_SIZE(fixed))];
	case 1:
		return bar_size ? bar_size * rnd_below(4) : rnd_below(64);
	case 2:
		return bar_size ? bar_size - 8 * rnd_below(4) : 0;
	case 3:
		return (0ULL - (bar_size ? bar_size : 1)) * rnd_below(3);
	case 4:
		return rnd() & ((1ULL << rnd_below(64)) - 1) & ~7ULL;
	default:
		return rnd();
	}
}

/*
 * A valid random layout with one or two fields replaced by values around
 * the limits: layout_check must agree with the model on each, classify
 * must not crash (ASan/UBSan) and must EXIT on every rejected layout.
 */
TEST(fuzz_layout_check_matches_model)
{
	u64 i, n = 300000, valid = 0;
	struct kvmppc_ptw_layout l;
	struct model m;
	char lay[320];

	seed_rng("fuzz_layout_check_matches_model", 0x9e3779b97f4a7c15ULL);
	for (i = 0; i < n; i++) {
		int k, rc;

		rnd_layout(&l);
		l.host_page_shift = 12 + 4 * rnd_below(2);
		for (k = rnd_below(3); k > 0; k--) {
			switch (rnd_below(8)) {
			case 0:
				l.size = rnd_below(2) ? 1ULL << rnd_below(64) :
							pick_u64(0);
				break;
			case 1:
				l.guest_addr = pick_u64(l.size);
				break;
			case 2:
				l.host_addr = pick_u64(l.size);
				break;
			case 3:
				l.msix_table_offset = pick_u64(l.size);
				break;
			case 4:
				l.msix_table_size = rnd_below(2) ?
					8 * rnd_below(4200) : pick_u64(l.size);
				break;
			case 5:
				l.msix_pba_offset = pick_u64(l.size);
				break;
			case 6:
				l.msix_pba_size = rnd_below(2) ?
					4 * rnd_below(80) : pick_u64(l.size);
				break;
			default:
				l.host_page_shift = rnd_below(2) ?
					rnd_below(70) : (unsigned int)rnd();
				break;
			}
		}
		rc = kvmppc_ptw_layout_check(&l);
		model_init(&m, &l);
		if (rc != (m.valid ? 0 : -EINVAL)) {
			fmt_layout(lay, sizeof(lay), &l);
			EXPECT(0, "check %d, model %d for %s", rc, m.valid,
			       lay);
			continue;
		}
		valid += m.valid;
		check_gpa(&m, l.guest_addr + rnd_below(l.size + 2) - 1, NULL);
		check_gpa(&m, l.guest_addr + l.size / 2, NULL);
		check_gpa(&m, rnd(), NULL);
	}
	printf("# %" PRIu64 " layouts, %" PRIu64 " valid\n", n, valid);
	EXPECT(valid > n / 5 && valid < n - n / 5,
	       "%" PRIu64 " valid of %" PRIu64 ": too lopsided to mean much",
	       valid, n);
}
