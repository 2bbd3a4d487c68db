// SPDX-License-Identifier: GPL-2.0-only
/*
 * Demo (make run): a guest uses the passed-through pci-testdev BAR that
 * its firmware placed at another offset of its 64K page than the host BAR
 * has, first the way KVM does it today (a memslot over the host page: the
 * guest reads the wrong bytes, 0x1000 off, from the neighbour's MSI-X
 * table: the seed thread's FAIL), then with a passthrough IO window (4K
 * mappings: the right bytes, nothing else of the host page reachable).
 * For every access it shows what KVM did, from KVM's own trace events
 * and stats, and what the guest read next to what the device holds.
 *
 * Exit status 0 when the status quo shows the FAIL and the window fixes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define GUEST_PAGE	0x80000000ULL
#define GUEST_BAR	(GUEST_PAGE + 0x5000)	/* host BAR is at +0x4000 */
#define FILL		0x5a

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;

#define say(...)	printf("# " __VA_ARGS__)

/* The header fields the demo compares */
static const struct field {
	const char *name;
	u64 off;
	int size;
} fields[] = {
	{ "test", PPC_TESTDEV_TEST, 1 },
	{ "width", PPC_TESTDEV_WIDTH, 1 },
	{ "doorbell offset", PPC_TESTDEV_OFFSET, 4 },
	{ "doorbell data", PPC_TESTDEV_DATA, 1 },
	{ "count", PPC_TESTDEV_COUNT, 4 },
	{ "name[0..7]", PPC_TESTDEV_NAME, 8 },
	{ "name[8..15]", PPC_TESTDEV_NAME + 8, 8 },
};

#define NF	ARRAY_SIZE(fields)

/* What one run of the guest saw */
struct view {
	u64 val[NF];
	u64 dev[NF];			/* the device's, at the same moment */
	u64 count_before, count_after;	/* doorbell count, host view */
	u64 page_exit[16];		/* VMM exits per guest 4K page */
	struct ppc_ptw_fault_ev ev[64];
	int nev;
	struct kvm_ppc_pt_window_stats st;
	u64 mmio_exits;
	bool ok;
};

static const char *host_owner(u64 hpa)
{
	u64 page = td->start & ~(PPC_SZ_64K - 1);

	if (hpa >= bed.e1000e_msix.start &&
	    hpa < bed.e1000e_msix.start + bed.e1000e_msix.size)
		return "e1000e MSI-X BAR3";
	if (hpa >= td->start && hpa < td->start + td->size)
		return "pci-testdev BAR0";
	if (hpa >= bed.virtio_msix.start &&
	    hpa < bed.virtio_msix.start + bed.virtio_msix.size)
		return "virtio-net MSI-X BAR1";
	if (hpa >= page && hpa < page + PPC_SZ_64K)
		return "(no device)";
	return "?";
}

static void printable(u64 v, int size, char *s)
{
	int i;

	for (i = 0; i < size; i++) {
		char c = (v >> (8 * i)) & 0xff;

		s[i] = c >= 0x20 && c < 0x7f ? c : '.';
	}
	s[size] = '\0';
}

/*
 * The guest: one load at +0x10 of each 4K page of its 64K page, then the
 * header fields of its BAR, then it rings the doorbell the way the header
 * says (store data at BAR + offset).
 */
static void build_guest(void)
{
	unsigned int i;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 29, PPC_GUEST_DATA_GPA);
	for (i = 0; i < 16; i++) {
		ppc_li64(&code, 30, GUEST_PAGE + i * PPC_SZ_4K + 0x10);
		ppc_ld(&code, 15, 0, 30);
	}
	ppc_li64(&code, 30, GUEST_BAR);
	for (i = 0; i < NF; i++) {
		ppc_load(&code, fields[i].size, 15, fields[i].off, 30);
		ppc_std(&code, 15, 8 * i, 29);
	}
	ppc_sync(&code);
	ppc_ucall0(&code, PPC_UCALL_SYNC);
	ppc_lwz(&code, 14, PPC_TESTDEV_OFFSET, 30);
	ppc_lbz(&code, 15, PPC_TESTDEV_DATA, 30);
	ppc_add(&code, 16, 30, 14);
	ppc_stb(&code, 15, 0, 16);
	ppc_sync(&code);
	ppc_done(&code);
}

