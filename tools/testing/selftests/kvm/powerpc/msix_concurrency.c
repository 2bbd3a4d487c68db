// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: two vCPUs of one VM write the same trapped table at
 * once, each its own entries, while the host signals every vector.
 *
 * vCPU k owns entries 2k and 2k+1. In each of ITERS rounds it writes an
 * entry's address (QWORD), data (a source that alternates between two
 * per round) and unmasks it, reads all three back and checks them, masks
 * it and checks vector_ctl: a guest assertion fails at the first value
 * that is not its own. Meanwhile a host thread writes the four vectors'
 * eventfds in a loop. Afterwards:
 *   - the table holds each entry's last round, read by vCPU 0;
 *   - the window device counted every access exactly, and every
 *     unmask/mask as one routing and one unrouting;
 *   - every signal was either delivered at once or set a pending bit, and
 *     a pending bit is delivered only at an unmask: signals - pending <=
 *     delivered <= signals, and delivered - (signals - pending) <= the
 *     number of unmasks (pending bits merge, so no equality there);
 *   - what vCPU 0 then takes from its XICS are sources of those vectors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "../../kselftest.h"
#include "ppc_asm.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define NR_SRC		32
#define ITERS		400
#define ACC_PER_ENTRY	8	/* table accesses per entry per round */
#define CODE1_GPA	0x8000ULL
#define NVEC		4

static struct ppc_prog prog;

struct signaller {
	struct ppc_msix_win *mw;
	volatile int stop;
	u64 signals[NVEC];
	int err;
};

static void *signal_fn(void *arg)
{
	struct signaller *s = arg;
	unsigned int v = 0;

	while (!s->stop) {
		if (eventfd_write(s->mw->efd[v], 1)) {
			s->err = errno;
			break;
		}
		s->signals[v]++;
		v = (v + 1) % NVEC;
		if (!v)
			usleep(50);
	}
	return NULL;
}

static u32 data_of(unsigned int e, unsigned int iter)
{
	return PPC_IRQ_BASE + e + 16 * (iter & 1);
}

/*
 * vCPU k's loop. r20 table, r21 address QWORD, r22 round, r23 entry,
 * r24 expected, r25 data, r26 scratch, r27 loaded value.
 */
static int load_hammer(struct ppc_vcpu *vcpu, const struct ppc_msix_win *mw,
		       unsigned int k, u64 base)
{
	struct ppc_asm *a = malloc(sizeof(*a));
	int regs[3] = { 22, 27, 23 };
	u64 fail, loop;
	unsigned int e, skip;
	int r;

	if (!a)
		return ppc_set_err(ENOMEM, "guest code");
	ppc_asm_init(a, base);
	skip = ppc_bc_fwd(a, PPC_BO_ALWAYS, 0);
	fail = ppc_here(a);
	ppc_ucall(a, PPC_UCALL_ASSERT_FAIL, 3, regs);
	ppc_b(a, fail);
	ppc_patch_here(a, skip);
	ppc_li64(a, 20, mw->gpa + mw->table);
	ppc_li64(a, 21, PPC_MSI_WINDOW);
	ppc_li(a, 22, 0);
	ppc_li64(a, 26, ITERS);
	ppc_mtctr(a, 26);
	loop = ppc_here(a);
	for (e = 2 * k; e < 2 * k + 2; e++) {
		ppc_addi(a, 23, 20, PPC_MSIX_ENTRY * e);
		ppc_std(a, 21, PPC_MSIX_ADDR_LO, 23);
		/* data = PPC_IRQ_BASE + e + 16 * (round & 1) */
		ppc_andi_dot(a, 25, 22, 1);
		ppc_sldi(a, 25, 25, 4);
		ppc_addi(a, 25, 25, PPC_IRQ_BASE + e);
		ppc_stw(a, 25, PPC_MSIX_DATA, 23);
		ppc_li(a, 26, 0);
		ppc_stw(a, 26, PPC_MSIX_CTL, 23);
		ppc_ld(a, 27, PPC_MSIX_ADDR_LO, 23);
		ppc_cmpd(a, 27, 21);
		ppc_bne(a, fail);
		ppc_lwz(a, 27, PPC_MSIX_DATA, 23);
		ppc_cmpd(a, 27, 25);
		ppc_bne(a, fail);
		ppc_lwz(a, 27, PPC_MSIX_CTL, 23);
		ppc_cmpdi(a, 27, 0);
		ppc_bne(a, fail);
		ppc_li(a, 26, PPC_MSIX_CTL_MASKED);
		ppc_stw(a, 26, PPC_MSIX_CTL, 23);
		ppc_lwz(a, 27, PPC_MSIX_CTL, 23);
		ppc_cmpdi(a, 27, PPC_MSIX_CTL_MASKED);
		ppc_bne(a, fail);
	}
	ppc_addi(a, 22, 22, 1);
	ppc_bdnz(a, loop);
	ppc_done(a);
	r = ppc_guest_load(vcpu, a);
	free(a);
	return r;
}

