// SPDX-License-Identifier: GPL-2.0-only
/*
 * A passthrough IO window in an HPT (hash MMU) guest, on a hash host.
 *
 * The pci-testdev's 4K BAR0 sits at offset 0x4000 of a 64K host page; the
 * guest places it at 0x80002000 (offset 0x2000) and maps it the way a hash
 * guest does, with H_ENTER (a 4K, cache-inhibited and guarded HPTE) and an
 * SLB entry, then accesses it with data relocation on. It also maps the
 * guest page 0x80000000 beside it, which no window covers.
 *
 * Each pass of the guest loads the device header, rings the doorbell,
 * loads one word of the neighbouring page and reads its own HPTE back with
 * H_READ. Between passes the test plays the VMM:
 *  - mapped: the guest reads what the host reads, the doorbell counts,
 *    one fault and one 4K mapping, and the only VMM exit is the neighbour
 *    page's, at its own address (the rest of the host page stays out of
 *    reach); a second pass takes no fault; H_READ shows the guest's entry,
 *    not the host address;
 *  - MOVE away: every window access exits to the VMM at the guest address
 *    (one unmap), H_READ unchanged; MOVE back: mapped again by one fault;
 *  - HPT resize with the window HPTE mapped: the host survives the rehash
 *    and the next pass faults the page in again;
 *  - REMOVE: window accesses exit again;
 *  - the VMM unmaps its BAR mapping: the MMU notifier unmaps at once;
 *  - a 64K guest HPTE over the window page is not served (exit, counted);
 *  - a 64K guest HPTE over a DIRECT page (e1000e's registers, 64K aligned on
 *    the host and in the guest) is mapped with the host 64K page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define HPT_ORDER	18
#define TEST_VSID	0x12345ULL
#define SEG_EA		0x10000000ULL	/* ESID 1 */
#define WIN_EA		(SEG_EA + 0x2000)
#define NEIGH_EA	SEG_EA
#define GUEST_BAR	0x80002000ULL	/* offset 0x2000 in its 64K page */
#define NEIGH_GPA	0x80000000ULL	/* same 64K guest page, no window */
#define MOVED_BAR	0x80105000ULL
#define PPC_HPTE_R_RC		0x180ULL	/* R and C */
#define WIN_ACCESSES	6	/* per pass: 3 header loads, doorbell 3 */

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;


/*
 * H_ENTER the window page and its neighbour, then passes of: DR on; header
 * loads into r17..r19; doorbell (offset, data, store); neighbour load into
 * r20; DR off; H_READ of the window HPTE into r21; SYNC.
 */
static void emit_guest(const struct ppc_hpt_map *win,
		       const struct ppc_hpt_map *neigh)
{
	int regs[] = { 17, 18, 19, 20, 21 };
	u64 top;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, win, 1);
	ppc_hpt_enter(&code, neigh, 2);
	ppc_li64(&code, 31, win->ea);
	ppc_li64(&code, 30, neigh->ea);
	top = ppc_here(&code);
	ppc_data_relocate(&code, true);
	ppc_ld(&code, 17, 0, 31);
	ppc_lwz(&code, 18, PPC_TESTDEV_COUNT, 31);
	ppc_ld(&code, 19, PPC_TESTDEV_NAME, 31);
	ppc_lwz(&code, 14, PPC_TESTDEV_OFFSET, 31);
	ppc_lbz(&code, 15, PPC_TESTDEV_DATA, 31);
	ppc_add(&code, 16, 31, 14);
	ppc_stb(&code, 15, 0, 16);
	ppc_lwz(&code, 20, 0, 30);
	ppc_sync(&code);
	ppc_data_relocate(&code, false);
	ppc_li64(&code, 3, PPC_H_READ);
	ppc_li64(&code, 4, 0);
	ppc_li64(&code, 5, win->pte_index);
	ppc_sc1(&code);
	ppc_mr(&code, 21, 5);
	ppc_ucall(&code, PPC_UCALL_SYNC, 5, regs);
	ppc_b(&code, top);
}

