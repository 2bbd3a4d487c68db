// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap, the VMM's side (GRP_MSIX_ENTRY, GRP_MSIX_PBA,
 * GRP_MSIX_CTRL read, GRP_MSIX_RESET).
 *
 * A Linux PAPR guest never writes message address/data into the table:
 * RTAS ibm,change-msi in the VMM assigns them (address = the VM's MSI
 * window, data = a guest interrupt source), the guest reads them back and
 * only toggles mask bits. Here the host plays that VMM:
 *
 *  1. RTAS flow: the VMM seeds every vector with its own source, masked;
 *     the guest reads each entry back (the seeded values, distinct per
 *     vector), unmasks it, and the interrupt signalled on the vector's
 *     eventfd arrives in the guest's XICS source;
 *  2. the VMM reads back what the guest wrote (entries, PBA, Message
 *     Control with the Table Size);
 *  3. a VMM write to an unmasked vector reads back at once but delivery
 *     keeps the latched message until the next mask/unmask;
 *  4. a pending bit set by the VMM on a masked vector reaches the guest's
 *     PBA and is delivered once when the guest unmasks;
 *  5. reset: the guest reads the power-on state (messages 0, all masked,
 *     nothing pending), Message Control reads Enable clear, and signals
 *     no longer reach the guest.
 *
 * Every check uses values distinct per vector, so a write that lands on
 * the wrong entry, a read of the wrong field or a missed re-route fails.
 */
#include <stdio.h>
#include <string.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define NR_SRC		16
#define TAKE_TRIES	1000

/* SYNC ids of this test, beside ppc_msix_sync()'s */
#define SYNC_VMM_DATA(v, src)	(9ULL << 40 | (u64)(src) << 16 | (v))

struct ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_msix_win mw;
	u16 nvec;
	int sync_err;
};

static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

/* Vector v's source, assigned by "ibm,change-msi", not in vector order */
static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + (7 * v + 5) % NR_SRC;
}

static struct kvm_ppc_pt_msix_entry rtas_entry(u16 v, u32 ctl)
{
	struct kvm_ppc_pt_msix_entry e = {
		.msg_addr_lo = (u32)PPC_MSI_WINDOW,
		.msg_addr_hi = PPC_MSI_WINDOW >> 32,
		.msg_data = src_of(v),
		.vector_ctl = ctl,
	};

	return e;
}

static int sync_cb(struct ppc_vcpu *vcpu, u64 id, void *opaque)
{
	struct ctx *c = opaque;
	struct kvm_ppc_pt_msix_entry e;
	u16 v = id & 0xffff;
	int r;

	if (PPC_SYNC_KIND(id) != 9)
		return ppc_msix_sync(vcpu, id, &c->mw);
	/* The VMM changes msg_data of vector v, keeping its mask bit. */
	r = ppc_msix_get_entry(&c->mw, v, &e);
	if (!r) {
		e.msg_data = (id >> 16) & 0xffffff;
		r = ppc_msix_set_entry(&c->mw, v, &e);
	}
	if (r)
		c->sync_err = r;
	return r;
}

static bool run(struct ctx *c, const char *what)
{
	if (!ppc_msix_run_counted_sync(c->vcpu, &prog, &c->mw, sync_cb, c,
				       what, &d))
		return true;
	ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
	return false;
}

static void expect_irq(unsigned int i, u32 src, const char *what)
{
	struct ppc_step *s = &prog.s[i];

	printf("# %s: XIRR 0x%08llx after %llu H_XIRR\n", what,
	       (unsigned long long)s->val, (unsigned long long)s->aux);
	EXPECT_EQ(PPC_XIRR_SRC(s->val), src, what);
	EXPECT_EQ(prog.s[i + 1].aux, PPC_H_SUCCESS, "H_EOI return");
}

static void expect_none(unsigned int i, const char *what)
{
	EXPECT(!PPC_XIRR_SRC(prog.s[i].val), "%s: source 0x%x delivered",
	       what, PPC_XIRR_SRC(prog.s[i].val));
}

/* Guest loads of the four DWORDs of vector v; the first step's index */
static unsigned int read_entry(struct ctx *c, u16 v)
{
	unsigned int i = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v,
						PPC_MSIX_ADDR_LO));

	ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_ADDR_HI));
	ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA));
	ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL));
	return i;
}

