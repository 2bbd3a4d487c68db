// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest moves its BAR, and later loses it, while it runs.
 *
 * One guest program reads the pci-testdev header at its BAR, stops (a
 * ucall) so the VMM can MOVE the window as a guest BAR write would make it,
 * then reads at the new place and at the old one, and so on: at the new
 * place it reads the device, the old place exits to the VMM at exactly the
 * old address, MOVE removed the old mapping (unmaps). A MOVE that KVM
 * refuses leaves the window working where it was. After REMOVE every
 * access exits and the window code no longer counts it. A second thread
 * moving the window back and forth while the vCPU hammers both places
 * never lets the guest read anything but the device or the VMM. When the
 * VMM unmaps its mapping of the host BAR, the window stops mapping: its
 * mapping goes and the guest's accesses exit to the VMM.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) the same program runs:
 * the window's accesses exit and the window VMM (ppc_ptw_vmm.c) serves
 * them from the device, following MOVE and REMOVE; nothing maps, nothing
 * unmaps.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define G1		0x80002000ULL
#define G2		0x80007000ULL	/* same 64K page, other offset */
#define G3		0x80a03000ULL	/* another 2M region */
#define GONE_GPA	0x81402000ULL
#define RACE_A		0x81001000ULL
#define RACE_B		0x81009000ULL
#define NQ		4		/* header qwords read per place */
#define FILL		0x5a
#define RACE_LOOPS	3000
#define RACE_MOVES	400

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;

/* Guest: load NQ qwords at reg base into DATA + slot * 8.. */
static void emit_read(u64 base, unsigned int slot)
{
	unsigned int i;

	ppc_li64(&code, 30, base);
	ppc_li64(&code, 29, PPC_GUEST_DATA_GPA + 8 * slot);
	for (i = 0; i < NQ; i++) {
		ppc_ld(&code, 15, 8 * i, 30);
		ppc_std(&code, 15, 8 * i, 29);
	}
}

static unsigned int header_bad(const u64 *res)
{
	unsigned int i, bad = 0;

	for (i = 0; i < NQ; i++)
		bad += res[i] != ppc_bar_rd(td, 8 * i, 8);
	return bad;
}

static unsigned int exits_at(struct ppc_mmio_log *log, u64 base)
{
	unsigned int i, n = 0;

	for (i = 0; i < log->n && i < log->max_rec; i++)
		n += log->rec[i].addr == base + 8 * i && !log->rec[i].write;
	return n;
}