int main(void)
{
	struct kvm_ppc_pt_window_stats before, after, d;
	struct ppc_vcpu_thread th[2];
	struct ppc_vcpu *vcpu[2];
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_irqchip ic;
	struct ppc_msix_win mw;
	struct signaller sig = { 0 };
	unsigned int rd[NVEC][3], pba, take[64], e, i, got = 0;
	u64 signals = 0, accesses;
	u64 overlap, first_end, last_start;
	pthread_t sig_tid;
	struct ppc_vm *vm;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_msix_virtio_open(&bar, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	if (cap.nvec < NVEC)
		ksft_exit_skip("virtio-net has %u MSI-X vectors, need %u\n",
			       cap.nvec, NVEC);
	vm = ppc_guest_create(&vcpu[0]);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	vcpu[1] = ppc_guest_add_vcpu(vm, 1);
	if (!vcpu[1])
		ksft_exit_fail_msg("vCPU 1: %s\n", ppc_errmsg());
	if (ppc_xics_setup(vm, &ic, NR_SRC))
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	if (ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA, cap.table_offset,
			     cap.pba_offset, NVEC) ||
	    ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_print_msg("%s; 2 vCPUs x %u rounds x 2 entries x %u table accesses, host signalling vectors 0-%u; %ld CPUs online\n",
		       ic.name, ITERS, ACC_PER_ENTRY, NVEC - 1,
		       sysconf(_SC_NPROCESSORS_ONLN));
	ksft_set_plan(4);

	if (load_hammer(vcpu[0], &mw, 0, PPC_GUEST_CODE_GPA) ||
	    load_hammer(vcpu[1], &mw, 1, CODE1_GPA))
		ksft_exit_fail_msg("guest code: %s\n", ppc_errmsg());
	if (ppc_msix_stats(mw.dev, &before))
		ksft_exit_fail_msg("stats: %s\n", ppc_errmsg());
	sig.mw = &mw;
	if (pthread_create(&sig_tid, NULL, signal_fn, &sig))
		ksft_exit_fail_msg("signaller thread\n");
	r = ppc_vcpu_thread_start(&th[0], vcpu[0], NULL, NULL);
	if (!r)
		r = ppc_vcpu_thread_start(&th[1], vcpu[1], NULL, NULL);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	r = ppc_vcpu_thread_join(&th[0], 240);
	if (r)
		ksft_print_msg("%s\n", ppc_errmsg());
	i = ppc_vcpu_thread_join(&th[1], 240);
	if (i)
		ksft_print_msg("%s\n", ppc_errmsg());
	r = r ? r : (int)i;
	sig.stop = 1;
	pthread_join(sig_tid, NULL);
	if (ppc_msix_stats(mw.dev, &after))
		ksft_exit_fail_msg("stats: %s\n", ppc_errmsg());
	ppc_msix_stats_sub(&d, &after, &before);
	for (i = 0; i < NVEC; i++)
		signals += sig.signals[i];
	first_end = ppc_ts_ns(&th[0].end) < ppc_ts_ns(&th[1].end) ?
		    ppc_ts_ns(&th[0].end) : ppc_ts_ns(&th[1].end);
	last_start = ppc_ts_ns(&th[0].start) > ppc_ts_ns(&th[1].start) ?
		     ppc_ts_ns(&th[0].start) : ppc_ts_ns(&th[1].start);
	overlap = first_end > last_start ? first_end - last_start : 0;
	for (i = 0; i < 2; i++)
		ksft_print_msg("vCPU %u: %llu ms, %llu KVM_RUN, %s\n", i,
			       (unsigned long long)(ppc_ts_ns(&th[i].end) -
						    ppc_ts_ns(&th[i].start)) / 1000000,
			       (unsigned long long)th[i].runs,
			       th[i].result ? th[i].err : "DONE");
	ksft_print_msg("runs overlapped for %llu ms; host signals %llu (%s)\n",
		       (unsigned long long)overlap / 1000000, (unsigned long long)signals,
		       sig.err ? strerror(sig.err) : "ok");
	ppc_msix_stats_print("both vCPUs", &d);

	ppc_expect_begin();
	EXPECT_EQ(r, 0, "both vCPUs ran their rounds without a wrong value");
	EXPECT(overlap > 0, "the vCPU runs did not overlap");
	EXPECT_EQ(sig.err, 0, "eventfd writes");
	ksft_test_result(ppc_expect_ok(),
			 "two vCPUs, each writing and checking its own entries %u times while the other does, never read a value they did not write\n",
			 ITERS);

	accesses = 2ULL * 2 * ITERS * ACC_PER_ENTRY;
	ppc_expect_begin();
	EXPECT_EQ(d.msix_table_accesses, accesses, "table accesses");
	EXPECT_EQ(d.msix_invalid_accesses, 0, "invalid accesses");
	EXPECT_EQ(d.msix_routed, 2ULL * 2 * ITERS, "vectors routed (unmasks)");
	EXPECT_EQ(d.msix_unrouted, 2ULL * 2 * ITERS, "vectors unrouted (masks)");
	EXPECT_EQ(d.msix_invalid_msgs, 0, "invalid messages");
	EXPECT(d.msix_delivered <= signals && d.msix_pending <= signals,
	       "delivered %llu or pending %llu > signals %llu",
	       (unsigned long long)d.msix_delivered,
	       (unsigned long long)d.msix_pending,
	       (unsigned long long)signals);
	EXPECT(signals - d.msix_pending <= d.msix_delivered,
	       "signals %llu - pending %llu > delivered %llu: signals lost",
	       (unsigned long long)signals,
	       (unsigned long long)d.msix_pending,
	       (unsigned long long)d.msix_delivered);
	EXPECT(d.msix_delivered - (signals - d.msix_pending) <= d.msix_routed,
	       "%llu deliveries from pending bits > %llu unmasks",
	       (unsigned long long)(d.msix_delivered - (signals - d.msix_pending)),
	       (unsigned long long)d.msix_routed);
	ksft_test_result(ppc_expect_ok(),
			 "counters: %llu table accesses, %u routings and unroutings; %llu signals: %llu delivered, %llu set a pending bit, none lost\n",
			 (unsigned long long)accesses, 2 * 2 * ITERS,
			 (unsigned long long)signals,
			 (unsigned long long)d.msix_delivered,
			 (unsigned long long)d.msix_pending);

	/* Final state, from vCPU 0; then drain its interrupts */
	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (e = 0; e < NVEC; e++) {
		rd[e][0] = ppc_prog_ld(&prog, 8, ppc_msix_entry_gpa(&mw, e, 0));
		rd[e][1] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&mw, e, PPC_MSIX_DATA));
		rd[e][2] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&mw, e, PPC_MSIX_CTL));
	}
	pba = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&mw));
	for (i = 0; i < ARRAY_SIZE(take); i++)
		take[i] = ppc_prog_take(&prog, 3);
	r = ppc_prog_run(vcpu[0], &prog, NULL, NULL, NULL);
	EXPECT_EQ(r, 0, ppc_errmsg());
	for (e = 0; !r && e < NVEC; e++) {
		EXPECT_EQ(prog.s[rd[e][0]].val, PPC_MSI_WINDOW, "final address");
		EXPECT_EQ(prog.s[rd[e][1]].val, data_of(e, ITERS - 1), "final data");
		EXPECT_EQ(prog.s[rd[e][2]].val, PPC_MSIX_CTL_MASKED, "final vector_ctl");
	}
	if (!r) {
		ksft_print_msg("final PBA 0x%llx\n",
			       (unsigned long long)prog.s[pba].val);
		EXPECT(!(prog.s[pba].val & ~((1ULL << NVEC) - 1)),
		       "PBA bits beyond vector %u", NVEC - 1);
	}
	ksft_test_result(ppc_expect_ok(),
			 "final table: each entry holds its last round (address, data 0x%x.., masked)\n",
			 data_of(0, ITERS - 1));

	ppc_expect_begin();
	for (i = 0; !r && i < ARRAY_SIZE(take); i++) {
		u32 src = PPC_XIRR_SRC(prog.s[take[i]].val);

		if (!src)
			continue;
		got++;
		EXPECT(src >= PPC_IRQ_BASE && src < PPC_IRQ_BASE + 16 + NVEC &&
		       (src - PPC_IRQ_BASE) % 16 < NVEC,
		       "source 0x%x is no vector's", src);
		EXPECT_EQ(prog.s[take[i] + 1].aux, PPC_H_SUCCESS, "H_EOI");
	}
	ksft_print_msg("vCPU 0 took %u interrupts from its XICS afterwards\n", got);
	EXPECT(r || d.msix_delivered == 0 || got > 0,
	       "%llu delivered, none presented",
	       (unsigned long long)d.msix_delivered);
	EXPECT(got < ARRAY_SIZE(take), "interrupts still coming after %u", got);
	ksft_test_result(!r && ppc_expect_ok(),
			 "interrupts delivered during the race are presented to vCPU 0 as the vectors' sources and EOI cleanly\n");

	ppc_msix_win_free(&mw);
	close(mw.dev);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	ksft_finished();
}