static void expect_entry(unsigned int i, const struct kvm_ppc_pt_msix_entry *e,
			 u16 v)
{
	char what[64];

	snprintf(what, sizeof(what), "vector %u msg_addr_lo", v);
	EXPECT_EQ(prog.s[i].val, e->msg_addr_lo, what);
	snprintf(what, sizeof(what), "vector %u msg_addr_hi", v);
	EXPECT_EQ(prog.s[i + 1].val, e->msg_addr_hi, what);
	snprintf(what, sizeof(what), "vector %u msg_data", v);
	EXPECT_EQ(prog.s[i + 2].val, e->msg_data, what);
	snprintf(what, sizeof(what), "vector %u vector_ctl", v);
	EXPECT_EQ(prog.s[i + 3].val, e->vector_ctl, what);
}

/* 1. The RTAS flow, vector by vector */
static void test_rtas_flow(struct ctx *c)
{
	unsigned int rd[PPC_MSIX_MAX_VEC], take[PPC_MSIX_MAX_VEC];
	unsigned int none[PPC_MSIX_MAX_VEC];
	struct kvm_ppc_pt_msix_entry e;
	int r = 0;
	u16 v;

	ppc_expect_begin();
	/* ibm,change-msi: MSI-X on, each vector's message assigned */
	r = ppc_msix_set_ctrl(&c->mw, PPC_MSIX_CTRL_ENABLE);
	for (v = 0; !r && v < c->nvec; v++) {
		e = rtas_entry(v, PPC_MSIX_CTL_MASKED);
		r = ppc_msix_set_entry(&c->mw, v, &e);
	}
	if (r) {
		ksft_test_result_fail("seeding: %s\n", ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	for (v = 0; v < c->nvec; v++)
		rd[v] = read_entry(c, v);
	for (v = 0; v < c->nvec; v++) {
		/* the guest only touches the mask bit */
		ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v,
							 PPC_MSIX_CTL), 0);
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		take[v] = ppc_prog_take(&prog, TAKE_TRIES);
		none[v] = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	}
	if (!run(c, "RTAS flow"))
		return;
	for (v = 0; v < c->nvec; v++) {
		char what[64];

		e = rtas_entry(v, PPC_MSIX_CTL_MASKED);
		expect_entry(rd[v], &e, v);
		snprintf(what, sizeof(what), "vector %u -> source 0x%x", v,
			 src_of(v));
		expect_irq(take[v], src_of(v), what);
		expect_none(none[v], "second H_XIRR");
	}
	EXPECT_EQ(d.msix_routed, c->nvec, "vectors routed");
	EXPECT_EQ(d.msix_delivered, c->nvec, "interrupts delivered");
	EXPECT_EQ(d.msix_invalid_msgs, 0, "invalid messages");
	EXPECT_EQ(d.vmm_exits, 0, "VMM exits");
	ksft_test_result(ppc_expect_ok(),
			 "%s: RTAS flow: the VMM seeds %u vectors (MSIX_ENTRY), the guest reads each back, unmasks, and its eventfd raises its own source\n",
			 c->ic.name, c->nvec);
}

