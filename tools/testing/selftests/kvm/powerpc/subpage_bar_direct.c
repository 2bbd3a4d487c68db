// SPDX-License-Identifier: GPL-2.0-only
/*
 * Matched offsets keep the host-page path.
 *
 * e1000e's register BAR0 (128K) starts on a 64K host page. A window of the
 * whole BAR at a 64K-aligned guest address has guest and host offsets that
 * agree and host pages that are wholly the BAR's: each fault maps the whole
 * 64K host page (maps_direct; the trace shows 16 4K pages in one go), and
 * the other 15 4K pages of it then run without a fault. Its second 64K
 * page starts with the packet buffer memory, where the host first writes a
 * pattern (every word holds its own offset, ppc_pattern.h): the guest must
 * read the pattern word of each 4K page, so a page mapped onto the wrong
 * host page fails. The guest also reads the MAC address and STATUS of the
 * first page. A window that covers only part of a host page falls back to
 * 4K mappings (again checked against the pattern), and the status quo - a
 * memslot over a BAR's host page - works as before, next to the windows,
 * without the window code seeing its accesses.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) nothing maps, DIRECT
 * pages neither: every access to a window page faults and exits once,
 * served by the window VMM (ppc_ptw_vmm.c), and still reads its pattern.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"
#include "ppc_pattern.h"

#define DIRECT_GPA	0x80000000ULL	/* 128K aligned */
#define REGS_GPA	0x80400000ULL
#define PART_GPA	0x80800000ULL	/* 64K aligned, half a host page */
#define SLOT_GPA	0x81000000ULL	/* memslot, its own 2M region */
#define TD_SLOT_GPA	0x81400000ULL

static struct ppc_ptw_bed bed;
static bool have_trace;

/* One load at +8 of each 4K page of [gpa, gpa + len) */
static unsigned int page_loads(struct ppc_access *acc, u64 gpa, u64 len)
{
	unsigned int n = 0;
	u64 a;

	for (a = gpa; a < gpa + len; a += PPC_SZ_4K, n++) {
		memset(&acc[n], 0, sizeof(acc[n]));
		acc[n].gpa = a + 8;
		acc[n].size = 8;
	}
	return n;
}

/* What a load at BAR0 offset off must return: the pattern in the PBM */
static bool pattern_ok(u64 off, u64 val)
{
	if (off >= PPC_E1000E_PBM + PPC_E1000E_PBM_SIZE)
		return val == 0;
	return val == ppc_pattern_qword(PPC_PATTERN_TAG, off);
}

