// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: a window's life around routed vectors.
 *
 *  - REMOVE while vectors are routed: later signals deliver nothing, the
 *    guest's table accesses exit to the VMM, MSIX_* attributes of the id
 *    fail with ENOENT, the counters of the removed window stay;
 *  - ADD again: a fresh table (masked, zero), trapped again; eventfds are
 *    the VMM's to attach again;
 *  - MOVE: the table keeps its state and its routing at the new address,
 *    the old address exits to the VMM;
 *  - eventfd detach and re-attach, and the errnos of MSIX_IRQ/MSIX_CTRL;
 *  - the VM's XICS device released (as QEMU does at a CAS interrupt mode
 *    switch) while vectors are routed: signals are dropped, then a new
 *    XICS with the same sources routes again once the guest reprograms;
 *  - a VM torn down with routed vectors and eventfds still attached;
 *  - ADD/REMOVE in a loop while a vCPU programs the table and a host thread
 *    signals: every guest access is served by the kernel or exits to the
 *    VMM, never lost, and the host survives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "../../kselftest.h"
#include "ppc_asm.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define MOVED_GPA	0x80400000ULL
#define NR_SRC		16
#define TAKE_TRIES	1000
#define FILL		0x5a

/* SYNC ids of this test, beside ppc_msix_sync()'s */
#define SYNC_LOCAL(op)	(8ULL << 40 | (op))
enum {
	OP_REMOVE = 1, OP_ADD, OP_MOVE, OP_STATS, OP_DETACH, OP_ATTACH,
	OP_DRAIN
};

struct ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_msix_win mw;
	u16 nvec;
	int op_err;
	struct kvm_ppc_pt_window_stats at_sync;
	/* MMIO exits the test's VMM saw */
	unsigned int nexits;
	struct {
		u64 addr;
		u32 len;
		bool write;
		u64 data;
	} exit[16];
};

static struct ppc_prog prog;

static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + 2 * v + 1;
}

static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct ctx *c = opaque;
	u64 data = 0;

	if (run->mmio.is_write)
		memcpy(&data, run->mmio.data, run->mmio.len);
	else
		memset(run->mmio.data, FILL, sizeof(run->mmio.data));
	if (c->nexits < ARRAY_SIZE(c->exit)) {
		c->exit[c->nexits].addr = run->mmio.phys_addr;
		c->exit[c->nexits].len = run->mmio.len;
		c->exit[c->nexits].write = run->mmio.is_write;
		c->exit[c->nexits].data = data;
	}
	c->nexits++;
	printf("# VMM: MMIO %s of %u bytes at 0x%llx\n",
	       run->mmio.is_write ? "store" : "load", run->mmio.len,
	       (unsigned long long)run->mmio.phys_addr);
	return 0;
}

static int add_window(struct ctx *c, u64 gpa)
{
	struct kvm_ppc_pt_window w;
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_CTRL, .attr = KVM_DEV_PPC_PTW_ADD,
		.addr = (unsigned long)&w,
	};

	memset(&w, 0, sizeof(w));
	w.guest_addr = gpa;
	w.size = c->bar.size;
	w.host_uaddr = (unsigned long)ppc_pci_bar_ptr(&c->bar, 0);
	w.msix_table_offset = c->cap.table_offset;
	w.msix_pba_offset = c->cap.pba_offset;
	w.msix_nvec = c->nvec;
	if (ioctl(c->mw.dev, KVM_SET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "ADD");
	c->mw.id = w.id;
	c->mw.gpa = gpa;
	return 0;
}

static int remove_window(int dev, u32 id)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_CTRL,
		.attr = KVM_DEV_PPC_PTW_REMOVE, .addr = (unsigned long)&id,
	};

	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int move_window(int dev, u32 id, u64 gpa)
{
	struct kvm_ppc_pt_window w = { .id = id, .guest_addr = gpa };
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_CTRL,
		.attr = KVM_DEV_PPC_PTW_MOVE, .addr = (unsigned long)&w,
	};

	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/* Raw MSIX_IRQ / MSIX_CTRL: 0 or -errno */
