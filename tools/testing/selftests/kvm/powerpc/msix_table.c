// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: the table and PBA as the guest sees them, served in
 * the kernel by the PCI rules, without one exit to the VMM.
 *
 * Windows: virtio-net's MSI-X BAR (4K: table and PBA in one trapped page)
 * and e1000e's (16K: table at 0 and PBA at 0x2000, two trapped pages), at
 * the offsets the functions' capabilities give. Checked: reset state
 * (every vector masked, PBA clear); DWORD and QWORD reads and writes of
 * every field, with msg_addr_lo bits 1:0 and vector_ctl bits 31:1 read as
 * zero; 1- and 2-byte, misaligned and QWORD-misaligned accesses read all
 * ones and writes are dropped (counted as invalid, table unchanged); the
 * PBA shows a pending vector and ignores writes. The counters of the
 * window device must account for every access.
 */
#include <stdio.h>
#include <string.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define VIRTIO_GPA	0x80000000ULL
#define E1000E_GPA	0x80010000ULL

static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

struct ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	int dev;
	struct ppc_pci_bar vbar, ebar;
	struct ppc_msix_cap vcap, ecap;
	struct ppc_msix_win v, e;
};

static bool run(struct ctx *c, const char *what)
{
	struct kvm_ppc_pt_window_stats a, b;
	int r;

	r = ppc_msix_stats(c->dev, &b);
	if (!r)
		r = ppc_prog_run(c->vcpu, &prog, NULL, ppc_msix_sync, &c->v);
	if (!r)
		r = ppc_msix_stats(c->dev, &a);
	if (r) {
		ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
		return false;
	}
	ppc_msix_stats_sub(&d, &a, &b);
	ppc_msix_stats_print(what, &d);
	return true;
}

static u64 ones(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

#define E(w, v, f)	ppc_msix_entry_gpa(w, v, f)

static void expect_ld(unsigned int i, u64 want, const char *what)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s (%d-byte load at +0x%llx)", what,
		 prog.s[i].size, (unsigned long long)(prog.s[i].gpa & 0xffff));
	EXPECT_EQ(prog.s[i].val, want, buf);
}

static void test_reset(struct ctx *c, struct ppc_msix_win *w, const char *name)
{
	unsigned int i0 = 0, v, n;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (v = 0; v < w->nvec; v++) {
		ppc_prog_ld(&prog, 8, E(w, v, PPC_MSIX_ADDR_LO));
		ppc_prog_ld(&prog, 8, E(w, v, PPC_MSIX_DATA));
		ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_ADDR_LO));
		ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_ADDR_HI));
		ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_DATA));
		ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_CTL));
	}
	ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(w));
	ppc_prog_ld(&prog, 4, ppc_msix_pba_gpa(w));
	ppc_prog_ld(&prog, 4, ppc_msix_pba_gpa(w) + 4);
	n = prog.n;
	if (!run(c, "reset state"))
		return;
	for (v = 0; v < w->nvec; v++, i0 += 6) {
		expect_ld(i0, 0, "address");
		expect_ld(i0 + 1, 1ULL << 32, "data | vector_ctl << 32");
		expect_ld(i0 + 2, 0, "msg_addr_lo");
		expect_ld(i0 + 3, 0, "msg_addr_hi");
		expect_ld(i0 + 4, 0, "msg_data");
		expect_ld(i0 + 5, PPC_MSIX_CTL_MASKED, "vector_ctl");
	}
	expect_ld(i0, 0, "PBA");
	expect_ld(i0 + 1, 0, "PBA low DWORD");
	expect_ld(i0 + 2, 0, "PBA high DWORD");
	EXPECT_EQ(d.msix_table_accesses, n, "valid table/PBA accesses");
	EXPECT_EQ(d.msix_invalid_accesses, 0, "invalid accesses");
	EXPECT_EQ(d.vmm_exits, 0, "VMM exits");
	ksft_test_result(ppc_expect_ok(),
			 "%s: reset state: %u vectors masked with a zero message, PBA clear (%u DWORD/QWORD loads, none exits)\n",
			 name, w->nvec, n);
}

/* Field values for vector v */
static u32 lo_of(u16 v)
{
	return 0xdeadbeef ^ (v << 8);
}

static u32 hi_of(u16 v)
{
	return 0x12345678 + v;
}

static u32 data_of(u16 v)
{
	return 0xcafe0000 + v;
}

