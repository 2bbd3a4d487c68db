// SPDX-License-Identifier: GPL-2.0-only
/*
 * A window reaches its BAR and nothing else of the shared 64K host page.
 *
 * The host page also holds e1000e's MSI-X BAR (+0x0, 16K) and virtio-net's
 * MSI-X BAR (+0x5000, 4K). The host plants marker values in both MSI-X
 * tables; the guest, with the pci-testdev window at +0x2000 of its 64K
 * page, then loads and stores all over that page: every access outside the
 * window exits to the VMM (KVM_EXIT_MMIO at exactly the guest address),
 * no load ever returns a marker, no store changes one. The same holds for
 * every 4K placement of the window, a window whose guest and host offsets
 * differ below 4K maps nothing (every access exits, counted as vmm_exits),
 * and the MSI-X page of a window is never mapped.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) the window's own page
 * exits too: the window VMM (ppc_ptw_vmm.c) serves those exits from the
 * device and only them; the rest exit to the test as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define GUEST_PAGE	0x80000000ULL
#define GUEST_BAR	(GUEST_PAGE + 0x2000)
#define PLACE_BASE	0x80400000ULL
#define SUB4K_BAR	0x80802800ULL	/* differs from the host below 4K */
#define MSIX_BAR	0x80c05000ULL
#define FILL		0x5a
#define MAX_MARKERS	1024

static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;

/* Dwords of the neighbours' MSI-X tables that hold a marker */
struct marker {
	struct ppc_pci_bar *bar;
	u64 off;
	u32 val;
};

static struct marker markers[MAX_MARKERS];
static unsigned int nr_markers;

/*
 * Write a distinct value in msg_addr_lo, msg_addr_hi and msg_data of each
 * table entry below the PBA; keep those the device stored.
 */
static unsigned int plant(struct ppc_pci_bar *b, u64 table_end, u32 tag)
{
	static const u64 fields[] = { 0, 4, PPC_MSIX_MSG_DATA };
	unsigned int n = 0, i;
	u64 e;

	for (e = 0; e < table_end; e += PPC_MSIX_ENTRY_SIZE) {
		for (i = 0; i < ARRAY_SIZE(fields); i++) {
			u32 v = tag | (u32)((e / PPC_MSIX_ENTRY_SIZE) << 4) | i;

			ppc_bar_wr(b, e + fields[i], 4, v);
			if (ppc_bar_rd(b, e + fields[i], 4) != v ||
			    nr_markers >= MAX_MARKERS)
				continue;
			markers[nr_markers++] = (struct marker){ b, e + fields[i], v };
			n++;
		}
	}
	return n;
}

static void unplant(void)
{
	unsigned int i;

	for (i = 0; i < nr_markers; i++)
		ppc_bar_wr(markers[i].bar, markers[i].off, 4, 0);
}

/* Whether either dword of v is a marker */
static bool has_marker(u64 v)
{
	unsigned int i;

	for (i = 0; i < nr_markers; i++)
		if ((u32)v == markers[i].val || (u32)(v >> 32) == markers[i].val)
			return true;
	return false;
}

static unsigned int markers_changed(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr_markers; i++)
		n += ppc_bar_rd(markers[i].bar, markers[i].off, 4) != markers[i].val;
	return n;
}

/*
 * One access at +off of each 4K page of the guest 64K page at page: those
 * outside [bar, bar + size) must exit with exactly that address, those
 * inside must not exit and load what the host loads.
 */
