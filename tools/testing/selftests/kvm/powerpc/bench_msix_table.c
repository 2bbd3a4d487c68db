// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: guest mask/unmask writes to an MSI-X table, with the table
 * trapped in the kernel (a window with MSI-X) and as today (no window: the
 * VMM emulates the table, every access exits to it; this test's MMIO
 * handler plays the VMM), in the same boot.
 *
 * The guest stores vector_ctl of entry 0 WRITES times in a mtctr/bdnz loop,
 * alternating unmask and mask; the entry holds a valid message (MSI window,
 * an XICS source), so every unmask routes and every mask unroutes.
 *
 *   bench msix-table: writes=10000 vmm_exits=E baseline_vmm_exits=B
 *     trap_host_insns=T exit_host_insns=X emul_x86_insns=I
 *
 * E and B are KVM_EXIT_MMIO exits during the loop.
 *
 * T and X are measured here, in the emulated host: instructions the host
 * executes per guest table write (perf_event_open, PERF_COUNT_HW_INSTRUCTIONS
 * on the PMU QEMU emulates, counted on the vCPU thread around KVM_RUN; the
 * guest itself is not counted), T with the trap, X as today (exit to the
 * VMM, which emulates the table: host kernel + VMM). Each is the count of a
 * batch of WRITES writes minus that of a batch of one, over WRITES - 1.
 * Before that, known work (a user loop, syscalls) tells whether the PMU
 * counts and whether it tells kernel from user; where it does not (QEMU
 * 7.2 TCG ignores MMCR0 FCS/FCP), T and X are kernel + user, and T's user
 * part is nil anyway (the VMM is not involved). "unavailable" if the PMU
 * cannot count at all, with the evidence printed.
 *
 * I is NOT the cost of a trapped access: it is callgrind's count of the
 * emulator function alone (msix_emul.c built for x86 in the harness, stub
 * callbacks), passed by make bench as PTW_MSIX_INSNS_PER_ACCESS.
 *
 * The TAP result checks E = 0, B = WRITES, the kernel's counters, that I
 * was supplied and, where the PMU counts, that T < X.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kselftest.h"
#include "ppc_asm.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"
#include "ppc_perf.h"

#define WRITES		10000
#define WIN_GPA		0x80000000ULL
#define NR_SRC		4

/* The status quo's VMM: a table in userspace, one exit per access */
struct vmm_table {
	u64 exits;
	u64 table_gpa;
	u16 nvec;
	u32 entry[PPC_MSIX_MAX_VEC][4];
	u64 bad;
};

static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct vmm_table *t = opaque;
	u64 off = run->mmio.phys_addr - t->table_gpa;
	u32 val = 0, *field;

	t->exits++;
	if (run->mmio.phys_addr < t->table_gpa ||
	    off >= (u64)t->nvec * PPC_MSIX_ENTRY || run->mmio.len != 4 ||
	    off % 4) {
		t->bad++;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return 0;
	}
	field = &t->entry[off / PPC_MSIX_ENTRY][off % PPC_MSIX_ENTRY / 4];
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, 4);
		if (off % PPC_MSIX_ENTRY == PPC_MSIX_CTL)
			val &= PPC_MSIX_CTL_MASKED;
		else if (off % PPC_MSIX_ENTRY == PPC_MSIX_ADDR_LO)
			val &= ~3U;
		*field = val;
	} else {
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, field, 4);
	}
	return 0;
}

static int load_loop(struct ppc_vcpu *vcpu, u64 ctl_gpa, u64 writes)
{
	struct ppc_asm *a = malloc(sizeof(*a));
	u64 loop;
	int r;

	if (!a)
		return ppc_set_err(ENOMEM, "guest code");
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	ppc_li64(a, 20, ctl_gpa);
	ppc_li(a, 15, PPC_MSIX_CTL_MASKED);
	ppc_li(a, 16, 1);
	ppc_li64(a, 14, writes);
	ppc_mtctr(a, 14);
	loop = ppc_here(a);
	ppc_xor(a, 15, 15, 16);
	ppc_stw(a, 15, 0, 20);
	ppc_bdnz(a, loop);
	ppc_sync(a);
	ppc_done(a);
	r = ppc_guest_load(vcpu, a);
	free(a);
	return r;
}

/*
 * Host instructions per write: a batch of WRITES minus a batch of one.
 * Returns 0 and *per, or a negative errno.
 */