/* 2. The VMM reads what the guest wrote */
static void test_vmm_reads(struct ctx *c)
{
	const u16 vp = c->nvec - 1;
	struct kvm_ppc_pt_msix_entry e;
	u64 pba = ~0ULL;
	u16 v, ctrl = 0;
	int r = 0;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	/* distinct values, even vectors unmasked, odd ones masked */
	for (v = 0; v < c->nvec; v++)
		ppc_prog_entry(&prog, &c->mw, v, 0xabc000000000ULL + 0x40 * v +
			       0x1000000000ULL * v, 0xd000 + 0x11 * v, v & 1);
	/* the guest masks the last vector; a signal sets its PBA bit */
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, vp, PPC_MSIX_CTL), 1);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(vp, 1));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE |
					   PPC_MSIX_CTRL_MASKALL));
	if (!run(c, "guest writes"))
		return;
	for (v = 0; !r && v < c->nvec; v++) {
		u64 addr = 0xabc000000000ULL + 0x40 * v + 0x1000000000ULL * v;
		char what[64];

		r = ppc_msix_get_entry(&c->mw, v, &e);
		snprintf(what, sizeof(what), "vector %u", v);
		EXPECT_EQ(r, 0, what);
		EXPECT_EQ(e.msg_addr_lo, (u32)addr, "msg_addr_lo");
		EXPECT_EQ(e.msg_addr_hi, addr >> 32, "msg_addr_hi");
		EXPECT_EQ(e.msg_data, 0xd000 + 0x11 * v, "msg_data");
		EXPECT_EQ(e.vector_ctl, v == vp ? 1 : v & 1, "vector_ctl");
	}
	EXPECT_EQ(ppc_msix_get_pba(&c->mw, 0, &pba), 0, "MSIX_PBA read");
	EXPECT_EQ(pba, 1ULL << vp, "PBA");
	EXPECT_EQ(ppc_msix_get_ctrl(&c->mw, &ctrl), 0, "MSIX_CTRL read");
	EXPECT_EQ(ctrl, PPC_MSIX_CTRL_ENABLE | PPC_MSIX_CTRL_MASKALL |
			(c->cap.nvec - 1), "Message Control");
	r = ppc_msix_set_ctrl(&c->mw, PPC_MSIX_CTRL_ENABLE);
	EXPECT_EQ(r, 0, "function unmask");
	ppc_msix_get_ctrl(&c->mw, &ctrl);
	EXPECT_EQ(ctrl, PPC_MSIX_CTRL_ENABLE | (c->cap.nvec - 1),
		  "Message Control");
	/* clear the pending bit, so later tests start clean */
	EXPECT_EQ(ppc_msix_set_pba(&c->mw, 0, 0), 0, "MSIX_PBA write");
	ksft_test_result(ppc_expect_ok(),
			 "%s: the VMM reads the %u entries the guest wrote, the PBA bit of a masked signalled vector and Message Control (Enable, Function Mask, Table Size %u)\n",
			 c->ic.name, c->nvec, c->cap.nvec - 1);
}

