// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for virt/kvm/msix_emul.c, the MSI-X table and PBA
 * emulator.  The input is decoded into a geometry (possibly invalid) and a
 * stream of guest accesses, Message Control changes, device signals and
 * resets.  Besides the sanitizers, every step is checked against the rules
 * of include/linux/kvm_msix_emul.h with a byte-wise classifier of its own;
 * a broken rule aborts, which libFuzzer reports as a crash.
 *
 * Build and run: make -C tools/testing/kvm_pt fuzz-smoke (see fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../virt/kvm/msix_emul.c"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: broken rule: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define MAX_LEN		64
#define MAX_OPS		2000

struct input {
	const u8 *p;
	size_t n;
};

static u64 get(struct input *in, int bytes)
{
	u64 v = 0;
	int i;

	for (i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (u64)*in->p << (8 * i);
	return v;
}

/* ------------------------------------------------------------------ */
/* Shadow of what the arch layer was told, checked in every callback.  */
/* ------------------------------------------------------------------ */

static struct {
	struct kvm_msix_emul *e;
	bool routed[KVM_MSIX_EMUL_MAX_VECTORS];
	u64 addr[KVM_MSIX_EMUL_MAX_VECTORS];
	u32 data[KVM_MSIX_EMUL_MAX_VECTORS];
	u8 delivered_this_op[KVM_MSIX_EMUL_MAX_VECTORS];
	int deliveries_this_op;
	/* the one device access the current step may make */
	bool dev_expected;
	u64 dev_off;
	int dev_len;
	int dev_calls;
} S;

static u8 dev_pattern(u64 off)
{
	return (u8)(off * 0x9d + 0x3b);
}

static void f_update(void *opaque, u16 vector, bool active, u64 msg_addr,
		     u32 msg_data)
{
	const struct kvm_msix_emul_entry *ent;

	CHECK(opaque == &S);
	CHECK(vector < S.e->nvec);
	CHECK(S.routed[vector] != active);	/* only on a change */
	ent = &S.e->vec[vector].entry;
	if (active) {
		/* latched from the entry as it is now */
		CHECK(msg_addr == ((u64)ent->msg_addr_hi << 32 |
				   ent->msg_addr_lo));
		CHECK(msg_data == ent->msg_data);
		S.addr[vector] = msg_addr;
		S.data[vector] = msg_data;
	} else {
		/* unrouting names the message that was routed */
		CHECK(msg_addr == S.addr[vector]);
		CHECK(msg_data == S.data[vector]);
	}
	S.routed[vector] = active;
}

static bool f_deliver(void *opaque, u16 vector, u64 msg_addr, u32 msg_data)
{
	CHECK(vector < S.e->nvec);
	CHECK(S.routed[vector]);
	CHECK(msg_addr == S.addr[vector] && msg_data == S.data[vector]);
	/* one interrupt per vector per step at most */
	CHECK(!S.delivered_this_op[vector]);
	S.delivered_this_op[vector] = 1;
	S.deliveries_this_op++;
	return !(msg_data & 1);
}

static int f_dev_read(void *opaque, u64 bar_offset, int len, void *val)
{
	u8 *p = val;
	int i;

	CHECK(S.dev_expected && !S.dev_calls);
	CHECK(bar_offset == S.dev_off && len == S.dev_len);
	S.dev_calls++;
	for (i = 0; i < len; i++)
		p[i] = dev_pattern(bar_offset + i);
	return 0;
}

static int f_dev_write(void *opaque, u64 bar_offset, int len,
		       const void *val)
{
	CHECK(S.dev_expected && !S.dev_calls);
	CHECK(bar_offset == S.dev_off && len == S.dev_len);
	S.dev_calls++;
	return 0;
}

static const struct kvm_msix_emul_ops f_ops = {
	.update = f_update,
	.deliver = f_deliver,
	.dev_read = f_dev_read,
	.dev_write = f_dev_write,
};

/* ------------------------------------------------------------------ */
/* The rules, restated byte by byte                                    */
/* ------------------------------------------------------------------ */

enum { C_BAD, C_TABLE, C_PBA, C_INVALID, C_DEVICE };

static int classify(u64 off, int len)
{
	u64 tsize = S.e->nvec * 16ULL, psize = (S.e->nvec + 63) / 64 * 8ULL;
	int i, t = 0, p = 0;

	if (len <= 0 || off + (u64)len < off)
		return C_BAD;
	for (i = 0; i < len; i++) {
		t += off + i - S.e->table_offset < tsize;
		p += off + i - S.e->pba_offset < psize;
	}
	if (!t && !p)
		return C_DEVICE;
	if ((len != 4 && len != 8) || off % len)
		return C_INVALID;
	if (t == len)
		return C_TABLE;
	if (p == len)
		return C_PBA;
	return C_INVALID;
}

static bool geometry_ok(u16 nvec, u64 t, u64 p)
{
	u64 ts = nvec * 16ULL, ps = (nvec + 63) / 64 * 8ULL;

	if (!nvec || nvec > 2048 || t % 8 || p % 8 || t >> 32 || p >> 32)
		return false;
	return t + ts <= p || p + ps <= t;
}

static void check_state(void)
{
	const struct kvm_msix_emul *e = S.e;
	u16 v;

	for (v = 0; v < e->nvec; v++) {
		const struct kvm_msix_emul_vector *vec = &e->vec[v];
		bool act = e->enable && !e->function_mask &&
			   !(vec->entry.vector_ctl & 1);
		bool pend = e->pba[v / 64] >> (v % 64) & 1;

		CHECK(!(vec->entry.msg_addr_lo & 3));
		CHECK(!(vec->entry.vector_ctl & ~1U));
		CHECK(vec->active == act);
		CHECK(S.routed[v] == act);
		/* a pending bit never sits on an active vector */
		CHECK(!(pend && act));
	}
	for (v = e->nvec; v < KVM_MSIX_EMUL_MAX_VECTORS; v++)
		CHECK(!(e->pba[v / 64] >> (v % 64) & 1));
}

static u64 le(const u8 *b, int len)
{
	u64 v = 0;

	while (len--)
		v = v << 8 | b[len];
	return v;
}

static u32 wmask(u64 field)
{
	switch (field) {
	case 0:
		return 0xfffffffc;
	case 12:
		return 1;
	default:
		return 0xffffffff;
	}
}

static u64 pick_off(struct input *in)
{
	struct kvm_msix_emul *e = S.e;
	u64 tend = e->table_offset + e->nvec * 16ULL;
	u64 pend = e->pba_offset + (e->nvec + 63) / 64 * 8ULL;
	s8 d = (s8)get(in, 1);

	switch (get(in, 1) % 8) {
	case 0:
		return e->table_offset + d;
	case 1:
		return tend + d;
	case 2:
		return e->pba_offset + d;
	case 3:
		return pend + d;
	case 4:
		return e->table_offset + get(in, 2) % (e->nvec * 16ULL);
	case 5:
		return get(in, 8);
	case 6:
		return get(in, 2);
	default:
		return e->pba_offset + get(in, 1) % (pend - e->pba_offset);
	}
}

static int pick_len(struct input *in)
{
	static const int lens[] = { 4, 8, 4, 8, 1, 2, 3, 5,
				    6, 7, 16, 0, -1, MAX_LEN, 4, 8 };

	return lens[get(in, 1) % ARRAY_SIZE(lens)];
}

static void expect_device(int cls, u64 off, int len)
{
	S.dev_expected = cls == C_DEVICE;
	S.dev_off = off;
	S.dev_len = len;
	S.dev_calls = 0;
}

static void do_read(struct input *in)
{
	u64 off = pick_off(in);
	int len = pick_len(in), cls = classify(off, len), ret, i;
	u8 buf[MAX_LEN + 8];

	memset(buf, 0xa5, sizeof(buf));
	expect_device(cls, off, len);
	ret = kvm_msix_emul_read(S.e, off, len, buf);
	CHECK(S.dev_calls == (cls == C_DEVICE));
	for (i = len > 0 ? len : 0; i < (int)sizeof(buf); i++)
		CHECK(buf[i] == 0xa5);		/* never past len */

	switch (cls) {
	case C_BAD:
		CHECK(ret == -EINVAL);
		return;
	case C_DEVICE:
		CHECK(ret == 0);
		for (i = 0; i < len; i++)
			CHECK(buf[i] == dev_pattern(off + i));
		return;
	case C_INVALID:
		CHECK(ret == 0);
		for (i = 0; i < len; i++)
			CHECK(buf[i] == 0xff);
		return;
	case C_TABLE: {
		u64 rel = off - S.e->table_offset;

		CHECK(ret == 0);
		for (i = 0; i < len; i += 4) {
			const struct kvm_msix_emul_entry *ent =
				&S.e->vec[(rel + i) / 16].entry;
			u32 want[4] = { ent->msg_addr_lo, ent->msg_addr_hi,
					ent->msg_data, ent->vector_ctl };

			CHECK(le(buf + i, 4) == want[(rel + i) % 16 / 4]);
		}
		return;
	}
	default: {
		u64 rel = off - S.e->pba_offset, bit;

		CHECK(ret == 0);
		for (bit = 0; bit < (u64)len * 8; bit++) {
			u64 v = rel * 8 + bit;
			bool set = buf[bit / 8] >> (bit % 8) & 1;

			CHECK(!set || (v < S.e->nvec && !S.routed[v]));
		}
	}
	}
}

static void do_write(u64 off, int len, const u8 *val)
{
	static struct kvm_msix_emul_vector before[KVM_MSIX_EMUL_MAX_VECTORS];
	u64 pba_before[KVM_MSIX_EMUL_MAX_VECTORS / 64];
	int cls = classify(off, len), ret, i;
	size_t vsize = S.e->nvec * sizeof(before[0]);

	memcpy(before, S.e->vec, vsize);
	memcpy(pba_before, S.e->pba, sizeof(pba_before));
	expect_device(cls, off, len);
	ret = kvm_msix_emul_write(S.e, off, len, val);
	CHECK(S.dev_calls == (cls == C_DEVICE));
	CHECK(ret == (cls == C_BAD ? -EINVAL : 0));

	if (cls == C_TABLE) {
		u64 rel = off - S.e->table_offset;

		for (i = 0; i < len; i += 4) {
			const struct kvm_msix_emul_entry *ent =
				&S.e->vec[(rel + i) / 16].entry;
			u32 got[4] = { ent->msg_addr_lo, ent->msg_addr_hi,
				       ent->msg_data, ent->vector_ctl };
			u64 field = (rel + i) % 16;

			CHECK(got[field / 4] ==
			      ((u32)le(val + i, 4) & wmask(field)));
		}
		return;
	}
	/* Nothing else may change a table entry or the PBA. */
	CHECK(!memcmp(before, S.e->vec, vsize));
	CHECK(!memcmp(pba_before, S.e->pba, sizeof(pba_before)));
	CHECK(!S.deliveries_this_op);
}

static void do_signal(u16 vector)
{
	struct kvm_msix_emul *e = S.e;
	bool in_range = vector < e->nvec;
	bool was_routed = in_range && S.routed[vector];
	bool enabled = e->enable;

	kvm_msix_emul_signal(e, vector);
	if (!in_range || !enabled) {
		CHECK(!S.deliveries_this_op);
		return;
	}
	if (was_routed)
		CHECK(S.deliveries_this_op == 1);
	else
		CHECK(!S.deliveries_this_op &&
		      (e->pba[vector / 64] >> (vector % 64) & 1));
}

static void check_stats(struct kvm_msix_emul_stats *prev)
{
	struct kvm_msix_emul_stats now;
	const u64 *a = (const u64 *)prev, *b = (const u64 *)&now;
	size_t i;

	kvm_msix_emul_get_stats(S.e, &now);
	for (i = 0; i < sizeof(now) / sizeof(u64); i++)
		CHECK(b[i] >= a[i]);
	*prev = now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct kvm_msix_emul_stats st = { 0 };
	u64 mode = get(&in, 1), t, p;
	u16 nvec;
	int ops;

	if (mode & 1)
		nvec = get(&in, 2);			/* anything */
	else if (mode & 2)
		nvec = 1 + get(&in, 2) % 2048;
	else
		nvec = 1 + get(&in, 1) % 130;
	t = mode & 4 ? get(&in, 5) : get(&in, 2) % 0x2000 * 8;
	switch (mode >> 3 & 3) {
	case 0:
		p = t + nvec * 16ULL;			/* right after */
		break;
	case 1:
		p = t - (nvec + 63) / 64 * 8ULL;	/* right before */
		break;
	case 2:
		p = (t & ~0xfffULL) + 0x800;		/* same 4K page */
		break;
	default:
		p = mode & 32 ? get(&in, 5) : get(&in, 2) % 0x2000 * 8;
	}

	memset(&S, 0, sizeof(S));
	S.e = kvm_msix_emul_create(nvec, t, p, &f_ops, &S);
	CHECK(IS_ERR(S.e) == !geometry_ok(nvec, t, p));
	if (IS_ERR(S.e)) {
		CHECK(PTR_ERR(S.e) == -EINVAL);
		return 0;
	}
	check_state();

	for (ops = 0; in.n && ops < MAX_OPS; ops++) {
		u8 val[MAX_LEN];
		u64 v, off;
		int len;

		memset(S.delivered_this_op, 0, S.e->nvec);
		S.deliveries_this_op = 0;
		S.dev_expected = false;

		switch (get(&in, 1) % 10) {
		case 0:
		case 1:
			do_read(&in);
			break;
		case 2:
		case 3:
			off = pick_off(&in);
			len = pick_len(&in);
			memset(val, 0, sizeof(val));
			v = get(&in, 8);
			memcpy(val, &v, sizeof(v));
			do_write(off, len, val);
			break;
		case 4:		/* mask bit of one vector, valid DWORD */
			v = get(&in, 2) % S.e->nvec;
			memset(val, 0, 4);
			val[0] = get(&in, 1);
			val[3] = get(&in, 1);
			do_write(S.e->table_offset + v * 16 + 12, 4, val);
			break;
		case 5:		/* a whole QWORD of one entry */
			off = S.e->table_offset + get(&in, 2) % S.e->nvec * 16 +
			      (get(&in, 1) & 8);
			v = get(&in, 8);
			memcpy(val, &v, 8);
			do_write(off, 8, val);
			break;
		case 6:
			v = get(&in, 1);
			kvm_msix_emul_set_ctrl(S.e, v & 1, v & 2);
			break;
		case 7:
		case 8:
			v = get(&in, 2);
			do_signal(v & 0x8000 ? v : v % (S.e->nvec + 1));
			break;
		default:
			if (get(&in, 1) % 8) {
				kvm_msix_emul_set_ctrl(S.e, true, false);
				break;
			}
			kvm_msix_emul_reset(S.e);
			CHECK(!S.e->enable && !S.e->function_mask);
			break;
		}
		check_state();
		check_stats(&st);
	}
	kvm_msix_emul_destroy(S.e);
	return 0;
}
