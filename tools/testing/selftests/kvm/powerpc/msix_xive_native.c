// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap with a guest in XIVE native exploitation mode (the
 * powernv9 host; the pseries host offers no XIVE: KVM_CAP_PPC_IRQ_XIVE=0,
 * skipped there).
 *
 * A XIVE guest sees its interrupts in an event queue in its own memory,
 * not through H_XIRR: the VMM configures the queue of (server 0,
 * priority 5) on a guest page and the sources with EISN = source number;
 * the guest gets the sources' ESB pages (a memslot over the device's ESB
 * mapping), turns each source on (ESB load SET_PQ_00) and, after an event,
 * acknowledges it (ESB load LOAD_EOI). It programs MSI-X vectors in the
 * trapped table with address = the MSI window and data = a source, the
 * host signals the vectors' eventfds, and the guest polls its queue for the
 * big-endian word 0x80000000 | source. The queue index KVM reports
 * (KVM_DEV_XIVE_GRP_EQ_CONFIG) must count exactly the events seen.
 */
#include <byteswap.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define ESB_GPA		0x100000000ULL
#define EQ_GPA		0x100000ULL	/* a guest RAM page */
#define EQ_SHIFT	16	/* KVM supports 64K queues only */
#define NR_SRC		8
#define POLL_TRIES	1000
#define NONE_TRIES	50

struct ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_msix_win mw;
	u16 nvec;
	unsigned int eq_next;	/* next queue slot the guest reads */
};

static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + (3 * v + 1) % NR_SRC;
}

static u64 esb(struct ctx *c, u32 irq, bool eoi_page, u64 off)
{
	return ESB_GPA + (2ULL * (irq - PPC_IRQ_BASE) + eoi_page) *
	       c->vm->page_size + off;
}

static u64 eq_slot(unsigned int k)
{
	return EQ_GPA + 4ULL * k;
}

static bool run(struct ctx *c, const char *what)
{
	if (!ppc_msix_run_counted(c->vcpu, &prog, &c->mw, what, &d))
		return true;
	ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
	return false;
}

/* Guest: wait for the next event, then EOI its source; returns the poll */
static unsigned int take_event(struct ctx *c, u32 src)
{
	unsigned int i = ppc_prog_poll(&prog, 4, eq_slot(c->eq_next++),
				       POLL_TRIES);

	ppc_prog_ld(&prog, 8, esb(c, src, true, PPC_XIVE_ESB_LOAD_EOI));
	return i;
}

static unsigned int no_event(struct ctx *c)
{
	return ppc_prog_poll(&prog, 4, eq_slot(c->eq_next), NONE_TRIES);
}

static void expect_event(unsigned int i, u32 src, const char *what)
{
	u32 w = bswap_32((u32)prog.s[i].val);

	printf("# %s: queue word 0x%08x after %llu loads\n", what, w,
	       (unsigned long long)prog.s[i].aux);
	EXPECT_EQ(w, 0x80000000U | src, what);
}

static void expect_no_event(unsigned int i, const char *what)
{
	EXPECT(!prog.s[i].val, "%s: queue word 0x%08x", what,
	       bswap_32((u32)prog.s[i].val));
}

static void test_route(struct ctx *c)
{
	unsigned int arm[NR_SRC], ev[PPC_MSIX_MAX_VEC], none;
	u16 v;
	u32 i;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (i = 0; i < NR_SRC; i++)
		arm[i] = ppc_prog_ld(&prog, 8, esb(c, PPC_IRQ_BASE + i, true,
						   PPC_XIVE_ESB_SET_PQ_00));
	for (v = 0; v < c->nvec; v++)
		ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	for (v = 0; v < c->nvec; v++) {
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		ev[v] = take_event(c, src_of(v));
	}
	none = no_event(c);
	if (!run(c, "route each vector"))
		return;
	for (i = 0; i < NR_SRC; i++)
		EXPECT_EQ(bswap_64(prog.s[arm[i]].val) & 3, 1,
			  "ESB PQ before SET_PQ_00 (01: off)");
	for (v = 0; v < c->nvec; v++) {
		char what[64];

		snprintf(what, sizeof(what), "vector %u -> source 0x%x", v,
			 src_of(v));
		expect_event(ev[v], src_of(v), what);
	}
	expect_no_event(none, "after the last vector");
	EXPECT_EQ(d.msix_routed, c->nvec, "vectors routed");
	EXPECT_EQ(d.msix_delivered, c->nvec, "interrupts delivered");
	EXPECT_EQ(d.msix_invalid_msgs, 0, "invalid messages");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: each of %u vectors, programmed by the guest, puts its source in the guest's event queue once\n",
			 c->nvec);
}

