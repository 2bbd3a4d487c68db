// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests for virt/kvm/msix_emul.c, the MSI-X table and PBA
 * emulator.  Each rule of include/linux/kvm_msix_emul.h (PCI Local Bus
 * Specification, MSI-X chapter) has its own test; a randomized test compares
 * the emulator with an independent byte-level reference model, and a
 * two-thread test checks that no signal is lost or delivered twice.
 */
#define HARNESS_MAIN
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "../../../virt/kvm/msix_emul.c"

/* ---------------------------------------------------------------------- */
/* Recording callbacks                                                     */
/* ---------------------------------------------------------------------- */

enum ev_type { EV_UPDATE = 1, EV_DELIVER, EV_DEV_READ, EV_DEV_WRITE };

struct ev {
	int type;
	u16 vector;
	bool active;
	u64 addr;	/* message address, or BAR offset for EV_DEV_* */
	u32 data;
	int len;
	u8 bytes[16];	/* EV_DEV_WRITE: the first 16 bytes written */
};

#define MAX_EV	8192

struct evlist {
	int n;
	bool overflow;
	struct ev ev[MAX_EV];
};

struct rec {
	struct evlist log;
	/* What the arch layer has been told; every callback checks it. */
	bool routed[KVM_MSIX_EMUL_MAX_VECTORS];
	u64 routed_addr[KVM_MSIX_EMUL_MAX_VECTORS];
	u32 routed_data[KVM_MSIX_EMUL_MAX_VECTORS];
	int violations;
	bool reject_odd;	/* deliver() refuses odd msg_data */
	int dev_ret;		/* what dev_read()/dev_write() return */
};

static struct rec R;

static void ev_push(struct evlist *l, const struct ev *ev)
{
	if (l->n == MAX_EV) {
		l->overflow = true;
		return;
	}
	l->ev[l->n++] = *ev;
}

static void rec_reset(void)
{
	memset(&R, 0, sizeof(R));
}

static void clear_log(void)
{
	R.log.n = 0;
	R.log.overflow = false;
}

static u8 dev_pattern(u64 off)
{
	return (u8)(off * 0x9d + 0x3b);
}

static void rec_update(void *opaque, u16 vector, bool active, u64 msg_addr,
		       u32 msg_data)
{
	struct rec *r = opaque;
	struct ev ev = { .type = EV_UPDATE, .vector = vector,
			 .active = active, .addr = msg_addr,
			 .data = msg_data };

	/* update() only on a change, and inactive carries the latched msg */
	if (r->routed[vector] == active)
		r->violations++;
	if (!active && (r->routed_addr[vector] != msg_addr ||
			r->routed_data[vector] != msg_data))
		r->violations++;
	r->routed[vector] = active;
	r->routed_addr[vector] = msg_addr;
	r->routed_data[vector] = msg_data;
	ev_push(&r->log, &ev);
}

static bool rec_deliver(void *opaque, u16 vector, u64 msg_addr, u32 msg_data)
{
	struct rec *r = opaque;
	struct ev ev = { .type = EV_DELIVER, .vector = vector,
			 .addr = msg_addr, .data = msg_data };

	/* deliver() only for a routed vector, with the routed message */
	if (!r->routed[vector] || r->routed_addr[vector] != msg_addr ||
	    r->routed_data[vector] != msg_data)
		r->violations++;
	ev_push(&r->log, &ev);
	return !(r->reject_odd && (msg_data & 1));
}

static int rec_dev_read(void *opaque, u64 bar_offset, int len, void *val)
{
	struct rec *r = opaque;
	struct ev ev = { .type = EV_DEV_READ, .addr = bar_offset,
			 .len = len };
	u8 *p = val;
	int i;

	for (i = 0; i < len; i++)
		p[i] = dev_pattern(bar_offset + i);
	ev_push(&r->log, &ev);
	return r->dev_ret;
}

static int rec_dev_write(void *opaque, u64 bar_offset, int len,
			 const void *val)
{
	struct rec *r = opaque;
	struct ev ev = { .type = EV_DEV_WRITE, .addr = bar_offset,
			 .len = len };

	memcpy(ev.bytes, val, len < 16 ? len : 16);
	ev_push(&r->log, &ev);
	return r->dev_ret;
}

static const struct kvm_msix_emul_ops rec_ops = {
	.update = rec_update,
	.deliver = rec_deliver,
	.dev_read = rec_dev_read,
	.dev_write = rec_dev_write,
};

static const struct kvm_msix_emul_ops rec_ops_nodev = {
	.update = rec_update,
	.deliver = rec_deliver,
};

static int count_ev(int type)
{
	int i, n = 0;

	for (i = 0; i < R.log.n; i++)
		n += R.log.ev[i].type == type;
	return n;
}

static const struct ev *find_ev(int type, int nth)
{
	int i;

	for (i = 0; i < R.log.n; i++)
		if (R.log.ev[i].type == type && nth-- == 0)
			return &R.log.ev[i];
	return NULL;
}

/* find_ev() that never returns NULL, so a failing test does not crash. */
static const struct ev *ev_at(int type, int nth)
{
	static const struct ev none;
	const struct ev *ev = find_ev(type, nth);

	EXPECT(ev, "no callback %d #%d", type, nth);
	return ev ? ev : &none;
}

/* ---------------------------------------------------------------------- */
/* Access helpers: bytes in PCI (little-endian) order, decoded by hand     */
/* ---------------------------------------------------------------------- */

static u64 get_le(const u8 *b, int len)
{
	u64 v = 0;
	int i;

	for (i = len - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void put_le(u8 *b, int len, u64 v)
{
	int i;

	for (i = 0; i < len; i++, v >>= 8)
		b[i] = (u8)v;
}

static u64 rd(struct kvm_msix_emul *e, u64 off, int len)
{
	u8 b[8];
	int ret = kvm_msix_emul_read(e, off, len, b);

	EXPECT_EQ(ret, 0);
	return get_le(b, len);
}

static u32 rd32(struct kvm_msix_emul *e, u64 off)
{
	return (u32)rd(e, off, 4);
}

static u64 rd64(struct kvm_msix_emul *e, u64 off)
{
	return rd(e, off, 8);
}

static void wr(struct kvm_msix_emul *e, u64 off, int len, u64 v)
{
	u8 b[8];

	put_le(b, len, v);
	EXPECT_EQ(kvm_msix_emul_write(e, off, len, b), 0);
}

static void wr32(struct kvm_msix_emul *e, u64 off, u32 v)
{
	wr(e, off, 4, v);
}

static void wr64(struct kvm_msix_emul *e, u64 off, u64 v)
{
	wr(e, off, 8, v);
}

/* Table field addresses of vector @v in emulator @e. */
#define LO(e, v)	((e)->table_offset + (v) * 16 + 0)
#define HI(e, v)	((e)->table_offset + (v) * 16 + 4)
#define DATA(e, v)	((e)->table_offset + (v) * 16 + 8)
#define CTL(e, v)	((e)->table_offset + (v) * 16 + 12)

static struct kvm_msix_emul *mk(u16 nvec, u64 table, u64 pba)
{
	struct kvm_msix_emul *e;

	rec_reset();
	e = kvm_msix_emul_create(nvec, table, pba, &rec_ops, &R);
	EXPECT(!IS_ERR_OR_NULL(e), "create(%u, %#llx, %#llx) failed", nvec,
	       (unsigned long long)table, (unsigned long long)pba);
	return IS_ERR(e) ? NULL : e;
}

/* virtio-net (modern) layout: 4K BAR, table at 0, PBA at 0x800. */
static struct kvm_msix_emul *mk_default(void)
{
	return mk(4, 0, 0x800);
}

/* Program vector @v with a message and unmask it. */
static void program(struct kvm_msix_emul *e, u16 v, u64 addr, u32 data)
{
	wr32(e, LO(e, v), (u32)addr);
	wr32(e, HI(e, v), (u32)(addr >> 32));
	wr32(e, DATA(e, v), data);
}

static void unmask(struct kvm_msix_emul *e, u16 v)
{
	wr32(e, CTL(e, v), 0);
}

static void mask(struct kvm_msix_emul *e, u16 v)
{
	wr32(e, CTL(e, v), 1);
}

static bool pba_bit(struct kvm_msix_emul *e, u16 v)
{
	return rd64(e, e->pba_offset + v / 64 * 8) >> (v % 64) & 1;
}

static struct kvm_msix_emul_stats stats(struct kvm_msix_emul *e)
{
	struct kvm_msix_emul_stats s;

	kvm_msix_emul_get_stats(e, &s);
	return s;
}

#define MSI_WIN		0x20000000000ULL	/* a VM's MSI window */

/* ---------------------------------------------------------------------- */
/* Reset state                                                             */
/* ---------------------------------------------------------------------- */

TEST(reset_state_all_vectors_masked)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	u16 v;

	ASSERT(e, "emulator not created");
	for (v = 0; v < 70; v++) {
		EXPECT_EQ(rd32(e, LO(e, v)), 0);
		EXPECT_EQ(rd32(e, HI(e, v)), 0);
		EXPECT_EQ(rd32(e, DATA(e, v)), 0);
		EXPECT_EQ(rd32(e, CTL(e, v)), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	}
	EXPECT_EQ(rd64(e, 0x2000), 0);
	EXPECT_EQ(rd64(e, 0x2008), 0);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(stats(e).table_reads, 70 * 4);
	EXPECT_EQ(stats(e).pba_reads, 2);
	EXPECT_EQ(stats(e).updates, 0);
	EXPECT_EQ(stats(e).invalid_accesses, 0);
	/* Enabling MSI-X with every vector masked routes nothing. */
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_destroy(e);
}

TEST(reset_state_signal_is_dropped_while_disabled)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(pba_bit(e, 0), 0);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(stats(e).signals_dropped, 1);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Table fields, DWORD and QWORD                                           */
/* ---------------------------------------------------------------------- */

TEST(dword_msg_addr_lo_rw)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, LO(e, 1), 0xfee01230);
	EXPECT_EQ(rd32(e, LO(e, 1)), 0xfee01230);
	EXPECT_EQ(rd32(e, LO(e, 0)), 0);
	EXPECT_EQ(rd32(e, LO(e, 2)), 0);
	EXPECT_EQ(rd32(e, HI(e, 1)), 0);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	wr32(e, LO(e, 1), 0xffffffff);
	EXPECT_EQ(rd32(e, LO(e, 1)), 0xfffffffc);
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_destroy(e);
}

TEST(dword_msg_addr_lo_bits_1_0_read_only_zero)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, LO(e, 0), 0x12345677);
	EXPECT_EQ(rd32(e, LO(e, 0)), 0x12345674);
	wr32(e, LO(e, 0), 0x3);
	EXPECT_EQ(rd32(e, LO(e, 0)), 0);
	kvm_msix_emul_destroy(e);
}

TEST(dword_msg_addr_hi_rw)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, HI(e, 3), 0xdeadbeef);
	EXPECT_EQ(rd32(e, HI(e, 3)), 0xdeadbeef);
	wr32(e, HI(e, 3), 0xffffffff);
	EXPECT_EQ(rd32(e, HI(e, 3)), 0xffffffff);
	EXPECT_EQ(rd32(e, LO(e, 3)), 0);
	EXPECT_EQ(rd32(e, DATA(e, 3)), 0);
	EXPECT_EQ(rd32(e, HI(e, 2)), 0);
	kvm_msix_emul_destroy(e);
}

TEST(dword_msg_data_rw)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, DATA(e, 2), 0xcafef00d);
	EXPECT_EQ(rd32(e, DATA(e, 2)), 0xcafef00d);
	wr32(e, DATA(e, 2), 0);
	EXPECT_EQ(rd32(e, DATA(e, 2)), 0);
	EXPECT_EQ(rd32(e, CTL(e, 2)), 1);
	kvm_msix_emul_destroy(e);
}

TEST(dword_vector_ctl_mask_bit_rw)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	unmask(e, 1);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 0);
	EXPECT_EQ(rd32(e, CTL(e, 0)), 1);
	EXPECT_EQ(rd32(e, CTL(e, 2)), 1);
	mask(e, 1);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	kvm_msix_emul_destroy(e);
}

TEST(vector_ctl_reserved_bits_read_zero_writes_ignored)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, CTL(e, 0), 0xfffffffe);
	EXPECT_EQ(rd32(e, CTL(e, 0)), 0);
	wr32(e, CTL(e, 0), 0xffffffff);
	EXPECT_EQ(rd32(e, CTL(e, 0)), 1);
	wr32(e, CTL(e, 0), 0x80000002);
	EXPECT_EQ(rd32(e, CTL(e, 0)), 0);
	wr64(e, DATA(e, 0), 0xffff000055aa1234ULL);
	EXPECT_EQ(rd64(e, DATA(e, 0)), 0x55aa1234);
	kvm_msix_emul_destroy(e);
}

TEST(qword_at_entry_offset_0)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr64(e, LO(e, 2), 0x1122334455667788ULL);
	EXPECT_EQ(rd32(e, LO(e, 2)), 0x55667788);
	EXPECT_EQ(rd32(e, HI(e, 2)), 0x11223344);
	EXPECT_EQ(rd64(e, LO(e, 2)), 0x1122334455667788ULL);
	EXPECT_EQ(rd32(e, DATA(e, 2)), 0);
	EXPECT_EQ(rd32(e, CTL(e, 2)), 1);
	wr64(e, LO(e, 2), 0xaaaaaaaabbbbbbbbULL);
	EXPECT_EQ(rd64(e, LO(e, 2)), 0xaaaaaaaabbbbbbb8ULL);
	EXPECT_EQ(stats(e).table_writes, 2);
	kvm_msix_emul_destroy(e);
}

TEST(qword_at_entry_offset_8)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	/* msg_data low half, vector_ctl high half */
	wr64(e, DATA(e, 1), 0x0000000100001234ULL);
	EXPECT_EQ(rd32(e, DATA(e, 1)), 0x1234);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	EXPECT_EQ(rd64(e, DATA(e, 1)), 0x0000000100001234ULL);
	wr64(e, DATA(e, 1), 0x00000000abcd0000ULL);
	EXPECT_EQ(rd64(e, DATA(e, 1)), 0xabcd0000);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 0);
	EXPECT_EQ(rd64(e, LO(e, 1)), 0);
	kvm_msix_emul_destroy(e);
}

