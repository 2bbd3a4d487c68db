// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: every error of the VMM's MSI-X attributes
 * (GRP_MSIX_ENTRY, GRP_MSIX_PBA, GRP_MSIX_CTRL read, GRP_MSIX_RESET,
 * GRP_MSIX_STATE), as README's uapi section documents them, and that a
 * refused call changes nothing (the whole state is saved before and after
 * and compared byte for byte).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define PLAIN_GPA	0x80400000ULL
#define NR_SRC		16

static struct ppc_msix_win mw;
static struct ppc_msix_cap cap;
static u32 size;

/* 0 or -errno, no message */
static int attr(bool set, u32 group, u64 a, void *addr)
{
	struct kvm_device_attr da = {
		.group = group, .attr = a, .addr = (unsigned long)addr,
	};

	return ioctl(mw.dev, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
		     &da) < 0 ? -errno : 0;
}

static int has(u32 group, u64 a)
{
	struct kvm_device_attr da = { .group = group, .attr = a };

	return ioctl(mw.dev, KVM_HAS_DEVICE_ATTR, &da) < 0 ? -errno : 0;
}

#define EXPECT_ERR(call, err, what)					\
	do {								\
		int __r = (call);					\
		EXPECT(__r == -(err), "%s: %d (%s), expected -%s", what, \
		       __r, __r ? strerror(-__r) : "ok", #err);		\
	} while (0)

static u64 ix(u64 id, u16 index)
{
	return id << 16 | index;
}

int main(void)
{
	struct kvm_ppc_pt_msix_entry e = {
		.msg_addr_lo = (u32)PPC_MSI_WINDOW,
		.msg_addr_hi = PPC_MSI_WINDOW >> 32,
		.msg_data = PPC_IRQ_BASE + 1,
		.vector_ctl = 1,
	}, bad;
	struct kvm_ppc_pt_msix_state *h;
	struct kvm_ppc_pt_window w;
	struct ppc_irqchip ic;
	struct ppc_pci_bar bar;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	u8 *good, *buf, *before, *after;
	u32 plain_id = ~0U, unused;
	u64 bits;
	u16 ctrl, v;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_msix_virtio_open(&bar, &cap);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(vm, &ic, NR_SRC);
	if (!r)
		r = ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA,
				     cap.table_offset, cap.pba_offset,
				     cap.nvec);
	if (r)
		ksft_exit_fail_msg("setup: %s\n", ppc_errmsg());
	/* A window without MSI-X: the same BAR at another guest address */
	memset(&w, 0, sizeof(w));
	w.guest_addr = PLAIN_GPA;
	w.size = bar.size;
	w.host_uaddr = (unsigned long)ppc_pci_bar_ptr(&bar, 0);
	if (!ppc_ptw_attr(mw.dev, true, KVM_DEV_PPC_PTW_GRP_CTRL,
			  KVM_DEV_PPC_PTW_ADD, &w))
		plain_id = w.id;
	else
		ksft_print_msg("no second window: %s\n", ppc_errmsg());
	unused = KVM_PPC_PTW_MAX_WINDOWS - 1;
	size = KVM_PPC_PTW_MSIX_STATE_SIZE(cap.nvec);
	good = calloc(1, size + 64);
	buf = calloc(1, size + 64);
	before = calloc(1, size + 64);
	after = calloc(1, size + 64);
	if (!good || !buf || !before || !after)
		ksft_exit_fail_msg("calloc\n");
	ksft_print_msg("window %u: %u vectors; window without MSI-X: %d; unused id %u\n",
		       mw.id, cap.nvec, (int)plain_id, unused);
	ksft_set_plan(6);

	/* A known state: enabled, distinct entries, vector 0 pending */
	r = ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE);
	for (v = 0; !r && v < cap.nvec; v++) {
		e.msg_data = PPC_IRQ_BASE + v;
		r = ppc_msix_set_entry(&mw, v, &e);
	}
	if (!r)
		r = ppc_msix_signal(&mw, 0);
	if (!r)
		r = ppc_msix_save(&mw, before, size);
	if (r)
		ksft_exit_fail_msg("state: %s\n", ppc_errmsg());

	ppc_expect_begin();
	EXPECT_EQ(has(KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, 0), 0, "HAS ENTRY");
	EXPECT_EQ(has(KVM_DEV_PPC_PTW_GRP_MSIX_PBA, 0), 0, "HAS PBA");
	EXPECT_EQ(has(KVM_DEV_PPC_PTW_GRP_MSIX_RESET, 0), 0, "HAS RESET");
	EXPECT_EQ(has(KVM_DEV_PPC_PTW_GRP_MSIX_STATE, 0), 0, "HAS STATE");
	EXPECT_ERR(has(KVM_DEV_PPC_PTW_GRP_INFO + 1, 0), ENXIO, "HAS group 11");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_RESET, mw.id, NULL),
		   ENXIO, "GET of RESET");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_IRQ, ix(mw.id, 0), &r),
		   ENXIO, "GET of MSIX_IRQ");
	ksft_test_result(ppc_expect_ok(),
			 "HAS_DEVICE_ATTR: groups 6-9 present, group 11 not; GET of RESET and MSIX_IRQ: ENXIO\n");

	/* MSIX_ENTRY */
	ppc_expect_begin();
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(unused, 0), &e),
		   ENOENT, "SET unknown window");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(unused, 0), &e),
		   ENOENT, "GET unknown window");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			ix(KVM_PPC_PTW_MAX_WINDOWS, 0), &e), EINVAL,
		   "SET window id 32");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			ix(mw.id, 0) | 1ULL << 48, &e), EINVAL,
		   "GET attr bits 63:32");
	if (plain_id != ~0U)
		EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
				ix(plain_id, 0), &e), EINVAL,
			   "SET window without MSI-X");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			ix(mw.id, cap.nvec), &e), EINVAL, "SET vector nvec");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			ix(mw.id, cap.nvec), &e), EINVAL, "GET vector nvec");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			ix(mw.id, 0xffff), &e), EINVAL, "SET vector 0xffff");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			NULL), EFAULT, "SET NULL");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			NULL), EFAULT, "GET NULL");
	bad = e;
	bad.msg_addr_lo |= 1;
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			&bad), EINVAL, "msg_addr_lo bit 0");
	bad = e;
	bad.msg_addr_lo |= 2;
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			&bad), EINVAL, "msg_addr_lo bit 1");
	bad = e;
	bad.vector_ctl = 2;
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			&bad), EINVAL, "vector_ctl bit 1");
	bad.vector_ctl = 0x80000001;
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY, ix(mw.id, 0),
			&bad), EINVAL, "vector_ctl bit 31");
	ksft_test_result(ppc_expect_ok(),
			 "MSIX_ENTRY: ENOENT unknown window, EINVAL id 32 / attr bits 63:32 / no MSI-X / vector >= %u / reserved bits, EFAULT NULL\n",
			 cap.nvec);

	/* MSIX_PBA, MSIX_CTRL read, MSIX_RESET */
	ppc_expect_begin();
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_PBA, ix(unused, 0), &bits),
		   ENOENT, "PBA unknown window");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_PBA,
			ix(mw.id, (cap.nvec + 63) / 64), &bits), EINVAL,
		   "PBA QWORD beyond the PBA");
	bits = 1ULL << 0 | (cap.nvec < 64 ? 1ULL << cap.nvec : 0);
	if (cap.nvec < 64)
		EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_PBA, ix(mw.id, 0),
				&bits), EINVAL, "PBA bit nvec");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_PBA, ix(mw.id, 0), NULL),
		   EFAULT, "PBA SET NULL");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_PBA, ix(mw.id, 0), NULL),
		   EFAULT, "PBA GET NULL");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, unused, &ctrl),
		   ENOENT, "CTRL GET unknown window");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL,
			KVM_PPC_PTW_MAX_WINDOWS, &ctrl), EINVAL, "CTRL GET id 32");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, mw.id, NULL),
		   EFAULT, "CTRL GET NULL");
	if (plain_id != ~0U)
		EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, plain_id,
				&ctrl), EINVAL, "CTRL GET no MSI-X");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_RESET, unused, NULL),
		   ENOENT, "RESET unknown window");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_RESET,
			KVM_PPC_PTW_MAX_WINDOWS, NULL), EINVAL, "RESET id 32");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_RESET, mw.id, &ctrl),
		   EINVAL, "RESET addr not 0");
	if (plain_id != ~0U)
		EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_RESET, plain_id,
				NULL), EINVAL, "RESET no MSI-X");
	ksft_test_result(ppc_expect_ok(),
			 "MSIX_PBA / MSIX_CTRL read / MSIX_RESET: ENOENT, EINVAL (id, QWORD, bits >= nvec, addr not 0, no MSI-X), EFAULT\n");

	/* MSIX_STATE save */
	ppc_expect_begin();
	EXPECT_ERR(ppc_msix_save(&mw, buf, size - 8), ENOSPC, "save short");
	EXPECT_EQ(le32toh(((struct kvm_ppc_pt_msix_state *)buf)->size), size,
		  "size written back");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, mw.id, NULL),
		   EFAULT, "save NULL");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, unused, good),
		   ENOENT, "save unknown window");
	EXPECT_ERR(attr(false, KVM_DEV_PPC_PTW_GRP_MSIX_STATE,
			KVM_PPC_PTW_MAX_WINDOWS, good), EINVAL, "save id 32");
	EXPECT_EQ(ppc_msix_save(&mw, good, size + 64), 0, "save, big buffer");
	ksft_test_result(ppc_expect_ok(),
			 "MSIX_STATE save: ENOSPC and the size needed (%u), EFAULT, ENOENT, EINVAL\n",
			 size);

	/* MSIX_STATE restore: each malformed state */
	ppc_expect_begin();