/* 3. A VMM write to an unmasked vector: latched until mask/unmask */
static void test_write_unmasked(struct ctx *c)
{
	const u16 v = 0;
	const u32 a = src_of(v), b = PPC_IRQ_BASE + NR_SRC - 2;
	struct kvm_ppc_pt_msix_entry m = rtas_entry(v, PPC_MSIX_CTL_MASKED);
	struct kvm_ppc_pt_msix_entry e = rtas_entry(v, 0);
	unsigned int r1, x1, x2;

	ppc_expect_begin();
	/* masked first: the unmask latches the seeded message */
	if (ppc_msix_set_entry(&c->mw, v, &m) ||
	    ppc_msix_set_entry(&c->mw, v, &e)) {
		ksft_test_result_fail("seed: %s\n", ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, SYNC_VMM_DATA(v, b));
	r1 = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x1 = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x2 = ppc_prog_take(&prog, TAKE_TRIES);
	if (!run(c, "VMM write while unmasked"))
		return;
	EXPECT_EQ(prog.s[r1].val, b, "msg_data read back by the guest");
	expect_irq(x1, a, "VMM changed the data of an unmasked vector: latched source");
	expect_irq(x2, b, "after the guest's mask/unmask: new source");
	ksft_test_result(ppc_expect_ok(),
			 "%s: a VMM write to an unmasked vector reads back at once, delivery keeps source 0x%x until mask/unmask, then 0x%x\n",
			 c->ic.name, a, b);
}

/* 4. A pending bit set by the VMM (masked vector) goes out at unmask */
static void test_vmm_pending(struct ctx *c)
{
	const u16 v = c->nvec > 1 ? 1 : 0;
	struct kvm_ppc_pt_msix_entry e = rtas_entry(v, PPC_MSIX_CTL_MASKED);
	unsigned int n1, p1, x, n2, p2;
	int r;

	ppc_expect_begin();
	r = ppc_msix_set_entry(&c->mw, v, &e);
	if (!r)
		r = ppc_msix_set_pba(&c->mw, 0, 1ULL << v);
	if (r) {
		ksft_test_result_fail("VMM: %s\n", ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	x = ppc_prog_take(&prog, TAKE_TRIES);
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	if (!run(c, "VMM pending bit"))
		return;
	expect_none(n1, "while masked");
	EXPECT_EQ(prog.s[p1].val, 1ULL << v, "PBA as the guest reads it");
	expect_irq(x, src_of(v), "at the guest's unmask");
	expect_none(n2, "after it");
	EXPECT_EQ(prog.s[p2].val, 0, "PBA after unmask");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "%s: a pending bit the VMM sets (MSIX_PBA) on masked vector %u shows in the guest's PBA and is delivered once at unmask\n",
			 c->ic.name, v);
}

/* 5. Reset: power-on state, nothing routed */
static void test_reset(struct ctx *c)
{
	static const struct kvm_ppc_pt_msix_entry off = {
		.vector_ctl = PPC_MSIX_CTL_MASKED,
	};
	unsigned int rd[PPC_MSIX_MAX_VEC], p1, n1, n2, n3;
	struct kvm_ppc_pt_msix_entry e;
	u16 v, ctrl = 0xffff;
	int r = 0;

	ppc_expect_begin();
	/* every vector routed, the last one masked with a bit pending */
	for (v = 0; !r && v < c->nvec; v++) {
		e = rtas_entry(v, v == c->nvec - 1);
		r = ppc_msix_set_entry(&c->mw, v, &e);
	}
	if (!r)
		r = ppc_msix_signal(&c->mw, c->nvec - 1);
	if (!r)
		r = ppc_msix_reset(&c->mw);
	if (!r)
		r = ppc_msix_get_ctrl(&c->mw, &ctrl);
	if (r) {
		ksft_test_result_fail("VMM: %s\n", ppc_errmsg());
		return;
	}
	EXPECT_EQ(ctrl, c->cap.nvec - 1, "Message Control after reset");
	ppc_prog_init(&prog);
	for (v = 0; v < c->nvec; v++)
		rd[v] = read_entry(c, v);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	/* MSI-X disabled: signals are dropped */
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(0, 1));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	/* enabled again: the guest unmasks, the message (0) is invalid */
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, 0, PPC_MSIX_CTL), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(0, 1));
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	/* still masked vectors only go pending */
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(c->nvec - 1, 1));
	n3 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	if (!run(c, "reset"))
		return;
	for (v = 0; v < c->nvec; v++)
		expect_entry(rd[v], &off, v);
	EXPECT_EQ(prog.s[p1].val, 0, "PBA after reset");
	expect_none(n1, "MSI-X disabled by reset");
	expect_none(n2, "zero message");
	expect_none(n3, "masked by reset");
	EXPECT_EQ(d.msix_delivered, 0, "interrupts delivered");
	EXPECT_EQ(d.msix_invalid_msgs, 1, "invalid messages");
	EXPECT_EQ(d.msix_routed, 0, "vectors routed");
	ksft_test_result(ppc_expect_ok(),
			 "%s: MSIX_RESET: the guest reads the power-on state (messages 0, masked, PBA 0), Enable reads clear, no signal reaches the guest\n",
			 c->ic.name);
}

int main(void)
{
	struct ctx c = { 0 };
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_msix_virtio_open(&c.bar, &c.cap);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	c.nvec = c.cap.nvec < 8 ? c.cap.nvec : 8;
	ksft_print_msg("virtio-net %s BAR%u 0x%llx: MSI-X %u vectors, table 0x%x, PBA 0x%x (using %u)\n",
		       c.bar.bdf, c.cap.table_bir,
		       (unsigned long long)c.bar.start, c.cap.nvec,
		       c.cap.table_offset, c.cap.pba_offset, c.nvec);
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(c.vm, &c.ic, NR_SRC);
	if (r == -EOPNOTSUPP)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (r)
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	r = ppc_msix_win_add(&c.mw, c.vm, -1, &c.bar, WIN_GPA,
			     c.cap.table_offset, c.cap.pba_offset, c.cap.nvec);
	if (r)
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_set_plan(6);

	test_rtas_flow(&c);
	test_vmm_reads(&c);
	test_write_unmasked(&c);
	test_vmm_pending(&c);
	test_reset(&c);

	ppc_expect_begin();
	EXPECT_EQ(c.vcpu->exits[KVM_EXIT_MMIO], 0, "MMIO exits");
	EXPECT_EQ(c.sync_err, 0, "VMM writes at SYNC");
	ppc_vcpu_print_stats(c.vcpu);
	ksft_test_result(ppc_expect_ok(),
			 "%s: no table access exited to the VMM\n", c.ic.name);

	ppc_msix_win_free(&c.mw);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.bar);
	ksft_finished();
}
