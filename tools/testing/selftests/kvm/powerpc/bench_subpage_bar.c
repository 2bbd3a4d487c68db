// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: guest loads and stores spread over a 64K window at a
 * mismatched offset, with the window (4K mappings) and without (today:
 * every access exits to the VMM, which does it on the device).
 *
 * The window is 32K of e1000e's packet buffer memory (register BAR0 +
 * 0x10000, 64K aligned on the host; plain storage), at guest 0x80001000:
 * guest and host offsets differ, so no host-page mapping can serve it.
 * Before each run the host writes a pattern there through its own mapping
 * (every word holds its own offset, ppc_pattern.h). The guest runs a bdnz
 * loop of one load and one store per iteration over every qword of the
 * window (stride 0x1048 modulo 32K); each store writes STORE_BASE + its
 * window offset. The host replays the loop on a model of the window: the
 * hash of the guest's loads, in order (h = h * HASH_MUL + value), and the
 * device's contents afterwards must equal the model's, so an access that lands on the wrong host byte (0x1000 off,
 * or another page) fails the benchmark.
 *
 * Prints one line:
 *   bench subpage-bar: accesses=N faults=F vmm_exits=E baseline_vmm_exits=B
 * F = the window's stats.faults during the run, E = KVM_EXIT_MMIO exits
 * during it, B = KVM_EXIT_MMIO exits of the same run with no window. Goal:
 * F <= 8 (one per 4K page), E = 0, B = N.
 *
 * On a hash host the guest is an HPT guest: it first maps the window's 8
 * 4K pages with H_ENTER (cache-inhibited, guarded) and runs the loop with
 * data relocation on; the line is then "bench subpage-bar-hpt: ...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"
#include "ppc_pattern.h"

#define WIN_GPA		0x80001000ULL	/* 4K aligned, not 64K aligned */
#define WIN_OFF		PPC_E1000E_PBM	/* in BAR0 */
#define WIN_SIZE	0x8000ULL	/* 8 4K pages, a power of 2 */
#define ITERATIONS	50000ULL	/* one load + one store each */
#define STRIDE		0x1048ULL	/* odd multiple of 8: visits all qwords */
#define STORE_BASE	0x5170000000000000ULL	/* + window offset */
#define HASH_MUL	0x100000001b3ULL	/* FNV-1's 64-bit prime */
#define HPT_ORDER	18
#define HPT_VSID	0x4321ULL
#define HPT_EA		0x10001000ULL	/* same offset in its segment */

static struct ppc_asm code;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/*
 * Guest: the loop; reports the hash of what it loaded, and r20. An
 * HPT guest maps the window's pages at HPT_EA first and turns data
 * relocation on around the loop.
 */
static void build_guest(bool hpt)
{
	int regs[] = { 25, 20 };
	struct ppc_hpt_map m;
	u64 loop, i;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, WIN_GPA);
	for (i = 0; hpt && i < WIN_SIZE / PPC_SZ_4K; i++) {
		ppc_hpt_map_4k(&m, HPT_ORDER, HPT_VSID, HPT_EA + i * PPC_SZ_4K,
			       WIN_GPA + i * PPC_SZ_4K,
			       PPC_HPTE_R_I | PPC_HPTE_R_G);
		ppc_hpt_enter(&code, &m, 1 + i);
	}
	if (hpt) {
		ppc_li64(&code, 30, HPT_EA);
		ppc_data_relocate(&code, true);
	}
	ppc_li64(&code, 26, STORE_BASE);
	ppc_li(&code, 20, 0);			/* offset in the window */
	ppc_li(&code, 25, 0);			/* hash of the loads */
	ppc_li64(&code, 24, HASH_MUL);
	ppc_li64(&code, 14, ITERATIONS);
	ppc_mtctr(&code, 14);
	loop = ppc_here(&code);
	ppc_add(&code, 21, 30, 20);
	ppc_ld(&code, 15, 0, 21);
	ppc_mulld(&code, 25, 25, 24);
	ppc_add(&code, 25, 25, 15);
	ppc_add(&code, 27, 26, 20);
	ppc_std(&code, 27, 0, 21);
	ppc_addi(&code, 20, 20, STRIDE);
	ppc_andi_dot(&code, 20, 20, (WIN_SIZE - 1) & ~7ULL);
	ppc_bdnz(&code, loop);
	ppc_sync(&code);
	if (hpt)
		ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 2, regs);
	ppc_done(&code);
}

/*
 * The loop replayed on the pattern: the guest's hash must be the return
 * value, the window's qwords afterwards mem[].
 */
static u64 model(u64 *mem)
{
	u64 x = 0, off = 0, i;

	for (i = 0; i < WIN_SIZE / 8; i++)
		mem[i] = ppc_pattern_qword(PPC_PATTERN_TAG, WIN_OFF + 8 * i);
	for (i = 0; i < ITERATIONS; i++) {
		x = x * HASH_MUL + mem[off / 8];
		mem[off / 8] = STORE_BASE + off;
		off = (off + STRIDE) & (WIN_SIZE - 8);
	}
	return x;
}

/*
 * Run the loop once; returns 0 and the guest's hash, or a negative errno.
 * *guest_exits: every exit of the guest to the host kernel meanwhile
 * (KVM's sum_exits; -1 if debugfs does not say).
 */