static int probe_pages(struct ppc_vcpu *vcpu, struct ppc_mmio_log *log,
		       u64 page, u64 bar, u64 off, bool write,
		       unsigned int *exits_ok, unsigned int *leaks)
{
	struct ppc_access acc[16] = { 0 };
	unsigned int i, e = 0;
	int r;

	for (i = 0; i < 16; i++) {
		acc[i].gpa = page + i * PPC_SZ_4K + off;
		acc[i].size = 8;
		acc[i].write = write && (acc[i].gpa < bar || acc[i].gpa >= bar + td->size);
		acc[i].val = acc[i].write ? 0xc0ffee00ULL + i : 0;
	}
	ppc_mmio_log_reset(log);
	r = ppc_guest_run_accesses(vcpu, acc, 16, ppc_mmio_log_fn, log);
	if (r)
		return r;
	*exits_ok = 0;
	for (i = 0; i < 16; i++) {
		bool inside = acc[i].gpa >= bar && acc[i].gpa < bar + td->size;

		if (inside) {
			if (acc[i].val != ppc_bar_rd(td, acc[i].gpa - bar, 8))
				return ppc_set_err(0, "window load at 0x%llx: 0x%llx, host 0x%llx",
						   ULL(acc[i].gpa), ULL(acc[i].val),
						   ULL(ppc_bar_rd(td, acc[i].gpa - bar, 8)));
			continue;
		}
		if (e < log->n && log->rec[e].addr == acc[i].gpa &&
		    log->rec[e].len == 8 && log->rec[e].write == acc[i].write &&
		    (!write || log->rec[e].data == acc[i].val) &&
		    (write || acc[i].val == ppc_mmio_fill_val(FILL, 8)))
			(*exits_ok)++;
		if (!write && has_marker(acc[i].val))
			(*leaks)++;
		e++;
	}
	if (log->n != e)
		return ppc_set_err(0, "%llu VMM exits, %u expected", ULL(log->n), e);
	return 0;
}

static void test_page_loads_stores(struct ppc_vcpu *vcpu, int dev,
				   struct ppc_mmio_log *log)
{
	struct kvm_ppc_pt_window_stats before, after;
	unsigned int ok_ld = 0, ok_st = 0, leaks = 0, changed;
	u64 mark = vcpu->served_mmio, served;
	int r;

	ppc_ptw_stats(dev, &before);
	/* +0x8: msg_addr_hi of entry 0 in a 64K mapping of the host page */
	r = probe_pages(vcpu, log, GUEST_PAGE, GUEST_BAR, 0x8, false, &ok_ld,
			&leaks);
	if (!r)
		r = probe_pages(vcpu, log, GUEST_PAGE, GUEST_BAR, 0x8, true,
				&ok_st, &leaks);
	ppc_ptw_stats(dev, &after);
	served = ppc_vcpu_served_since(vcpu, &mark);
	changed = markers_changed();
	ksft_print_msg("loads: %u of 15 exits at the right address; stores: %u of 15; markers seen %u, changed %u\n",
		       ok_ld, ok_st, leaks, changed);
	ppc_ptw_stats_print("stats before", &before);
	ppc_ptw_stats_print("stats after", &after);
	if (r)
		ksft_print_msg("%s\n", ppc_errmsg());
	ksft_test_result(!r && ok_ld == 15 && !leaks,
			 "guest loads in the 15 other 4K pages of its 64K page exit to the VMM at their address\n");
	ksft_test_result(!r && ok_st == 15 && !changed,
			 "guest stores there exit with address and data and change no neighbour's byte\n");
	/* Outside every window: the window code never saw them */
	/*
	 * Only the window's own page faulted: once, or without 4K leaves
	 * at each of its two loads, each served by the window VMM.
	 */
	ksft_test_result(!r &&
			 after.faults - before.faults == PPC_PTW_EXPECT(1, 2) &&
			 after.vmm_exits - before.vmm_exits == PPC_PTW_EXPECT(0, 2) &&
			 after.maps_4k - before.maps_4k == PPC_PTW_EXPECT(1, 0) &&
			 served == PPC_PTW_EXPECT(0, 2),
			 "accesses outside the window are not window faults (faults +%llu, vmm_exits +%llu, %s)\n",
			 ULL(after.faults - before.faults),
			 ULL(after.vmm_exits - before.vmm_exits), ppc_ptw_mode_str());
}