static void test_masked(struct ctx *c)
{
	unsigned int n1, p1, ev, n2, p2;
	const u16 v = c->nvec - 1;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 3));
	n1 = no_event(c);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	ev = take_event(c, src_of(v));
	n2 = no_event(c);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	if (!run(c, "masked vector"))
		return;
	expect_no_event(n1, "while masked");
	EXPECT_EQ(prog.s[p1].val, 1ULL << v, "PBA while masked");
	expect_event(ev, src_of(v), "at unmask");
	expect_no_event(n2, "after it");
	EXPECT_EQ(prog.s[p2].val, 0, "PBA after unmask");
	EXPECT_EQ(d.msix_pending, 3, "signals that found the vector masked");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: masked vector: 3 signals set PBA bit %u; unmask puts one event in the queue\n",
			 v);
}

static void test_function_mask_disabled(struct ctx *c)
{
	unsigned int n1, ev, n2;
	const u16 v = 0;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE |
					   PPC_MSIX_CTRL_MASKALL));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	n1 = no_event(c);
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	ev = take_event(c, src_of(v));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(0));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	n2 = no_event(c);
	if (!run(c, "function mask, MSI-X disabled"))
		return;
	expect_no_event(n1, "function masked");
	expect_event(ev, src_of(v), "function unmasked");
	expect_no_event(n2, "signal with MSI-X disabled");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: function mask holds the event until unmask; with MSI-X disabled it is dropped\n");
}