TEST(qword_data_and_unmask_is_one_update_with_new_data)
{
	struct kvm_msix_emul *e = mk_default();
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	wr64(e, LO(e, 0), MSI_WIN);
	wr32(e, DATA(e, 0), 0x10);
	clear_log();
	wr64(e, DATA(e, 0), 0x0000000000000042ULL);	/* data 0x42, unmask */
	EXPECT_EQ(R.log.n, 1);
	ev = find_ev(EV_UPDATE, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->active, true);
	EXPECT_EQ(ev->addr, MSI_WIN);
	EXPECT_EQ(ev->data, 0x42);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Invalid accesses                                                        */
/* ---------------------------------------------------------------------- */

static void expect_invalid_read(struct kvm_msix_emul *e, u64 off, int len)
{
	u8 b[80];
	int i, ret;

	memset(b, 0x5a, sizeof(b));
	ret = kvm_msix_emul_read(e, off, len, b);
	EXPECT_EQ(ret, 0);
	for (i = 0; i < len; i++)
		EXPECT(b[i] == 0xff, "read %#llx len %d byte %d = %#x",
		       (unsigned long long)off, len, i, b[i]);
	EXPECT(b[len] == 0x5a, "read %#llx len %d overran",
	       (unsigned long long)off, len);
}

static void expect_invalid_write(struct kvm_msix_emul *e, u64 off, int len,
				 u8 fill)
{
	u8 b[80];

	memset(b, fill, sizeof(b));
	EXPECT_EQ(kvm_msix_emul_write(e, off, len, b), 0);
}

TEST(byte_and_word_accesses_to_table_are_invalid)
{
	struct kvm_msix_emul *e = mk_default();
	u64 off, invalid = 0;
	int len;

	ASSERT(e, "emulator not created");
	wr32(e, LO(e, 1), 0x11111110);
	wr32(e, HI(e, 1), 0x22222222);
	wr32(e, DATA(e, 1), 0x33333333);
	clear_log();
	for (len = 1; len <= 2; len++) {
		for (off = LO(e, 1); off < LO(e, 2); off += len) {
			expect_invalid_read(e, off, len);
			/* A classic: a byte write of 0 to vector_ctl. */
			expect_invalid_write(e, off, len, 0);
			invalid += 2;
		}
	}
	EXPECT_EQ(rd32(e, LO(e, 1)), 0x11111110);
	EXPECT_EQ(rd32(e, HI(e, 1)), 0x22222222);
	EXPECT_EQ(rd32(e, DATA(e, 1)), 0x33333333);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	EXPECT_EQ(stats(e).invalid_accesses, invalid);
	EXPECT_EQ(R.log.n, 0);	/* no update, no device access */
	kvm_msix_emul_destroy(e);
}

TEST(odd_lengths_to_table_are_invalid)
{
	static const int lens[] = { 3, 5, 6, 7, 12, 16, 32 };
	struct kvm_msix_emul *e = mk_default();
	unsigned int i;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		expect_invalid_read(e, LO(e, 0), lens[i]);
		expect_invalid_write(e, LO(e, 0), lens[i], 0);
	}
	EXPECT_EQ(rd32(e, CTL(e, 0)), 1);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	EXPECT_EQ(stats(e).invalid_accesses, 2 * ARRAY_SIZE(lens));
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_destroy(e);
}

TEST(misaligned_dword_is_invalid)
{
	static const int offs[] = { 1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15 };
	struct kvm_msix_emul *e = mk_default();
	unsigned int i;

	ASSERT(e, "emulator not created");
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		expect_invalid_read(e, LO(e, 1) + offs[i], 4);
		expect_invalid_write(e, LO(e, 1) + offs[i], 4, 0);
	}
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	EXPECT_EQ(rd32(e, CTL(e, 0)), 1);
	EXPECT_EQ(rd32(e, LO(e, 2)), 0);
	EXPECT_EQ(stats(e).invalid_accesses, 2 * ARRAY_SIZE(offs));
	kvm_msix_emul_destroy(e);
}

TEST(qword_at_offset_4_and_12_is_invalid)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	wr32(e, HI(e, 1), 0x12345678);
	wr32(e, DATA(e, 1), 0x9abcdef0);
	/* offset 4: msg_addr_hi + msg_data, misaligned QWORD */
	expect_invalid_read(e, HI(e, 1), 8);
	expect_invalid_write(e, HI(e, 1), 8, 0);
	/* offset 12: vector_ctl of 1 + msg_addr_lo of 2, crosses the entry */
	expect_invalid_read(e, CTL(e, 1), 8);
	expect_invalid_write(e, CTL(e, 1), 8, 0);
	EXPECT_EQ(rd32(e, HI(e, 1)), 0x12345678);
	EXPECT_EQ(rd32(e, DATA(e, 1)), 0x9abcdef0);
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	EXPECT_EQ(rd32(e, LO(e, 2)), 0);
	EXPECT_EQ(stats(e).invalid_accesses, 4);
	kvm_msix_emul_destroy(e);
}

TEST(access_straddling_table_start_or_end_is_invalid)
{
	struct kvm_msix_emul *e = mk(2, 0x1000, 0x3000);	/* [0x1000, 0x1020) */
	static const struct { u64 off; int len; } acc[] = {
		{ 0x101c, 8 }, { 0x101e, 4 }, { 0x101f, 2 }, { 0x1018, 16 },
		{ 0x0ffc, 8 }, { 0x0ffe, 4 }, { 0x0fff, 2 }, { 0x0ff8, 16 },
		{ 0x0ff0, 64 },
	};
	unsigned int i;

	ASSERT(e, "emulator not created");
	for (i = 0; i < ARRAY_SIZE(acc); i++) {
		expect_invalid_read(e, acc[i].off, acc[i].len);
		expect_invalid_write(e, acc[i].off, acc[i].len, 0);
	}
	EXPECT_EQ(R.log.n, 0);	/* none of it reached the device */
	EXPECT_EQ(stats(e).invalid_accesses, 2 * ARRAY_SIZE(acc));
	EXPECT_EQ(rd32(e, CTL(e, 1)), 1);
	/* Just outside on either side belongs to the device. */
	rd(e, 0x0ffc, 4);
	rd(e, 0x1020, 8);
	EXPECT_EQ(count_ev(EV_DEV_READ), 2);
	kvm_msix_emul_destroy(e);
}

TEST(bad_range_is_rejected)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_stats s;
	u8 b[8];

	ASSERT(e, "emulator not created");
	memset(b, 0, sizeof(b));
	EXPECT_EQ(kvm_msix_emul_read(e, 0, 0, b), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_read(e, 0, -4, b), -EINVAL);
	EXPECT_EQ(b[0], 0);
	EXPECT_EQ(kvm_msix_emul_write(e, 0, 0, b), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_write(e, 0, -8, b), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_read(e, ~0ULL - 3, 8, b), -EINVAL);
	EXPECT_EQ(get_le(b, 8), ~0ULL);
	EXPECT_EQ(kvm_msix_emul_write(e, ~0ULL, 1, b), -EINVAL);
	EXPECT_EQ(R.log.n, 0);
	s = stats(e);
	EXPECT_EQ(s.invalid_accesses + s.passthrough_reads +
		  s.passthrough_writes + s.table_reads + s.table_writes, 0);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Layouts                                                                 */
/* ---------------------------------------------------------------------- */

TEST(table_not_at_bar_offset_0)
{
	/* KIOXIA CD8P keeps its table at 0x5200 (cloud-hypervisor #7939). */
	struct kvm_msix_emul *e = mk(32, 0x5200, 0x5400);
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	EXPECT_EQ(rd32(e, 0x5200 + 12), 1);
	EXPECT_EQ(rd32(e, 0x53f0 + 12), 1);	/* last vector */
	wr32(e, 0x5200, 0xfee00000);
	wr32(e, 0x5208, 0x77);
	EXPECT_EQ(rd32(e, 0x5200), 0xfee00000);
	EXPECT_EQ(rd32(e, 0x5208), 0x77);
	EXPECT_EQ(e->vec[0].entry.msg_data, 0x77);
	wr32(e, 0x53f8, 0x99);
	EXPECT_EQ(e->vec[31].entry.msg_data, 0x99);
	/* Below the table, the bytes at 0..0x51ff are the device's. */
	clear_log();
	EXPECT_EQ(rd(e, 0x0000, 1), dev_pattern(0));
	wr32(e, 0x51fc, 0xa5a5a5a5);
	EXPECT_EQ(R.log.n, 2);
	ev = find_ev(EV_DEV_READ, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->addr, 0);
	ev = find_ev(EV_DEV_WRITE, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->addr, 0x51fc);
	EXPECT_EQ(ev->len, 4);
	EXPECT_EQ(get_le(ev->bytes, 4), 0xa5a5a5a5);
	/* A table-relative access that forgot the offset is the device's. */
	clear_log();
	wr32(e, 12, 0);
	EXPECT_EQ(count_ev(EV_DEV_WRITE), 1);
	EXPECT_EQ(rd32(e, 0x5200 + 12), 1);
	kvm_msix_emul_destroy(e);
}

TEST(pba_in_same_4k_page_as_table)
{
	/* virtio-net: 4K BAR, 3 vectors, table at 0, PBA at 0x800. */
	struct kvm_msix_emul *e = mk(3, 0, 0x800);
	static const u64 dev_offs[] = { 0x30, 0x34, 0x400, 0x7f8, 0x7fc,
					0x808, 0x80c, 0xff8, 0xffc };
	unsigned int i;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 2);
	EXPECT_EQ(rd64(e, 0x800), BIT_ULL(2));
	EXPECT_EQ(rd32(e, 0x800), BIT(2));
	EXPECT_EQ(rd32(e, 0x804), 0);
	clear_log();
	for (i = 0; i < ARRAY_SIZE(dev_offs); i++) {
		rd32(e, dev_offs[i]);
		wr32(e, dev_offs[i], 0x01020304);
	}
	EXPECT_EQ(count_ev(EV_DEV_READ), ARRAY_SIZE(dev_offs));
	EXPECT_EQ(count_ev(EV_DEV_WRITE), ARRAY_SIZE(dev_offs));
	for (i = 0; i < ARRAY_SIZE(dev_offs); i++)
		EXPECT_EQ(ev_at(EV_DEV_READ, i)->addr, dev_offs[i]);
	EXPECT_EQ(rd64(e, 0x800), BIT_ULL(2));
	EXPECT_EQ(rd32(e, 0x20 + 12), 1);
	kvm_msix_emul_destroy(e);
}

TEST(pba_before_table_and_adjacent_layouts)
{
	struct kvm_msix_emul *e = mk(64, 0x108, 0x100);	/* PBA right below */

	ASSERT(e, "emulator not created");
	EXPECT_EQ(rd32(e, 0x108 + 12), 1);
	EXPECT_EQ(rd64(e, 0x100), 0);
	clear_log();
	rd32(e, 0xfc);
	rd32(e, 0x108 + 64 * 16);
	EXPECT_EQ(count_ev(EV_DEV_READ), 2);
	/* A QWORD spanning PBA end and table start touches both: invalid. */
	expect_invalid_read(e, 0x104, 8);
	kvm_msix_emul_destroy(e);

	e = mk(1, 0, 0x10);	/* PBA right after the table */
	ASSERT(e, "emulator not created");
	EXPECT_EQ(rd32(e, 12), 1);
	EXPECT_EQ(rd64(e, 0x10), 0);
	expect_invalid_read(e, 0xc, 8);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* PBA                                                                     */
/* ---------------------------------------------------------------------- */

TEST(pba_is_read_only)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 1);
	EXPECT_EQ(rd64(e, 0x800), 2);
	wr64(e, 0x800, 0);			/* cannot clear */
	EXPECT_EQ(rd64(e, 0x800), 2);
	wr64(e, 0x800, ~0ULL);			/* cannot set */
	wr32(e, 0x800, ~0U);
	wr32(e, 0x804, ~0U);
	EXPECT_EQ(rd64(e, 0x800), 2);
	EXPECT_EQ(stats(e).invalid_accesses, 4);
	EXPECT_EQ(R.log.n, 0);			/* no delivery, no device */
	/* Unmasking still delivers the genuine pending interrupt, once. */
	unmask(e, 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(rd64(e, 0x800), 0);
	kvm_msix_emul_destroy(e);
}

TEST(pba_byte_word_misaligned_and_crossing_are_invalid)
{
	struct kvm_msix_emul *e = mk(64, 0, 0x800);	/* PBA [0x800, 0x808) */

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 0);
	expect_invalid_read(e, 0x800, 1);
	expect_invalid_read(e, 0x800, 2);
	expect_invalid_read(e, 0x802, 4);
	expect_invalid_read(e, 0x804, 8);	/* misaligned, crosses end */
	expect_invalid_read(e, 0x806, 4);	/* crosses end */
	expect_invalid_read(e, 0x7fc, 8);	/* crosses start */
	expect_invalid_read(e, 0x800, 16);
	EXPECT_EQ(stats(e).invalid_accesses, 7);
	EXPECT_EQ(stats(e).pba_reads, 0);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(rd64(e, 0x800), 1);
	kvm_msix_emul_destroy(e);
}

TEST(pba_dword_halves_and_bits_beyond_nvec)
{
	struct kvm_msix_emul *e = mk(65, 0, 0x800);	/* PBA 16 bytes */
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 35);
	kvm_msix_emul_signal(e, 64);
	EXPECT_EQ(rd32(e, 0x800), 0);
	EXPECT_EQ(rd32(e, 0x804), BIT(3));
	EXPECT_EQ(rd64(e, 0x800), BIT_ULL(35));
	EXPECT_EQ(rd64(e, 0x808), 1);		/* bits 65..127 read zero */
	EXPECT_EQ(rd32(e, 0x80c), 0);
	kvm_msix_emul_signal(e, 65);		/* out of range */
	EXPECT_EQ(rd64(e, 0x808), 1);
	EXPECT_EQ(stats(e).signals_dropped, 1);
	clear_log();
	rd32(e, 0x810);				/* after the PBA: device */
	EXPECT_EQ(count_ev(EV_DEV_READ), 1);
	for (v = 0; v < 65; v++)
		EXPECT_EQ(pba_bit(e, v), v == 35 || v == 64);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Signals, pending bits, masks                                            */
/* ---------------------------------------------------------------------- */