static int set_irq_raw(int dev, u64 id, u16 v, s32 fd)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_MSIX_IRQ, .attr = id << 16 | v,
		.addr = (unsigned long)&fd,
	};

	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int set_ctrl_raw(int dev, u64 id, u16 ctrl)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, .attr = id,
		.addr = (unsigned long)&ctrl,
	};

	return ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int attach_all(struct ctx *c)
{
	u16 v;
	int r = 0;

	for (v = 0; !r && v < c->nvec; v++)
		r = set_irq_raw(c->mw.dev, c->mw.id, v, c->mw.efd[v]);
	return r;
}

/* Consume what the eventfds counted while nobody listened */
static void drain_efds(struct ctx *c)
{
	eventfd_t cnt;
	u16 v;

	for (v = 0; v < c->nvec; v++) {
		int fl = fcntl(c->mw.efd[v], F_GETFL);

		fcntl(c->mw.efd[v], F_SETFL, fl | O_NONBLOCK);
		eventfd_read(c->mw.efd[v], &cnt);
		fcntl(c->mw.efd[v], F_SETFL, fl);
	}
}

static int sync_cb(struct ppc_vcpu *vcpu, u64 id, void *opaque)
{
	struct ctx *c = opaque;
	int r = 0;

	if (PPC_SYNC_KIND(id) != 8)
		return ppc_msix_sync(vcpu, id, &c->mw);
	switch (id & 0xff) {
	case OP_REMOVE:
		r = remove_window(c->mw.dev, c->mw.id);
		printf("# host: REMOVE window %u: %d\n", c->mw.id, r);
		break;
	case OP_ADD:
		r = add_window(c, WIN_GPA);
		printf("# host: ADD window at 0x%llx: id %u\n", WIN_GPA, c->mw.id);
		break;
	case OP_MOVE:
		r = move_window(c->mw.dev, c->mw.id, MOVED_GPA);
		printf("# host: MOVE window %u to 0x%llx: %d\n", c->mw.id,
		       MOVED_GPA, r);
		if (!r)
			c->mw.gpa = MOVED_GPA;
		break;
	case OP_STATS:
		r = ppc_msix_stats(c->mw.dev, &c->at_sync);
		break;
	case OP_DETACH:
		r = set_irq_raw(c->mw.dev, c->mw.id, (id >> 8) & 0xff, -1);
		break;
	case OP_ATTACH:
		r = set_irq_raw(c->mw.dev, c->mw.id, (id >> 8) & 0xff,
				c->mw.efd[(id >> 8) & 0xff]);
		break;
	case OP_DRAIN:
		drain_efds(c);
		break;
	}
	if (r)
		c->op_err = r;
	return 0;
}

static bool run(struct ctx *c, const char *what)
{
	int r;

	c->nexits = 0;
	c->op_err = 0;
	r = ppc_prog_run(c->vcpu, &prog, vmm_mmio, sync_cb, c);
	if (!r && c->op_err)
		r = ppc_set_err(-c->op_err, "host operation");
	if (r) {
		ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
		return false;
	}
	return true;
}

static void expect_irq(unsigned int i, u32 src, const char *what)
{
	printf("# %s: XIRR 0x%08llx\n", what, (unsigned long long)prog.s[i].val);
	EXPECT_EQ(PPC_XIRR_SRC(prog.s[i].val), src, what);
	EXPECT_EQ(prog.s[i + 1].aux, PPC_H_SUCCESS, "H_EOI");
}

static void expect_none(unsigned int i, const char *what)
{
	EXPECT(!PPC_XIRR_SRC(prog.s[i].val), "%s: source 0x%x delivered",
	       what, PPC_XIRR_SRC(prog.s[i].val));
}

static void program_all(const struct ppc_msix_win *mw, u16 nvec)
{
	u16 v;

	for (v = 0; v < nvec; v++)
		ppc_prog_entry(&prog, mw, v, PPC_MSI_WINDOW, src_of(v), 0);
}