#define BAD(field_stmt, err, what)					\
	do {								\
		memcpy(buf, good, size);				\
		h = (struct kvm_ppc_pt_msix_state *)buf;		\
		field_stmt;						\
		EXPECT_ERR(ppc_msix_restore(&mw, buf), err, what);	\
	} while (0)
	BAD(h->magic = htole32(0x12345678), EINVAL, "bad magic");
	BAD(h->magic = htobe32(KVM_PPC_PTW_MSIX_STATE_MAGIC), EINVAL,
	    "byte-swapped magic");
	BAD(h->version = htole32(0), EINVAL, "version 0");
	BAD(h->version = htole32(2), EINVAL, "version 2");
	BAD(h->size = htole32(size + 8), EINVAL, "size + 8");
	BAD(h->size = htole32(size - 8), EINVAL, "size - 8");
	BAD(h->flags = htole32(1), EINVAL, "flags");
	BAD(h->reserved[0] = htole32(1), EINVAL, "reserved[0]");
	BAD(h->reserved[2] = htole32(0x80000000), EINVAL, "reserved[2]");
	BAD(h->ctrl = htole16(PPC_MSIX_CTRL_ENABLE | (cap.nvec - 1)), EINVAL,
	    "ctrl with Table Size");
	BAD(h->nvec = htole16(0), EINVAL, "nvec 0");
	BAD((h->nvec = htole16(cap.nvec + 1),
	     h->size = htole32(KVM_PPC_PTW_MSIX_STATE_SIZE(cap.nvec + 1))),
	    E2BIG, "nvec + 1");
	if (cap.nvec > 1)
		BAD((h->nvec = htole16(cap.nvec - 1),
		     h->size = htole32(KVM_PPC_PTW_MSIX_STATE_SIZE(cap.nvec - 1))),
		    E2BIG, "nvec - 1");
	BAD(((struct kvm_ppc_pt_msix_state_entry *)(h + 1))[0].msg_addr_lo |=
	    htole32(2), EINVAL, "entry msg_addr_lo bit 1");
	BAD(((struct kvm_ppc_pt_msix_state_entry *)(h + 1))[cap.nvec - 1].vector_ctl =
	    htole32(3), EINVAL, "entry vector_ctl bit 1");
	if (cap.nvec < 64)
		BAD(*(u64 *)(buf + KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(cap.nvec)) |=
		    htole64(1ULL << cap.nvec), EINVAL, "PBA bit nvec");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, mw.id, NULL),
		   EFAULT, "restore NULL");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, unused, good),
		   ENOENT, "restore unknown window");
	EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_STATE,
			KVM_PPC_PTW_MAX_WINDOWS, good), EINVAL, "restore id 32");
	if (plain_id != ~0U)
		EXPECT_ERR(attr(true, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, plain_id,
				good), EINVAL, "restore no MSI-X");
	ksft_test_result(ppc_expect_ok(),
			 "MSIX_STATE restore: EINVAL magic/version/size/flags/reserved/ctrl/nvec 0/entry and PBA bits, E2BIG nvec +-1, EFAULT, ENOENT, EINVAL id\n");

	/* Nothing changed */
	ppc_expect_begin();
	r = ppc_msix_save(&mw, after, size);
	EXPECT_EQ(r, 0, "save after");
	EXPECT(!memcmp(before, after, size), "a refused call changed the state");
	EXPECT(!memcmp(good, after, size), "state differs from the good save");
	r = ppc_msix_get_entry(&mw, cap.nvec - 1, &bad);
	EXPECT_EQ(bad.msg_data, PPC_IRQ_BASE + cap.nvec - 1, "last entry");
	EXPECT_EQ(ppc_msix_restore(&mw, good), 0, "good state restores");
	ksft_test_result(ppc_expect_ok(),
			 "after every refused call the saved state is byte for byte what it was; the good state restores\n");

	if (plain_id != ~0U)
		ppc_ptw_attr(mw.dev, true, KVM_DEV_PPC_PTW_GRP_CTRL,
			     KVM_DEV_PPC_PTW_REMOVE, &plain_id);
	ppc_msix_win_free(&mw);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	ksft_finished();
}