static void test_direct_pages(struct ppc_vcpu *vcpu, int dev, struct ppc_mmio_log *log)
{
	struct ppc_pci_bar *fl = &bed.regs;
	struct kvm_ppc_pt_window w = ppc_ptw_window(fl, 0, fl->size, DIRECT_GPA);
	struct kvm_ppc_pt_window_stats s0, s1, s2, s3, s4, s5;
	struct ppc_ptw_fault_ev ev[4];
	struct ppc_access acc[32];
	int r, e1 = -1, e2 = -1, e3 = -1, e4 = -1, nev = -1;
	unsigned int n, i, bad = 0;

	ppc_ptw_stats(dev, &s0);
	r = ppc_ptw_add(dev, &w);
	ksft_print_msg("window: e1000e BAR0 0x%llx size 0x%llx at guest 0x%llx: %s\n",
		       ULL(fl->start), ULL(fl->size), DIRECT_GPA,
		       r ? ppc_errmsg() : "added");
	if (r) {
		ksft_test_result_fail("ADD of the BAR0 window: %s\n", ppc_errmsg());
		ksft_test_result_skip("no window\n");
		ksft_test_result_skip("no window\n");
		ksft_test_result_skip("no window\n");
		return;
	}
	if (have_trace)
		ppc_ptw_trace_read(ev, 0);
	/* One access in the first 64K page */
	n = page_loads(acc, DIRECT_GPA, PPC_SZ_4K);
	e1 = ppc_mmio_log_run(vcpu, acc, n, log);
	ppc_ptw_stats(dev, &s1);
	if (have_trace) {
		nev = ppc_ptw_trace_read(ev, ARRAY_SIZE(ev));
		for (i = 0; i < (unsigned int)nev && i < ARRAY_SIZE(ev); i++)
			ksft_print_msg("trace: fault gpa 0x%llx class %s hpa 0x%llx 4k-pages %u ret %d\n",
				       ULL(ev[i].gpa), ppc_ptw_class_str(ev[i].cls),
				       ULL(ev[i].hpa), ev[i].npages, ev[i].ret);
	}
	ppc_ptw_stats_print("after 1 access", &s1);
	ksft_test_result(e1 == 0 && s1.faults - s0.faults == 1 &&
			 s1.maps_direct - s0.maps_direct == PPC_PTW_EXPECT(1, 0) &&
			 s1.maps_4k == s0.maps_4k &&
			 s1.vmm_exits - s0.vmm_exits == PPC_PTW_EXPECT(0, 1) &&
			 log->served == PPC_PTW_EXPECT(0, 1) &&
			 (!have_trace ||
			  (nev == 1 && ev[0].cls == 1 && ev[0].npages == 16 &&
			   ev[0].hpa == fl->start &&
			   ev[0].ret == PPC_PTW_EXPECT(0, -EOPNOTSUPP))),
			 "matched offsets, whole host page: the first access %s%s\n",
			 PPC_PTW_EXPECT("maps it DIRECT (maps_direct +1",
					"is class DIRECT and exits to the VMM (nothing mapped"),
			 !have_trace ? ")" :
			 PPC_PTW_EXPECT(", 16 4K pages in one fault)",
					", trace -EOPNOTSUPP)"));

	/* All 16 4K pages of it: no more faults */
	n = page_loads(acc, DIRECT_GPA, PPC_SZ_64K);
	e2 = ppc_mmio_log_run(vcpu, acc, n, log);
	ppc_ptw_stats(dev, &s2);
	ppc_ptw_stats_print("after 16 pages", &s2);
	ksft_test_result(e2 == 0 && s2.faults - s1.faults == PPC_PTW_EXPECT(0, n) &&
			 s2.maps_direct == s1.maps_direct &&
			 log->served == PPC_PTW_EXPECT(0, n),
			 "%s: 16 more accesses, %llu faults, %llu VMM exits\n",
			 PPC_PTW_EXPECT("one fault maps all 16 4K pages of the host page",
					"no mapping: each access faults and exits"),
			 ULL(s2.faults - s1.faults), ULL(e2 + log->served));

	/* The second host page of the BAR, every 4K page of it */
	n = page_loads(acc, DIRECT_GPA + PPC_SZ_64K, PPC_SZ_64K);
	e3 = ppc_mmio_log_run(vcpu, acc, n, log);
	ppc_ptw_stats(dev, &s3);
	for (i = 0; e3 == 0 && i < n; i++) {
		u64 off = acc[i].gpa - DIRECT_GPA;

		if ((acc[i].val != ppc_bar_rd(fl, off, 8) ||
		     !pattern_ok(off, acc[i].val)) && bad++ < 4)
			ksft_print_msg("BAR0+0x%llx: guest 0x%llx, host 0x%llx, pattern 0x%llx\n",
				       ULL(off), ULL(acc[i].val),
				       ULL(ppc_bar_rd(fl, off, 8)),
				       ULL(ppc_pattern_qword(PPC_PATTERN_TAG, off)));
	}
	ppc_ptw_stats_print("after the 2nd host page", &s3);
	ksft_test_result(e3 == 0 && !bad &&
			 s3.faults - s2.faults == PPC_PTW_EXPECT(1, n) &&
			 s3.maps_direct - s2.maps_direct == PPC_PTW_EXPECT(1, 0) &&
			 s3.maps_4k == s0.maps_4k &&
			 log->served == PPC_PTW_EXPECT(0, n),
			 "the second 64K page: 16 accesses, %s, each page reads its own pattern word\n",
			 PPC_PTW_EXPECT("1 fault, 1 DIRECT mapping", "16 faults and VMM exits"));

	/* REMOVE takes out 2 x 16 4K PTEs; accesses exit afterwards */
	r = ppc_ptw_remove(dev, w.id);
	ppc_ptw_stats(dev, &s4);
	n = page_loads(acc, DIRECT_GPA, PPC_SZ_4K);
	e4 = ppc_mmio_log_run(vcpu, acc, n, log);
	ppc_ptw_stats(dev, &s5);
	ppc_ptw_stats_print("after REMOVE and 1 access", &s5);
	ksft_test_result(!r && s4.unmaps - s3.unmaps == PPC_PTW_EXPECT(32, 0) &&
			 e4 == 1 &&
			 log->rec[0].addr == DIRECT_GPA + 8 &&
			 s5.faults == s4.faults,
			 "REMOVE unmaps 32 4K PTEs (%llu); the next access exits to the VMM at 0x%llx\n",
			 ULL(s4.unmaps - s3.unmaps), ULL(log->rec[0].addr));
}