/* Every qword of the guest 64K page: the window's equal the device's */
static void test_full_scan(struct ppc_vcpu *vcpu, struct ppc_mmio_log *log)
{
	unsigned int i, n = PPC_SZ_64K / 8, leaks = 0, bad = 0, exits_ok = 0;
	unsigned int nexp = (PPC_SZ_64K - td->size) / 8;
	u64 *res;
	int r;

	ppc_mmio_log_reset(log);
	r = ppc_guest_scan(vcpu, GUEST_PAGE, n, 8, 8, ppc_mmio_log_fn, log,
			   &res);
	if (r) {
		ksft_test_result_fail("full scan: %s\n", ppc_errmsg());
		return;
	}
	for (i = 0; i < n; i++) {
		u64 gpa = GUEST_PAGE + 8 * i;
		bool inside = gpa >= GUEST_BAR && gpa < GUEST_BAR + td->size;

		leaks += has_marker(res[i]);
		if (inside) {
			bad += res[i] != ppc_bar_rd(td, gpa - GUEST_BAR, 8);
			continue;
		}
		bad += res[i] != ppc_mmio_fill_val(FILL, 8);
	}
	for (i = 0; i < log->n && i < log->max_rec; i++) {
		u64 want = GUEST_PAGE + 8ULL * i +
			   (i >= (GUEST_BAR - GUEST_PAGE) / 8 ? td->size : 0);

		exits_ok += log->rec[i].addr == want && !log->rec[i].write;
	}
	ksft_print_msg("scan of 0x%llx..0x%llx: %llu VMM exits (%u expected, %u at the right address), %u wrong values, %u markers\n",
		       GUEST_PAGE, GUEST_PAGE + PPC_SZ_64K - 1, ULL(log->n), nexp,
		       exits_ok, bad, leaks);
	ksft_test_result(log->n == nexp && exits_ok == nexp && !bad && !leaks,
			 "all 8192 qwords of the guest 64K page: the window's 512 are the device's, the rest exit; no e1000e/virtio byte\n");
}

/* The same for the window at each 4K offset of a 64K page */
static void test_placements(struct ppc_vcpu *vcpu, int dev,
			    struct ppc_mmio_log *log)
{
	unsigned int k, ok = 0, leaks = 0, exits_ok;
	int r = 0;

	for (k = 0; k < 16 && !r; k++) {
		u64 bar = PLACE_BASE + k * PPC_SZ_4K;
		struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, bar);
		unsigned int off;

		r = ppc_ptw_add(dev, &w);
		/* msg_addr_lo (+0x0) and msg_data (+0x8) of entry 0 */
		for (off = 0; !r && off <= 8; off += 8) {
			exits_ok = 0;
			r = probe_pages(vcpu, log, PLACE_BASE, bar, off, false,
					&exits_ok, &leaks);
			ok += exits_ok == 15;
		}
		if (w.id != ~0U)
			ppc_ptw_remove(dev, w.id);
	}
	if (r)
		ksft_print_msg("placement +0x%x: %s\n", (k - 1) * 0x1000,
			       ppc_errmsg());
	ksft_test_result(!r && ok == 32 && !leaks && !markers_changed(),
			 "window at each of the 16 4K offsets: its page reads the device, the other 15 exit (%u/32 probes, %u markers)\n",
			 ok, leaks);
}

/* Guest and host offsets that differ below 4K: nothing mapped, all exit */
static void test_sub4k(struct ppc_vcpu *vcpu, int dev, struct ppc_mmio_log *log)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, SUB4K_BAR);
	struct kvm_ppc_pt_window_stats before, after;
	struct ppc_access acc[4] = { 0 };
	u64 mark = vcpu->served_mmio, served;
	unsigned int i, bad = 0;
	int r;

	ppc_ptw_stats(dev, &before);
	r = ppc_ptw_add(dev, &w);
	/* Both guest 4K pages the window straddles */
	acc[0].gpa = SUB4K_BAR;
	acc[1].gpa = SUB4K_BAR + 0x10;
	acc[2].gpa = SUB4K_BAR + 0x800;		/* next guest 4K page */
	acc[3].gpa = SUB4K_BAR + 0xff8;
	for (i = 0; i < 4; i++)
		acc[i].size = 8;
	ppc_mmio_log_reset(log);
	/* The VMM serves them from the device, as it does today */
	log->fwd = td;
	log->fwd_gpa = SUB4K_BAR;
	if (!r)
		r = ppc_guest_run_accesses(vcpu, acc, 4, ppc_mmio_log_fn, log);
	log->fwd = NULL;
	ppc_ptw_stats(dev, &after);
	/* Without 4K leaves the window VMM serves them, not the log */
	served = ppc_vcpu_served_since(vcpu, &mark);
	for (i = 0; !r && i < 4; i++)
		bad += (ppc_ptw_maps_4k && log->rec[i].addr != acc[i].gpa) ||
		       acc[i].val != ppc_bar_rd(td, acc[i].gpa - SUB4K_BAR, 8);
	ppc_ptw_stats_print("stats before", &before);
	ppc_ptw_stats_print("stats after", &after);
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);
	ksft_test_result(!r && !bad && log->n + served == 4 &&
			 served == PPC_PTW_EXPECT(0, 4) &&
			 after.vmm_exits - before.vmm_exits == 4 &&
			 after.faults - before.faults == 4 &&
			 after.maps_4k == before.maps_4k &&
			 after.maps_direct == before.maps_direct,
			 "guest BAR at +0x2800 (host +0x4000): no mapping, all 4 accesses exit at their address (vmm_exits +%llu)%s\n",
			 ULL(after.vmm_exits - before.vmm_exits),
			 r ? ppc_errmsg() : "");
}