static void test_remove_routed(struct ctx *c)
{
	unsigned int x0, none, ld, i;
	struct kvm_ppc_pt_window_stats end;
	const u64 entry = ppc_msix_entry_gpa(&c->mw, 1, 0);
	u16 v;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	program_all(&c->mw, c->nvec);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(0, 1));
	x0 = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_REMOVE));
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_STATS));
	for (v = 0; v < c->nvec; v++)
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 2));
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ld = ppc_prog_ld(&prog, 4, entry + PPC_MSIX_DATA);
	ppc_prog_st(&prog, 4, entry + PPC_MSIX_CTL, 1);
	if (!run(c, "remove while routed"))
		return;
	if (ppc_msix_stats(c->mw.dev, &end))
		EXPECT(0, "stats: %s", ppc_errmsg());
	expect_irq(x0, src_of(0), "before REMOVE");
	expect_none(none, "signals after REMOVE");
	EXPECT_EQ(prog.s[ld].val, 0x5a5a5a5a, "load after REMOVE (VMM's value)");
	EXPECT_EQ(c->nexits, 2, "MMIO exits after REMOVE");
	EXPECT_EQ(c->exit[0].addr, entry + PPC_MSIX_DATA, "exit 0 address");
	EXPECT(!c->exit[0].write && c->exit[0].len == 4, "exit 0: 4-byte load");
	EXPECT_EQ(c->exit[1].addr, entry + PPC_MSIX_CTL, "exit 1 address");
	EXPECT(c->exit[1].write && c->exit[1].len == 4 && c->exit[1].data == 1,
	       "exit 1: 4-byte store of 1");
	EXPECT_EQ(end.msix_delivered, c->at_sync.msix_delivered,
		  "deliveries after REMOVE");
	EXPECT(end.msix_delivered >= 1 && end.msix_routed >= c->nvec,
	       "the removed window's counters stay in the VM's");
	EXPECT_EQ(set_ctrl_raw(c->mw.dev, c->mw.id, PPC_MSIX_CTRL_ENABLE),
		  -ENOENT, "MSIX_CTRL of the removed id");
	EXPECT_EQ(set_irq_raw(c->mw.dev, c->mw.id, 0, c->mw.efd[0]), -ENOENT,
		  "MSIX_IRQ of the removed id");
	EXPECT_EQ(remove_window(c->mw.dev, c->mw.id), -ENOENT,
		  "REMOVE of the removed id");
	for (i = 0; i < c->nvec; i++)
		EXPECT_EQ(eventfd_write(c->mw.efd[i], 1), 0,
			  "eventfd still writable");
	ksft_test_result(ppc_expect_ok(),
			 "REMOVE with %u vectors routed: signals deliver nothing, guest table accesses exit to the VMM, the id is gone (ENOENT)\n",
			 c->nvec);
}

/*
 * ADD again. The eventfds were signalled while no window listened: the
 * VMM attaches them to the new window and such a pending count is one
 * interrupt, delivered at attach (as irqfd does), exactly once.
 */
static void test_readd(struct ctx *c)
{
	unsigned int ctl, data, pba, none, x1, x2, none2;
	const u16 v = 2 % c->nvec;

	ppc_expect_begin();
	drain_efds(c);
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_ADD));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	ctl = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL));
	data = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA));
	pba = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	/* no eventfd attached yet */
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 2));
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_ATTACH | v << 8));
	x1 = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x2 = ppc_prog_take(&prog, TAKE_TRIES);
	none2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	if (!run(c, "ADD again"))
		return;
	EXPECT_EQ(prog.s[ctl].val, PPC_MSIX_CTL_MASKED, "vector_ctl of the new table");
	EXPECT_EQ(prog.s[data].val, 0, "msg_data of the new table");
	EXPECT_EQ(prog.s[pba].val, 0, "PBA of the new table");
	expect_none(none, "signal with no eventfd attached");
	expect_irq(x1, src_of(v), "at MSIX_IRQ: the count the eventfd held");
	expect_irq(x2, src_of(v), "signal after MSIX_IRQ");
	expect_none(none2, "nothing more");
	EXPECT_EQ(c->nexits, 0, "MMIO exits");
	ksft_test_result(ppc_expect_ok(),
			 "ADD again at the same address: fresh table (masked, zero), trapped again; signals before MSIX_IRQ are one interrupt at attach, then each signal one\n");
}