static void test_rw(struct ctx *c, struct ppc_msix_win *w, const char *name)
{
	unsigned int ld[PPC_MSIX_MAX_VEC][6], q[4], v, n;
	const u16 qv = w->nvec - 1;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (v = 0; v < w->nvec; v++) {
		ppc_prog_st(&prog, 4, E(w, v, PPC_MSIX_ADDR_LO), lo_of(v));
		ppc_prog_st(&prog, 4, E(w, v, PPC_MSIX_ADDR_HI), hi_of(v));
		ppc_prog_st(&prog, 4, E(w, v, PPC_MSIX_DATA), data_of(v));
		/* reserved bits set, mask clear */
		ppc_prog_st(&prog, 4, E(w, v, PPC_MSIX_CTL), 0xfffffffe);
	}
	for (v = 0; v < w->nvec; v++) {
		ld[v][0] = ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_ADDR_LO));
		ld[v][1] = ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_ADDR_HI));
		ld[v][2] = ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_DATA));
		ld[v][3] = ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_CTL));
		ppc_prog_st(&prog, 4, E(w, v, PPC_MSIX_CTL), 0xffffffff);
		ld[v][4] = ppc_prog_ld(&prog, 4, E(w, v, PPC_MSIX_CTL));
		ld[v][5] = ppc_prog_ld(&prog, 8, E(w, v, PPC_MSIX_ADDR_LO));
	}
	/* QWORDs: two fields of one entry, low half at the lower address */
	ppc_prog_st(&prog, 8, E(w, qv, PPC_MSIX_ADDR_LO), 0x112233445566777bULL);
	ppc_prog_st(&prog, 8, E(w, qv, PPC_MSIX_DATA), 0xffffff01a5a5a5a5ULL);
	q[0] = ppc_prog_ld(&prog, 4, E(w, qv, PPC_MSIX_ADDR_LO));
	q[1] = ppc_prog_ld(&prog, 4, E(w, qv, PPC_MSIX_ADDR_HI));
	q[2] = ppc_prog_ld(&prog, 8, E(w, qv, PPC_MSIX_DATA));
	q[3] = ppc_prog_ld(&prog, 8, E(w, qv, PPC_MSIX_ADDR_LO));
	/* leave vector qv as the others */
	ppc_prog_st(&prog, 8, E(w, qv, PPC_MSIX_ADDR_LO),
		    (u64)hi_of(qv) << 32 | lo_of(qv));
	ppc_prog_st(&prog, 8, E(w, qv, PPC_MSIX_DATA),
		    1ULL << 32 | data_of(qv));
	n = prog.n;
	if (!run(c, "reads and writes"))
		return;
	for (v = 0; v < w->nvec; v++) {
		expect_ld(ld[v][0], lo_of(v) & ~3U, "msg_addr_lo, bits 1:0 read-only zero");
		expect_ld(ld[v][1], hi_of(v), "msg_addr_hi");
		expect_ld(ld[v][2], data_of(v), "msg_data");
		expect_ld(ld[v][3], 0, "vector_ctl after 0xfffffffe: reserved bits read 0");
		expect_ld(ld[v][4], 1, "vector_ctl after 0xffffffff");
		expect_ld(ld[v][5], (u64)hi_of(v) << 32 | (lo_of(v) & ~3U),
			  "address as a QWORD");
	}
	expect_ld(q[0], 0x55667778, "msg_addr_lo from a QWORD store");
	expect_ld(q[1], 0x11223344, "msg_addr_hi from a QWORD store");
	expect_ld(q[2], 1ULL << 32 | 0xa5a5a5a5, "data and vector_ctl from a QWORD store");
	expect_ld(q[3], 0x1122334455667778ULL, "address QWORD");
	EXPECT_EQ(d.msix_table_accesses, n, "valid table accesses");
	EXPECT_EQ(d.msix_invalid_accesses, 0, "invalid accesses");
	ksft_test_result(ppc_expect_ok(),
			 "%s: DWORD and QWORD writes read back per field (msg_addr_lo[1:0] and vector_ctl[31:1] read 0), %u accesses in the kernel\n",
			 name, n);
}

/*
 * Accesses the PCI rules do not allow: 1 and 2 bytes, 4 bytes not
 * DWORD-aligned, 8 bytes not QWORD-aligned, across the end of the table.
 * Reads give all ones, writes change nothing; each one is counted.
 */