TEST(signal_on_active_vector_delivers)
{
	struct kvm_msix_emul *e = mk_default();
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	program(e, 2, MSI_WIN, 0x1234);
	unmask(e, 2);
	EXPECT_EQ(R.log.n, 0);			/* MSI-X still disabled */
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	kvm_msix_emul_signal(e, 2);
	kvm_msix_emul_signal(e, 2);
	EXPECT_EQ(count_ev(EV_DELIVER), 2);
	ev = find_ev(EV_DELIVER, 1);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->vector, 2);
	EXPECT_EQ(ev->addr, MSI_WIN);
	EXPECT_EQ(ev->data, 0x1234);
	EXPECT_EQ(pba_bit(e, 2), 0);
	EXPECT_EQ(stats(e).delivered, 2);
	EXPECT_EQ(stats(e).pending_set, 0);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(pending_while_vector_masked_delivered_once_on_unmask)
{
	struct kvm_msix_emul *e = mk_default();
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	program(e, 1, MSI_WIN, 0x21);
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 1);
	kvm_msix_emul_signal(e, 1);
	kvm_msix_emul_signal(e, 1);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(pba_bit(e, 1), 1);
	EXPECT_EQ(stats(e).pending_set, 3);
	unmask(e, 1);
	/* update() routes the vector first, then the one delivery. */
	EXPECT_EQ(R.log.n, 2);
	ev = &R.log.ev[0];
	EXPECT_EQ(ev->type, EV_UPDATE);
	EXPECT_EQ(ev->active, true);
	ev = &R.log.ev[1];
	EXPECT_EQ(ev->type, EV_DELIVER);
	EXPECT_EQ(ev->vector, 1);
	EXPECT_EQ(ev->data, 0x21);
	EXPECT_EQ(pba_bit(e, 1), 0);
	/* Another mask/unmask cycle must not deliver it again. */
	mask(e, 1);
	unmask(e, 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(count_ev(EV_UPDATE), 3);
	EXPECT_EQ(stats(e).delivered, 1);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(pending_while_function_masked_delivered_once_on_unmask)
{
	struct kvm_msix_emul *e = mk_default();
	u16 v;

	ASSERT(e, "emulator not created");
	for (v = 0; v < 4; v++)
		program(e, v, MSI_WIN, 0x100 + v);
	unmask(e, 0);
	unmask(e, 2);
	kvm_msix_emul_set_ctrl(e, true, true);	/* enabled, function masked */
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_signal(e, 0);
	kvm_msix_emul_signal(e, 1);		/* also vector masked */
	kvm_msix_emul_signal(e, 2);
	kvm_msix_emul_signal(e, 2);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(rd64(e, 0x800), 0x7);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	EXPECT_EQ(count_ev(EV_DELIVER), 2);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->vector, 0);
	EXPECT_EQ(ev_at(EV_DELIVER, 1)->vector, 2);
	EXPECT_EQ(ev_at(EV_DELIVER, 1)->data, 0x102);
	EXPECT_EQ(rd64(e, 0x800), 0x2);		/* vector 1 still masked */
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_DELIVER), 2);
	unmask(e, 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 3);
	EXPECT_EQ(rd64(e, 0x800), 0);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(function_mask_unroutes_and_reroutes_active_vectors)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	program(e, 0, MSI_WIN, 1);
	program(e, 3, MSI_WIN, 4);
	unmask(e, 0);
	unmask(e, 3);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	clear_log();
	kvm_msix_emul_set_ctrl(e, true, true);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 0)->active, false);
	EXPECT_EQ(ev_at(EV_UPDATE, 0)->vector, 0);
	EXPECT_EQ(ev_at(EV_UPDATE, 1)->vector, 3);
	kvm_msix_emul_signal(e, 3);
	EXPECT_EQ(count_ev(EV_DELIVER), 0);
	/* Unmasking a vector under function mask routes nothing. */
	clear_log();
	unmask(e, 1);
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 3);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(msix_disabled_drops_signals)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	program(e, 0, MSI_WIN, 1);
	unmask(e, 0);
	kvm_msix_emul_signal(e, 0);		/* disabled, unmasked */
	kvm_msix_emul_signal(e, 1);		/* disabled, masked */
	EXPECT_EQ(rd64(e, 0x800), 0);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(stats(e).signals_dropped, 2);
	kvm_msix_emul_set_ctrl(e, false, true);	/* still disabled */
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(rd64(e, 0x800), 0);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 0);	/* nothing was kept */
	/* Disabling unroutes. */
	kvm_msix_emul_set_ctrl(e, false, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 1)->active, false);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(pending_bit_survives_disable_and_is_delivered_on_enable)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	program(e, 3, MSI_WIN, 3);
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 3);		/* masked: pending */
	kvm_msix_emul_set_ctrl(e, false, false);
	EXPECT_EQ(pba_bit(e, 3), 1);
	unmask(e, 3);				/* disabled: not active */
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(pba_bit(e, 3), 1);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(pba_bit(e, 3), 0);
	kvm_msix_emul_destroy(e);
}

TEST(deliver_rejected_by_arch_is_counted_not_pending)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	R.reject_odd = true;
	program(e, 0, MSI_WIN, 0x7);		/* arch says invalid */
	program(e, 1, MSI_WIN, 0x8);
	unmask(e, 0);
	unmask(e, 1);
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 0);
	kvm_msix_emul_signal(e, 1);
	EXPECT_EQ(count_ev(EV_DELIVER), 2);
	EXPECT_EQ(stats(e).delivered, 1);
	EXPECT_EQ(stats(e).deliver_rejected, 1);
	EXPECT_EQ(rd64(e, 0x800), 0);
	kvm_msix_emul_destroy(e);
}

TEST(signal_out_of_range_vector_is_dropped)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 4);
	kvm_msix_emul_signal(e, 0xffff);
	EXPECT_EQ(stats(e).signals_dropped, 2);
	EXPECT_EQ(rd64(e, 0x800), 0);
	EXPECT_EQ(R.log.n, 0);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Latched message, update() counts                                        */
/* ---------------------------------------------------------------------- */

TEST(latched_message_until_next_mask_unmask)
{
	struct kvm_msix_emul *e = mk_default();
	const u64 a = MSI_WIN, b = MSI_WIN + 0x1000;
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	program(e, 0, a, 0xa);
	unmask(e, 0);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	/* New message while unmasked: stored and read back, not routed. */
	clear_log();
	program(e, 0, b, 0xb);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(rd64(e, LO(e, 0)), b);
	EXPECT_EQ(rd32(e, DATA(e, 0)), 0xb);
	kvm_msix_emul_signal(e, 0);
	ev = find_ev(EV_DELIVER, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->addr, a);
	EXPECT_EQ(ev->data, 0xa);
	/* Masking unroutes the latched (old) message. */
	clear_log();
	mask(e, 0);
	ev = find_ev(EV_UPDATE, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->active, false);
	EXPECT_EQ(ev->addr, a);
	EXPECT_EQ(ev->data, 0xa);
	/* A signal while masked is delivered on unmask with the new one. */
	kvm_msix_emul_signal(e, 0);
	clear_log();
	unmask(e, 0);
	EXPECT_EQ(R.log.n, 2);
	ev = find_ev(EV_UPDATE, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->active, true);
	EXPECT_EQ(ev->addr, b);
	EXPECT_EQ(ev->data, 0xb);
	ev = find_ev(EV_DELIVER, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->addr, b);
	EXPECT_EQ(ev->data, 0xb);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(latched_message_relatched_on_function_unmask)
{
	struct kvm_msix_emul *e = mk_default();
	const struct ev *ev;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	program(e, 2, MSI_WIN, 1);
	unmask(e, 2);
	wr32(e, DATA(e, 2), 2);
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_set_ctrl(e, true, false);
	clear_log();
	kvm_msix_emul_signal(e, 2);
	ev = find_ev(EV_DELIVER, 0);
	ASSERT(ev, "expected callback missing");
	EXPECT_EQ(ev->data, 2);
	kvm_msix_emul_destroy(e);
}

TEST(update_not_called_when_nothing_changed)
{
	struct kvm_msix_emul *e = mk_default();

	ASSERT(e, "emulator not created");
	/* Disabled: no write routes anything. */
	program(e, 0, MSI_WIN, 5);
	mask(e, 0);
	unmask(e, 0);
	unmask(e, 0);
	kvm_msix_emul_set_ctrl(e, false, true);
	kvm_msix_emul_set_ctrl(e, false, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 0);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	/* Same Message Control again, unmask of an unmasked vector. */
	kvm_msix_emul_set_ctrl(e, true, false);
	unmask(e, 0);
	wr32(e, CTL(e, 0), 0xfffffffe);		/* reserved bits only */
	program(e, 0, MSI_WIN + 4, 6);		/* latched rule */
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	/* Masked vectors: message writes, re-masking. */
	mask(e, 1);
	program(e, 1, MSI_WIN, 9);
	wr32(e, CTL(e, 1), 0xffffffff);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	/* Reads and invalid accesses never route. */
	rd64(e, LO(e, 0));
	expect_invalid_write(e, CTL(e, 0), 1, 1);
	expect_invalid_write(e, CTL(e, 1), 2, 0);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	/* Function mask with only one active vector: one update each way. */
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_set_ctrl(e, false, true);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_UPDATE), 3);
	EXPECT_EQ(stats(e).updates, 3);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Passthrough                                                             */
/* ---------------------------------------------------------------------- */

TEST(passthrough_bytes_reach_device_unchanged)
{
	struct kvm_msix_emul *e = mk(4, 0x1000, 0x1040);
	static const struct { u64 off; int len; } acc[] = {
		{ 0x0, 1 }, { 0x1, 2 }, { 0x3, 4 }, { 0x8, 8 }, { 0xffd, 3 },
		{ 0x1048, 4 }, { 0x1049, 1 }, { 0x1ff8, 8 }, { 0x2000, 16 },
	};
	const struct ev *ev;
	unsigned int i;
	u8 b[16], w[16];
	int j;

	ASSERT(e, "emulator not created");
	for (i = 0; i < ARRAY_SIZE(acc); i++) {
		clear_log();
		memset(b, 0, sizeof(b));
		EXPECT_EQ(kvm_msix_emul_read(e, acc[i].off, acc[i].len, b), 0);
		ev = find_ev(EV_DEV_READ, 0);
		ASSERT(ev && R.log.n == 1, "%d callbacks", R.log.n);
		EXPECT_EQ(ev->addr, acc[i].off);
		EXPECT_EQ(ev->len, acc[i].len);
		for (j = 0; j < acc[i].len; j++)
			EXPECT_EQ(b[j], dev_pattern(acc[i].off + j));

		clear_log();
		for (j = 0; j < 16; j++)
			w[j] = (u8)(0xc0 + i + j);
		EXPECT_EQ(kvm_msix_emul_write(e, acc[i].off, acc[i].len, w),
			  0);
		ev = find_ev(EV_DEV_WRITE, 0);
		ASSERT(ev && R.log.n == 1, "%d callbacks", R.log.n);
		EXPECT_EQ(ev->addr, acc[i].off);
		EXPECT_EQ(ev->len, acc[i].len);
		EXPECT(!memcmp(ev->bytes, w, acc[i].len), "write data");
	}
	EXPECT_EQ(stats(e).passthrough_reads, ARRAY_SIZE(acc));
	EXPECT_EQ(stats(e).passthrough_writes, ARRAY_SIZE(acc));
	EXPECT_EQ(stats(e).invalid_accesses, 0);
	/* The device's error comes back to the caller. */
	R.dev_ret = -EIO;
	EXPECT_EQ(kvm_msix_emul_read(e, 0, 4, b), -EIO);
	EXPECT_EQ(kvm_msix_emul_write(e, 0, 4, b), -EIO);
	kvm_msix_emul_destroy(e);
}

TEST(passthrough_without_device_ops)
{
	struct kvm_msix_emul *e;
	u8 b[8] = { 0 };

	rec_reset();
	e = kvm_msix_emul_create(4, 0, 0x800, &rec_ops_nodev, &R);
	ASSERT(!IS_ERR(e), "create failed");
	EXPECT_EQ(kvm_msix_emul_read(e, 0x900, 8, b), -EOPNOTSUPP);
	EXPECT_EQ(get_le(b, 8), ~0ULL);
	EXPECT_EQ(kvm_msix_emul_write(e, 0x900, 8, b), -EOPNOTSUPP);
	/* Table still works. */
	EXPECT_EQ(rd32(e, 12), 1);
	/* Nothing reached a device, so nothing counts as passed through. */
	EXPECT_EQ(stats(e).passthrough_reads, 0);
	EXPECT_EQ(stats(e).passthrough_writes, 0);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Geometry                                                                */
/* ---------------------------------------------------------------------- */

TEST(geometry_nvec_1)
{
	struct kvm_msix_emul *e = mk(1, 0, 0x10);

	ASSERT(e, "emulator not created");
	EXPECT_EQ(rd32(e, 12), 1);
	program(e, 0, MSI_WIN, 1);
	unmask(e, 0);
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(rd64(e, 0x10), 1);
	kvm_msix_emul_signal(e, 1);
	EXPECT_EQ(stats(e).signals_dropped, 1);
	clear_log();
	rd32(e, 0x18);		/* past the 8-byte PBA */
	rd32(e, 0x20);
	EXPECT_EQ(count_ev(EV_DEV_READ), 2);
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	kvm_msix_emul_destroy(e);
}

TEST(geometry_nvec_2048)
{
	struct kvm_msix_emul *e = mk(2048, 0, 0x8000);

	ASSERT(e, "emulator not created");
	EXPECT_EQ(kvm_msix_table_size(2048), 0x8000);
	EXPECT_EQ(kvm_msix_pba_size(2048), 256);
	EXPECT_EQ(rd32(e, 0x7ffc), 1);
	wr64(e, 0x7ff0, MSI_WIN | 0x40);
	EXPECT_EQ(rd64(e, 0x7ff0), MSI_WIN | 0x40);
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 2047);
	kvm_msix_emul_signal(e, 1024);
	EXPECT_EQ(rd64(e, 0x80f8), BIT_ULL(63));
	EXPECT_EQ(rd64(e, 0x8080), 1);
	clear_log();
	rd32(e, 0x8100);
	EXPECT_EQ(count_ev(EV_DEV_READ), 1);
	kvm_msix_emul_signal(e, 2048);
	EXPECT_EQ(stats(e).signals_dropped, 1);
	unmask(e, 2047);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->addr, MSI_WIN | 0x40);
	EXPECT_EQ(rd64(e, 0x80f8), 0);
	kvm_msix_emul_destroy(e);
}