static void test_move(struct ctx *c)
{
	unsigned int rd[4], x, old;
	const u64 old_entry = ppc_msix_entry_gpa(&c->mw, 2 % c->nvec, 0);
	const u16 v = 2 % c->nvec;
	struct ppc_msix_win moved;

	ppc_expect_begin();
	drain_efds(c);
	attach_all(c);
	moved = c->mw;
	moved.gpa = MOVED_GPA;
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_MOVE));
	rd[0] = ppc_prog_ld(&prog, 8, ppc_msix_entry_gpa(&moved, v, PPC_MSIX_ADDR_LO));
	rd[1] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&moved, v, PPC_MSIX_DATA));
	rd[2] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&moved, v, PPC_MSIX_CTL));
	rd[3] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&moved, 0, PPC_MSIX_CTL));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	old = ppc_prog_ld(&prog, 4, old_entry + PPC_MSIX_DATA);
	if (!run(c, "MOVE"))
		return;
	EXPECT_EQ(prog.s[rd[0]].val, PPC_MSI_WINDOW, "address at the new place");
	EXPECT_EQ(prog.s[rd[1]].val, src_of(v), "data at the new place");
	EXPECT_EQ(prog.s[rd[2]].val, 0, "vector_ctl at the new place");
	EXPECT_EQ(prog.s[rd[3]].val, 1, "vector 0 still masked");
	expect_irq(x, src_of(v), "routed vector after MOVE");
	EXPECT_EQ(prog.s[old].val, 0x5a5a5a5a, "load at the old address");
	EXPECT_EQ(c->nexits, 1, "MMIO exits");
	EXPECT_EQ(c->exit[0].addr, old_entry + PPC_MSIX_DATA, "exit address");
	ksft_test_result(ppc_expect_ok(),
			 "MOVE to 0x%llx: the table keeps its entries and routing there, the old address exits to the VMM\n",
			 MOVED_GPA);
}

static void test_irq_attr(struct ctx *c)
{
	unsigned int none, p, x, none2, none3;
	int pipefd[2], dev = c->mw.dev, plain_id, r;
	struct kvm_ppc_pt_window w;
	struct kvm_device_attr a = {
		.group = KVM_DEV_PPC_PTW_GRP_CTRL, .attr = KVM_DEV_PPC_PTW_ADD,
		.addr = (unsigned long)&w,
	};
	const u16 v = 1;

	ppc_expect_begin();
	/*
	 * detach: signals reach nothing and set no pending bit; the count
	 * they leave in the eventfd is one interrupt when it is attached
	 * again
	 */
	ppc_prog_init(&prog);
	ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_DETACH | v << 8));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_DRAIN));
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_ATTACH | v << 8));
	none2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	none3 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	if (!run(c, "detach/attach"))
		return;
	expect_none(none, "detached eventfd");
	EXPECT_EQ(prog.s[p].val, 0, "PBA");
	expect_none(none2, "attached again, eventfd drained");
	expect_irq(x, src_of(v), "attached again, signalled");
	expect_none(none3, "once");

	/* errnos */
	if (pipe(pipefd))
		EXPECT(0, "pipe: %s", strerror(errno));
	EXPECT_EQ(set_irq_raw(dev, c->mw.id, c->nvec, c->mw.efd[0]), -EINVAL,
		  "MSIX_IRQ vector = nvec");
	EXPECT_EQ(set_irq_raw(dev, c->mw.id, 0xffff, c->mw.efd[0]), -EINVAL,
		  "MSIX_IRQ vector 0xffff");
	EXPECT_EQ(set_irq_raw(dev, c->mw.id, 0, pipefd[0]), -EINVAL,
		  "MSIX_IRQ with a pipe");
	EXPECT_EQ(set_irq_raw(dev, c->mw.id, 0, 999), -EBADF,
		  "MSIX_IRQ with a closed fd");
	EXPECT_EQ(set_irq_raw(dev, KVM_PPC_PTW_MAX_WINDOWS, 0, c->mw.efd[0]),
		  -EINVAL, "MSIX_IRQ window id 32");
	EXPECT_EQ(set_irq_raw(dev, 7, 0, c->mw.efd[0]), -ENOENT,
		  "MSIX_IRQ of a window that does not exist");
	EXPECT_EQ(set_ctrl_raw(dev, KVM_PPC_PTW_MAX_WINDOWS, 0), -EINVAL,
		  "MSIX_CTRL window id 32");
	close(pipefd[0]);
	close(pipefd[1]);
	/* a window without a table has no MSI-X attributes */
	memset(&w, 0, sizeof(w));
	w.guest_addr = 0x80800000ULL;
	w.size = c->bar.size;
	w.host_uaddr = (unsigned long)ppc_pci_bar_ptr(&c->bar, 0);
	r = ioctl(dev, KVM_SET_DEVICE_ATTR, &a);
	plain_id = w.id;
	EXPECT_EQ(r, 0, "ADD of a window without a table");
	if (!r) {
		EXPECT_EQ(set_ctrl_raw(dev, plain_id, PPC_MSIX_CTRL_ENABLE),
			  -EINVAL, "MSIX_CTRL of a window without a table");
		EXPECT_EQ(set_irq_raw(dev, plain_id, 0, c->mw.efd[0]), -EINVAL,
			  "MSIX_IRQ of a window without a table");
		EXPECT_EQ(remove_window(dev, plain_id), 0, "REMOVE");
	}
	ksft_test_result(ppc_expect_ok(),
			 "MSIX_IRQ: -1 detaches (signals then reach nothing), re-attach delivers once; EINVAL for a bad vector, a non-eventfd, id >= 32 or a window without a table; EBADF; ENOENT\n");

	/*
	 * A failed MSIX_IRQ should leave the vector as it was: an fd of -2
	 * is refused with EBADF; is the vector's eventfd still attached?
	 */
	ppc_expect_begin();
	EXPECT_EQ(set_irq_raw(dev, c->mw.id, v, -2), -EBADF, "MSIX_IRQ fd -2");
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_sync(&prog, SYNC_LOCAL(OP_ATTACH | v << 8));
	if (!run(c, "MSIX_IRQ -2"))
		return;
	expect_irq(x, src_of(v), "signal after a refused MSIX_IRQ");
	ksft_test_result(ppc_expect_ok(),
			 "a refused MSIX_IRQ (fd -2, EBADF) leaves the vector's eventfd attached\n");
}