/* Run the guest in vm; the device is dev (or -1 for the status quo) */
static int run_guest(struct ppc_vcpu *vcpu, int dev, struct view *v)
{
	u64 *res = ppc_gpa_to_hva(vcpu->vm, PPC_GUEST_DATA_GPA);
	struct ppc_mmio_log log;
	unsigned int i;
	int r;

	memset(v, 0, sizeof(*v));
	if (ppc_mmio_log_init(&log, 256, FILL))
		return -1;
	ppc_testdev_select(td, 0);
	ppc_ptw_trace_read(v->ev, 0);
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, NULL,
					ppc_mmio_log_fn, &log);
	for (i = 0; !r && i < NF; i++) {
		v->val[i] = res[i];
		v->dev[i] = ppc_bar_rd(td, fields[i].off, fields[i].size);
	}
	v->count_before = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL,
					ppc_mmio_log_fn, &log);
	v->count_after = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	v->nev = ppc_ptw_trace_read(v->ev, ARRAY_SIZE(v->ev));
	if (dev >= 0)
		ppc_ptw_stats(dev, &v->st);
	for (i = 0; i < log.n && i < log.max_rec; i++) {
		u64 a = log.rec[i].addr;

		if (a >= GUEST_PAGE && a < GUEST_PAGE + PPC_SZ_64K)
			v->page_exit[(a - GUEST_PAGE) / PPC_SZ_4K]++;
	}
	v->mmio_exits = vcpu->exits[KVM_EXIT_MMIO];
	ppc_mmio_log_free(&log);
	if (r)
		say("guest: %s\n", ppc_errmsg());
	return r;
}

/* The class KVM's fault path gave the guest page, from the trace */
static const struct ppc_ptw_fault_ev *page_event(const struct view *v, u64 page)
{
	int i;

	for (i = 0; i < v->nev && i < (int)ARRAY_SIZE(v->ev); i++)
		if ((v->ev[i].gpa & ~(PPC_SZ_4K - 1)) == page)
			return &v->ev[i];
	return NULL;
}

static void print_table(const struct view *sq, const struct view *win)
{
	u64 hpage = td->start & ~(PPC_SZ_64K - 1);
	char a[96], b[96];
	unsigned int i;

	say("%-10s | %-46s | %s\n", "guest page", "today: memslot over the host page",
	    "with the window");
	for (i = 0; i < 16; i++) {
		u64 g = GUEST_PAGE + i * PPC_SZ_4K;
		u64 h = hpage + i * PPC_SZ_4K;
		const struct ppc_ptw_fault_ev *e = page_event(win, g);

		snprintf(a, sizeof(a), "%s -> %llx %s",
			 sq->page_exit[i] ? "exit" : "64K page",
			 ULL(h), host_owner(h));
		if (e && (e->cls == 1 || e->cls == 2))
			snprintf(b, sizeof(b), "%s -> %llx %s",
				 ppc_ptw_class_str(e->cls), ULL(e->hpa),
				 host_owner(e->hpa));
		else if (e)
			snprintf(b, sizeof(b), "%s (VMM)", ppc_ptw_class_str(e->cls));
		else
			snprintf(b, sizeof(b), "%s",
				 win->page_exit[i] ? "exit to the VMM (outside the window)"
						   : "no fault");
		say("%llx%s | %-46s | %s\n", ULL(g),
		    g == GUEST_BAR ? " *" : "  ", a, b);
	}
	say("  (* = the guest's BAR; today each guest page is the host page at the same offset)\n");
}

/* One cell: the value (text for 8-byte name fields) and ok/FAIL */
static void cell(char *buf, size_t len, u64 v, int size, const char *verdict)
{
	char txt[16];

	if (size == 8) {
		printable(v, 8, txt);
		snprintf(buf, len, "'%s' %s", txt, verdict);
	} else {
		snprintf(buf, len, "0x%llx %s", ULL(v), verdict);
	}
}

static bool print_values(const struct view *sq, const struct view *win)
{
	unsigned int i, sq_bad = 0, win_bad = 0;
	char c0[48], c1[48], c2[48];

	say("%-16s | %-20s | %-24s | %s\n", "BAR field", "device (host read)",
	    "guest, today", "guest, with the window");
	for (i = 0; i < NF; i++) {
		bool sok = sq->val[i] == sq->dev[i];
		bool wok = win->val[i] == win->dev[i];

		sq_bad += !sok;
		win_bad += !wok;
		cell(c0, sizeof(c0), win->dev[i], fields[i].size, "");
		cell(c1, sizeof(c1), sq->val[i], fields[i].size,
		     sok ? "ok" : "FAIL");
		cell(c2, sizeof(c2), win->val[i], fields[i].size,
		     wok ? "ok" : "FAIL");
		say("%-16s | %-20s | %-24s | %s\n", fields[i].name, c0, c1, c2);
	}
	say("%-16s | %-20s | %-24s | %s\n", "doorbell store", "count +1",
	    sq->count_after == sq->count_before + 1 ? "count +1 ok" : "count +0 FAIL",
	    win->count_after == win->count_before + 1 ? "count +1 ok" : "count +0 FAIL");
	return sq_bad && !win_bad &&
	       win->count_after == win->count_before + 1 &&
	       sq->count_after == sq->count_before;
}