static void expect_rejected(u16 nvec, u64 table, u64 pba,
			    const struct kvm_msix_emul_ops *ops)
{
	struct kvm_msix_emul *e = kvm_msix_emul_create(nvec, table, pba, ops,
						       &R);

	EXPECT(IS_ERR(e) && PTR_ERR(e) == -EINVAL,
	       "create(%u, %#llx, %#llx) = %p", nvec,
	       (unsigned long long)table, (unsigned long long)pba, (void *)e);
	if (!IS_ERR_OR_NULL(e))
		kvm_msix_emul_destroy(e);
}

TEST(bad_geometry_is_rejected)
{
	static const struct kvm_msix_emul_ops no_update = {
		.deliver = rec_deliver,
	};
	static const struct kvm_msix_emul_ops no_deliver = {
		.update = rec_update,
	};

	rec_reset();
	expect_rejected(0, 0, 0x800, &rec_ops);
	expect_rejected(2049, 0, 0x8000, &rec_ops);
	expect_rejected(0xffff, 0, 0x100000, &rec_ops);
	expect_rejected(4, 4, 0x800, &rec_ops);		/* table unaligned */
	expect_rejected(4, 1, 0x800, &rec_ops);
	expect_rejected(4, 0, 0x804, &rec_ops);		/* PBA unaligned */
	expect_rejected(4, 0x100000000ULL, 0x800, &rec_ops); /* > 32 bits */
	expect_rejected(4, 0, 0x100000000ULL, &rec_ops);
	expect_rejected(4, 0, 0x38, &rec_ops);		/* PBA in table */
	expect_rejected(4, 0, 0, &rec_ops);
	expect_rejected(65, 0x40, 0x38, &rec_ops);	/* PBA on table start */
	expect_rejected(128, 0x100, 0x8f8, &rec_ops);	/* table end */
	expect_rejected(4, 0, 0x800, NULL);
	expect_rejected(4, 0, 0x800, &no_update);
	expect_rejected(4, 0, 0x800, &no_deliver);
	EXPECT_EQ(R.log.n, 0);
	/* Destroy takes NULL and error pointers. */
	kvm_msix_emul_destroy(NULL);
	kvm_msix_emul_destroy(ERR_PTR(-EINVAL));
}

TEST(edge_geometry_is_accepted)
{
	static const struct { u16 nvec; u64 table, pba; } ok[] = {
		{ 4, 0, 0x40 },			/* adjacent after */
		{ 4, 0x8, 0 },			/* adjacent before */
		{ 1, 0xfffffff0, 0xffffffe8 },	/* largest offsets */
		{ 2048, 0xfffffff8, 0 },
		{ 65, 0x2000, 0x1000 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		struct kvm_msix_emul *e = mk(ok[i].nvec, ok[i].table,
					     ok[i].pba);

		if (!e)
			continue;
		EXPECT_EQ(rd32(e, CTL(e, ok[i].nvec - 1)), 1);
		EXPECT_EQ(rd64(e, ok[i].pba), 0);
		kvm_msix_emul_destroy(e);
	}
}

/* ---------------------------------------------------------------------- */
/* Reset, counters                                                         */
/* ---------------------------------------------------------------------- */

TEST(reset_unroutes_and_restores_reset_state)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_stats before;
	u16 v;

	ASSERT(e, "emulator not created");
	for (v = 0; v < 4; v++)
		program(e, v, MSI_WIN, v);
	unmask(e, 0);
	unmask(e, 2);
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 1);
	before = stats(e);
	clear_log();
	kvm_msix_emul_reset(e);
	EXPECT_EQ(R.log.n, 2);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 0)->active, false);
	EXPECT_EQ(ev_at(EV_UPDATE, 1)->vector, 2);
	for (v = 0; v < 4; v++) {
		EXPECT_EQ(rd64(e, LO(e, v)), 0);
		EXPECT_EQ(rd64(e, DATA(e, v)), 1ULL << 32);
	}
	EXPECT_EQ(rd64(e, 0x800), 0);
	EXPECT_EQ(stats(e).pending_set, before.pending_set);
	/* MSI-X is disabled again. */
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(stats(e).signals_dropped, before.signals_dropped + 1);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(stats_count_each_kind_of_event)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_stats s;
	u8 b[8];

	ASSERT(e, "emulator not created");
	R.reject_odd = true;
	rd32(e, 0);				/* table read */
	rd64(e, 8);				/* table read */
	wr32(e, 8, 3);				/* table write */
	wr64(e, 16, MSI_WIN);			/* table write */
	rd32(e, 0x800);				/* pba read */
	kvm_msix_emul_read(e, 1, 1, b);		/* invalid */
	wr64(e, 0x800, 0);			/* invalid (PBA write) */
	rd32(e, 0x900);				/* passthrough read */
	wr32(e, 0x904, 0);			/* passthrough write */
	wr32(e, 0x908, 0);			/* passthrough write */
	kvm_msix_emul_signal(e, 0);		/* dropped, disabled */
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 0);		/* pending */
	kvm_msix_emul_signal(e, 0);		/* pending (merged) */
	unmask(e, 0);				/* update + rejected (odd) */
	unmask(e, 1);				/* update */
	kvm_msix_emul_signal(e, 1);		/* delivered (data 0) */
	s = stats(e);
	EXPECT_EQ(s.table_reads, 2);
	EXPECT_EQ(s.table_writes, 4);
	EXPECT_EQ(s.pba_reads, 1);
	EXPECT_EQ(s.invalid_accesses, 2);
	EXPECT_EQ(s.passthrough_reads, 1);
	EXPECT_EQ(s.passthrough_writes, 2);
	EXPECT_EQ(s.signals_dropped, 1);
	EXPECT_EQ(s.pending_set, 2);
	EXPECT_EQ(s.updates, 2);
	EXPECT_EQ(s.delivered, 1);
	EXPECT_EQ(s.deliver_rejected, 1);
	kvm_msix_emul_destroy(e);
}

/* ---------------------------------------------------------------------- */
/* Two threads: masks against signals                                      */
/* ---------------------------------------------------------------------- */

#define CONC_NV		8
#define CONC_ROUNDS	200000

struct conc {
	struct kvm_msix_emul *e;
	unsigned long signalled[CONC_NV];
	unsigned long delivered[CONC_NV];
	bool routed[CONC_NV];	/* written under the emulator lock only */
	int duplicates, violations, lost;
	int stop;
	unsigned long mask_ops;
};

static void conc_update(void *opaque, u16 vector, bool active, u64 msg_addr,
			u32 msg_data)
{
	struct conc *c = opaque;

	if (c->routed[vector] == active)
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	c->routed[vector] = active;
}

static bool conc_deliver(void *opaque, u16 vector, u64 msg_addr,
			 u32 msg_data)
{
	struct conc *c = opaque;
	unsigned long d;

	if (!c->routed[vector] || msg_data != vector)
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	d = __atomic_add_fetch(&c->delivered[vector], 1, __ATOMIC_SEQ_CST);
	if (d > __atomic_load_n(&c->signalled[vector], __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&c->duplicates, 1, __ATOMIC_RELAXED);
	return true;
}

static const struct kvm_msix_emul_ops conc_ops = {
	.update = conc_update,
	.deliver = conc_deliver,
};

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *conc_mask_thread(void *arg)
{
	struct conc *c = arg;
	u64 s = 0x1234567;
	u8 b[8];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		u64 r = xorshift(&s);
		u16 v = r % CONC_NV;

		switch ((r >> 8) % 10) {
		case 0 ... 6:
			put_le(b, 4, (r >> 16) & 1);
			kvm_msix_emul_write(c->e, v * 16 + 12, 4, b);
			break;
		case 7 ... 8:	/* msg_data (kept = vector) and mask at once */
			put_le(b, 8, (u64)((r >> 16) & 1) << 32 | v);
			kvm_msix_emul_write(c->e, v * 16 + 8, 8, b);
			break;
		default:	/* never disable: that would drop signals */
			kvm_msix_emul_set_ctrl(c->e, true, (r >> 16) & 1);
			break;
		}
		c->mask_ops++;
		if (!(c->mask_ops % 64))
			sched_yield();
	}
	return NULL;
}