static int measure(struct ppc_vcpu *vcpu, u64 ctl_gpa, struct ppc_perf *pf,
		   ppc_mmio_fn mmio, void *opaque, u64 *per_k, u64 *per_u)
{
	u64 k[2], u[2], n[2] = { WRITES, 1 };
	int i, r = 0;

	for (i = 0; !r && i < 2; i++) {
		r = load_loop(vcpu, ctl_gpa, n[i]);
		if (!r)
			r = ppc_perf_begin(pf);
		if (!r)
			r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, mmio,
						opaque);
		if (!r)
			r = ppc_perf_end(pf);
		k[i] = pf->kernel;
		u[i] = pf->user;
	}
	if (r)
		return r;
	*per_k = k[0] > k[1] ? (k[0] - k[1]) / (WRITES - 1) : 0;
	*per_u = u[0] > u[1] ? (u[0] - u[1]) / (WRITES - 1) : 0;
	ksft_print_msg("perf: %d writes: kernel %llu user %llu; 1 write: kernel %llu user %llu\n",
		       WRITES, (unsigned long long)k[0], (unsigned long long)u[0],
		       (unsigned long long)k[1], (unsigned long long)u[1]);
	return 0;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(void)
{
	struct kvm_ppc_pt_window_stats before, after, d;
	struct vmm_table window_vmm = { 0 }, vmm = { 0 };
	const char *insns = getenv("PTW_MSIX_INSNS_PER_ACCESS");
	struct ppc_vcpu *vcpu, *bvcpu;
	struct ppc_vm *vm, *bvm;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_irqchip ic;
	struct ppc_msix_win mw;
	struct ppc_prog prog;
	struct ppc_perf pf;
	struct ppc_perf_check pc;
	u64 tk = 0, tu = 0, xk = 0, xu = 0, t_ins = 0, x_ins = 0;
	char t_str[32] = "unavailable", x_str[32] = "unavailable";
	bool have_perf = false;
	u32 final_ctl;
	u64 e, b, table_gpa;
	u64 t0, tw, tb;
	bool insns_ok;
	char *end;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(1);
	r = ppc_perf_open(&pf);
	if (!r)
		r = ppc_perf_check(&pf, &pc);
	if (r) {
		ksft_print_msg("perf: %s: no instruction counts here\n",
			       ppc_errmsg());
	} else {
		ksft_print_msg("perf: a user loop of %llu instructions counts %llu kernel-only, %llu user-only; %llu getppid() count %llu kernel-only, %llu user-only\n",
			       2 * PPC_PERF_LOOP, (unsigned long long)pc.loop_kernel,
			       (unsigned long long)pc.loop_user, PPC_PERF_SYSCALLS,
			       (unsigned long long)pc.sys_kernel,
			       (unsigned long long)pc.sys_user);
		ksft_print_msg("perf: the PMU %s; it %s kernel from user%s\n",
			       pc.counts ? "counts instructions" :
			       "does not count the loop right",
			       pc.split ? "tells" : "does not tell",
			       pc.split ? "" : " (both counters count everything: the counts below are host kernel + user)");
		have_perf = pc.counts;
	}
	if (ppc_msix_virtio_open(&bar, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	table_gpa = WIN_GPA + cap.table_offset;

	/* With the window: the kernel serves the table */
	vm = ppc_guest_create(&vcpu);
	if (!vm || ppc_xics_setup(vm, &ic, NR_SRC) ||
	    ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA, cap.table_offset,
			     cap.pba_offset, 1) ||
	    ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE))
		ksft_exit_fail_msg("VM with a window: %s\n", ppc_errmsg());
	ppc_prog_init(&prog);
	ppc_prog_entry(&prog, &mw, 0, PPC_MSI_WINDOW, PPC_IRQ_BASE,
		       PPC_MSIX_CTL_MASKED);
	window_vmm.table_gpa = table_gpa;
	window_vmm.nvec = 1;
	r = ppc_prog_run(vcpu, &prog, vmm_mmio, NULL, &window_vmm);
	if (!r)
		r = load_loop(vcpu, table_gpa + PPC_MSIX_CTL, WRITES);
	if (!r)
		r = ppc_msix_stats(mw.dev, &before);
	if (r)
		ksft_exit_fail_msg("setup: %s\n", ppc_errmsg());
	window_vmm.exits = 0;
	ppc_vcpu_clear_stats(vcpu);
	t0 = now_ns();
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, vmm_mmio,
				&window_vmm);
	tw = now_ns() - t0;
	if (!r)
		r = ppc_msix_stats(mw.dev, &after);
	if (r)
		ksft_exit_fail_msg("loop with the window: %s\n", ppc_errmsg());
	e = vcpu->exits[KVM_EXIT_MMIO];
	ppc_msix_stats_sub(&d, &after, &before);
	ppc_msix_stats_print("with the window", &d);
	if (have_perf &&
	    measure(vcpu, table_gpa + PPC_MSIX_CTL, &pf, vmm_mmio, &window_vmm,
		    &tk, &tu)) {
		ksft_print_msg("perf with the window: %s\n", ppc_errmsg());
		have_perf = false;
	}

	/* Status quo: no window, the VMM (this test) emulates the table */
	bvm = ppc_guest_create(&bvcpu);
	if (!bvm)
		ksft_exit_fail_msg("baseline VM: %s\n", ppc_errmsg());
	vmm.table_gpa = table_gpa;
	vmm.nvec = 1;
	vmm.entry[0][3] = PPC_MSIX_CTL_MASKED;
	r = load_loop(bvcpu, table_gpa + PPC_MSIX_CTL, WRITES);
	if (r)
		ksft_exit_fail_msg("baseline: %s\n", ppc_errmsg());
	ppc_vcpu_clear_stats(bvcpu);
	t0 = now_ns();
	r = ppc_vcpu_run_expect(bvcpu, PPC_UCALL_DONE, NULL, vmm_mmio, &vmm);
	tb = now_ns() - t0;
	if (r)
		ksft_exit_fail_msg("baseline loop: %s\n", ppc_errmsg());
	b = bvcpu->exits[KVM_EXIT_MMIO];
	final_ctl = vmm.entry[0][3];
	if (have_perf &&
	    measure(bvcpu, table_gpa + PPC_MSIX_CTL, &pf, vmm_mmio, &vmm,
		    &xk, &xu)) {
		ksft_print_msg("perf without a window: %s\n", ppc_errmsg());
		have_perf = false;
	}
	if (have_perf) {
		/* Without a split, either counter already counts both */
		t_ins = pc.split ? tk + tu : tk;
		x_ins = pc.split ? xk + xu : xk;
		snprintf(t_str, sizeof(t_str), "%llu", (unsigned long long)t_ins);
		snprintf(x_str, sizeof(x_str), "%llu", (unsigned long long)x_ins);
		if (pc.split)
			ksft_print_msg("perf: per write: trap %llu kernel + %llu user; exit to the VMM %llu kernel + %llu VMM\n",
				       (unsigned long long)tk, (unsigned long long)tu,
				       (unsigned long long)xk, (unsigned long long)xu);
		else
			ksft_print_msg("perf: per write: trap %llu, exit to the VMM %llu (host kernel + user, not separable here)\n",
				       (unsigned long long)t_ins, (unsigned long long)x_ins);
	}

	ksft_print_msg("time per write (emulated host, TCG): %llu ns with the window, %llu ns status quo; status quo table vector_ctl 0x%x, %llu bad exits\n",
		       (unsigned long long)(tw / WRITES),
		       (unsigned long long)(tb / WRITES),
		       final_ctl, (unsigned long long)vmm.bad);
	insns_ok = insns && *insns && strtoull(insns, &end, 10) > 0 && !*end;
	printf("bench msix-table: writes=%d vmm_exits=%llu baseline_vmm_exits=%llu trap_host_insns=%s exit_host_insns=%s emul_x86_insns=%s\n",
	       WRITES, (unsigned long long)e, (unsigned long long)b,
	       t_str, x_str, insns_ok ? insns : "missing");
	if (!insns_ok)
		ksft_print_msg("PTW_MSIX_INSNS_PER_ACCESS is not set to a count (make bench supplies it from callgrind)\n");
	ppc_expect_begin();
	EXPECT_EQ(e, 0, "exits with the window");
	EXPECT_EQ(b, WRITES, "exits without a window");
	EXPECT_EQ(d.msix_table_accesses, WRITES, "table writes the kernel served");
	EXPECT_EQ(d.msix_routed, WRITES / 2, "unmasks routed");
	EXPECT_EQ(final_ctl, PPC_MSIX_CTL_MASKED, "status quo table's final vector_ctl");
	EXPECT(insns_ok, "emul_x86_insns not supplied");
	EXPECT(!have_perf || t_ins < x_ins,
	       "a trapped write costs the host %llu instructions, an exit to the VMM %llu",
	       (unsigned long long)t_ins, (unsigned long long)x_ins);
	ksft_test_result(ppc_expect_ok(),
			 "bench msix-table: E = %llu (0 expected), B = %llu (%d expected), host instructions per write %s with the trap, %s without, emul_x86_insns %s\n",
			 (unsigned long long)e, (unsigned long long)b, WRITES,
			 t_str, x_str, insns_ok ? "supplied" : "missing");
	ppc_perf_close(&pf);

	ppc_msix_win_free(&mw);
	ppc_vm_free(bvm);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	ksft_finished();
}