int main(void)
{
	struct kvm_ppc_pt_window w;
	struct view sq, win;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	char name[64];
	bool good;
	int dev, r, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ppc_ptw_bed_open(&bed)) {
		say("demo: test bed: %s\n", ppc_errmsg());
		return 1;
	}
	if (ppc_ptw_trace_on())
		say("(no kvm_ptw trace events: %s)\n", ppc_errmsg());
	ppc_testdev_select(td, 0);
	ppc_testdev_name(td, name, sizeof(name));
	build_guest();

	say("==== sub-page BAR passthrough: pci-testdev BAR0 at a mismatched offset ====\n");
	say("host 64K page %llx holds three devices' BARs:\n",
	    ULL(td->start & ~(PPC_SZ_64K - 1)));
	say("  +0x0000-0x3fff  e1000e BAR3 (MSI-X table + PBA)\n");
	say("  +0x4000-0x4fff  pci-testdev BAR0 (4K)  <- passed through to the guest\n");
	say("  +0x5000-0x5fff  virtio-net BAR1 (MSI-X table + PBA)\n");
	say("the guest's firmware put its copy of BAR0 at %llx (+0x%llx): 0x1000 off\n",
	    GUEST_BAR, GUEST_BAR & (PPC_SZ_64K - 1));
	say("the device's header: test %llu, doorbell at +0x%llx data 0x%llx, name '%s'\n",
	    ULL(ppc_bar_rd(td, PPC_TESTDEV_TEST, 1)),
	    ULL(ppc_bar_rd(td, PPC_TESTDEV_OFFSET, 4)),
	    ULL(ppc_bar_rd(td, PPC_TESTDEV_DATA, 1)), name);
	say("the guest loads once from every 4K page of its 64K page, reads the header, rings the doorbell\n");

	/* 1. Today: a memslot over the host page */
	vm = ppc_guest_create(&vcpu);
	if (!vm || ppc_vm_map_bar(vm, td, GUEST_PAGE) < 0) {
		say("status quo guest: %s\n", ppc_errmsg());
		return 1;
	}
	r = run_guest(vcpu, -1, &sq);
	ppc_vm_free(vm);

	/* 2. A window */
	vm = ppc_guest_create(&vcpu);
	dev = vm ? ppc_ptw_create(vm) : -1;
	if (dev < 0) {
		say("window guest: %s\n", ppc_errmsg());
		return 1;
	}
	w = ppc_ptw_window(td, 0, td->size, GUEST_BAR);
	if (ppc_ptw_add(dev, &w)) {
		say("ADD: %s\n", ppc_errmsg());
		return 1;
	}
	r |= run_guest(vcpu, dev, &win);

	say("\n");
	say("--- what KVM did with each guest page ---\n");
	print_table(&sq, &win);
	say("\n");
	say("--- what the guest read at its BAR ---\n");
	good = print_values(&sq, &win);
	say("today's bytes are virtio-net's MSI-X entry 0 (host read): msg_addr 0x%llx, msg_data 0x%llx, vector control 0x%llx\n",
	    ULL(ppc_bar_rd(&bed.virtio_msix, 0, 8)),
	    ULL(ppc_bar_rd(&bed.virtio_msix, PPC_MSIX_MSG_DATA, 4)),
	    ULL(ppc_bar_rd(&bed.virtio_msix, 12, 4)));
	say("\n");
	say("--- exits to the VMM ---\n");
	say("today:       %llu (the memslot maps the whole 64K host page, neighbours included)\n",
	    ULL(sq.mmio_exits));
	say("with window: %llu (the 15 other pages; none for the BAR)\n",
	    ULL(win.mmio_exits));
	say("window stats: faults %llu, maps_4k %llu, maps_direct %llu, vmm_exits %llu\n",
	    ULL(win.st.faults), ULL(win.st.maps_4k), ULL(win.st.maps_direct),
	    ULL(win.st.vmm_exits));
	for (i = 0; i < win.nev && i < (int)ARRAY_SIZE(win.ev); i++)
		say("kvm_ptw_fault: gpa %llx class %s hpa %llx 4k-pages %u\n",
		    ULL(win.ev[i].gpa), ppc_ptw_class_str(win.ev[i].cls),
		    ULL(win.ev[i].hpa), win.ev[i].npages);
	good = good && !r && win.mmio_exits == 15 && !sq.mmio_exits &&
	       win.st.maps_4k == 1;
	say("RESULT: today the guest reads 0x1000 off (virtio-net's MSI-X table): FAIL;\n");
	say("        with the window it reads its device, and only its device: %s\n",
	    good ? "PASS" : "FAIL");

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	ppc_ptw_trace_off();
	close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	return good ? 0 : 1;
}