static void *conc_signal_thread(void *arg)
{
	struct conc *c = arg;
	u64 s = 0x89abcdef;
	int round, v;

	for (round = 0; round < CONC_ROUNDS && !c->lost; round++) {
		u64 set = xorshift(&s) % (1 << CONC_NV);
		double deadline;

		for (v = 0; v < CONC_NV; v++) {
			if (!(set >> v & 1))
				continue;
			__atomic_add_fetch(&c->signalled[v], 1,
					   __ATOMIC_SEQ_CST);
			kvm_msix_emul_signal(c->e, v);
		}
		/* Each one is delivered now or when the vector is unmasked. */
		deadline = now() + 5;
		for (v = 0; v < CONC_NV; v++) {
			while (__atomic_load_n(&c->delivered[v],
					       __ATOMIC_SEQ_CST) !=
			       __atomic_load_n(&c->signalled[v],
					       __ATOMIC_SEQ_CST)) {
				if (now() > deadline) {
					c->lost++;
					break;
				}
				sched_yield();
			}
		}
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(concurrent_masking_and_signalling_lose_or_duplicate_nothing)
{
	static struct conc c;
	pthread_t tm, ts;
	unsigned long total = 0;
	u8 b[8];
	int v, err;

	memset(&c, 0, sizeof(c));
	c.e = kvm_msix_emul_create(CONC_NV, 0, 0x800, &conc_ops, &c);
	ASSERT(!IS_ERR(c.e), "create failed");
	for (v = 0; v < CONC_NV; v++) {
		put_le(b, 8, MSI_WIN);
		kvm_msix_emul_write(c.e, v * 16, 8, b);
		put_le(b, 4, v);
		kvm_msix_emul_write(c.e, v * 16 + 8, 4, b);
	}
	kvm_msix_emul_set_ctrl(c.e, true, false);

	/* harness.h's ASSERT() evaluates its condition twice: no side effects */
	err = pthread_create(&tm, NULL, conc_mask_thread, &c);
	ASSERT(!err, "pthread_create: %d", err);
	err = pthread_create(&ts, NULL, conc_signal_thread, &c);
	ASSERT(!err, "pthread_create: %d", err);
	pthread_join(ts, NULL);
	pthread_join(tm, NULL);

	/* Quiesce: unmask everything; nothing may be left pending. */
	kvm_msix_emul_set_ctrl(c.e, true, false);
	for (v = 0; v < CONC_NV; v++) {
		put_le(b, 4, 0);
		kvm_msix_emul_write(c.e, v * 16 + 12, 4, b);
	}
	for (v = 0; v < CONC_NV; v++) {
		EXPECT_EQ(c.delivered[v], c.signalled[v]);
		total += c.signalled[v];
	}
	EXPECT_EQ(rd64(c.e, 0x800), 0);
	EXPECT_EQ(c.lost, 0);
	EXPECT_EQ(c.duplicates, 0);
	EXPECT_EQ(c.violations, 0);
	EXPECT_EQ(stats(c.e).delivered, total);
	EXPECT(stats(c.e).pending_set > 0, "masking never raced a signal");
	printf("# concurrency: %lu signals, %llu via pending bit, %lu mask ops\n",
	       total, (unsigned long long)stats(c.e).pending_set, c.mask_ops);
	kvm_msix_emul_destroy(c.e);
}

/* ---------------------------------------------------------------------- */
/* Randomized comparison with an independent reference model               */
/* ---------------------------------------------------------------------- */

/*
 * The model keeps the table as raw bytes in bus order, with a per-byte mask
 * of writable bits, and classifies an access byte by byte; routing state is
 * a flag per vector.  It shares no code with the emulator.
 */
enum {
	MUT_NONE,
	MUT_NO_LATCH,			/* deliver() uses the current entry */
	MUT_PENDING_NOT_CLEARED,	/* pending bit survives delivery */
	MUT_RSVD_WRITABLE,		/* vector_ctl bit 1 writable */
	MUT_BYTE_WRITES_OK,		/* 1-3 byte table accesses valid */
	MUT_COUNT
};

struct model {
	u16 nvec;
	u64 toff, poff, tsize, psize;
	bool enable, fmask;
	u8 tbl[KVM_MSIX_EMUL_MAX_VECTORS * 16];
	bool pend[KVM_MSIX_EMUL_MAX_VECTORS];
	bool routed[KVM_MSIX_EMUL_MAX_VECTORS];
	u64 laddr[KVM_MSIX_EMUL_MAX_VECTORS];
	u32 ldata[KVM_MSIX_EMUL_MAX_VECTORS];
	struct kvm_msix_emul_stats st;
	struct evlist ev;
	int mutant;
};

static struct model M;

static u8 m_wmask(struct model *m, unsigned int pos)
{
	if (pos == 0)
		return 0xfc;
	if (pos < 12)
		return 0xff;
	if (pos == 12)
		return m->mutant == MUT_RSVD_WRITABLE ? 0x03 : 0x01;
	return 0;
}

static bool m_geometry_ok(u16 nvec, u64 t, u64 p)
{
	u64 ts = nvec * 16ULL, ps = (nvec + 63) / 64 * 8ULL;

	if (nvec < 1 || nvec > 2048)
		return false;
	if (t % 8 || p % 8 || t > 0xffffffffULL || p > 0xffffffffULL)
		return false;
	return t + ts <= p || p + ps <= t;
}

static void m_init(struct model *m, u16 nvec, u64 t, u64 p)
{
	int mutant = m->mutant;
	u16 v;

	m->nvec = nvec;
	m->toff = t;
	m->poff = p;
	m->tsize = nvec * 16ULL;
	m->psize = (nvec + 63) / 64 * 8ULL;
	m->enable = false;
	m->fmask = false;
	memset(m->tbl, 0, nvec * 16);
	for (v = 0; v < nvec; v++)
		m->tbl[v * 16 + 12] = 1;
	memset(m->pend, 0, nvec);
	memset(m->routed, 0, nvec);
	memset(m->laddr, 0, nvec * sizeof(m->laddr[0]));
	memset(m->ldata, 0, nvec * sizeof(m->ldata[0]));
	memset(&m->st, 0, sizeof(m->st));
	m->ev.n = 0;
	m->mutant = mutant;
}

static u64 m_le(const u8 *b, int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

static void m_deliver(struct model *m, u16 v)
{
	struct ev ev = { .type = EV_DELIVER, .vector = v };

	if (m->mutant == MUT_NO_LATCH) {
		ev.addr = m_le(&m->tbl[v * 16], 8);
		ev.data = (u32)m_le(&m->tbl[v * 16 + 8], 4);
	} else {
		ev.addr = m->laddr[v];
		ev.data = m->ldata[v];
	}
	if (ev.data & 1)	/* the test's deliver() rejects odd data */
		m->st.deliver_rejected++;
	else
		m->st.delivered++;
	ev_push(&m->ev, &ev);
}

static void m_eval(struct model *m, u16 v)
{
	bool act = m->enable && !m->fmask && !(m->tbl[v * 16 + 12] & 1);

	if (act != m->routed[v]) {
		struct ev ev = { .type = EV_UPDATE, .vector = v,
				 .active = act };

		if (act) {
			m->laddr[v] = m_le(&m->tbl[v * 16], 8);
			m->ldata[v] = (u32)m_le(&m->tbl[v * 16 + 8], 4);
		}
		m->routed[v] = act;
		ev.addr = m->laddr[v];
		ev.data = m->ldata[v];
		m->st.updates++;
		ev_push(&m->ev, &ev);
	}
	if (act && m->pend[v]) {
		if (m->mutant != MUT_PENDING_NOT_CLEARED)
			m->pend[v] = false;
		m_deliver(m, v);
	}
}

enum { AC_TABLE, AC_PBA, AC_INVALID, AC_DEVICE };

static int m_classify(struct model *m, u64 off, int len)
{
	int i, t = 0, p = 0;

	for (i = 0; i < len; i++) {
		t += off + i - m->toff < m->tsize;
		p += off + i - m->poff < m->psize;
	}
	if (!t && !p)
		return AC_DEVICE;
	if (m->mutant == MUT_BYTE_WRITES_OK && t == len && len < 4)
		return AC_TABLE;
	if ((len != 4 && len != 8) || off % len)
		return AC_INVALID;
	if (t == len)
		return AC_TABLE;
	if (p == len)
		return AC_PBA;
	return AC_INVALID;
}

struct result {
	int ret;
	int len;	/* bytes of val that matter (reads) */
	u8 val[16];
};

static void m_read(struct model *m, u64 off, int len, struct result *res)
{
	int i, k;

	res->len = len;
	res->ret = 0;
	switch (m_classify(m, off, len)) {
	case AC_TABLE:
		memcpy(res->val, &m->tbl[off - m->toff], len);
		m->st.table_reads++;
		break;
	case AC_PBA:
		for (i = 0; i < len; i++) {
			u64 byte = off - m->poff + i;

			res->val[i] = 0;
			for (k = 0; k < 8; k++)
				if (byte * 8 + k < m->nvec &&
				    m->pend[byte * 8 + k])
					res->val[i] |= 1 << k;
		}
		m->st.pba_reads++;
		break;
	case AC_INVALID:
		memset(res->val, 0xff, len);
		m->st.invalid_accesses++;
		break;
	default: {
		struct ev ev = { .type = EV_DEV_READ, .addr = off,
				 .len = len };

		for (i = 0; i < len; i++)
			res->val[i] = dev_pattern(off + i);
		m->st.passthrough_reads++;
		ev_push(&m->ev, &ev);
	}
	}
}

static void m_write(struct model *m, u64 off, int len, const u8 *val,
		    struct result *res)
{
	int i;

	res->len = 0;
	res->ret = 0;
	switch (m_classify(m, off, len)) {
	case AC_TABLE:
		for (i = 0; i < len; i++) {
			u64 rel = off - m->toff + i;
			u8 wm = m_wmask(m, rel % 16);

			m->tbl[rel] = (m->tbl[rel] & ~wm) | (val[i] & wm);
		}
		m->st.table_writes++;
		m_eval(m, (off - m->toff) / 16);
		break;
	case AC_PBA:
	case AC_INVALID:
		m->st.invalid_accesses++;
		break;
	default: {
		struct ev ev = { .type = EV_DEV_WRITE, .addr = off,
				 .len = len };

		memcpy(ev.bytes, val, len < 16 ? len : 16);
		m->st.passthrough_writes++;
		ev_push(&m->ev, &ev);
	}
	}
}

static void m_set_ctrl(struct model *m, bool en, bool fm)
{
	u16 v;

	if (en == m->enable && fm == m->fmask)
		return;
	m->enable = en;
	m->fmask = fm;
	for (v = 0; v < m->nvec; v++)
		m_eval(m, v);
}

static void m_signal(struct model *m, u16 v)
{
	if (v >= m->nvec || !m->enable) {
		m->st.signals_dropped++;
	} else if (!m->routed[v]) {
		m->pend[v] = true;
		m->st.pending_set++;
	} else {
		m_deliver(m, v);
	}
}

static void m_reset(struct model *m)
{
	struct kvm_msix_emul_stats st = m->st;
	struct evlist *keep = &m->ev;
	u16 v;

	for (v = 0; v < m->nvec; v++) {
		if (m->routed[v]) {
			struct ev ev = { .type = EV_UPDATE, .vector = v,
					 .addr = m->laddr[v],
					 .data = m->ldata[v] };

			ev_push(keep, &ev);
			st.updates++;
		}
	}
	v = keep->n;
	m_init(m, m->nvec, m->toff, m->poff);
	m->ev.n = v;
	m->st = st;
}

/* The comparator: the single place that decides whether a step matched. */
static int compare_step(const struct result *want, const struct evlist *want_ev,
			const struct result *got, const struct evlist *got_ev,
			char *why, size_t whylen)
{
	int i;

	if (want->ret != got->ret) {
		snprintf(why, whylen, "ret %d, model %d", got->ret, want->ret);
		return 1;
	}
	if (memcmp(want->val, got->val, want->len)) {
		snprintf(why, whylen, "read %#llx, model %#llx",
			 (unsigned long long)get_le(got->val,
						    want->len > 8 ? 8 : want->len),
			 (unsigned long long)get_le(want->val,
						    want->len > 8 ? 8 : want->len));
		return 1;
	}
	if (want_ev->overflow || got_ev->overflow) {
		snprintf(why, whylen, "event log overflow");
		return 1;
	}
	if (want_ev->n != got_ev->n) {
		snprintf(why, whylen, "%d callbacks, model %d", got_ev->n,
			 want_ev->n);
		return 1;
	}
	for (i = 0; i < want_ev->n; i++) {
		const struct ev *a = &want_ev->ev[i], *b = &got_ev->ev[i];

		if (a->type != b->type || a->vector != b->vector ||
		    a->active != b->active || a->addr != b->addr ||
		    a->data != b->data || a->len != b->len ||
		    memcmp(a->bytes, b->bytes, sizeof(a->bytes))) {
			snprintf(why, whylen,
				 "callback %d: type %d v %u act %d addr %#llx data %#x len %d; model type %d v %u act %d addr %#llx data %#x len %d",
				 i, b->type, b->vector, b->active,
				 (unsigned long long)b->addr, b->data, b->len,
				 a->type, a->vector, a->active,
				 (unsigned long long)a->addr, a->data, a->len);
			return 1;
		}
	}
	return 0;
}

static int compare_stats(const struct kvm_msix_emul_stats *want,
			 const struct kvm_msix_emul_stats *got, char *why,
			 size_t whylen)
{
	if (!memcmp(want, got, sizeof(*want)))
		return 0;
	snprintf(why, whylen,
		 "stats differ: tr %llu/%llu tw %llu/%llu pr %llu/%llu inv %llu/%llu pend %llu/%llu del %llu/%llu rej %llu/%llu drop %llu/%llu upd %llu/%llu ptr %llu/%llu ptw %llu/%llu",
		 (unsigned long long)got->table_reads,
		 (unsigned long long)want->table_reads,
		 (unsigned long long)got->table_writes,
		 (unsigned long long)want->table_writes,
		 (unsigned long long)got->pba_reads,
		 (unsigned long long)want->pba_reads,
		 (unsigned long long)got->invalid_accesses,
		 (unsigned long long)want->invalid_accesses,
		 (unsigned long long)got->pending_set,
		 (unsigned long long)want->pending_set,
		 (unsigned long long)got->delivered,
		 (unsigned long long)want->delivered,
		 (unsigned long long)got->deliver_rejected,
		 (unsigned long long)want->deliver_rejected,
		 (unsigned long long)got->signals_dropped,
		 (unsigned long long)want->signals_dropped,
		 (unsigned long long)got->updates,
		 (unsigned long long)want->updates,
		 (unsigned long long)got->passthrough_reads,
		 (unsigned long long)want->passthrough_reads,
		 (unsigned long long)got->passthrough_writes,
		 (unsigned long long)want->passthrough_writes);
	return 1;
}

static u64 splitmix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rnd {
	u64 s;
};

static u64 rnd(struct rnd *r)
{
	r->s = splitmix64(r->s);
	return r->s;
}

static u64 rnd_below(struct rnd *r, u64 n)
{
	return rnd(r) % n;
}

static void rnd_geometry(struct rnd *r, u16 *nvec, u64 *t, u64 *p)
{
	static const u64 toffs[] = { 0, 0x800, 0x1000, 0x2000, 0x5200 };
	u64 k = rnd_below(r, 1000);

	if (k < 5)
		*nvec = 1 + rnd_below(r, 2048);
	else if (k < 300)
		*nvec = 1 + rnd_below(r, 3);
	else
		*nvec = 1 + rnd_below(r, 130);
	*t = rnd_below(r, 2) ? toffs[rnd_below(r, ARRAY_SIZE(toffs))] :
			       rnd_below(r, 0x800) * 8;
	switch (rnd_below(r, 5)) {
	case 0:		/* right after the table */
		*p = *t + *nvec * 16ULL;
		break;
	case 1:		/* right before the table */
		*p = *t >= 0x200 ? *t - (*nvec + 63) / 64 * 8 : *t + 0x8000;
		break;
	case 2:		/* same 4K page when it fits */
		*p = (*t & ~0xfffULL) + 0x800;
		break;
	case 3:		/* anywhere: may overlap, which create must refuse */
		*p = rnd_below(r, 0x2000) * 8;
		break;
	default:
		*p = *t + *nvec * 16ULL + rnd_below(r, 64) * 8;
		break;
	}
	if (!rnd_below(r, 200))		/* unaligned or out of range */
		*p += rnd_below(r, 2) ? 4 : 0x100000000ULL;
}

/* An offset near something interesting: table or PBA edges, or random. */
static u64 rnd_offset(struct rnd *r, struct model *m)
{
	u64 base, end = (m->toff + m->tsize > m->poff + m->psize ?
			 m->toff + m->tsize : m->poff + m->psize) + 64;

	switch (rnd_below(r, 6)) {
	case 0:
		base = m->toff;
		break;
	case 1:
		base = m->toff + m->tsize;
		break;
	case 2:
		base = m->poff;
		break;
	case 3:
		base = m->poff + m->psize;
		break;
	case 4:
		base = m->toff + rnd_below(r, m->tsize);
		break;
	default:
		return rnd_below(r, end);
	}
	base += rnd_below(r, 33);
	return base >= 16 ? base - 16 : base;
}

static int rnd_len(struct rnd *r)
{
	static const int lens[] = { 1, 2, 3, 4, 4, 4, 5, 6, 7, 8, 8, 8, 16 };

	return lens[rnd_below(r, ARRAY_SIZE(lens))];
}

/* One step on both sides; returns 0 if they agree. */
struct step {
	enum { ST_READ, ST_WRITE, ST_CTRL, ST_SIGNAL, ST_RESET } kind;
	u64 off;
	int len;
	u8 val[16];
	bool en, fm;
	u16 vector;
};

static int run_step(struct kvm_msix_emul *e, struct model *m,
		    const struct step *s, char *why, size_t whylen)
{
	struct result want = { 0 }, got = { 0 };

	clear_log();
	m->ev.n = 0;
	switch (s->kind) {
	case ST_READ:
		m_read(m, s->off, s->len, &want);
		got.len = s->len;
		got.ret = kvm_msix_emul_read(e, s->off, s->len, got.val);
		break;
	case ST_WRITE:
		m_write(m, s->off, s->len, s->val, &want);
		got.ret = kvm_msix_emul_write(e, s->off, s->len, s->val);
		break;
	case ST_CTRL:
		m_set_ctrl(m, s->en, s->fm);
		kvm_msix_emul_set_ctrl(e, s->en, s->fm);
		break;
	case ST_SIGNAL:
		m_signal(m, s->vector);
		kvm_msix_emul_signal(e, s->vector);
		break;
	case ST_RESET:
		m_reset(m);
		kvm_msix_emul_reset(e);
		break;
	}
	if (R.violations) {
		snprintf(why, whylen, "callback contract violated");
		return 1;
	}
	return compare_step(&want, &m->ev, &got, &R.log, why, whylen);
}

static void rnd_step(struct rnd *r, struct model *m, struct step *s)
{
	u64 k = rnd_below(r, 100);
	u64 x;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 16; i++)
		s->val[i] = (u8)rnd(r);
	if (k < 22) {			/* valid table write */
		s->kind = ST_WRITE;
		s->len = rnd_below(r, 3) ? 4 : 8;
		s->off = m->toff + rnd_below(r, m->nvec) * 16 +
			 rnd_below(r, 16 / s->len) * s->len;
		if (rnd_below(r, 2))	/* small data/addresses, even data */
			for (i = 1; i < s->len; i++)
				s->val[i] = (i == 4) ? s->val[i] & 3 : 0;
	} else if (k < 32) {		/* valid table read */
		s->kind = ST_READ;
		s->len = rnd_below(r, 2) ? 4 : 8;
		s->off = m->toff + rnd_below(r, m->tsize / s->len) * s->len;
	} else if (k < 38) {		/* valid-shaped PBA read or write */
		s->kind = rnd_below(r, 4) ? ST_READ : ST_WRITE;
		s->len = rnd_below(r, 2) ? 4 : 8;
		s->off = m->poff + rnd_below(r, m->psize / s->len) * s->len;
	} else if (k < 52) {		/* anything near the edges */
		s->kind = rnd_below(r, 2) ? ST_READ : ST_WRITE;
		s->len = rnd_len(r);
		s->off = rnd_offset(r, m);
	} else if (k < 62) {
		s->kind = ST_CTRL;
		x = rnd_below(r, 10);
		s->en = x < 8;
		s->fm = x % 3 == 0;
	} else if (k < 82) {
		s->kind = ST_SIGNAL;
		x = rnd_below(r, 50);
		s->vector = x == 0 ? m->nvec : x == 1 ? (u16)rnd(r) :
			    rnd_below(r, m->nvec);
	} else if (k < 99) {		/* mask bit flip */
		s->kind = ST_WRITE;
		s->len = 4;
		s->off = m->toff + rnd_below(r, m->nvec) * 16 + 12;
		memset(s->val, 0, 4);
		s->val[0] = rnd_below(r, 2);
	} else {
		s->kind = ST_RESET;
	}
}

/* What the random sequences exercised, to show they reach every path. */
static struct kvm_msix_emul_stats random_totals;
static long random_rejected_geometries;

/*
 * Run @nseq random sequences from @seed.  Returns the number of sequences
 * that disagreed (it stops at the first one); @quiet suppresses the report
 * (used when a mismatch is the expected outcome).
 */
static int run_random(u64 seed, int nseq, int mutant, bool quiet,
		      long *steps_out)
{
	char why[512];
	long steps = 0;
	int i, j, done = 0;

	M.mutant = mutant;
	/* Only sequences on an accepted geometry count towards @nseq. */
	for (i = 0; done < nseq; i++) {
		struct rnd r = { .s = seed ^ splitmix64(i) };
		struct kvm_msix_emul_stats got_st;
		struct kvm_msix_emul *e;
		struct step s;
		u64 t, p, off;
		u16 nvec;
		int n, bad = 0;

		rnd_geometry(&r, &nvec, &t, &p);
		rec_reset();
		R.reject_odd = true;
		e = kvm_msix_emul_create(nvec, t, p, &rec_ops, &R);
		if (IS_ERR(e) != !m_geometry_ok(nvec, t, p)) {
			if (!quiet)
				fprintf(stderr,
					"# seq %d: create(%u, %#llx, %#llx) = %ld, model %d\n",
					i, nvec, (unsigned long long)t,
					(unsigned long long)p,
					IS_ERR(e) ? PTR_ERR(e) : 0L,
					m_geometry_ok(nvec, t, p));
			if (!IS_ERR(e))
				kvm_msix_emul_destroy(e);
			return 1;
		}
		if (IS_ERR(e)) {
			random_rejected_geometries++;
			continue;
		}
		done++;
		m_init(&M, nvec, t, p);

		n = 4 + rnd_below(&r, 29);
		for (j = 0; j < n && !bad; j++, steps++) {
			rnd_step(&r, &M, &s);
			bad = run_step(e, &M, &s, why, sizeof(why));
		}
		/* Sweep: every table QWORD and PBA QWORD, then the counters. */
		for (off = 0; off < M.tsize && !bad; off += 8, steps++) {
			s = (struct step){ .kind = ST_READ, .len = 8,
					   .off = t + off };
			bad = run_step(e, &M, &s, why, sizeof(why));
		}
		for (off = 0; off < M.psize && !bad; off += 8, steps++) {
			s = (struct step){ .kind = ST_READ, .len = 8,
					   .off = p + off };
			bad = run_step(e, &M, &s, why, sizeof(why));
		}
		if (!bad) {
			kvm_msix_emul_get_stats(e, &got_st);
			bad = compare_stats(&M.st, &got_st, why, sizeof(why));
			random_totals.table_writes += got_st.table_writes;
			random_totals.invalid_accesses +=
				got_st.invalid_accesses;
			random_totals.pending_set += got_st.pending_set;
			random_totals.delivered += got_st.delivered;
			random_totals.deliver_rejected +=
				got_st.deliver_rejected;
			random_totals.updates += got_st.updates;
			random_totals.passthrough_reads +=
				got_st.passthrough_reads;
			random_totals.passthrough_writes +=
				got_st.passthrough_writes;
		}
		kvm_msix_emul_destroy(e);
		if (bad) {
			if (!quiet)
				fprintf(stderr,
					"# seq %d (nvec %u table %#llx pba %#llx) step %d kind %d off %#llx len %d: %s\n",
					i, nvec, (unsigned long long)t,
					(unsigned long long)p, j - 1, s.kind,
					(unsigned long long)s.off, s.len, why);
			if (steps_out)
				*steps_out = steps;
			return 1;
		}
	}
	if (steps_out)
		*steps_out = steps;
	return 0;
}

#define RANDOM_SEQUENCES	200000

TEST(random_sequences_match_reference_model)
{
	const char *env = getenv("KVM_PT_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0x6d7369785f656d75ULL;
	double t0 = now();
	long steps = 0;
	int bad;

	printf("# random seed %#llx (KVM_PT_SEED=... to replay), %d sequences\n",
	       (unsigned long long)seed, RANDOM_SEQUENCES);
	bad = run_random(seed, RANDOM_SEQUENCES, MUT_NONE, false, &steps);
	EXPECT_EQ(bad, 0);
	printf("# %ld steps compared in %.1f s\n", steps, now() - t0);
	printf("# %ld bad geometries refused, as the model predicted\n",
	       random_rejected_geometries);
	printf("# exercised: %llu table writes, %llu invalid, %llu pending,\n",
	       (unsigned long long)random_totals.table_writes,
	       (unsigned long long)random_totals.invalid_accesses,
	       (unsigned long long)random_totals.pending_set);
	printf("#   %llu delivered, %llu rejected, %llu updates,\n",
	       (unsigned long long)random_totals.delivered,
	       (unsigned long long)random_totals.deliver_rejected,
	       (unsigned long long)random_totals.updates);
	printf("#   %llu device reads, %llu device writes\n",
	       (unsigned long long)random_totals.passthrough_reads,
	       (unsigned long long)random_totals.passthrough_writes);
	EXPECT(random_totals.delivered && random_totals.pending_set &&
	       random_totals.deliver_rejected && random_totals.updates &&
	       random_totals.invalid_accesses &&
	       random_totals.passthrough_writes, "a path was never taken");
}

TEST(checker_detects_wrong_model_result)
{
	struct result want = { .ret = 0, .len = 4, .val = { 1, 2, 3, 4 } };
	struct result got = want;
	struct evlist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct ev ev = { .type = EV_DELIVER, .vector = 3, .addr = MSI_WIN,
			 .data = 7 };
	struct kvm_msix_emul_stats s1 = { 0 }, s2 = { 0 };
	char why[512];

	ASSERT(a && b, "calloc");
	ev_push(a, &ev);
	ev_push(b, &ev);
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 0);

	want.val[2] ^= 0x10;			/* wrong read value */
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 1);
	want = got;
	want.ret = -EINVAL;			/* wrong return code */
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 1);
	want = got;
	a->ev[0].data = 8;			/* wrong delivered message */
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 1);
	a->ev[0] = ev;
	ev_push(a, &ev);			/* a duplicate delivery */
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 1);
	a->n = 0;				/* a lost delivery */
	EXPECT_EQ(compare_step(&want, a, &got, b, why, sizeof(why)), 1);
	s1.updates = 1;				/* one update too many */
	EXPECT_EQ(compare_stats(&s1, &s2, why, sizeof(why)), 1);
	free(a);
	free(b);
}