static void test_move_remove(struct ppc_vcpu *vcpu, int dev,
			     struct ppc_mmio_log *log)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, G1);
	struct kvm_ppc_pt_window_stats s0, s1, s2, s3, s4;
	u64 *res = ppc_gpa_to_hva(vcpu->vm, PPC_GUEST_DATA_GPA);
	u64 fill = ppc_mmio_fill_val(FILL, 8), mark = vcpu->served_mmio, sv;
	int r, r2, ok;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	emit_read(G1, 0);			/* phase 1 */
	ppc_ucall0(&code, PPC_UCALL_SYNC);
	emit_read(G2, 0);			/* phase 2 */
	emit_read(G1, NQ);
	ppc_ucall0(&code, PPC_UCALL_SYNC);
	emit_read(G3, 0);			/* phase 3 */
	emit_read(G2, NQ);
	ppc_ucall0(&code, PPC_UCALL_SYNC);
	emit_read(G3, 0);			/* phase 4: refused MOVE */
	ppc_ucall0(&code, PPC_UCALL_SYNC);
	emit_read(G3, 0);			/* phase 5: removed */
	ppc_done(&code);

	ppc_testdev_select(td, 0);
	r = ppc_ptw_add(dev, &w);
	if (!r)
		r = ppc_guest_load(vcpu, &code);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	ppc_ptw_stats(dev, &s0);

	/* Phase 1 */
	memset(res, 0xee, 16 * NQ);
	ppc_mmio_log_reset(log);
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, NULL, ppc_mmio_log_fn, log);
	sv = ppc_vcpu_served_since(vcpu, &mark);
	ppc_ptw_stats(dev, &s1);
	ksft_print_msg("at 0x%llx: name 0x%llx (host 0x%llx), %llu VMM exits\n",
		       G1, ULL(res[2]), ULL(ppc_bar_rd(td, 16, 8)), ULL(log->n));
	ksft_test_result(!r && !header_bad(res) && !log->n &&
			 s1.maps_4k - s0.maps_4k == PPC_PTW_EXPECT(1, 0) &&
			 sv == PPC_PTW_EXPECT(0, NQ),
			 "guest reads the header at its BAR 0x%llx, %s\n", G1,
			 PPC_PTW_EXPECT("through a 4K mapping", "each load served by the VMM"));

	/* Phase 2: the guest moved its BAR to G2 */
	r2 = ppc_ptw_move(dev, w.id, G2);
	ppc_ptw_stats(dev, &s2);
	memset(res, 0xee, 16 * NQ);
	ppc_mmio_log_reset(log);
	if (!r && !r2)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, NULL,
					ppc_mmio_log_fn, log);
	sv = ppc_vcpu_served_since(vcpu, &mark);
	ok = !r && !r2 && !header_bad(res) && log->n == NQ &&
	     exits_at(log, G1) == NQ && res[NQ] == fill &&
	     s2.unmaps - s1.unmaps == PPC_PTW_EXPECT(1, 0) &&
	     sv == PPC_PTW_EXPECT(0, NQ);
	ksft_print_msg("MOVE to 0x%llx: %s; unmaps +%llu; new place name 0x%llx; %llu exits, first at 0x%llx\n",
		       G2, r2 ? ppc_errmsg() : "ok", ULL(s2.unmaps - s1.unmaps),
		       ULL(res[2]), ULL(log->n), ULL(log->n ? log->rec[0].addr : 0));
	ksft_test_result(ok, "after MOVE to 0x%llx (same 64K page) the guest reads the device there; the old place exits at its address\n",
			 G2);

	/* Phase 3: into another 2M region */
	r2 = ppc_ptw_move(dev, w.id, G3);
	memset(res, 0xee, 16 * NQ);
	ppc_mmio_log_reset(log);
	if (!r && !r2)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, NULL,
					ppc_mmio_log_fn, log);
	sv = ppc_vcpu_served_since(vcpu, &mark);
	ppc_ptw_stats(dev, &s3);
	ksft_test_result(!r && !r2 && !header_bad(res) && log->n == NQ &&
			 exits_at(log, G2) == NQ && res[NQ] == fill &&
			 s3.unmaps - s2.unmaps == PPC_PTW_EXPECT(1, 0) &&
			 sv == PPC_PTW_EXPECT(0, NQ),
			 "after MOVE to 0x%llx (another 2M region) the guest reads the device there; 0x%llx exits\n",
			 G3, G2);

	/* Phase 4: a MOVE onto guest RAM's 2M region is refused */
	r2 = ppc_ptw_move(dev, w.id, 0x100000);
	memset(res, 0xee, 16 * NQ);
	ppc_mmio_log_reset(log);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, NULL,
					ppc_mmio_log_fn, log);
	sv = ppc_vcpu_served_since(vcpu, &mark);
	ksft_print_msg("MOVE into guest RAM's 2M region: %d (%s)\n", r2,
		       ppc_errmsg());
	ksft_test_result(!r && r2 == -EEXIST && !header_bad(res) && !log->n &&
			 sv == PPC_PTW_EXPECT(0, NQ),
			 "a refused MOVE (-EEXIST) leaves the window working where it was\n");

	/* Phase 5: REMOVE */
	r2 = ppc_ptw_remove(dev, w.id);
	ppc_ptw_stats(dev, &s4);
	memset(res, 0xee, 16 * NQ);
	ppc_mmio_log_reset(log);
	if (!r && !r2)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL,
					ppc_mmio_log_fn, log);
	sv = ppc_vcpu_served_since(vcpu, &mark);
	ppc_ptw_stats(dev, &s0);
	ppc_ptw_stats_print("after REMOVE", &s4);
	ksft_test_result(!r && !r2 && log->n == NQ && exits_at(log, G3) == NQ &&
			 res[0] == fill &&
			 s4.unmaps - s3.unmaps == PPC_PTW_EXPECT(1, 0) &&
			 s0.faults == s4.faults && s0.vmm_exits == s4.vmm_exits &&
			 !sv,
			 "after REMOVE the guest's accesses exit at their address (unmaps +%llu), not seen as window faults\n",
			 ULL(s4.unmaps - s3.unmaps));
}