static void test_invalid(struct ctx *c)
{
	unsigned int n1, n2;
	const u16 v = 0;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW,
		       PPC_IRQ_BASE + NR_SRC + 5, 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	n1 = no_event(c);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_entry(&prog, &c->mw, v, 0xfee00000, src_of(v), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	n2 = no_event(c);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	if (!run(c, "invalid messages"))
		return;
	expect_no_event(n1, "data = no source of the VM");
	expect_no_event(n2, "address 0xfee00000");
	EXPECT_EQ(d.msix_invalid_msgs, 2, "invalid messages");
	EXPECT_EQ(d.msix_delivered, 0, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: a message with no source of the VM or another address puts nothing in the queue (msix_invalid_msgs +2)\n");
}

/*
 * The RTAS flow (ibm,change-msi in the VMM): the VMM seeds each vector's
 * message with GRP_MSIX_ENTRY, masked; the guest reads it back and only
 * unmasks; the vector's events reach the source the VMM chose.
 */
static u32 rtas_src(u16 v)
{
	return PPC_IRQ_BASE + (5 * v + 2) % NR_SRC;
}

static void test_vmm_seeded(struct ctx *c)
{
	unsigned int rd[PPC_MSIX_MAX_VEC], ev[PPC_MSIX_MAX_VEC], none;
	struct kvm_ppc_pt_msix_entry e = {
		.msg_addr_lo = (u32)PPC_MSI_WINDOW,
		.msg_addr_hi = PPC_MSI_WINDOW >> 32,
		.vector_ctl = PPC_MSIX_CTL_MASKED,
	};
	int r = 0;
	u16 v;

	ppc_expect_begin();
	for (v = 0; !r && v < c->nvec; v++) {
		e.msg_data = rtas_src(v);
		r = ppc_msix_set_entry(&c->mw, v, &e);
	}
	if (r) {
		ksft_test_result_fail("VMM seeding: %s\n", ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	for (v = 0; v < c->nvec; v++) {
		rd[v] = ppc_prog_ld(&prog, 8, ppc_msix_entry_gpa(&c->mw, v,
							PPC_MSIX_DATA));
		ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v,
							 PPC_MSIX_CTL), 0);
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		ev[v] = take_event(c, rtas_src(v));
	}
	none = no_event(c);
	if (!run(c, "VMM-seeded vectors"))
		return;
	for (v = 0; v < c->nvec; v++) {
		char what[64];

		snprintf(what, sizeof(what), "vector %u vector_ctl|data", v);
		EXPECT_EQ(prog.s[rd[v]].val, (u64)PPC_MSIX_CTL_MASKED << 32 |
			  rtas_src(v), what);
		snprintf(what, sizeof(what), "vector %u -> source 0x%x", v,
			 rtas_src(v));
		expect_event(ev[v], rtas_src(v), what);
	}
	expect_no_event(none, "after the last vector");
	EXPECT_EQ(d.msix_delivered, c->nvec, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: RTAS flow: %u vectors seeded by the VMM (MSIX_ENTRY), read back and unmasked by the guest, each puts its source in the queue\n",
			 c->nvec);
}

int main(void)
{
	struct kvm_ppc_pt_window_stats total;
	struct kvm_ppc_xive_eq eq;
	struct ctx c = { 0 };
	u32 i;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xive_create(c.vm, &c.ic);
	if (r == -EOPNOTSUPP)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (!r)
		r = ppc_xive_connect(&c.ic, c.vcpu, 0);
	if (!r)
		r = ppc_xive_set_eq(&c.ic, 0, PPC_IRQ_PRIO, EQ_GPA, EQ_SHIFT);
	for (i = 0; !r && i < NR_SRC; i++) {
		r = ppc_xive_set_source(&c.ic, PPC_IRQ_BASE + i);
		if (!r)
			r = ppc_xive_config_source(&c.ic, PPC_IRQ_BASE + i, 0,
						   PPC_IRQ_PRIO,
						   PPC_IRQ_BASE + i);
	}
	if (!r)
		r = ppc_xive_map_esb(&c.ic, PPC_IRQ_BASE, NR_SRC, ESB_GPA);
	if (r)
		ksft_exit_fail_msg("XIVE native: %s\n", ppc_errmsg());
	if (ppc_msix_virtio_open(&c.bar, &c.cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	c.nvec = c.cap.nvec < 4 ? c.cap.nvec : 4;
	if (ppc_msix_win_add(&c.mw, c.vm, -1, &c.bar, WIN_GPA,
			     c.cap.table_offset, c.cap.pba_offset, c.nvec) ||
	    ppc_msix_set_ctrl(&c.mw, PPC_MSIX_CTRL_ENABLE))
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_print_msg("XIVE native: sources 0x%x..0x%x (EISN = number) -> server 0 priority %u; event queue at guest 0x%llx (%u bytes); ESB pages at guest 0x%llx\n",
		       PPC_IRQ_BASE, PPC_IRQ_BASE + NR_SRC - 1, PPC_IRQ_PRIO,
		       EQ_GPA, 1U << EQ_SHIFT, ESB_GPA);
	ksft_set_plan(6);

	test_route(&c);
	test_masked(&c);
	test_function_mask_disabled(&c);
	test_invalid(&c);
	test_vmm_seeded(&c);

	ppc_expect_begin();
	r = ppc_xive_get_eq(&c.ic, 0, PPC_IRQ_PRIO, &eq);
	EXPECT_EQ(r, 0, "KVM_GET_DEVICE_ATTR(EQ_CONFIG)");
	ppc_msix_stats(c.mw.dev, &total);
	ksft_print_msg("queue: index %u toggle %u; the guest read %u events; %llu delivered by the MSI-X trap; %llu MMIO exits\n",
		       eq.qindex, eq.qtoggle, c.eq_next,
		       (unsigned long long)total.msix_delivered,
		       (unsigned long long)c.vcpu->exits[KVM_EXIT_MMIO]);
	EXPECT_EQ(eq.qindex, c.eq_next, "queue index");
	EXPECT_EQ(total.msix_delivered, c.eq_next, "deliveries");
	EXPECT_EQ(c.vcpu->exits[KVM_EXIT_MMIO], 0, "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "XIVE native: the queue index KVM reports equals the %u events the guest took, each a delivery of the MSI-X trap; no exit\n",
			 c.eq_next);

	ppc_msix_win_free(&c.mw);
	close(c.mw.dev);
	close(c.ic.fd);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.bar);
	ksft_finished();
}