/*
 * QEMU releases the XICS device and creates a new one when a guest
 * switches interrupt mode (CAS). Vectors routed to the old one: signals
 * must be dropped harmlessly; the guest reprograms and they route again.
 */
static void test_irqchip_release(struct ctx *c)
{
	struct kvm_ppc_pt_window_stats a, b;
	unsigned int none, x;
	const u16 v = 0;
	int r;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	program_all(&c->mw, c->nvec);
	if (!run(c, "program all"))
		return;
	ppc_msix_stats(c->mw.dev, &b);
	close(c->ic.fd);
	c->ic.fd = -1;
	for (r = 0; r < c->nvec; r++)
		eventfd_write(c->mw.efd[r], 1);
	ppc_msix_stats(c->mw.dev, &a);
	printf("# XICS released: %llu delivered, %llu pending after %u signals\n",
	       (unsigned long long)(a.msix_delivered - b.msix_delivered),
	       (unsigned long long)(a.msix_pending - b.msix_pending), c->nvec);
	EXPECT_EQ(a.msix_delivered, b.msix_delivered,
		  "deliveries with no interrupt controller");
	r = ppc_xics_create(c->vm, &c->ic);
	if (!r)
		r = ppc_xics_connect(&c->ic, c->vcpu, 0);
	if (!r)
		r = ppc_xics_set_cppr(c->vcpu, 0xff);
	for (unsigned int i = 0; !r && i < NR_SRC; i++)
		r = ppc_xics_set_source(&c->ic, PPC_IRQ_BASE + i, 0,
					PPC_IRQ_PRIO, false);
	if (r) {
		ksft_test_result_fail("new %s: %s\n", c->ic.name, ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	if (!run(c, "new XICS"))
		return;
	expect_none(none, "new XICS, before any signal");
	expect_irq(x, src_of(v), "new XICS, vector reprogrammed");
	ksft_test_result(ppc_expect_ok(),
			 "%s released with vectors routed: signals dropped, no crash; a new one routes again after the guest's mask/unmask\n",
			 c->ic.name);
}

/* A VM torn down with routed vectors and attached eventfds */
static void test_teardown(struct ctx *c)
{
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_msix_win mw;
	struct ppc_vm *vm;
	u16 v;
	int r, efd[PPC_MSIX_MAX_VEC];

	ppc_expect_begin();
	vm = ppc_guest_create(&vcpu);
	r = vm ? ppc_xics_setup(vm, &ic, NR_SRC) : -ENOMEM;
	if (!r)
		r = ppc_msix_win_add(&mw, vm, -1, &c->bar, WIN_GPA,
				     c->cap.table_offset, c->cap.pba_offset,
				     c->nvec);
	if (!r)
		r = ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE);
	if (r) {
		ksft_test_result_fail("second VM: %s\n", ppc_errmsg());
		return;
	}
	ppc_prog_init(&prog);
	program_all(&mw, c->nvec);
	r = ppc_prog_run(vcpu, &prog, NULL, NULL, NULL);
	EXPECT_EQ(r, 0, "programming the second VM's table");
	/* keep the eventfds; close every KVM fd without REMOVE */
	for (v = 0; v < PPC_MSIX_MAX_VEC; v++) {
		efd[v] = mw.efd[v];
		mw.efd[v] = -1;
	}
	close(mw.dev);
	close(ic.fd);
	ppc_vm_free(vm);
	for (v = 0; v < c->nvec; v++)
		EXPECT_EQ(eventfd_write(efd[v], 1), 0, "eventfd after teardown");
	for (v = 0; v < c->nvec; v++)
		close(efd[v]);
	/* the first VM still works */
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(0, 1));
	r = ppc_prog_take(&prog, TAKE_TRIES);
	if (!run(c, "first VM after the second's teardown"))
		return;
	expect_irq(r, src_of(0), "first VM");
	ksft_test_result(ppc_expect_ok(),
			 "a VM torn down with %u routed vectors and their eventfds attached: eventfds stay usable, other VMs unaffected\n",
			 c->nvec);
}