TEST(checker_detects_mutant_models)
{
	int mutant;

	/* A model with one rule wrong must disagree within a few runs. */
	for (mutant = MUT_NONE + 1; mutant < MUT_COUNT; mutant++)
		EXPECT(run_random(0x5eed + mutant, 20000, mutant, true,
				  NULL) == 1,
		       "mutant %d not detected", mutant);
	M.mutant = MUT_NONE;
	/* The same engine with the right model agrees. */
	EXPECT_EQ(run_random(0x5eed, 2000, MUT_NONE, false, NULL), 0);
}

/* ---------------------------------------------------------------------- */
/* The VMM's access: entries, pending bits, Message Control, save/restore  */
/* ---------------------------------------------------------------------- */

/* Distinct known values per vector, as RTAS ibm,change-msi would assign. */
static struct kvm_msix_emul_entry vmm_entry(u16 v, bool masked)
{
	struct kvm_msix_emul_entry en = {
		.msg_addr_lo = (u32)MSI_WIN + 0x10 * v,
		.msg_addr_hi = (u32)(MSI_WIN >> 32) + v,
		.msg_data = 0x1000 + 3 * v,
		.vector_ctl = masked,
	};

	return en;
}

static u64 entry_addr(const struct kvm_msix_emul_entry *en)
{
	return (u64)en->msg_addr_hi << 32 | en->msg_addr_lo;
}

static void expect_guest_sees(struct kvm_msix_emul *e, u16 v,
			      const struct kvm_msix_emul_entry *en)
{
	EXPECT_EQ(rd32(e, LO(e, v)), en->msg_addr_lo);
	EXPECT_EQ(rd32(e, HI(e, v)), en->msg_addr_hi);
	EXPECT_EQ(rd32(e, DATA(e, v)), en->msg_data);
	EXPECT_EQ(rd32(e, CTL(e, v)), en->vector_ctl);
}

TEST(vmm_get_entry_reads_what_the_guest_wrote)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	struct kvm_msix_emul_entry got;
	u16 v;

	ASSERT(e, "emulator not created");
	for (v = 0; v < 70; v++) {
		wr32(e, LO(e, v), 0x1000 * v + 0xffc);
		wr32(e, HI(e, v), 0xa0000000 + v);
		wr32(e, DATA(e, v), 0xd0000 + v);
		wr32(e, CTL(e, v), v & 1);
	}
	for (v = 0; v < 70; v++) {
		EXPECT_EQ(kvm_msix_emul_get_entry(e, v, &got), 0);
		EXPECT_EQ(got.msg_addr_lo, 0x1000 * v + 0xffc);
		EXPECT_EQ(got.msg_addr_hi, 0xa0000000 + v);
		EXPECT_EQ(got.msg_data, 0xd0000 + v);
		EXPECT_EQ(got.vector_ctl, v & 1);
	}
	memset(&got, 0x5a, sizeof(got));
	EXPECT_EQ(kvm_msix_emul_get_entry(e, 70, &got), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_get_entry(e, 0xffff, &got), -EINVAL);
	EXPECT_EQ(got.msg_data, 0x5a5a5a5a);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_set_entry_reads_back_to_the_guest_per_vector)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	struct kvm_msix_emul_entry en;
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, true);
		EXPECT_EQ(kvm_msix_emul_set_entry(e, v, &en), 0);
	}
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, true);
		expect_guest_sees(e, v, &en);
	}
	/* Masked: nothing routed. */
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(stats(e).table_writes, 0);
	kvm_msix_emul_destroy(e);
}

/* The RTAS flow: VMM seeds, guest unmasks, signals are delivered. */
TEST(vmm_seeded_entry_routes_when_the_guest_unmasks)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_entry en;
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	for (v = 0; v < 4; v++) {
		en = vmm_entry(v, true);
		kvm_msix_emul_set_entry(e, v, &en);
	}
	for (v = 0; v < 4; v++)
		unmask(e, v);
	EXPECT_EQ(count_ev(EV_UPDATE), 4);
	for (v = 0; v < 4; v++) {
		en = vmm_entry(v, true);
		EXPECT_EQ(ev_at(EV_UPDATE, v)->vector, v);
		EXPECT_EQ(ev_at(EV_UPDATE, v)->active, true);
		EXPECT_EQ(ev_at(EV_UPDATE, v)->addr, entry_addr(&en));
		EXPECT_EQ(ev_at(EV_UPDATE, v)->data, en.msg_data);
	}
	clear_log();
	for (v = 0; v < 4; v++)
		kvm_msix_emul_signal(e, 3 - v);
	EXPECT_EQ(count_ev(EV_DELIVER), 4);
	for (v = 0; v < 4; v++)
		EXPECT_EQ(ev_at(EV_DELIVER, v)->data, vmm_entry(3 - v, 0).msg_data);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

/* A VMM entry write produces exactly the callbacks a guest QWORD pair does. */
TEST(vmm_set_entry_routes_exactly_as_a_guest_write)
{
	struct evlist *guest = calloc(1, sizeof(*guest));
	struct kvm_msix_emul *e;
	struct kvm_msix_emul_entry en;
	int pass, i;
	u16 v;

	ASSERT(guest, "calloc");
	for (pass = 0; pass < 2; pass++) {
		e = mk_default();
		ASSERT(e, "emulator not created");
		kvm_msix_emul_set_ctrl(e, true, false);
		for (i = 0; i < 12; i++) {
			v = i % 4;
			en = vmm_entry(v + i, i % 3 == 2);
			if (i == 5)
				kvm_msix_emul_signal(e, 1);
			if (pass) {
				kvm_msix_emul_set_entry(e, v, &en);
				continue;
			}
			/* The guest's way: the message, then vector_ctl. */
			wr64(e, LO(e, v), entry_addr(&en));
			wr64(e, DATA(e, v), (u64)en.vector_ctl << 32 |
					    en.msg_data);
		}
		kvm_msix_emul_signal(e, 2);
		if (!pass) {
			*guest = R.log;
		} else {
			EXPECT_EQ(R.log.n, guest->n);
			for (i = 0; i < R.log.n && i < guest->n; i++) {
				EXPECT_EQ(R.log.ev[i].type, guest->ev[i].type);
				EXPECT_EQ(R.log.ev[i].vector,
					  guest->ev[i].vector);
				EXPECT_EQ(R.log.ev[i].active,
					  guest->ev[i].active);
				EXPECT_EQ(R.log.ev[i].addr, guest->ev[i].addr);
				EXPECT_EQ(R.log.ev[i].data, guest->ev[i].data);
			}
		}
		EXPECT_EQ(R.violations, 0);
		kvm_msix_emul_destroy(e);
	}
	EXPECT(guest->n >= 8, "only %d callbacks", guest->n);
	free(guest);
}