static void test_invalid(struct ctx *c, struct ppc_msix_win *w,
			 const char *name)
{
	static const struct {
		int size;
		u64 off;
	} rd[] = {
		{ 1, 0 }, { 1, 1 }, { 1, 3 }, { 1, 4 }, { 1, 8 }, { 1, 12 },
		{ 1, 15 }, { 2, 0 }, { 2, 2 }, { 2, 4 }, { 2, 8 }, { 2, 12 },
		{ 2, 14 }, { 4, 1 }, { 4, 2 }, { 4, 3 }, { 4, 6 }, { 4, 13 },
		{ 8, 4 }, { 8, 12 }, { 8, 2 },
	}, wr[] = {
		{ 1, 0 }, { 1, 3 }, { 1, 4 }, { 1, 8 }, { 1, 12 }, { 2, 0 },
		{ 2, 6 }, { 2, 8 }, { 2, 12 }, { 4, 2 }, { 4, 9 }, { 4, 14 },
		{ 8, 4 }, { 8, 12 },
	};
	unsigned int r[ARRAY_SIZE(rd)], after[4], end, i;
	const u16 v = 1 % w->nvec, last = w->nvec - 1;
	const u64 base = E(w, v, 0);
	u64 want[4];

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (i = 0; i < ARRAY_SIZE(rd); i++)
		r[i] = ppc_prog_ld(&prog, rd[i].size, base + rd[i].off);
	for (i = 0; i < ARRAY_SIZE(wr); i++)
		ppc_prog_st(&prog, wr[i].size, base + wr[i].off, 0);
	/* vector_ctl of the last entry and 4 bytes past the table */
	end = ppc_prog_ld(&prog, 8, E(w, last, PPC_MSIX_CTL));
	ppc_prog_st(&prog, 8, E(w, last, PPC_MSIX_CTL), 0);
	for (i = 0; i < 4; i++)
		after[i] = ppc_prog_ld(&prog, 4, base + 4 * i);
	if (!run(c, "invalid accesses"))
		return;
	for (i = 0; i < ARRAY_SIZE(rd); i++)
		expect_ld(r[i], ones(rd[i].size), "invalid read: all ones");
	expect_ld(end, ~0ULL, "QWORD across the end of the table: all ones");
	want[0] = lo_of(v) & ~3U;
	want[1] = hi_of(v);
	want[2] = data_of(v);
	want[3] = 1;
	for (i = 0; i < 4; i++)
		expect_ld(after[i], want[i], "field unchanged by invalid writes");
	EXPECT_EQ(d.msix_invalid_accesses,
		  ARRAY_SIZE(rd) + ARRAY_SIZE(wr) + 2, "invalid accesses");
	EXPECT_EQ(d.msix_table_accesses, 4, "valid table accesses");
	ksft_test_result(ppc_expect_ok(),
			 "%s: %zu invalid reads (1/2 bytes, misaligned, across the table end) return all ones, %zu invalid writes are dropped, all counted\n",
			 name, ARRAY_SIZE(rd) + 1, ARRAY_SIZE(wr) + 1);
}

/* The PBA shows a pending vector; writes to it, of any size, are ignored */
static void test_pba(struct ctx *c, struct ppc_msix_win *w, const char *name)
{
	unsigned int p[6], n_invalid = 0, i;
	const u16 v = 1 % w->nvec;
	const u64 pba = ppc_msix_pba_gpa(w);

	ppc_expect_begin();
	ppc_prog_init(&prog);
	/* all vectors are masked: a signal goes pending */
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	p[0] = ppc_prog_ld(&prog, 8, pba);
	ppc_prog_st(&prog, 8, pba, 0);
	ppc_prog_st(&prog, 4, pba, 0);
	ppc_prog_st(&prog, 4, pba + 4, 0xffffffff);
	ppc_prog_st(&prog, 1, pba, 0);
	ppc_prog_st(&prog, 2, pba, 0xffff);
	n_invalid += 5;
	p[1] = ppc_prog_ld(&prog, 8, pba);
	p[2] = ppc_prog_ld(&prog, 4, pba);
	p[3] = ppc_prog_ld(&prog, 4, pba + 4);
	p[4] = ppc_prog_ld(&prog, 1, pba);
	n_invalid++;
	/* disabling MSI-X keeps the pending bit */
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(0));
	p[5] = ppc_prog_ld(&prog, 8, pba);
	if (!run(c, "PBA"))
		return;
	for (i = 0; i < 6; i++)
		printf("# PBA load %u: 0x%llx\n", i,
		       (unsigned long long)prog.s[p[i]].val);
	expect_ld(p[0], 1ULL << v, "PBA with vector pending");
	expect_ld(p[1], 1ULL << v, "PBA after writes");
	expect_ld(p[2], 1ULL << v, "PBA low DWORD");
	expect_ld(p[3], 0, "PBA high DWORD");
	expect_ld(p[4], 0xff, "PBA 1-byte read");
	expect_ld(p[5], 1ULL << v, "PBA after MSI-X disable");
	EXPECT_EQ(d.msix_pending, 1, "pending bits set");
	EXPECT_EQ(d.msix_invalid_accesses, n_invalid, "invalid accesses");
	EXPECT_EQ(d.msix_table_accesses, 5, "valid PBA reads");
	ksft_test_result(ppc_expect_ok(),
			 "%s: PBA shows pending vector %u; QWORD, DWORD, byte and halfword writes to it are ignored and counted\n",
			 name, v);
}