/* ADD/REMOVE in a loop under a vCPU that programs the table */
struct race {
	struct ctx *c;
	volatile int stop;
	u64 signals;
	u64 exits;
};

static void *race_signal_fn(void *arg)
{
	struct race *rc = arg;
	u16 v = 0;

	while (!rc->stop) {
		if (!eventfd_write(rc->c->mw.efd[v], 1))
			rc->signals++;
		v = (v + 1) % rc->c->nvec;
	}
	return NULL;
}

static int race_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct race *rc = opaque;

	__atomic_add_fetch(&rc->exits, 1, __ATOMIC_RELAXED);
	if (!run->mmio.is_write)
		memset(run->mmio.data, FILL, sizeof(run->mmio.data));
	return 0;
}

#define RACE_ITERS	1500
#define RACE_ACC	5

static void test_race(struct ctx *c)
{
	struct kvm_ppc_pt_window_stats a, b;
	u64 served, total = (u64)RACE_ITERS * RACE_ACC;
	struct ppc_vcpu_thread th;
	struct race rc = { .c = c };
	unsigned int cycles = 0;
	pthread_t sig_tid;
	struct ppc_asm *as;
	u64 entry = c->cap.table_offset + WIN_GPA, loop;
	int r;

	ppc_expect_begin();
	as = malloc(sizeof(*as));
	if (!as) {
		ksft_test_result_fail("race: no memory\n");
		return;
	}
	/* r20 entry 0, r21 address, r22 data; 5 accesses a round */
	ppc_asm_init(as, PPC_GUEST_CODE_GPA);
	ppc_li64(as, 20, entry);
	ppc_li64(as, 21, PPC_MSI_WINDOW);
	ppc_li64(as, 22, src_of(0));
	ppc_li(as, 23, 0);
	ppc_li(as, 24, 1);
	ppc_li64(as, 26, RACE_ITERS);
	ppc_mtctr(as, 26);
	loop = ppc_here(as);
	ppc_std(as, 21, PPC_MSIX_ADDR_LO, 20);
	ppc_stw(as, 22, PPC_MSIX_DATA, 20);
	ppc_stw(as, 23, PPC_MSIX_CTL, 20);
	ppc_lwz(as, 25, PPC_MSIX_DATA, 20);
	ppc_stw(as, 24, PPC_MSIX_CTL, 20);
	ppc_bdnz(as, loop);
	ppc_done(as);
	r = ppc_guest_load(c->vcpu, as);
	free(as);
	if (!r)
		r = ppc_msix_stats(c->mw.dev, &b);
	if (r) {
		ksft_test_result_fail("race: %s\n", ppc_errmsg());
		return;
	}
	/* the window from test_move is at MOVED_GPA: start with none here */
	remove_window(c->mw.dev, c->mw.id);
	pthread_create(&sig_tid, NULL, race_signal_fn, &rc);
	r = ppc_vcpu_thread_start(&th, c->vcpu, race_mmio, &rc);
	while (!r && __atomic_load_n(&th.result, __ATOMIC_RELAXED) == -EINPROGRESS &&
	       cycles < 100000) {
		r = add_window(c, WIN_GPA);
		if (!r)
			r = attach_all(c);
		if (!r)
			r = set_ctrl_raw(c->mw.dev, c->mw.id, PPC_MSIX_CTRL_ENABLE);
		usleep(200 + (cycles % 7) * 100);
		if (!r)
			r = remove_window(c->mw.dev, c->mw.id);
		cycles++;
		usleep(100);
	}
	if (r)
		ksft_print_msg("window operation %u: %d\n", cycles, r);
	EXPECT_EQ(ppc_vcpu_thread_join(&th, 120), 0, th.err);
	rc.stop = 1;
	pthread_join(sig_tid, NULL);
	EXPECT_EQ(r, 0, "ADD/attach/REMOVE during the race");
	r = ppc_msix_stats(c->mw.dev, &a);
	EXPECT_EQ(r, 0, "stats");
	ppc_msix_stats_sub(&b, &a, &b);
	ppc_msix_stats_print("race", &b);
	served = b.msix_table_accesses + b.msix_invalid_accesses +
		 b.msix_passthrough;
	ksft_print_msg("%u ADD/REMOVE cycles; %llu guest accesses: %llu in the kernel, %llu exits; %llu signals, %llu delivered, %llu pending\n",
		       cycles, (unsigned long long)total,
		       (unsigned long long)served,
		       (unsigned long long)rc.exits,
		       (unsigned long long)rc.signals,
		       (unsigned long long)b.msix_delivered,
		       (unsigned long long)b.msix_pending);
	EXPECT_EQ(served + rc.exits, total,
		  "accesses served in the kernel + exits");
	EXPECT(cycles >= 3, "only %u ADD/REMOVE cycles", cycles);
	EXPECT(served > 0 && rc.exits > 0,
	       "the race did not mix trapped and exiting accesses");
	ksft_test_result(ppc_expect_ok(),
			 "%u ADD/REMOVE cycles under a vCPU programming the table and a host signalling: each of %llu guest accesses served in the kernel or exited, none lost\n",
			 cycles, (unsigned long long)total);
	c->mw.id = ~0U;
}

int main(void)
{
	struct ctx c = { 0 };
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_msix_virtio_open(&c.bar, &c.cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	c.nvec = c.cap.nvec < 4 ? c.cap.nvec : 4;
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(c.vm, &c.ic, NR_SRC);
	if (r)
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	r = ppc_msix_win_add(&c.mw, c.vm, -1, &c.bar, WIN_GPA,
			     c.cap.table_offset, c.cap.pba_offset, c.nvec);
	if (!r)
		r = ppc_msix_set_ctrl(&c.mw, PPC_MSIX_CTRL_ENABLE);
	if (r)
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_print_msg("%s; virtio-net %s MSI-X window at 0x%llx, %u vectors\n",
		       c.ic.name, c.bar.bdf, WIN_GPA, c.nvec);
	ksft_set_plan(8);

	test_remove_routed(&c);
	test_readd(&c);
	test_move(&c);
	test_irq_attr(&c);
	test_irqchip_release(&c);
	test_teardown(&c);
	test_race(&c);

	ppc_msix_win_free(&c.mw);
	close(c.mw.dev);
	if (c.ic.fd >= 0)
		close(c.ic.fd);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.bar);
	ksft_finished();
}