/* Written while unmasked: reads back now, routes at the next mask/unmask. */
TEST(vmm_set_entry_while_unmasked_keeps_the_latched_message)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_entry a = vmm_entry(0, false);
	struct kvm_msix_emul_entry b = vmm_entry(1, false);

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	EXPECT_EQ(kvm_msix_emul_set_entry(e, 0, &a), 0);
	EXPECT_EQ(count_ev(EV_UPDATE), 1);
	clear_log();
	EXPECT_EQ(kvm_msix_emul_set_entry(e, 0, &b), 0);
	EXPECT_EQ(R.log.n, 0);
	expect_guest_sees(e, 0, &b);
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->data, a.msg_data);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->addr, entry_addr(&a));
	clear_log();
	/* The VMM masks and unmasks: the new message is latched. */
	b.vector_ctl = 1;
	kvm_msix_emul_set_entry(e, 0, &b);
	b.vector_ctl = 0;
	kvm_msix_emul_set_entry(e, 0, &b);
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(count_ev(EV_UPDATE), 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 1)->data, b.msg_data);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->data, b.msg_data);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_unmask_delivers_pending_once)
{
	struct kvm_msix_emul *e = mk_default();
	struct kvm_msix_emul_entry en = vmm_entry(2, true);

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_set_entry(e, 2, &en);
	kvm_msix_emul_signal(e, 2);
	kvm_msix_emul_signal(e, 2);
	EXPECT_EQ(pba_bit(e, 2), 1);
	en.vector_ctl = 0;
	kvm_msix_emul_set_entry(e, 2, &en);
	EXPECT_EQ(R.log.n, 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 0)->active, true);
	EXPECT_EQ(R.log.ev[1].type, EV_DELIVER);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->data, en.msg_data);
	EXPECT_EQ(pba_bit(e, 2), 0);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_set_entry_rejects_reserved_bits_and_range)
{
	struct kvm_msix_emul *e = mk(70, 0, 0x800);
	struct kvm_msix_emul_entry en, before;
	static const u32 bad_lo[] = { 1, 2, 3 };
	static const u32 bad_ctl[] = { 2, 3, 0x80000000, 0xfffffffe };
	unsigned int i;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_get_entry(e, 5, &before);
	for (i = 0; i < ARRAY_SIZE(bad_lo); i++) {
		en = vmm_entry(5, false);
		en.msg_addr_lo |= bad_lo[i];
		EXPECT_EQ(kvm_msix_emul_set_entry(e, 5, &en), -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_ctl); i++) {
		en = vmm_entry(5, false);
		en.vector_ctl = bad_ctl[i];
		EXPECT_EQ(kvm_msix_emul_set_entry(e, 5, &en), -EINVAL);
	}
	en = vmm_entry(5, false);
	EXPECT_EQ(kvm_msix_emul_set_entry(e, 70, &en), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_set_entry(e, 0xffff, &en), -EINVAL);
	/* Nothing changed, nothing routed. */
	expect_guest_sees(e, 5, &before);
	EXPECT_EQ(R.log.n, 0);
	/* Bits 1:0 of msg_addr_lo, vector_ctl 31:1 kept zero: accepted. */
	EXPECT_EQ(kvm_msix_emul_set_entry(e, 69, &en), 0);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_pba_get_set)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	struct kvm_msix_emul_entry en;
	u64 bits;
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, true);
		kvm_msix_emul_set_entry(e, v, &en);
	}
	kvm_msix_emul_signal(e, 3);
	kvm_msix_emul_signal(e, 66);
	EXPECT_EQ(kvm_msix_emul_get_pba(e, 0, &bits), 0);
	EXPECT_EQ(bits, 1ULL << 3);
	EXPECT_EQ(kvm_msix_emul_get_pba(e, 1, &bits), 0);
	EXPECT_EQ(bits, 1ULL << 2);
	EXPECT_EQ(kvm_msix_emul_get_pba(e, 2, &bits), -EINVAL);
	/* Set: the guest sees it; clear: gone. */
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, 1ULL << 63 | 1ULL << 0), 0);
	EXPECT_EQ(rd64(e, 0x2000), 1ULL << 63 | 1);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 1, 0x3f), 0);
	EXPECT_EQ(rd64(e, 0x2008), 0x3f);
	EXPECT_EQ(R.log.n, 0);
	/* Beyond nvec (70: word 1 bits 6..63) or beyond the PBA: refused. */
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 1, 1ULL << 6), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 1, 1ULL << 63), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 2, 0), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0xffff, 0), -EINVAL);
	EXPECT_EQ(rd64(e, 0x2008), 0x3f);
	/* A pending bit set by the VMM is delivered at unmask, once. */
	unmask(e, 63);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(ev_at(EV_DELIVER, 0)->data, vmm_entry(63, 0).msg_data);
	EXPECT_EQ(rd64(e, 0x2000), 1);
	/* A bit set for an active vector goes out at once. */
	clear_log();
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, 1ULL << 63 | 1), 0);
	EXPECT_EQ(count_ev(EV_DELIVER), 1);
	EXPECT_EQ(rd64(e, 0x2000), 1);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, 0), 0);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 1, 0), 0);
	EXPECT_EQ(rd64(e, 0x2000) | rd64(e, 0x2008), 0);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);

	/* nvec 64: the whole word is valid, no second word. */
	e = mk(64, 0, 0x800);
	ASSERT(e, "emulator not created");
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, ~0ULL), 0);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 1, 0), -EINVAL);
	kvm_msix_emul_destroy(e);
	e = mk(1, 0, 0x800);
	ASSERT(e, "emulator not created");
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, 2), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_set_pba(e, 0, 1), 0);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_get_ctrl)
{
	struct kvm_msix_emul *e = mk_default();
	bool en = true, fm = true;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_get_ctrl(e, &en, &fm);
	EXPECT_EQ(en, false);
	EXPECT_EQ(fm, false);
	kvm_msix_emul_set_ctrl(e, true, true);
	kvm_msix_emul_get_ctrl(e, &en, &fm);
	EXPECT_EQ(en, true);
	EXPECT_EQ(fm, true);
	kvm_msix_emul_set_ctrl(e, false, true);
	kvm_msix_emul_get_ctrl(e, &en, &fm);
	EXPECT_EQ(en, false);
	EXPECT_EQ(fm, true);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_reset_returns_to_power_on_state)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	struct kvm_msix_emul_entry en, zero = { .vector_ctl = 1 };
	bool ena, fm;
	u64 bits;
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, false);
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, v % 2);
		kvm_msix_emul_set_entry(e, v, &en);
	}
	kvm_msix_emul_signal(e, 1);
	kvm_msix_emul_signal(e, 69);
	clear_log();
	kvm_msix_emul_reset(e);
	/* Every routed (even) vector unrouted, nothing else. */
	EXPECT_EQ(R.log.n, 35);
	EXPECT_EQ(count_ev(EV_UPDATE), 35);
	for (v = 0; v < 70; v++) {
		EXPECT_EQ(kvm_msix_emul_get_entry(e, v, &en), 0);
		EXPECT(!memcmp(&en, &zero, sizeof(en)), "vector %u", v);
		expect_guest_sees(e, v, &zero);
	}
	kvm_msix_emul_get_pba(e, 0, &bits);
	EXPECT_EQ(bits, 0);
	kvm_msix_emul_get_pba(e, 1, &bits);
	EXPECT_EQ(bits, 0);
	kvm_msix_emul_get_ctrl(e, &ena, &fm);
	EXPECT(!ena && !fm, "enable %d function mask %d", ena, fm);
	/* No longer routed: enabling and signalling only sets pending. */
	clear_log();
	kvm_msix_emul_set_ctrl(e, true, false);
	kvm_msix_emul_signal(e, 0);
	EXPECT_EQ(R.log.n, 0);
	EXPECT_EQ(pba_bit(e, 0), 1);
	EXPECT_EQ(R.violations, 0);
	kvm_msix_emul_destroy(e);
}

/* A state with everything different per vector. */
static void vmm_fill(struct kvm_msix_emul *e, u64 seed)
{
	struct kvm_msix_emul_entry en;
	u16 v;

	kvm_msix_emul_set_ctrl(e, true, false);
	for (v = 0; v < e->nvec; v++) {
		u64 r = xorshift(&seed);

		en.msg_addr_lo = (u32)r & ~3u;
		en.msg_addr_hi = (u32)(r >> 32);
		en.msg_data = (u32)xorshift(&seed);
		en.vector_ctl = 1;
		kvm_msix_emul_set_entry(e, v, &en);
		if (r & 0x10)
			kvm_msix_emul_signal(e, v);
		if (r & 0x20) {
			en.vector_ctl = 0;
			kvm_msix_emul_set_entry(e, v, &en);
		}
	}
}

static u8 *vmm_save(struct kvm_msix_emul *e, size_t *size)
{
	size_t need = kvm_msix_emul_state_size(e->nvec);
	u8 *buf = malloc(need);
	ssize_t n = kvm_msix_emul_save(e, buf, need);

	EXPECT_EQ(n, need);
	*size = need;
	return buf;
}

TEST(vmm_save_format_is_little_endian_as_documented)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	struct kvm_msix_emul_entry en;
	size_t size;
	u8 *b;
	u16 v;

	ASSERT(e, "emulator not created");
	kvm_msix_emul_set_ctrl(e, true, true);
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, v != 7);
		kvm_msix_emul_set_entry(e, v, &en);
	}
	kvm_msix_emul_signal(e, 65);
	b = vmm_save(e, &size);
	EXPECT_EQ(size, 32 + 70 * 16 + 2 * 8);
	EXPECT(!memcmp(b, "PTWX", 4), "magic %.4s", (char *)b);
	EXPECT_EQ(get_le(b + 4, 4), 1);			/* version */
	EXPECT_EQ(get_le(b + 8, 4), size);		/* size */
	EXPECT_EQ(get_le(b + 12, 2), 70);		/* nvec */
	EXPECT_EQ(get_le(b + 14, 2), 0xc000);		/* Enable | FM */
	EXPECT_EQ(get_le(b + 16, 8), 0);		/* flags, reserved */
	EXPECT_EQ(get_le(b + 24, 8), 0);
	for (v = 0; v < 70; v++) {
		en = vmm_entry(v, v != 7);
		EXPECT_EQ(get_le(b + 32 + 16 * v, 4), en.msg_addr_lo);
		EXPECT_EQ(get_le(b + 36 + 16 * v, 4), en.msg_addr_hi);
		EXPECT_EQ(get_le(b + 40 + 16 * v, 4), en.msg_data);
		EXPECT_EQ(get_le(b + 44 + 16 * v, 4), en.vector_ctl);
	}
	/* Vector 7 is unmasked but the function is masked: pending too. */
	kvm_msix_emul_signal(e, 7);
	free(b);
	b = vmm_save(e, &size);
	EXPECT_EQ(get_le(b + 32 + 70 * 16, 8), 1ULL << 7);
	EXPECT_EQ(get_le(b + 40 + 70 * 16, 8), 1ULL << 1);
	EXPECT_EQ(sizeof(struct kvm_ppc_pt_msix_state), 32);
	EXPECT_EQ(sizeof(struct kvm_ppc_pt_msix_state_entry), 16);
	EXPECT_EQ(KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(70), 32 + 70 * 16);
	EXPECT_EQ(KVM_PPC_PTW_MSIX_STATE_SIZE(2048), 32 + 2048 * 16 + 256);
	free(b);
	kvm_msix_emul_destroy(e);
}

TEST(vmm_save_into_a_short_buffer_is_enospc)
{
	struct kvm_msix_emul *e = mk(70, 0x1000, 0x2000);
	size_t need;
	u8 *b;

	ASSERT(e, "emulator not created");
	need = kvm_msix_emul_state_size(70);
	b = malloc(need);
	memset(b, 0xa5, need);
	EXPECT_EQ(kvm_msix_emul_save(e, b, need - 1), -ENOSPC);
	EXPECT_EQ(kvm_msix_emul_save(e, b, 0), -ENOSPC);
	EXPECT_EQ(b[0], 0xa5);
	EXPECT_EQ(b[need - 1], 0xa5);
	free(b);
	kvm_msix_emul_destroy(e);
}

/* Guest's view of two emulators, byte for byte, through the BAR. */
static void expect_same_guest_view(struct kvm_msix_emul *a,
				   struct kvm_msix_emul *b)
{
	u16 v;

	for (v = 0; v < a->nvec; v++) {
		EXPECT_EQ(rd64(a, LO(a, v)), rd64(b, LO(b, v)));
		EXPECT_EQ(rd64(a, DATA(a, v)), rd64(b, DATA(b, v)));
	}
	for (v = 0; v < a->nvec; v += 64)
		EXPECT_EQ(rd64(a, a->pba_offset + v / 8),
			  rd64(b, b->pba_offset + v / 8));
}

TEST(vmm_save_restore_round_trip)
{
	static const u16 nvecs[] = { 1, 4, 63, 64, 65, 70, 2048 };
	struct kvm_msix_emul *a, *b;
	struct kvm_msix_emul_entry en;
	bool ea, fa, eb, fb;
	size_t sa, sb;
	u8 *ba, *bb;
	unsigned int i, routed, pending;
	u16 v;

	for (i = 0; i < ARRAY_SIZE(nvecs); i++) {
		u16 n = nvecs[i];

		a = mk(n, 0, 0x10000);
		ASSERT(a, "emulator not created");
		vmm_fill(a, 0x1234 + i);
		ba = vmm_save(a, &sa);
		/* Another geometry, another history: B is overwritten. */
		b = mk(n, 0x20000, 0x8);
		ASSERT(b, "emulator not created");
		vmm_fill(b, 0x9999 + i);
		clear_log();
		EXPECT_EQ(kvm_msix_emul_restore(b, ba, sa), 0);
		EXPECT_EQ(R.violations, 0);
		expect_same_guest_view(a, b);
		for (v = 0; v < n; v++) {
			struct kvm_msix_emul_entry ea_, eb_;

			kvm_msix_emul_get_entry(a, v, &ea_);
			kvm_msix_emul_get_entry(b, v, &eb_);
			EXPECT(!memcmp(&ea_, &eb_, sizeof(ea_)), "n %u v %u",
			       n, v);
		}
		kvm_msix_emul_get_ctrl(a, &ea, &fa);
		kvm_msix_emul_get_ctrl(b, &eb, &fb);
		EXPECT(ea == eb && fa == fb, "ctrl");
		bb = vmm_save(b, &sb);
		EXPECT(sa == sb && !memcmp(ba, bb, sa), "n %u: saves differ", n);
		/*
		 * B's old routes went (update inactive), A's unmasked vectors
		 * were routed with the restored messages; no pending bit of an
		 * unmasked vector exists in A, so nothing was delivered.
		 */
		routed = 0;
		for (v = 0; v < n; v++) {
			kvm_msix_emul_get_entry(b, v, &en);
			routed += !en.vector_ctl;
			EXPECT_EQ(R.routed[v] ? 1 : 0, !en.vector_ctl);
			if (!en.vector_ctl)
				EXPECT_EQ(R.routed_data[v], en.msg_data);
		}
		EXPECT(n < 4 || routed > 0, "n %u: nothing routed", n);
		EXPECT_EQ(count_ev(EV_DELIVER), 0);
		/* Pending bits survive and go out at unmask, once each. */
		clear_log();
		pending = 0;
		for (v = 0; v < n; v++) {
			if (!pba_bit(b, v))
				continue;
			pending++;
			unmask(b, v);
		}
		EXPECT_EQ(count_ev(EV_DELIVER), pending);
		EXPECT(n < 4 || pending > 0, "n %u: nothing pending", n);
		for (v = 0; v < n; v++)
			EXPECT_EQ(pba_bit(b, v), 0);
		free(ba);
		free(bb);
		kvm_msix_emul_destroy(a);
		kvm_msix_emul_destroy(b);
	}
}

