/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Window layouts for the mapping tests (test_ptw_radix.c, test_ptw_hpt.c):
 * a BAR as guest and host see it, with or without an MSI-X table and PBA,
 * the random pieces both draw their layouts from, and a window with the
 * class of each of its guest 4K pages. Include after the
 * kernel headers (struct kvmppc_ptw_layout) and harness_rand.h.
 */
#ifndef KVM_PT_HARNESS_LAYOUTS_H
#define KVM_PT_HARNESS_LAYOUTS_H

#define LAYOUT_4K	((u64)1 << 12)
#define LAYOUT_64K	((u64)1 << 16)

static inline struct kvmppc_ptw_layout bar(u64 guest, u64 host, u64 size)
{
	return (struct kvmppc_ptw_layout) {
		.guest_addr = guest,
		.host_addr = host,
		.size = size,
		.host_page_shift = KVMPPC_PTW_SHIFT_64K,
	};
}

static inline struct kvmppc_ptw_layout with_msix(struct kvmppc_ptw_layout l,
					  u64 table, unsigned int nvec,
					  u64 pba)
{
	l.msix_table_offset = table;
	l.msix_table_size = (u64)nvec * 16;
	l.msix_pba_offset = pba;
	l.msix_pba_size = DIV_ROUND_UP(nvec, 64) * 8;
	return l;
}

/*
 * A BAR size: powers of two and their neighbours from 128 B up to
 * 2^(7 + nr_exp - 1) (at most cap), 4K and 64K multiples, odd sizes.
 */
static inline u64 rnd_bar_size(unsigned int nr_exp, u64 cap)
{
	unsigned int e = 7 + rnd_below(nr_exp);

	switch (rnd_below(5)) {
	case 0:
		return min(((u64)1 << e) + rnd_below((u64)1 << e), cap);
	case 1:
		return (u64)1 << e;
	case 2:
		return (1 + rnd_below((u64)1 << rnd_below(11))) * LAYOUT_4K;
	case 3:
		return (1 + rnd_below((u64)1 << rnd_below(7))) * LAYOUT_64K;
	default:
		return 128 + rnd_below(LAYOUT_64K);
	}
}

/* Mostly 4K or 64K aligned guest BARs, some at any byte */
static inline u64 rnd_guest_align(u64 g)
{
	switch (rnd_below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		return ALIGN_DOWN(g, LAYOUT_4K);
	case 5: case 6: case 7:
		return ALIGN_DOWN(g, LAYOUT_64K);
	}
	return g;
}

/*
 * The host BAR for a guest BAR: the same offset in a 64K page (DIRECT
 * pages), in a 4K page (MAP4K), anywhere (EXIT), or at the top of the
 * host address space (hpa_top: the end of the RPN field).
 */
static inline u64 rnd_host(u64 guest, u64 size, u64 hpa_top)
{
	u64 h, limit = hpa_top - size;

	switch (rnd_below(8)) {
	case 0: case 1: case 2:
		h = ALIGN_DOWN(rnd_below(limit), LAYOUT_64K) | (guest & 0xffff);
		break;
	case 3: case 4: case 5:
		h = ALIGN_DOWN(rnd_below(limit), LAYOUT_4K) | (guest & 0xfff);
		break;
	case 6:
		h = rnd_below(limit);
		break;
	default:
		h = ALIGN_DOWN(limit - rnd_below((u64)1 << 20), LAYOUT_4K) |
		    (guest & 0xfff);
		break;
	}
	while (h > limit)
		h -= LAYOUT_4K;
	return h;
}

/* Half the layouts get an MSI-X table; most of those a PBA beside it */
static inline void rnd_msix(struct kvmppc_ptw_layout *l)
{
	u64 size = l->size, nvec, ts, ps;
	unsigned int tries;

	if (rnd_below(2) || size < 16)
		return;
	nvec = 1 + rnd_below(rnd_below(2) ? 64 : 2048);
	nvec = min(nvec, size / 16);
	ts = nvec * 16;
	l->msix_table_size = ts;
	l->msix_table_offset = rnd_below((size - ts) / 8 + 1) * 8;
	ps = DIV_ROUND_UP(nvec, 64) * 8;
	if (!rnd_below(5) || ps > size)
		return;
	for (tries = 0; tries < 8; tries++) {
		u64 po = rnd_below((size - ps) / 8 + 1) * 8;

		if (po + ps <= l->msix_table_offset ||
		    l->msix_table_offset + ts <= po) {
			l->msix_pba_offset = po;
			l->msix_pba_size = ps;
			return;
		}
	}
}

/* A window and the classes of its guest 4K pages */
struct win {
	struct kvmppc_ptw_layout l;
	u64 first;		/* first guest 4K page with a window byte */
	unsigned long npages;	/* guest 4K pages with a window byte */
	u8 *cls;		/* their classes */
};

static inline u64 win_end(const struct win *w)
{
	return w->l.guest_addr + w->l.size;
}

static inline void win_init(struct win *w, const struct kvmppc_ptw_layout *l)
{
	unsigned long i;

	w->l = *l;
	w->first = ALIGN_DOWN(l->guest_addr, LAYOUT_4K);
	w->npages = (ALIGN(l->guest_addr + l->size, LAYOUT_4K) - w->first) / LAYOUT_4K;
	w->cls = malloc(w->npages);
	if (!w->cls)
		abort();
	for (i = 0; i < w->npages; i++) {
		u64 gpa = max(w->first + i * LAYOUT_4K, l->guest_addr), hpa;
		unsigned int shift;

		w->cls[i] = kvmppc_ptw_classify(l, gpa, &hpa, &shift);
	}
}

static inline void win_fini(struct win *w)
{
	free(w->cls);
	w->cls = NULL;
}

static inline bool class_maps(int cls)
{
	return cls == KVMPPC_PTW_DIRECT || cls == KVMPPC_PTW_MAP4K;
}

static inline int page_class(const struct win *w, u64 gpa)
{
	u64 page = ALIGN_DOWN(gpa, LAYOUT_4K);

	if (page < w->first || page - w->first >= w->npages * LAYOUT_4K)
		return KVMPPC_PTW_EXIT;
	return w->cls[(page - w->first) / LAYOUT_4K];
}

/* Window offsets [off, off + len) hold an MSI-X table or PBA byte. */
static inline bool win_traps(const struct win *w, u64 off, u64 len)
{
	const struct kvmppc_ptw_layout *l = &w->l;

	return (l->msix_table_size && off < l->msix_table_offset +
		l->msix_table_size && l->msix_table_offset < off + len) ||
	       (l->msix_pba_size && off < l->msix_pba_offset +
		l->msix_pba_size && l->msix_pba_offset < off + len);
}

#endif /* KVM_PT_HARNESS_LAYOUTS_H */