/* A window's MSI-X page is never mapped: the guest never reads the table */
static void test_msix_page(struct ppc_vcpu *vcpu, int dev,
			   struct ppc_mmio_log *log)
{
	struct ppc_pci_bar *vb = &bed.virtio_msix;
	struct kvm_ppc_pt_window w = ppc_ptw_window(vb, 0, vb->size, MSIX_BAR);
	struct kvm_ppc_pt_window_stats before, after;
	struct ppc_access acc[3] = { 0 };
	unsigned int i, leaks = 0;
	int r;

	w.msix_table_offset = 0;
	w.msix_pba_offset = 0x800;
	w.msix_nvec = 3;
	ppc_ptw_stats(dev, &before);
	r = ppc_ptw_add(dev, &w);
	acc[0].gpa = MSIX_BAR;			/* entry 0 msg_addr */
	acc[1].gpa = MSIX_BAR + PPC_MSIX_MSG_DATA;
	acc[2].gpa = MSIX_BAR + 0xf00;		/* same page, outside both */
	for (i = 0; i < 3; i++)
		acc[i].size = 4;
	ppc_mmio_log_reset(log);
	if (!r)
		r = ppc_guest_run_accesses(vcpu, acc, 3, ppc_mmio_log_fn, log);
	ppc_ptw_stats(dev, &after);
	for (i = 0; i < 3; i++)
		leaks += has_marker(acc[i].val);
	ksft_print_msg("virtio-net MSI-X window: guest read 0x%llx 0x%llx 0x%llx (host table 0x%llx 0x%llx); %llu VMM exits\n",
		       ULL(acc[0].val), ULL(acc[1].val), ULL(acc[2].val),
		       ULL(ppc_bar_rd(vb, 0, 4)),
		       ULL(ppc_bar_rd(vb, PPC_MSIX_MSG_DATA, 4)), ULL(log->n));
	ppc_ptw_stats_print("stats after", &after);
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);
	ksft_test_result(!r && !leaks &&
			 after.msix_traps - before.msix_traps == 3 &&
			 after.maps_4k == before.maps_4k &&
			 after.maps_direct == before.maps_direct,
			 "the MSI-X page of a window is never mapped: 3 msix_traps, no mapping, no table value reaches the guest%s\n",
			 r ? ppc_errmsg() : "");
}

int main(void)
{
	struct kvm_ppc_pt_window w;
	struct ppc_mmio_log log;
	struct ppc_vcpu *vcpu;
	unsigned int ne, nv;
	struct ppc_vm *vm;
	int dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	ppc_ptw_bed_print(&bed);
	if (!ppc_ptw_bed_shared(&bed) || sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("the small BARs do not share one 64K host page\n");
	ksft_set_plan(8);

	/* e1000e: table at 0, PBA at 0x2000; virtio-net: PBA at 0x800 */
	ne = plant(&bed.e1000e_msix, 0x2000, 0xe1e00000);
	nv = plant(&bed.virtio_msix, 0x800, 0x71710000);
	ksft_print_msg("markers planted: %u in e1000e's MSI-X table, %u in virtio-net's (e.g. 0x%x at e1000e +0x%llx)\n",
		       ne, nv, markers[0].val, ULL(markers[0].off));
	ksft_test_result(ne && nv, "the host plants markers in both neighbours' MSI-X tables\n");

	if (ppc_mmio_log_init(&log, 8192, FILL))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	w = ppc_ptw_window(td, 0, td->size, GUEST_BAR);
	if (ppc_ptw_add(dev, &w))
		ksft_exit_fail_msg("ADD: %s\n", ppc_errmsg());
	ppc_testdev_select(td, 0);

	test_page_loads_stores(vcpu, dev, &log);
	test_full_scan(vcpu, &log);
	test_placements(vcpu, dev, &log);
	test_sub4k(vcpu, dev, &log);
	test_msix_page(vcpu, dev, &log);

	unplant();
	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	close(dev);
	ppc_vm_free(vm);
	ppc_mmio_log_free(&log);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
