// SPDX-License-Identifier: GPL-2.0
/*
 * Page classifier for KVM book3s HV passthrough IO windows.
 *
 * Pure functions of a window layout and a guest address, kept free of
 * any KVM state so that the userspace harness in tools/testing/kvm_pt
 * can check them exhaustively against an independent model.
 *
 * All range arithmetic below is done in window-offset space: offsets are
 * below KVMPPC_PTW_BAR_MAX (1 TiB), so sums of an offset and a page or
 * table size cannot wrap, whatever the guest and host addresses are.
 * Pages, though, are naturally aligned in guest physical space, and the
 * window need not be aligned at all.
 */

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/pci_regs.h>
#include <asm/kvm_ptw_classify.h>

/* PCI spec, MSI-X Capability: Table Size is N - 1 in 11 bits. */
#define PTW_MSIX_MAX_VECTORS	(PCI_MSIX_FLAGS_QSIZE + 1ULL)
#define PTW_MSIX_TABLE_MAX	(PTW_MSIX_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE)
/* One pending bit per vector, in QWORDs (PCI spec, MSI-X PBA). */
#define PTW_MSIX_PBA_UNIT	8ULL
#define PTW_MSIX_PBA_MAX	(PTW_MSIX_MAX_VECTORS / 8)

static bool ptw_inside(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static bool ptw_meet(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Whether window offsets [off, off + len) hold a table or PBA byte. */
static bool ptw_trapped(const struct kvmppc_ptw_layout *l, u64 off, u64 len)
{
	return ptw_meet(off, len, l->msix_table_offset, l->msix_table_size) ||
	       ptw_meet(off, len, l->msix_pba_offset, l->msix_pba_size);
}

int kvmppc_ptw_layout_check(const struct kvmppc_ptw_layout *l)
{
	u64 size = l->size;

	/*
	 * A window is any byte range of a BAR that the VMM picks: neither
	 * its size nor its addresses need the BAR's power-of-two shape.
	 */
	if (size < KVMPPC_PTW_BAR_MIN || size > KVMPPC_PTW_BAR_MAX)
		return -EINVAL;
	/* The exclusive end must be representable, or range checks wrap. */
	if (l->guest_addr + size < l->guest_addr ||
	    l->host_addr + size < l->host_addr)
		return -EINVAL;
	if (l->host_page_shift != KVMPPC_PTW_SHIFT_4K &&
	    l->host_page_shift != KVMPPC_PTW_SHIFT_64K)
		return -EINVAL;

	if (!l->msix_table_size)
		/* A PBA is only ever described by an MSI-X capability. */
		return l->msix_pba_size ? -EINVAL : 0;

	/*
	 * PCI spec, MSI-X Table Offset/Table BIR register: the low three
	 * bits select the BAR, so the offset is QWORD aligned; the table
	 * holds 1 to 2048 16-byte entries. Offsets here count from the
	 * window start and must be QWORD aligned from there.
	 */
	if ((l->msix_table_offset & PCI_MSIX_TABLE_BIR) ||
	    (l->msix_table_size & (PCI_MSIX_ENTRY_SIZE - 1)) ||
	    l->msix_table_size > PTW_MSIX_TABLE_MAX ||
	    !ptw_inside(l->msix_table_offset, l->msix_table_size, size))
		return -EINVAL;

	if (!l->msix_pba_size)
		return 0;

	/* PCI spec, PBA Offset/PBA BIR register: same QWORD alignment. */
	if ((l->msix_pba_offset & PCI_MSIX_PBA_BIR) ||
	    (l->msix_pba_size & (PTW_MSIX_PBA_UNIT - 1)) ||
	    l->msix_pba_size > PTW_MSIX_PBA_MAX ||
	    !ptw_inside(l->msix_pba_offset, l->msix_pba_size, size))
		return -EINVAL;
	/* Both may share a 4K page (virtio-net does), never a byte. */
	if (ptw_meet(l->msix_table_offset, l->msix_table_size,
		     l->msix_pba_offset, l->msix_pba_size))
		return -EINVAL;

	return 0;
}

/*
 * Whether the guest page of 1 << @shift bytes (naturally aligned in
 * guest physical space) that holds window offset @off can be mapped with
 * one page. Every byte of it must be a window byte, the host bytes at the
 * same window offsets must form one naturally aligned host page (so each
 * guest byte reaches the host byte at its own offset and nothing beyond
 * the window), and it must hold no table or PBA byte. If so, *@pstart is
 * the window offset of its first byte.
 */
static bool ptw_can_map(const struct kvmppc_ptw_layout *l, u64 off,
			unsigned int shift, u64 *pstart)
{
	u64 len = 1ULL << shift;
	u64 head = (l->guest_addr + off) & (len - 1);
	u64 start = off - head;

	/* A page that begins before the window is partial. */
	if (head > off || !ptw_inside(start, len, l->size))
		return false;
	if ((l->host_addr + start) & (len - 1))
		return false;
	if (ptw_trapped(l, start, len))
		return false;
	*pstart = start;
	return true;
}

enum kvmppc_ptw_class kvmppc_ptw_classify(const struct kvmppc_ptw_layout *l,
					  u64 gpa, u64 *hpa,
					  unsigned int *shift)
{
	const u64 len4k = 1ULL << KVMPPC_PTW_SHIFT_4K;
	unsigned int hshift;
	u64 off, head, lo, hi, start;

	/* A bad layout would make every bound below meaningless. */
	if (kvmppc_ptw_layout_check(l))
		return KVMPPC_PTW_EXIT;
	if (gpa < l->guest_addr || gpa - l->guest_addr >= l->size)
		return KVMPPC_PTW_EXIT;
	off = gpa - l->guest_addr;
	hshift = l->host_page_shift;

	/*
	 * The window part of the guest 4K page holding @gpa, in window
	 * offsets [lo, hi). The window need not be 4K aligned, so the page
	 * may begin before the window or end after it; only that part can
	 * hold MSI-X bytes. off < 1 TiB, so the sum cannot wrap.
	 */
	head = gpa & (len4k - 1);
	lo = off >= head ? off - head : 0;
	hi = min_t(u64, off + (len4k - head), l->size);
	if (ptw_trapped(l, lo, hi - lo))
		return KVMPPC_PTW_MSIX;

	/*
	 * Prefer the host page: a window whose offsets agree keeps the
	 * existing path and its TLB reach. The guest host-page-sized page
	 * around @gpa must lie wholly in the window, so a window that is
	 * not aligned to the host page can still get DIRECT in its middle.
	 */
	if (ptw_can_map(l, off, hshift, &start)) {
		*hpa = l->host_addr + start;
		*shift = hshift;
		return KVMPPC_PTW_DIRECT;
	}

	if (hshift != KVMPPC_PTW_SHIFT_4K &&
	    ptw_can_map(l, off, KVMPPC_PTW_SHIFT_4K, &start)) {
		*hpa = l->host_addr + start;
		*shift = KVMPPC_PTW_SHIFT_4K;
		return KVMPPC_PTW_MAP4K;
	}

	/*
	 * A partial 4K page, or guest and host offsets that differ below
	 * 4K: any mapping would expose bytes outside the window or send
	 * guest bytes to the wrong host bytes.
	 */
	return KVMPPC_PTW_EXIT;
}