/* e1000e registers through a DIRECT window: the MAC address and STATUS */
static void test_regs(struct ppc_vcpu *vcpu, int dev, struct ppc_mmio_log *log)
{
	static const u64 offs[] = {
		PPC_E1000E_RAL0, PPC_E1000E_RAH0, PPC_E1000E_STATUS,
	};
	struct ppc_pci_bar *rg = &bed.regs;
	struct kvm_ppc_pt_window w = ppc_ptw_window(rg, 0, rg->size, REGS_GPA);
	struct kvm_ppc_pt_window_stats s0, s1;
	struct ppc_access acc[ARRAY_SIZE(offs)] = { 0 };
	unsigned int i, bad = 0, nonzero = 0;
	int r, e = -1;

	ppc_ptw_stats(dev, &s0);
	r = ppc_ptw_add(dev, &w);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		acc[i].gpa = REGS_GPA + offs[i];
		acc[i].size = 4;
	}
	if (!r)
		e = ppc_mmio_log_run(vcpu, acc, ARRAY_SIZE(acc), log);
	ppc_ptw_stats(dev, &s1);
	for (i = 0; e == 0 && i < ARRAY_SIZE(offs); i++) {
		u64 host = ppc_bar_rd(rg, offs[i], 4);

		nonzero += !!host;
		bad += acc[i].val != host;
		ksft_print_msg("e1000e reg 0x%04llx: guest 0x%08llx host 0x%08llx\n",
			       ULL(offs[i]), ULL(acc[i].val), ULL(host));
	}
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);
	ksft_test_result(!r && e == 0 && !bad && nonzero == ARRAY_SIZE(offs) &&
			 s1.maps_direct - s0.maps_direct == PPC_PTW_EXPECT(1, 0) &&
			 s1.maps_4k == s0.maps_4k &&
			 log->served == PPC_PTW_EXPECT(0, ARRAY_SIZE(offs)),
			 "e1000e BAR0 through a DIRECT window: the guest reads the MAC address and STATUS the host reads (%s)\n",
			 ppc_ptw_mode_str());
}

/* Half a host page: the host page is not wholly the window's, so 4K */
static void test_partial(struct ppc_vcpu *vcpu, int dev,
			 struct ppc_mmio_log *log)
{
	struct ppc_pci_bar *rg = &bed.regs;
	struct kvm_ppc_pt_window w = ppc_ptw_window(rg, PPC_E1000E_PBM,
						    PPC_SZ_64K / 2, PART_GPA);
	struct kvm_ppc_pt_window_stats s0, s1;
	struct ppc_access acc[16];
	unsigned int n, i, bad = 0;
	int r, e = -1;

	ppc_ptw_stats(dev, &s0);
	r = ppc_ptw_add(dev, &w);
	n = page_loads(acc, PART_GPA, PPC_SZ_64K);
	if (!r)
		e = ppc_mmio_log_run(vcpu, acc, n, log);
	ppc_ptw_stats(dev, &s1);
	/* The 8 pages in the window read the pattern, the 8 past it the fill */
	for (i = 0; e == 8 && i < n; i++) {
		u64 off = acc[i].gpa - PART_GPA;
		u64 want = off < PPC_SZ_64K / 2 ?
			   ppc_pattern_qword(PPC_PATTERN_TAG, PPC_E1000E_PBM + off) :
			   ppc_mmio_fill_val(0x5a, 8);

		if (acc[i].val != want && bad++ < 4)
			ksft_print_msg("guest +0x%llx: 0x%llx, expected 0x%llx\n",
				       ULL(off), ULL(acc[i].val), ULL(want));
	}
	ppc_ptw_stats_print("32K window, 16 accesses", &s1);
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);
	/* 8 pages in the window map 4K each; 8 beyond it exit */
	ksft_test_result(!r && e == 8 && !bad && s1.maps_direct == s0.maps_direct &&
			 s1.maps_4k - s0.maps_4k == PPC_PTW_EXPECT(8, 0) &&
			 s1.faults - s0.faults == 8 &&
			 log->served == PPC_PTW_EXPECT(0, 8),
			 "a 32K window on a 64K host page: its 8 pages read their pattern words (%s), 0 DIRECT, the 8 pages past it exit (%d)\n",
			 PPC_PTW_EXPECT("8 maps_4k", "8 VMM exits"), e);
}