/* One pass of the guest, the stats delta from *since if given */
static void run_pass(struct ppc_vcpu *vcpu, int dev, struct ppc_ptw_pass *p,
		     const struct kvm_ppc_pt_window_stats *since)
{
	if (ppc_ptw_run_pass(vcpu, dev, td, since, p))
		ksft_print_msg("pass: %s\n", ppc_errmsg());
	ksft_print_msg("pass: guest 0x%llx 0x%llx 0x%llx neighbour 0x%llx H_READ ptel 0x%llx; doorbell %llu -> %llu; %llu MMIO exits\n",
		       ULL(p->uc.args[0]), ULL(p->uc.args[1]),
		       ULL(p->uc.args[2]), ULL(p->uc.args[3]),
		       ULL(p->uc.args[4]), ULL(p->count_before),
		       ULL(p->count_after), ULL(p->exits));
	ppc_ptw_stats_print("pass", &p->d);
}

/* The window page served by the device, only the neighbour exits */
static bool pass_mapped(const struct ppc_ptw_pass *p, const struct ppc_hpt_map *win)
{
	return !p->err &&
	       p->uc.args[0] == ppc_bar_rd(td, 0, 8) &&
	       p->uc.args[1] == p->count_before &&
	       p->uc.args[2] == ppc_bar_rd(td, PPC_TESTDEV_NAME, 8) &&
	       p->count_after == p->count_before + 1 &&
	       p->uc.args[3] == 0 && p->exits == 1 &&
	       p->rec[0].addr == NEIGH_GPA && !p->rec[0].write &&
	       (p->uc.args[4] & ~PPC_HPTE_R_RC) == win->ptel &&
	       !p->d.vmm_exits;
}

/* Every window access exits at its guest address, in program order */
static bool pass_exits(const struct ppc_ptw_pass *p, u64 bar)
{
	static const u64 off[WIN_ACCESSES] = {
		0, PPC_TESTDEV_COUNT, PPC_TESTDEV_NAME, PPC_TESTDEV_OFFSET,
		PPC_TESTDEV_DATA, 0,	/* the store: offset read as 0 */
	};
	unsigned int i;

	if (p->err || p->exits != WIN_ACCESSES + 1 ||
	    p->nrec != WIN_ACCESSES + 1 || p->count_after != p->count_before)
		return false;
	for (i = 0; i < WIN_ACCESSES; i++)
		if (p->rec[i].addr != bar + off[i] ||
		    p->rec[i].write != (i == WIN_ACCESSES - 1))
			return false;
	return p->rec[WIN_ACCESSES].addr == NEIGH_GPA;
}

static int resize_hpt(struct ppc_vm *vm, u32 shift)
{
	struct kvm_ppc_resize_hpt rhpt = { .shift = shift };
	int i, r;

	for (i = 0; i < 1000; i++) {
		r = ioctl(vm->fd, KVM_PPC_RESIZE_HPT_PREPARE, &rhpt);
		if (r <= 0)
			break;
		usleep(r * 1000);
	}
	if (r < 0)
		return ppc_set_err(errno, "KVM_PPC_RESIZE_HPT_PREPARE");
	if (r > 0)
		return ppc_set_err(ETIMEDOUT, "KVM_PPC_RESIZE_HPT_PREPARE");
	if (ioctl(vm->fd, KVM_PPC_RESIZE_HPT_COMMIT, &rhpt) < 0)
		return ppc_set_err(errno, "KVM_PPC_RESIZE_HPT_COMMIT");
	return 0;
}

/*
 * A window over a second mapping of the BAR, mapped by the guest's HPTE;
 * the VMM unmaps it: the MMU notifier restores the HPTE at once.
 */