/* The VMM's mapping of the host BAR goes away under a mapped window */
static void test_host_gone(struct ppc_vcpu *vcpu, int dev,
			   struct ppc_mmio_log *log)
{
	struct kvm_ppc_pt_window_stats s0, s1, s2, s3;
	struct kvm_ppc_pt_window w;
	struct ppc_access acc = { .gpa = GONE_GPA + 16, .size = 8 };
	struct ppc_pci_bar b2;
	u64 before = 0;
	int r, e;

	/* A second mapping of the BAR, for this window alone */
	r = ppc_pci_map_bar(td->bdf, td->bar, &b2);
	if (r) {
		ksft_test_result_fail("second mapping of BAR0: %s\n", ppc_errmsg());
		return;
	}
	w = ppc_ptw_window(&b2, 0, b2.size, GONE_GPA);
	ppc_ptw_stats(dev, &s0);
	r = ppc_ptw_add(dev, &w);
	ppc_mmio_log_reset(log);
	if (!r)
		r = ppc_guest_run_accesses(vcpu, &acc, 1, ppc_mmio_log_fn, log);
	before = acc.val;
	e = log->n;
	ppc_ptw_stats(dev, &s1);
	ppc_pci_unmap_bar(&b2);		/* munmap: the MMU notifier fires */
	ppc_ptw_stats(dev, &s2);
	acc.val = 0;
	ppc_mmio_log_reset(log);
	if (!r)
		r = ppc_guest_run_accesses(vcpu, &acc, 1, ppc_mmio_log_fn, log);
	ppc_ptw_stats(dev, &s3);
	ppc_ptw_stats_print("after munmap and 1 access", &s3);
	ksft_print_msg("before munmap: 0x%llx, %d exits; after: 0x%llx, %llu exits at 0x%llx\n",
		       ULL(before), e, ULL(acc.val), ULL(log->n),
		       ULL(log->n ? log->rec[0].addr : 0));
	/*
	 * Without 4K leaves there is no mapping to lose: both loads exit,
	 * and the window VMM serves them from its own mapping of the BAR.
	 */
	ksft_test_result(!r && before == ppc_bar_rd(td, 16, 8) && !e &&
			 s1.maps_4k - s0.maps_4k == PPC_PTW_EXPECT(1, 0) &&
			 s2.unmaps - s1.unmaps == PPC_PTW_EXPECT(1, 0) &&
			 log->n == PPC_PTW_EXPECT(1, 0) &&
			 (!log->n || log->rec[0].addr == acc.gpa) &&
			 acc.val == PPC_PTW_EXPECT(ppc_mmio_fill_val(FILL, 8),
						   ppc_bar_rd(td, 16, 8)) &&
			 s3.vmm_exits - s2.vmm_exits == 1 &&
			 s3.maps_4k == s2.maps_4k && !ppc_ptw_remove(dev, w.id),
			 "munmap of the host BAR mapping %s; the guest's accesses %s\n",
			 PPC_PTW_EXPECT("unmaps the window", "maps nothing away"),
			 PPC_PTW_EXPECT("then exit to the VMM",
					"exit before and after, the VMM serves them"));
}

struct race {
	int dev;
	u32 id;
	volatile int stop;
	unsigned int moves, fails;
};

static void *mover(void *arg)
{
	struct race *rc = arg;

	while (!rc->stop && rc->moves < RACE_MOVES) {
		if (ppc_ptw_move(rc->dev, rc->id,
				 rc->moves & 1 ? RACE_A : RACE_B))
			rc->fails++;
		rc->moves++;
		usleep(200);
	}
	return NULL;
}