static void open_win(struct ctx *c, struct ppc_msix_win *w,
		     struct ppc_pci_bar *bar, struct ppc_msix_cap *cap,
		     u64 gpa, const char *name)
{
	u16 nvec = cap->nvec < PPC_MSIX_MAX_VEC ? cap->nvec : PPC_MSIX_MAX_VEC;

	ksft_print_msg("%s %s BAR%u 0x%llx size 0x%llx: MSI-X %u vectors, table 0x%x, PBA 0x%x; window at 0x%llx\n",
		       name, bar->bdf, cap->table_bir,
		       (unsigned long long)bar->start,
		       (unsigned long long)bar->size, cap->nvec,
		       cap->table_offset, cap->pba_offset,
		       (unsigned long long)gpa);
	if (ppc_msix_win_add(w, c->vm, c->dev, bar, gpa, cap->table_offset,
			     cap->pba_offset, nvec))
		ksft_exit_fail_msg("%s window: %s\n", name, ppc_errmsg());
	c->dev = w->dev;
}

int main(void)
{
	struct ctx c = { .dev = -1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_msix_virtio_open(&c.vbar, &c.vcap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	if (ppc_msix_pci_open(0x8086, 0x10d3, &c.ebar, &c.ecap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	open_win(&c, &c.v, &c.vbar, &c.vcap, VIRTIO_GPA, "virtio-net");
	open_win(&c, &c.e, &c.ebar, &c.ecap, E1000E_GPA, "e1000e");
	ksft_set_plan(9);

	test_reset(&c, &c.v, "virtio-net");
	test_reset(&c, &c.e, "e1000e");
	test_rw(&c, &c.v, "virtio-net");
	test_rw(&c, &c.e, "e1000e");
	test_invalid(&c, &c.v, "virtio-net");
	test_invalid(&c, &c.e, "e1000e");
	test_pba(&c, &c.v, "virtio-net");

	/* e1000e's PBA is on its own page; its signals go through c.e */
	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c.e));
	ppc_prog_st(&prog, 8, ppc_msix_pba_gpa(&c.e), ~0ULL);
	ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c.e));
	if (run(&c, "e1000e PBA")) {
		expect_ld(0, 0, "e1000e PBA");
		expect_ld(2, 0, "e1000e PBA after a write");
		EXPECT_EQ(d.msix_invalid_accesses, 1, "invalid accesses");
		ksft_test_result(ppc_expect_ok(),
				 "e1000e: PBA on its own trapped page (BAR+0x%x) reads 0 and ignores a QWORD write\n",
				 c.ecap.pba_offset);
	}

	ppc_expect_begin();
	EXPECT_EQ(c.vcpu->exits[KVM_EXIT_MMIO], 0, "MMIO exits");
	ppc_vcpu_print_stats(c.vcpu);
	ksft_test_result(ppc_expect_ok(),
			 "no table or PBA access exited to the VMM\n");

	/* eventfds closed before the VM, window removed with it */
	ppc_msix_win_free(&c.v);
	ppc_msix_win_free(&c.e);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.vbar);
	ppc_pci_unmap_bar(&c.ebar);
	ksft_finished();
}