static int run_once(struct ppc_vcpu *vcpu, struct ppc_mmio_log *log,
		    u64 *hash, double *secs, long long *guest_exits)
{
	long long e0 = ppc_vm_stat(vcpu->vm, "sum_exits");
	struct ppc_ucall uc;
	double t0;
	int r;

	ppc_mmio_log_reset(log);
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	t0 = now();
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, log);
	*secs = now() - t0;
	*guest_exits = e0 < 0 ? -1 : ppc_vm_stat(vcpu->vm, "sum_exits") - e0;
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	*hash = uc.args[0];
	return r;
}

int main(void)
{
	static u64 want_mem[WIN_SIZE / 8];
	struct kvm_ppc_pt_window_stats s0, s1;
	struct kvm_ppc_pt_window w;
	struct ppc_mmio_log log;
	struct ppc_ptw_bed bed;
	struct ppc_pci_bar *rg = &bed.regs;
	u64 accesses = 2 * ITERATIONS, want, x_win = 0, x_base = 0;
	u64 faults, exits, base_exits;
	unsigned int bad_win = 0, bad_base = 0;
	double t_win, t_base;
	long long g_win = -1, g_base = -1;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int dev, r, rb;
	bool hpt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	hpt = r;
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	if (rg->size < WIN_OFF + WIN_SIZE || (rg->start & (PPC_SZ_64K - 1)) ||
	    sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("e1000e BAR0 is not 64K aligned on a 64K-page host\n");
	ksft_set_plan(2);
	ksft_print_msg("window: e1000e BAR0+0x%llx (packet buffer) at 0x%llx (+0x%llx in its host page), 0x%llx bytes at guest 0x%llx (+0x%llx)\n",
		       ULL(WIN_OFF), ULL(rg->start + WIN_OFF),
		       ULL((rg->start + WIN_OFF) & (PPC_SZ_64K - 1)),
		       ULL(WIN_SIZE), WIN_GPA, WIN_GPA & (PPC_SZ_64K - 1));
	want = model(want_mem);
	build_guest(hpt);
	if (code.err)
		ksft_exit_fail_msg("guest code: %s\n", code.err);
	if (ppc_mmio_log_init(&log, 0, 0))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	vm = hpt ? ppc_hash_guest_create(&vcpu, HPT_ORDER) :
		   ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	/* With the window */
	r = ppc_pbm_fill(rg, PPC_PATTERN_TAG, WIN_OFF, WIN_SIZE);
	if (r)
		ksft_exit_fail_msg("pattern: %s\n", ppc_errmsg());
	w = ppc_ptw_window(rg, WIN_OFF, WIN_SIZE, WIN_GPA);
	r = ppc_ptw_add(dev, &w);
	ppc_ptw_stats(dev, &s0);
	if (!r)
		r = run_once(vcpu, &log, &x_win, &t_win, &g_win);
	ppc_ptw_stats(dev, &s1);
	faults = s1.faults - s0.faults;
	exits = vcpu->exits[KVM_EXIT_MMIO];
	if (r)
		ksft_print_msg("window run: %s\n", ppc_errmsg());
	ppc_ptw_stats_print("window stats", &s1);
	bad_win = ppc_pbm_compare(rg, WIN_OFF, WIN_SIZE, want_mem,
				  "after the window run");
	if (w.id != ~0U)
		ppc_ptw_remove(dev, w.id);

	/* The status quo: no window, the VMM does every access */
	rb = ppc_pbm_fill(rg, PPC_PATTERN_TAG, WIN_OFF, WIN_SIZE);
	log.fwd = rg;
	log.fwd_gpa = WIN_GPA - WIN_OFF;
	log.forward_stores = true;
	if (!rb)
		rb = run_once(vcpu, &log, &x_base, &t_base, &g_base);
	base_exits = vcpu->exits[KVM_EXIT_MMIO];
	if (rb)
		ksft_print_msg("baseline run: %s\n", ppc_errmsg());
	bad_base = ppc_pbm_compare(rg, WIN_OFF, WIN_SIZE, want_mem,
				   "after the baseline run");
	ksft_print_msg("window: %.3f s, %lld guest exits to the host kernel; no window: %.3f s, %lld guest exits (%llu accesses done by the VMM)\n",
		       t_win, g_win, t_base, g_base, ULL(log.fwd_n));

	printf("bench subpage-bar%s: accesses=%llu faults=%llu vmm_exits=%llu baseline_vmm_exits=%llu\n",
	       hpt ? "-hpt" : "", ULL(accesses), ULL(faults), ULL(exits), ULL(base_exits));
	ksft_test_result(!r && !rb && faults <= WIN_SIZE / PPC_SZ_4K &&
			 exits == 0 && base_exits == accesses,
			 "goal: faults %llu <= %llu, vmm_exits %llu = 0, baseline_vmm_exits %llu = %llu\n",
			 ULL(faults), ULL(WIN_SIZE / PPC_SZ_4K), ULL(exits),
			 ULL(base_exits), ULL(accesses));
	ksft_test_result(!r && !rb && x_win == want && x_base == want &&
			 !bad_win && !bad_base,
			 "the guest's loads read the pattern (hash 0x%llx/0x%llx, model 0x%llx) and its stores land where the model says (%u/%u qwords differ)\n",
			 ULL(x_win), ULL(x_base), ULL(want), bad_win, bad_base);

	close(dev);
	ppc_vm_free(vm);
	ppc_mmio_log_free(&log);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