/* A pending bit of a vector that is active in the restored state. */
TEST(vmm_restore_delivers_pending_of_an_active_vector)
{
	struct kvm_msix_emul *a = mk_default(), *b;
	struct kvm_msix_emul_entry en = vmm_entry(1, false);
	size_t size;
	u8 *buf;

	ASSERT(a, "emulator not created");
	/* Unmasked, function masked: the signal is pending. */
	kvm_msix_emul_set_ctrl(a, true, true);
	kvm_msix_emul_set_entry(a, 1, &en);
	kvm_msix_emul_signal(a, 1);
	buf = vmm_save(a, &size);
	/* Function unmasked in the saved state: vector 1 is active. */
	put_le(buf + 14, 2, 0x8000);
	b = mk_default();
	ASSERT(b, "emulator not created");
	EXPECT_EQ(kvm_msix_emul_restore(b, buf, size), 0);
	EXPECT_EQ(R.log.n, 2);
	EXPECT_EQ(ev_at(EV_UPDATE, 0)->data, en.msg_data);
	EXPECT_EQ(R.log.ev[1].type, EV_DELIVER);
	EXPECT_EQ(pba_bit(b, 1), 0);
	EXPECT_EQ(R.violations, 0);
	free(buf);
	kvm_msix_emul_destroy(a);
	kvm_msix_emul_destroy(b);
}

struct bad_state {
	const char *what;
	unsigned int off, len;	/* field to overwrite, little-endian */
	u64 val;
	int err;
};

TEST(vmm_restore_rejects_bad_states_and_changes_nothing)
{
	static const struct bad_state bad[] = {
		{ "magic", 0, 4, 0x58575451, -EINVAL },
		{ "magic byte-swapped", 0, 4, 0x50545758, -EINVAL },
		{ "version 0", 4, 4, 0, -EINVAL },
		{ "version 2", 4, 4, 2, -EINVAL },
		{ "size + 8", 8, 4, 32 + 70 * 16 + 16 + 8, -EINVAL },
		{ "size - 8", 8, 4, 32 + 70 * 16 + 16 - 8, -EINVAL },
		{ "size 0", 8, 4, 0, -EINVAL },
		{ "nvec 0", 12, 2, 0, -EINVAL },
		{ "nvec 2049", 12, 2, 2049, -EINVAL },
		{ "ctrl Table Size bits", 14, 2, 0x8045, -EINVAL },
		{ "ctrl bit 13", 14, 2, 0x2000, -EINVAL },
		{ "flags", 16, 4, 1, -EINVAL },
		{ "flags bit 31", 16, 4, 0x80000000, -EINVAL },
		{ "reserved[0]", 20, 4, 1, -EINVAL },
		{ "reserved[1]", 24, 4, 0x100, -EINVAL },
		{ "reserved[2]", 28, 4, 0x80000000, -EINVAL },
		{ "entry 0 msg_addr_lo bit 0", 32, 4, 0x1001, -EINVAL },
		{ "entry 69 msg_addr_lo bit 1", 32 + 69 * 16, 4, 2, -EINVAL },
		{ "entry 3 vector_ctl bit 1", 44 + 3 * 16, 4, 3, -EINVAL },
		{ "entry 69 vector_ctl bit 31", 44 + 69 * 16, 4, 0x80000000,
		  -EINVAL },
		{ "PBA bit 70", 32 + 70 * 16 + 8, 8, 1ULL << 6, -EINVAL },
		{ "PBA bit 127", 32 + 70 * 16 + 8, 8, 1ULL << 63, -EINVAL },
	};
	struct kvm_msix_emul *a = mk(70, 0x1000, 0x2000), *b;
	size_t size, sb0, sb1;
	u8 *good, *buf, *b0, *b1;
	unsigned int i;

	ASSERT(a, "emulator not created");
	vmm_fill(a, 42);
	good = vmm_save(a, &size);
	buf = malloc(size + 64);
	b = mk(70, 0x1000, 0x2000);
	ASSERT(b, "emulator not created");
	vmm_fill(b, 43);
	b0 = vmm_save(b, &sb0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(buf, good, size);
		put_le(buf + bad[i].off, bad[i].len, bad[i].val);
		clear_log();
		EXPECT(kvm_msix_emul_restore(b, buf, size) == bad[i].err,
		       "%s: not %d", bad[i].what, bad[i].err);
		EXPECT(R.log.n == 0, "%s: callbacks", bad[i].what);
	}
	/* The caller's size must be the header's. */
	memcpy(buf, good, size);
	EXPECT_EQ(kvm_msix_emul_restore(b, buf, size - 1), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_restore(b, buf, size + 8), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_restore(b, buf, 31), -EINVAL);
	EXPECT_EQ(kvm_msix_emul_restore(b, buf, 0), -EINVAL);
	b1 = vmm_save(b, &sb1);
	EXPECT(sb0 == sb1 && !memcmp(b0, b1, sb0), "state changed");
	EXPECT_EQ(R.log.n, 0);
	/* The good state is accepted. */
	EXPECT_EQ(kvm_msix_emul_restore(b, good, size), 0);
	free(good);
	free(buf);
	free(b0);
	free(b1);
	kvm_msix_emul_destroy(a);
	kvm_msix_emul_destroy(b);
}

TEST(vmm_restore_of_another_table_size_is_e2big)
{
	struct kvm_msix_emul *a4 = mk(4, 0, 0x800), *a5, *a3;
	size_t size;
	u8 *buf;

	ASSERT(a4, "emulator not created");
	a5 = mk(5, 0, 0x800);
	a3 = mk(3, 0, 0x800);
	ASSERT(a5 && a3, "emulator not created");
	buf = vmm_save(a4, &size);
	clear_log();
	EXPECT_EQ(kvm_msix_emul_restore(a5, buf, size), -E2BIG);
	EXPECT_EQ(kvm_msix_emul_restore(a3, buf, size), -E2BIG);
	EXPECT_EQ(kvm_msix_emul_restore(a4, buf, size), 0);
	/* The header alone is consistent: check_state_header accepts it. */
	EXPECT_EQ(kvm_msix_emul_check_state_header(buf), size);
	put_le(buf + 4, 4, 7);
	EXPECT_EQ(kvm_msix_emul_check_state_header(buf), -EINVAL);
	EXPECT_EQ(R.log.n, 0);
	free(buf);
	kvm_msix_emul_destroy(a3);
	kvm_msix_emul_destroy(a4);
	kvm_msix_emul_destroy(a5);
}

/* Restore over routed vectors: every old route goes before a new one. */
TEST(vmm_restore_unroutes_then_reroutes)
{
	struct kvm_msix_emul *a, *b;
	struct kvm_msix_emul_entry en;
	size_t size, rsize;
	u8 *buf, *reset;
	int i;
	u16 v;

	b = mk_default();
	ASSERT(b, "emulator not created");
	reset = vmm_save(b, &rsize);
	a = mk_default();
	ASSERT(a, "emulator not created");
	kvm_msix_emul_set_ctrl(a, true, false);
	for (v = 0; v < 4; v++) {
		en = vmm_entry(v, false);
		kvm_msix_emul_set_entry(a, v, &en);
	}
	buf = vmm_save(a, &size);
	/* Restoring into itself, the same routes: unroute, then route. */
	clear_log();
	EXPECT_EQ(kvm_msix_emul_restore(a, buf, size), 0);
	EXPECT_EQ(R.log.n, 8);
	for (i = 0; i < 4 && i < R.log.n; i++)
		EXPECT_EQ(R.log.ev[i].active, false);
	for (i = 4; i < 8 && i < R.log.n; i++) {
		EXPECT_EQ(R.log.ev[i].active, true);
		EXPECT_EQ(R.log.ev[i].data, vmm_entry(i - 4, 0).msg_data);
	}
	/* The power-on state restored: every route goes, none comes back. */
	clear_log();
	EXPECT_EQ(kvm_msix_emul_restore(a, reset, rsize), 0);
	EXPECT_EQ(R.log.n, 4);
	EXPECT_EQ(count_ev(EV_UPDATE), 4);
	for (i = 0; i < R.log.n; i++)
		EXPECT_EQ(R.log.ev[i].active, false);
	kvm_msix_emul_set_ctrl(a, true, false);
	kvm_msix_emul_signal(a, 0);
	EXPECT_EQ(count_ev(EV_DELIVER), 0);
	EXPECT_EQ(pba_bit(a, 0), 1);
	EXPECT_EQ(R.violations, 0);
	free(buf);
	free(reset);
	kvm_msix_emul_destroy(a);
	kvm_msix_emul_destroy(b);
}

/*
 * The VMM's calls against signals: entry writes (mask/unmask), PBA reads,
 * saves.  Nothing is lost or delivered twice, and every save is one
 * consistent snapshot: with MSI-X enabled and the function unmasked, a
 * pending bit is only ever seen on a masked vector.
 */
struct conc_vmm {
	struct conc *c;
	unsigned long ops, saves, torn;
};

static void *conc_vmm_thread(void *arg)
{
	struct conc_vmm *cv = arg;
	struct conc *c = cv->c;
	size_t size = kvm_msix_emul_state_size(CONC_NV);
	u8 *buf = malloc(size);
	struct kvm_msix_emul_entry en;
	u64 s = 0x7777, bits;
	u16 v;

	while (buf && !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		u64 r = xorshift(&s);

		v = r % CONC_NV;
		switch ((r >> 8) % 8) {
		case 0 ... 4:
			kvm_msix_emul_get_entry(c->e, v, &en);
			en.vector_ctl = (r >> 16) & 1;
			kvm_msix_emul_set_entry(c->e, v, &en);
			break;
		case 5:
			kvm_msix_emul_get_pba(c->e, 0, &bits);
			break;
		default:
			kvm_msix_emul_save(c->e, buf, size);
			cv->saves++;
			for (v = 0; v < CONC_NV; v++) {
				u32 ctl = get_le(buf + 44 + 16 * v, 4);
				u32 data = get_le(buf + 40 + 16 * v, 4);
				u64 pba = get_le(buf + 32 + 16 * CONC_NV, 8);
				bool fm = get_le(buf + 14, 2) & 0x4000;

				/* pending only while masked, in one snapshot */
				if (data != v ||
				    (!(ctl & 1) && !fm && (pba >> v & 1)))
					cv->torn++;
			}
			break;
		}
		cv->ops++;
		if (!(cv->ops % 64))
			sched_yield();
	}
	free(buf);
	return NULL;
}

TEST(vmm_concurrent_with_signals_loses_nothing_and_saves_are_consistent)
{
	static struct conc c;
	struct conc_vmm cv = { .c = &c };
	struct kvm_msix_emul_entry en;
	unsigned long total = 0;
	pthread_t tv, ts, tm;
	int err;
	u16 v;

	memset(&c, 0, sizeof(c));
	c.e = kvm_msix_emul_create(CONC_NV, 0, 0x800, &conc_ops, &c);
	ASSERT(!IS_ERR(c.e), "create failed");
	kvm_msix_emul_set_ctrl(c.e, true, false);
	for (v = 0; v < CONC_NV; v++) {
		en = (struct kvm_msix_emul_entry){ (u32)MSI_WIN,
			MSI_WIN >> 32, v, 0 };
		kvm_msix_emul_set_entry(c.e, v, &en);
	}
	/* the VMM, the guest (masks, QWORD writes, function mask), signals */
	err = pthread_create(&tv, NULL, conc_vmm_thread, &cv);
	ASSERT(!err, "pthread_create: %d", err);
	err = pthread_create(&tm, NULL, conc_mask_thread, &c);
	ASSERT(!err, "pthread_create: %d", err);
	err = pthread_create(&ts, NULL, conc_signal_thread, &c);
	ASSERT(!err, "pthread_create: %d", err);
	pthread_join(ts, NULL);
	pthread_join(tm, NULL);
	pthread_join(tv, NULL);
	kvm_msix_emul_set_ctrl(c.e, true, false);
	for (v = 0; v < CONC_NV; v++) {
		kvm_msix_emul_get_entry(c.e, v, &en);
		en.vector_ctl = 0;
		kvm_msix_emul_set_entry(c.e, v, &en);
	}
	for (v = 0; v < CONC_NV; v++) {
		EXPECT_EQ(c.delivered[v], c.signalled[v]);
		total += c.signalled[v];
	}
	EXPECT_EQ(c.lost, 0);
	EXPECT_EQ(c.duplicates, 0);
	EXPECT_EQ(c.violations, 0);
	EXPECT_EQ(cv.torn, 0);
	EXPECT(cv.saves > 0, "no save ran");
	EXPECT(stats(c.e).pending_set > 0, "masking never raced a signal");
	printf("# vmm concurrency: %lu signals, %llu via pending bit, %lu VMM ops, %lu saves, %lu guest mask ops\n",
	       total, (unsigned long long)stats(c.e).pending_set, cv.ops,
	       cv.saves, c.mask_ops);
	kvm_msix_emul_destroy(c.e);
}