static void test_host_gone(struct ppc_vcpu *vcpu, int dev,
			   const struct ppc_hpt_map *win)
{
	struct kvm_ppc_pt_window_stats st, gone, d;
	struct kvm_ppc_pt_window w;
	struct ppc_pci_bar b2;
	struct ppc_ptw_pass p, q;
	int r;

	r = ppc_pci_map_bar(td->bdf, td->bar, &b2);
	if (r) {
		ksft_test_result_fail("second mapping of BAR0: %s\n",
				      ppc_errmsg());
		return;
	}
	w = ppc_ptw_window(&b2, 0, b2.size, GUEST_BAR);
	r = ppc_ptw_add(dev, &w);
	run_pass(vcpu, dev, &p, NULL);
	ppc_ptw_stats(dev, &st);
	ppc_pci_unmap_bar(&b2);		/* munmap: the MMU notifier fires */
	ppc_ptw_stats(dev, &gone);
	ppc_ptw_stats_sub(&d, &gone, &st);
	run_pass(vcpu, dev, &q, NULL);
	ksft_test_result(!r && pass_mapped(&p, win) && p.d.maps_4k == 1 &&
			 d.unmaps == 1 && pass_exits(&q, GUEST_BAR) &&
			 !q.d.maps_4k && !ppc_ptw_remove(dev, w.id),
			 "munmap of the VMM's BAR mapping under a mapped HPTE: unmapped at once (1 unmap), the window's accesses then exit to the VMM\n");
}