/*
 * The guest loads header qword 2 at A and B alternately; each value must
 * be the device's or the VMM's fill: r20 counts the others, r21 the
 * device's values, r22 the VMM's.
 */
static void test_race(struct ppc_vcpu *vcpu, int dev, struct ppc_mmio_log *log)
{
	struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, RACE_A);
	u64 dev_val, fill = ppc_mmio_fill_val(FILL, 8), loop;
	int regs[] = { 20, 21, 22 };
	struct race rc = { .dev = dev };
	unsigned int b1, b2, b3;
	struct ppc_ucall uc;
	pthread_t t;
	int r;

	ppc_testdev_select(td, 0);
	dev_val = ppc_bar_rd(td, 16, 8);
	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, RACE_A + 16);
	ppc_li64(&code, 31, RACE_B + 16);
	ppc_li64(&code, 23, dev_val);
	ppc_li64(&code, 24, fill);
	ppc_li(&code, 20, 0);
	ppc_li(&code, 21, 0);
	ppc_li(&code, 22, 0);
	ppc_li64(&code, 14, RACE_LOOPS);
	ppc_mtctr(&code, 14);
	loop = ppc_here(&code);
	ppc_ld(&code, 15, 0, 30);
	ppc_mr(&code, 16, 30);			/* swap A and B */
	ppc_mr(&code, 30, 31);
	ppc_mr(&code, 31, 16);
	ppc_cmpd(&code, 15, 23);
	b1 = ppc_bc_fwd(&code, PPC_BO_FALSE, PPC_CR0_EQ);
	ppc_addi(&code, 21, 21, 1);
	b2 = ppc_bc_fwd(&code, PPC_BO_ALWAYS, 0);
	ppc_patch_here(&code, b1);
	ppc_cmpd(&code, 15, 24);
	b3 = ppc_bc_fwd(&code, PPC_BO_FALSE, PPC_CR0_EQ);
	ppc_addi(&code, 22, 22, 1);
	b1 = ppc_bc_fwd(&code, PPC_BO_ALWAYS, 0);
	ppc_patch_here(&code, b3);
	ppc_addi(&code, 20, 20, 1);
	ppc_patch_here(&code, b1);
	ppc_patch_here(&code, b2);
	ppc_bdnz(&code, loop);
	ppc_ucall(&code, PPC_UCALL_SYNC, 3, regs);
	ppc_done(&code);

	r = ppc_ptw_add(dev, &w);
	rc.id = w.id;
	if (!r)
		r = ppc_guest_load(vcpu, &code);
	if (r) {
		ksft_test_result_fail("race setup: %s\n", ppc_errmsg());
		return;
	}
	ppc_mmio_log_reset(log);
	if (pthread_create(&t, NULL, mover, &rc)) {
		ksft_test_result_fail("pthread_create\n");
		return;
	}
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, ppc_mmio_log_fn, log);
	rc.stop = 1;
	pthread_join(t, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	ppc_ptw_remove(dev, w.id);
	ksft_print_msg("%u MOVEs (%u failed) during %u guest loads: %llu from the device, %llu from the VMM, %llu other\n",
		       rc.moves, rc.fails, RACE_LOOPS, ULL(uc.args[1]),
		       ULL(uc.args[2]), ULL(uc.args[0]));
	ksft_test_result(!r && !rc.fails && rc.moves > 0 && !uc.args[0] &&
			 uc.args[1] + uc.args[2] == RACE_LOOPS &&
			 uc.args[2] == log->n,
			 "MOVEs racing the guest: every load reads the device or exits to the VMM%s%s\n",
			 r ? ": " : "", r ? ppc_errmsg() : "");
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
	if (td->offset != 0x4000 || sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("pci-testdev BAR0 is not at +0x4000 of a 64K page\n");
	ksft_set_plan(7);
	if (ppc_mmio_log_init(&log, RACE_LOOPS, FILL))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	test_move_remove(vcpu, dev, &log);
	test_race(vcpu, dev, &log);
	test_host_gone(vcpu, dev, &log);

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	close(dev);
	ppc_vm_free(vm);
	ppc_mmio_log_free(&log);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
