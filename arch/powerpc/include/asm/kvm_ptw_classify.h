/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page classes of a KVM book3s HV passthrough IO window.
 *
 * A passthrough IO window exposes a byte range of a host PCI memory BAR
 * (the whole BAR or any part of it that the VMM chooses) to the guest at
 * a guest physical address that the guest (or its firmware, or the VMM)
 * chose. On a 64K-page host the guest copy often sits at a different
 * offset inside its 64K page than the host range does, so it cannot be
 * mapped with host pages, and a host page may also hold bytes outside the
 * window. Each guest 4K page holding window bytes therefore gets a class
 * that tells the fault path how (and whether) to map it.
 */
#ifndef __ASM_POWERPC_KVM_PTW_CLASSIFY_H__
#define __ASM_POWERPC_KVM_PTW_CLASSIFY_H__

#include <linux/bits.h>
#include <linux/types.h>

/* The smallest hardware page we insert for IO: 4K, cache-inhibited. */
#define KVMPPC_PTW_SHIFT_4K	12
#define KVMPPC_PTW_SHIFT_64K	16

/*
 * Window size limits. PCI Local Bus Specification, Base Address
 * Registers: bits 3:0 of a memory BAR are flags, so a memory BAR is at
 * least 16 bytes; no window needs to be smaller.
 */
#define KVMPPC_PTW_BAR_MIN	16ULL
/* Far above any real BAR; keeps every offset sum well inside a u64. */
#define KVMPPC_PTW_BAR_MAX	BIT_ULL(40)

/**
 * enum kvmppc_ptw_class - what the fault path does with a guest 4K page
 * @KVMPPC_PTW_EXIT: no mapping; the access exits to the VMM, as an access
 *	to a guest address without a memslot does today.
 * @KVMPPC_PTW_DIRECT: map one whole host page (the existing path).
 * @KVMPPC_PTW_MAP4K: map this guest 4K page alone onto one host 4K page,
 *	cache-inhibited and guarded.
 * @KVMPPC_PTW_MSIX: no mapping; the page holds MSI-X table or PBA bytes,
 *	so the access traps to the in-kernel MSI-X emulator.
 */
enum kvmppc_ptw_class {
	KVMPPC_PTW_EXIT,
	KVMPPC_PTW_DIRECT,
	KVMPPC_PTW_MAP4K,
	KVMPPC_PTW_MSIX,
};

/**
 * struct kvmppc_ptw_layout - one window as the guest and the host see it
 * @guest_addr: guest physical address of the first window byte; any
 *	alignment.
 * @host_addr: host physical address of that byte (a BAR byte); any
 *	alignment.
 * @size: window size in bytes; need not be a power of two.
 * @msix_table_offset: offset of the MSI-X table from the window start;
 *	meaningful only if @msix_table_size is not zero.
 * @msix_table_size: MSI-X table size in bytes (16 per vector), 0 if the
 *	window holds no MSI-X table.
 * @msix_pba_offset: offset of the MSI-X Pending Bit Array from the window
 *	start; meaningful only if @msix_pba_size is not zero.
 * @msix_pba_size: PBA size in bytes, 0 if the window holds no PBA.
 * @host_page_shift: PAGE_SHIFT of the host: 16, or 12 for 4K-page hosts.
 *
 * Validate with kvmppc_ptw_layout_check() before use.
 */
struct kvmppc_ptw_layout {
	u64 guest_addr;
	u64 host_addr;
	u64 size;
	u64 msix_table_offset;
	u64 msix_table_size;
	u64 msix_pba_offset;
	u64 msix_pba_size;
	unsigned int host_page_shift;
};

/**
 * kvmppc_ptw_layout_check() - validate a passthrough IO window layout
 * @l: the layout
 *
 * A window is any byte range of a BAR, so neither its size nor its
 * addresses need a BAR's power-of-two shape. Accepts @l->size from 16
 * bytes to 1 TiB, any guest and host addresses whose window ends (address
 * + size) stay below 2^64, so they do not wrap, host_page_shift 12 or
 * 16; an MSI-X table that is QWORD aligned (relative to the window start),
 * holds 1 to 2048 whole 16-byte entries and lies inside the window; a PBA
 * (only together with a table) that is QWORD aligned, a whole number of
 * QWORDs, at most 256 bytes (2048 pending bits), inside the window and not
 * overlapping the table. The table and the PBA may share a 4K page.
 * Addresses that are not 4K aligned, or guest and host addresses that
 * differ modulo 4K, are valid: kvmppc_ptw_classify() then returns EXIT for
 * the pages that cannot be mapped.
 *
 * Context: any; does not sleep.
 * Return: 0 if the layout is valid, -EINVAL otherwise.
 */
int kvmppc_ptw_layout_check(const struct kvmppc_ptw_layout *l);

/**
 * kvmppc_ptw_classify() - class of the guest 4K page holding @gpa
 * @l: the layout
 * @gpa: a guest physical address
 * @hpa: set to the host physical address to map, for DIRECT and MAP4K
 * @shift: set to the page shift of that mapping, for DIRECT and MAP4K
 *
 * Pages are naturally aligned in guest physical space; the window need
 * not be, so its first and last guest pages may be partial. DIRECT is
 * returned whenever the guest page of host-page size holding @gpa can be
 * mapped whole onto one host page, so windows whose guest and host
 * offsets agree keep the existing host-page path; then *@hpa is the host
 * page base and *@shift is host_page_shift (on a 4K-page host a 4K
 * mapping is a host-page mapping, so MAP4K is never returned there).
 * MAP4K maps the guest 4K page holding @gpa onto the host 4K page at the
 * same window offset: *@hpa is that host 4K page, *@shift 12. Either needs
 * the guest page wholly inside the window and the host address at its
 * window offset aligned like the guest page. A page holding any MSI-X
 * table or PBA byte is MSIX. Everything else (partial pages, guest and
 * host addresses that differ modulo 4K), any @gpa outside the window and
 * any layout that kvmppc_ptw_layout_check() rejects is EXIT. *@hpa and
 * *@shift are left alone unless DIRECT or MAP4K is returned.
 *
 * Every mapping returned stays inside the host window, covers no table
 * or PBA byte, and translates each guest byte to the host byte at the
 * same window offset.
 *
 * Context: any; does not sleep.
 * Return: the class of the page.
 */
enum kvmppc_ptw_class kvmppc_ptw_classify(const struct kvmppc_ptw_layout *l,
					  u64 gpa, u64 *hpa,
					  unsigned int *shift);

#endif /* __ASM_POWERPC_KVM_PTW_CLASSIFY_H__ */