static void test_window(int kvm_fd)
{
	struct kvm_ppc_pt_window_stats st;
	struct ppc_hpt_map win, neigh;
	struct kvm_ppc_pt_window w;
	struct ppc_vcpu *vcpu;
	struct ppc_ptw_pass p;
	struct ppc_vm *vm;
	int dev, r;

	vm = ppc_hash_guest_create(&vcpu, HPT_ORDER);
	if (!vm)
		ksft_exit_fail_msg("HPT guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("window device: %s\n", ppc_errmsg());
	w = ppc_ptw_window(td, 0, td->size, GUEST_BAR);
	r = ppc_ptw_add(dev, &w);
	ksft_test_result(!r && w.id == 0,
			 "ADD on an HPT VM: guest 0x%llx -> host 0x%llx (+0x%zx in its 64K page): %s\n",
			 ULL(GUEST_BAR), ULL(td->start), td->offset,
			 r ? ppc_errmsg() : "id 0");
	if (r)
		ksft_exit_fail_msg("ADD: %s\n", ppc_errmsg());

	ppc_hpt_map_4k(&win, HPT_ORDER, TEST_VSID, WIN_EA, GUEST_BAR,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	ppc_hpt_map_4k(&neigh, HPT_ORDER, TEST_VSID, NEIGH_EA, NEIGH_GPA,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	emit_guest(&win, &neigh);
	if (ppc_guest_load(vcpu, &code))
		ksft_exit_fail_msg("guest code: %s\n", ppc_errmsg());

	run_pass(vcpu, dev, &p, NULL);
	ksft_test_result(pass_mapped(&p, &win) && p.d.faults == 1 &&
			 p.d.maps_4k == 1,
			 "4K guest HPTE on the window page: loads read the device, the doorbell store reaches it, 1 fault, 1 4K mapping, no window exit\n");
	ksft_test_result(!p.err && p.exits == 1 && p.rec[0].addr == NEIGH_GPA,
			 "the neighbouring guest page (host page's other devices) is not mapped: it exits to the VMM at 0x%llx\n",
			 ULL(NEIGH_GPA));
	ksft_test_result(!p.err && (p.uc.args[4] & ~PPC_HPTE_R_RC) == win.ptel,
			 "H_READ returns the guest's own HPTE (guest RPN 0x%llx, not the host page)\n",
			 ULL(GUEST_BAR));

	run_pass(vcpu, dev, &p, NULL);
	ksft_test_result(pass_mapped(&p, &win) && p.d.faults == 0,
			 "second pass: no fault, no window exit\n");

	ppc_ptw_stats(dev, &st);
	r = ppc_ptw_move(dev, w.id, MOVED_BAR);
	run_pass(vcpu, dev, &p, &st);
	ksft_test_result(!r && pass_exits(&p, GUEST_BAR) && p.d.unmaps == 1 &&
			 (p.uc.args[4] & ~PPC_HPTE_R_RC) == win.ptel,
			 "MOVE away: the HPTE is unmapped (1 unmap), every access at the old guest address exits to the VMM, H_READ unchanged\n");

	r = ppc_ptw_move(dev, w.id, GUEST_BAR);
	run_pass(vcpu, dev, &p, NULL);
	ksft_test_result(!r && pass_mapped(&p, &win) && p.d.faults == 1 &&
			 p.d.maps_4k == 1,
			 "MOVE back: the same guest HPTE is mapped again by 1 fault\n");

	if (ppc_check_cap(kvm_fd, KVM_CAP_SPAPR_RESIZE_HPT) <= 0) {
		ksft_test_result_skip("HPT resize: KVM_CAP_SPAPR_RESIZE_HPT not offered\n");
	} else {
		r = resize_hpt(vm, HPT_ORDER + 1);
		if (r)
			ksft_print_msg("resize: %s\n", ppc_errmsg());
		run_pass(vcpu, dev, &p, NULL);
		ksft_test_result(!r && pass_mapped(&p, &win) &&
				 p.d.faults == 1,
				 "HPT resize (order %d -> %d) with the window HPTE mapped: the rehash unmaps it, the next pass maps it again\n",
				 HPT_ORDER, HPT_ORDER + 1);
	}

	ppc_ptw_stats(dev, &st);
	r = ppc_ptw_remove(dev, w.id);
	run_pass(vcpu, dev, &p, &st);
	ksft_test_result(!r && pass_exits(&p, GUEST_BAR) && p.d.unmaps == 1,
			 "REMOVE: unmapped, every window access exits to the VMM again\n");

	test_host_gone(vcpu, dev, &win);
	close(dev);
	ppc_vm_free(vm);
}

/* An HPT guest with a window over all of BAR @b at @gpa; exits on failure */
static struct ppc_vm *hpt_vm_window(struct ppc_vcpu **vcpu, int *dev,
				    struct kvm_ppc_pt_window *w,
				    struct ppc_pci_bar *b, u64 gpa)
{
	struct ppc_vm *vm = ppc_hash_guest_create(vcpu, HPT_ORDER);

	if (!vm)
		ksft_exit_fail_msg("HPT guest: %s\n", ppc_errmsg());
	*dev = ppc_ptw_create(vm);
	*w = ppc_ptw_window(b, 0, b->size, gpa);
	if (*dev < 0 || ppc_ptw_add(*dev, w))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	return vm;
}

/* A 64K HPTE over the window page cannot become a 4K one: it exits */
static void test_large_hpte(void)
{
	struct kvm_ppc_pt_window_stats a, b, d;
	struct kvm_ppc_pt_window w;
	struct ppc_mmio_log log;
	struct ppc_vcpu *vcpu;
	struct ppc_hpt_map m;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	int dev, r, regs[] = { 17 };

	vm = hpt_vm_window(&vcpu, &dev, &w, td, GUEST_BAR);

	/* 64K base page segment, one 64K HPTE over the guest's 64K page */
	ppc_hpt_map_64k(&m, HPT_ORDER, TEST_VSID, SEG_EA, NEIGH_GPA,
			PPC_HPTE_R_I | PPC_HPTE_R_G);

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, &m, 1);
	ppc_li64(&code, 31, SEG_EA);
	ppc_data_relocate(&code, true);
	ppc_lwz(&code, 17, GUEST_BAR - NEIGH_GPA + PPC_TESTDEV_COUNT, 31);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 1, regs);
	ppc_done(&code);

	ppc_mmio_log_init(&log, 4, 0x5a);
	ppc_ptw_stats(dev, &b);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, &log);
	ppc_ptw_stats(dev, &a);
	ppc_ptw_stats_sub(&d, &a, &b);
	ppc_ptw_stats_print("64K HPTE", &d);
	if (r)
		ksft_print_msg("64K HPTE guest: %s\n", ppc_errmsg());
	ksft_test_result(!r && log.n == 1 &&
			 log.rec[0].addr == GUEST_BAR + PPC_TESTDEV_COUNT &&
			 uc.args[0] == 0x5a5a5a5aULL && d.faults == 1 &&
			 d.vmm_exits == 1 && !d.maps_4k && !d.maps_direct,
			 "a 64K guest HPTE over the window page is not mapped: the load exits to the VMM at 0x%llx, counted in vmm_exits\n",
			 ULL(GUEST_BAR + PPC_TESTDEV_COUNT));
	ppc_mmio_log_free(&log);
	close(dev);
	ppc_vm_free(vm);
}