/*
 * The status quo: a memslot over a BAR's host page, in the same VM as the
 * windows. The guest reads the device through it; the window code does not
 * see these accesses.
 */
static void test_memslot(struct ppc_vm *vm, struct ppc_vcpu *vcpu, int dev,
			 struct ppc_mmio_log *log)
{
	struct ppc_pci_bar *rg = &bed.regs, *td = &bed.testdev;
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size,
						    PART_GPA + 0x2000);
	struct kvm_ppc_pt_window_stats s0, s1;
	struct ppc_access acc[5] = { 0 };
	unsigned int i, bad = 0;
	u64 host[5];
	int r, e = -1;

	/* A window elsewhere in the VM, so the window code is active */
	r = ppc_ptw_add(dev, &w);
	if (!r && ppc_vm_map_bar(vm, rg, SLOT_GPA) < 0)
		r = -1;
	if (!r && ppc_vm_map_bar(vm, td, TD_SLOT_GPA) < 0)
		r = -1;
	acc[0].gpa = SLOT_GPA + PPC_E1000E_RAL0;
	acc[1].gpa = SLOT_GPA + PPC_E1000E_RAH0;
	acc[2].gpa = SLOT_GPA + PPC_E1000E_STATUS;
	host[0] = ppc_bar_rd(rg, PPC_E1000E_RAL0, 4);
	host[1] = ppc_bar_rd(rg, PPC_E1000E_RAH0, 4);
	host[2] = ppc_bar_rd(rg, PPC_E1000E_STATUS, 4);
	/* pci-testdev is at +0x4000 of its memslot page, as on the host */
	acc[3].gpa = TD_SLOT_GPA + td->offset + PPC_TESTDEV_NAME;
	acc[4].gpa = TD_SLOT_GPA + td->offset + PPC_TESTDEV_OFFSET;
	ppc_testdev_select(td, 0);
	host[3] = ppc_bar_rd(td, PPC_TESTDEV_NAME, 4);
	host[4] = ppc_bar_rd(td, PPC_TESTDEV_OFFSET, 4);
	for (i = 0; i < ARRAY_SIZE(acc); i++)
		acc[i].size = 4;
	ppc_ptw_stats(dev, &s0);
	if (!r)
		e = ppc_mmio_log_run(vcpu, acc, ARRAY_SIZE(acc), log);
	ppc_ptw_stats(dev, &s1);
	for (i = 0; e == 0 && i < ARRAY_SIZE(acc); i++)
		bad += acc[i].val != host[i];
	ksft_print_msg("memslots: e1000e RAL0 0x%llx, pci-testdev name 0x%llx; %d VMM exits\n",
		       ULL(acc[0].val), ULL(acc[3].val), e);
	if (r)
		ksft_print_msg("%s\n", ppc_errmsg());
	ksft_test_result(!r && e == 0 && !bad && ppc_ptw_stats_eq(&s0, &s1),
			 "status quo: memslots over BAR host pages still read the devices, unseen by the window code\n");
	ppc_vm_del_memslot(vm, SLOT_GPA);
	ppc_vm_del_memslot(vm, TD_SLOT_GPA);
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);
}

int main(void)
{
	struct ppc_mmio_log log;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	ppc_ptw_bed_print(&bed);
	if (!ppc_ptw_bed_shared(&bed) || sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("not the test bed's layout\n");
	ksft_set_plan(7);
	if (ppc_pbm_fill(&bed.regs, PPC_PATTERN_TAG, PPC_E1000E_PBM,
			 PPC_E1000E_PBM_SIZE))
		ksft_exit_fail_msg("pattern: %s\n", ppc_errmsg());
	have_trace = !ppc_ptw_trace_on();
	if (ppc_mmio_log_init(&log, 64, 0x5a))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	test_direct_pages(vcpu, dev, &log);
	test_regs(vcpu, dev, &log);
	test_partial(vcpu, dev, &log);
	test_memslot(vm, vcpu, dev, &log);

	ppc_testdev_select(&bed.testdev, PPC_TESTDEV_NR_TESTS);
	ppc_ptw_trace_off();
	close(dev);
	ppc_vm_free(vm);
	ppc_mmio_log_free(&log);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