/*
 * e1000e's 128K register BAR0 is 64K aligned on the host; a window at a
 * 64K-aligned guest address makes its pages DIRECT. A guest with 64K pages
 * (as Linux maps IO) gets the whole host 64K page in one HPTE.
 */
#define REGS_GPA	0x90000000ULL
#define REGS_EA		0x20000000ULL

static void test_direct_64k(void)
{
	static const u64 offs[] = { PPC_E1000E_STATUS, PPC_E1000E_RAL0,
				    PPC_E1000E_RAH0 };
	struct ppc_pci_bar *regs = &bed.regs;
	struct kvm_ppc_pt_window_stats a, b, d;
	int dev, r, regv[] = { 17, 18, 19 };
	struct kvm_ppc_pt_window w;
	struct ppc_mmio_log log;
	struct ppc_vcpu *vcpu;
	struct ppc_hpt_map m;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	unsigned int i;
	bool same = true;
	u64 top;

	if (regs->start & (PPC_SZ_64K - 1) || regs->size < 2 * PPC_SZ_64K) {
		ksft_test_result_skip("e1000e BAR0 not 64K aligned on the host\n");
		ksft_test_result_skip("e1000e BAR0 not 64K aligned on the host\n");
		return;
	}
	vm = hpt_vm_window(&vcpu, &dev, &w, regs, REGS_GPA);

	ppc_hpt_map_64k(&m, HPT_ORDER, TEST_VSID, REGS_EA, REGS_GPA,
			PPC_HPTE_R_I | PPC_HPTE_R_G);

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, &m, 1);
	ppc_li64(&code, 31, REGS_EA);
	top = ppc_here(&code);
	ppc_data_relocate(&code, true);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ppc_lwz(&code, regv[i], offs[i], 31);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 3, regv);
	ppc_b(&code, top);

	ppc_mmio_log_init(&log, 4, 0x5a);
	ppc_ptw_stats(dev, &b);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, &log);
	ppc_ptw_stats(dev, &a);
	ppc_ptw_stats_sub(&d, &a, &b);
	ppc_ptw_stats_print("64K HPTE, DIRECT page", &d);
	if (r)
		ksft_print_msg("64K DIRECT guest: %s\n", ppc_errmsg());
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		u64 host = ppc_bar_rd(regs, offs[i], 4);

		ksft_print_msg("register 0x%llx: guest 0x%llx, host 0x%llx\n",
			       ULL(offs[i]), ULL(uc.args[i]), ULL(host));
		same = same && uc.args[i] == host;
	}
	ksft_test_result(!r && same && !log.n && d.faults == 1 &&
			 d.maps_direct == 1 && !d.maps_4k && !d.vmm_exits,
			 "a 64K guest HPTE over a DIRECT page (e1000e registers) maps the host 64K page: the guest reads the registers, 1 fault, no VMM exit\n");

	/* The VMM moves the window: the 64K HPTE goes back to exiting */
	ppc_mmio_log_reset(&log);
	ppc_ptw_stats(dev, &b);
	r = ppc_ptw_move(dev, w.id, REGS_GPA + 0x400000);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, &log);
	ppc_ptw_stats(dev, &a);
	ppc_ptw_stats_sub(&d, &a, &b);
	ppc_ptw_stats_print("after MOVE", &d);
	ksft_test_result(!r && d.unmaps == 1 && log.n == ARRAY_SIZE(offs) &&
			 log.rec[0].addr == REGS_GPA + offs[0] &&
			 uc.args[0] == 0x5a5a5a5aULL,
			 "MOVE: the 64K HPTE is unmapped (1 unmap); the guest's loads exit to the VMM at their guest addresses\n");
	ppc_mmio_log_free(&log);
	close(dev);
	ppc_vm_free(vm);
}

int main(void)
{
	int kvm_fd, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	if (!r)
		ksft_exit_skip("%s\n", ppc_errmsg());
	kvm_fd = ppc_kvm_open();
	if (kvm_fd < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_fail_msg("test bed: %s\n", ppc_errmsg());
	ppc_ptw_bed_print(&bed);
	ksft_set_plan(13);

	test_window(kvm_fd);
	test_large_hpte();
	test_direct_64k();

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	ppc_ptw_bed_close(&bed);
	close(kvm_fd);
	ksft_finished();
}
