/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel emulation of the MSI-X table and Pending Bit Array (PBA) of a
 * passed-through PCI function.
 */
#ifndef __LINUX_KVM_MSIX_EMUL_H
#define __LINUX_KVM_MSIX_EMUL_H

#include <linux/pci_regs.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * DOC: MSI-X table and PBA emulation
 *
 * The MSI-X table of a passed-through function carries host interrupt
 * addresses, so the guest must never reach it: the 4K pages of the BAR that
 * hold any byte of the table or of the PBA are left unmapped and every guest
 * access to them lands here.  The emulator keeps a guest-visible shadow of
 * the table and turns each vector the guest enables into a call to the arch
 * layer (&struct kvm_msix_emul_ops), which routes it the way PAPR's RTAS
 * ibm,change-msi would.  The device's real MSI-X table is never written with
 * a guest-supplied value.
 *
 * The rules follow the PCI Local Bus Specification, MSI-X chapter:
 *
 * - Table entries are 16 bytes: msg_addr_lo at 0, msg_addr_hi at 4,
 *   msg_data at 8, vector_ctl at 12.  The PBA is an array of QWORDs, bit N
 *   pending for vector N; its size is DIV_ROUND_UP(nvec, 64) * 8 bytes.
 * - Only naturally aligned DWORD and QWORD accesses that lie wholly within
 *   the table, or wholly within the PBA, are valid; a QWORD covers two
 *   DWORD fields of one entry.  Any other access that touches a table or
 *   PBA byte (1, 2 or 3 bytes, lengths other than 4 and 8, misaligned, or
 *   crossing the start or end of the table or PBA) is invalid: a write is
 *   dropped, a read returns all ones, both are counted, and neither ever
 *   changes state.
 * - msg_addr_lo bits 1:0 are read-only zero (the specification permits
 *   read-only or read/write; read-only keeps every message address DWORD
 *   aligned).  vector_ctl bits 31:1 are reserved (RsvdP): they read as zero
 *   and writes to them are ignored.  Bit 0 of vector_ctl (mask) is set at
 *   reset for every vector.
 * - The PBA is read-only: writes are dropped and counted as invalid.
 * - Bytes of a trapped page outside the table and PBA belong to the device
 *   (some devices keep ordinary registers there): they are forwarded to
 *   &kvm_msix_emul_ops.dev_read and &kvm_msix_emul_ops.dev_write unchanged,
 *   whatever the size.
 *
 * Message control lives in config space, which the VMM owns (it already
 * emulates the MSI-X capability for VFIO), so the VMM reports the MSI-X
 * Enable and Function Mask bits with kvm_msix_emul_set_ctrl().  Trapping
 * config space in the kernel as well would give two owners for one register.
 *
 * A vector is *active* when MSI-X is enabled, the function is not masked and
 * the vector's mask bit is clear.  kvm_msix_emul_signal() reports an
 * interrupt from the device:
 *
 * - active vector: delivered at once through &kvm_msix_emul_ops.deliver;
 * - vector or function masked (MSI-X enabled): its PBA bit is set; further
 *   signals merge into the same bit;
 * - MSI-X disabled: the signal is dropped, because a function with MSI-X
 *   disabled does not send MSI-X messages.  Pending bits already set are kept
 *   across disable and enable.
 *
 * When a vector becomes active (vector unmask, function unmask or MSI-X
 * enable) with its pending bit set, the bit is cleared and the interrupt is
 * delivered exactly once, after the update() call that routes the vector.
 *
 * Changing msg_addr_lo, msg_addr_hi or msg_data of an unmasked vector is
 * undefined by the specification.  Our rule (the one QEMU and Xen vPCI use):
 * the new value is stored and reads back at once, but routing and delivery
 * keep using the message *latched* when the vector last became active, until
 * the vector is next masked and unmasked.
 *
 * &kvm_msix_emul_ops.update is called only when a vector's active state
 * changes, never when nothing changed, and always with the latched message.
 *
 * Locking and context: all state is protected by a spinlock taken with
 * interrupts disabled, so kvm_msix_emul_signal() may be called from any
 * context, including an eventfd wakeup.  Nothing allocates after
 * kvm_msix_emul_create().  Within one call that changes several vectors,
 * vectors are handled in ascending order.
 *
 * The emulator knows nothing of guest addresses: the arch layer wraps it in
 * a kvm_io_device, subtracts the guest BAR base and passes BAR offsets.
 */

/* The Table Size field of Message Control is 11 bits wide, N-1 encoded. */
#define KVM_MSIX_EMUL_MAX_VECTORS	2048

struct kvm_msix_emul;

/**
 * struct kvm_msix_emul_ops - what the arch layer provides
 * @update: a vector's effective routing changed: @active is true when MSI-X
 *	is enabled and neither the function nor the vector is masked.
 *	@msg_addr and @msg_data are the message latched when the vector last
 *	became active (see the DOC section); the arch layer decides whether
 *	that message is valid for the VM (address = the VM's MSI window, data
 *	= a guest interrupt source it owns) and routes or unroutes the vector.
 *	Called with the emulator lock held and interrupts disabled: must not
 *	sleep and must not call back into the emulator.  Mandatory.
 * @deliver: inject one interrupt for an active vector with its latched
 *	message.  Returns false if the arch layer dropped it (invalid
 *	message); the emulator only counts that.  Same context rules as
 *	@update.  Mandatory.
 * @dev_read: read @len bytes at @bar_offset of the real device into @val,
 *	in PCI (little-endian) byte order, for accesses to a trapped page that
 *	touch neither the table nor the PBA.  Called without the emulator lock,
 *	in the context of kvm_msix_emul_read().  Returns 0 or a negative errno,
 *	which kvm_msix_emul_read() passes on.  Optional: without it such reads
 *	return all ones and -EOPNOTSUPP.
 * @dev_write: the same for writes.  Optional: without it such writes are
 *	dropped and kvm_msix_emul_write() returns -EOPNOTSUPP.
 */
struct kvm_msix_emul_ops {
	void (*update)(void *opaque, u16 vector, bool active, u64 msg_addr,
		       u32 msg_data);
	bool (*deliver)(void *opaque, u16 vector, u64 msg_addr, u32 msg_data);
	int (*dev_read)(void *opaque, u64 bar_offset, int len, void *val);
	int (*dev_write)(void *opaque, u64 bar_offset, int len,
			 const void *val);
};

/**
 * struct kvm_msix_emul_stats - event counters, for the arch layer's KVM stats
 * @table_reads: valid DWORD/QWORD reads of the table.
 * @table_writes: valid DWORD/QWORD writes to the table.
 * @pba_reads: valid DWORD/QWORD reads of the PBA.
 * @invalid_accesses: accesses touching the table or PBA that broke the size
 *	or alignment rules, plus every write to the PBA.
 * @pending_set: signals that found their vector masked and were recorded in
 *	the PBA (a signal merged into an already set bit counts too).
 * @delivered: interrupts the arch layer accepted through @deliver.
 * @deliver_rejected: interrupts the arch layer dropped (deliver() false).
 * @signals_dropped: signals dropped because MSI-X was disabled or the vector
 *	number was out of range.
 * @updates: calls to &kvm_msix_emul_ops.update.
 * @passthrough_reads: reads forwarded to &kvm_msix_emul_ops.dev_read (or
 *	that would have been, had it been provided).
 * @passthrough_writes: writes forwarded to &kvm_msix_emul_ops.dev_write.
 */
struct kvm_msix_emul_stats {
	u64 table_reads;
	u64 table_writes;
	u64 pba_reads;
	u64 invalid_accesses;
	u64 pending_set;
	u64 delivered;
	u64 deliver_rejected;
	u64 signals_dropped;
	u64 updates;
	u64 passthrough_reads;
	u64 passthrough_writes;
};

/**
 * struct kvm_msix_emul_entry - one guest-visible MSI-X table entry
 * @msg_addr_lo: Message Address, bits 1:0 read as zero.
 * @msg_addr_hi: Message Upper Address.
 * @msg_data: Message Data.
 * @vector_ctl: Vector Control, only bit 0 (mask) is implemented.
 */
struct kvm_msix_emul_entry {
	u32 msg_addr_lo;
	u32 msg_addr_hi;
	u32 msg_data;
	u32 vector_ctl;
};

/**
 * struct kvm_msix_emul_vector - per-vector state
 * @entry: the table entry as the guest programmed it.
 * @latched_addr: message address latched when the vector last became active.
 * @latched_data: message data latched at the same time.
 * @active: the state last reported through &kvm_msix_emul_ops.update.
 */
struct kvm_msix_emul_vector {
	struct kvm_msix_emul_entry entry;
	u64 latched_addr;
	u32 latched_data;
	bool active;
};

/**
 * struct kvm_msix_emul - MSI-X table and PBA emulator for one function
 * @lock: protects every field below except the constant geometry, ops and
 *	opaque.
 * @nvec: number of vectors (Table Size + 1), 1..KVM_MSIX_EMUL_MAX_VECTORS.
 * @table_offset: byte offset of the table from the start of its BAR.
 * @pba_offset: byte offset of the PBA from the start of the same BAR.
 * @enable: MSI-X Enable, as last reported by kvm_msix_emul_set_ctrl().
 * @function_mask: Function Mask, as last reported by kvm_msix_emul_set_ctrl().
 * @vec: @nvec per-vector states.
 * @pba: pending bits, bit N of word N / 64 for vector N.
 * @stats: event counters; read them with kvm_msix_emul_get_stats().
 * @ops: the arch layer's callbacks.
 * @opaque: passed to every callback.
 *
 * The layout is visible for the arch glue and for debugging; only
 * msix_emul.c touches the fields.
 */
struct kvm_msix_emul {
	spinlock_t lock;	/* see the kernel-doc above */
	u16 nvec;
	u64 table_offset;
	u64 pba_offset;
	bool enable;
	bool function_mask;
	struct kvm_msix_emul_vector *vec;
	u64 pba[KVM_MSIX_EMUL_MAX_VECTORS / 64];
	struct kvm_msix_emul_stats stats;
	const struct kvm_msix_emul_ops *ops;
	void *opaque;
};

/**
 * kvm_msix_table_size() - size in bytes of an MSI-X table
 * @nvec: number of vectors.
 *
 * Return: @nvec table entries of PCI_MSIX_ENTRY_SIZE (16) bytes.
 */
static inline u64 kvm_msix_table_size(u16 nvec)
{
	return (u64)nvec * PCI_MSIX_ENTRY_SIZE;
}

/**
 * kvm_msix_pba_size() - size in bytes of an MSI-X Pending Bit Array
 * @nvec: number of vectors.
 *
 * Return: the PBA size, a whole number of QWORDs.
 */
static inline u64 kvm_msix_pba_size(u16 nvec)
{
	return ((u64)nvec + 63) / 64 * 8;
}

/**
 * kvm_msix_emul_create() - allocate an emulator in its reset state
 * @nvec: number of vectors, 1..KVM_MSIX_EMUL_MAX_VECTORS.
 * @table_offset: offset of the table in the BAR, QWORD aligned and
 *	representable in the 32-bit Table Offset/BIR register.
 * @pba_offset: offset of the PBA in the same BAR, same constraints.
 * @ops: callbacks; @ops->update and @ops->deliver are mandatory.
 * @opaque: passed back to every callback.
 *
 * The table and PBA may share a page but must not overlap.  In the reset
 * state every vector is masked with a zero message, no bit is pending and
 * MSI-X is disabled with the function unmasked.  May sleep.
 *
 * Return: the emulator, ERR_PTR(-EINVAL) for bad geometry or ops, or
 * ERR_PTR(-ENOMEM).  Never NULL.
 */
struct kvm_msix_emul *kvm_msix_emul_create(u16 nvec, u64 table_offset,
					   u64 pba_offset,
					   const struct kvm_msix_emul_ops *ops,
					   void *opaque);

/**
 * kvm_msix_emul_destroy() - free an emulator
 * @e: the emulator, or NULL or an ERR_PTR (ignored).
 *
 * No callback is made: the caller has already stopped every source of
 * kvm_msix_emul_signal() and MMIO calls, and tears down its own routing.
 */
void kvm_msix_emul_destroy(struct kvm_msix_emul *e);

/**
 * kvm_msix_emul_reset() - return to the reset state (function level reset)
 * @e: the emulator.
 *
 * Every active vector is first reported inactive through update(); then the
 * table, the PBA and message control return to their reset values.  The
 * counters are kept.
 */
void kvm_msix_emul_reset(struct kvm_msix_emul *e);

/**
 * kvm_msix_emul_read() - guest read from a trapped page of the BAR
 * @e: the emulator.
 * @bar_offset: offset of the first byte from the start of the BAR.
 * @len: number of bytes.
 * @val: where the bytes go, in PCI (little-endian) bus order.
 *
 * Return: 0 for any access that touches the table or the PBA (an invalid
 * one reads all ones); for other accesses the result of dev_read(), or
 * -EOPNOTSUPP without it; -EINVAL if @len is not positive or the range
 * wraps (@val is then all ones if @len is positive).
 */
int kvm_msix_emul_read(struct kvm_msix_emul *e, u64 bar_offset, int len,
		       void *val);

/**
 * kvm_msix_emul_write() - guest write to a trapped page of the BAR
 * @e: the emulator.
 * @bar_offset: offset of the first byte from the start of the BAR.
 * @len: number of bytes.
 * @val: the bytes, in PCI (little-endian) bus order.
 *
 * A write that changes a vector's active state calls update() (and
 * deliver() for a pending bit) before it returns.
 *
 * Return: 0 for any access that touches the table or the PBA (an invalid
 * one is dropped); for other accesses the result of dev_write(), or
 * -EOPNOTSUPP without it; -EINVAL if @len is not positive or the range wraps.
 */
int kvm_msix_emul_write(struct kvm_msix_emul *e, u64 bar_offset, int len,
			const void *val);

/**
 * kvm_msix_emul_set_ctrl() - report the MSI-X Message Control bits
 * @e: the emulator.
 * @enable: MSI-X Enable.
 * @function_mask: Function Mask.
 *
 * Called by the VMM (through the arch layer's ioctl) whenever the guest
 * writes Message Control.  Vectors whose active state changes get update()
 * calls, and pending bits of vectors that become active are delivered.
 * Reporting the current values again does nothing.
 */
void kvm_msix_emul_set_ctrl(struct kvm_msix_emul *e, bool enable,
			    bool function_mask);

/**
 * kvm_msix_emul_signal() - the device raised an interrupt on a vector
 * @e: the emulator.
 * @vector: vector number; out of range numbers are dropped and counted.
 *
 * Delivers if the vector is active, sets its pending bit if it is masked,
 * drops the signal if MSI-X is disabled.  Any context.
 */
void kvm_msix_emul_signal(struct kvm_msix_emul *e, u16 vector);

/**
 * kvm_msix_emul_get_stats() - snapshot the event counters
 * @e: the emulator.
 * @stats: filled with a consistent copy of the counters.
 */
void kvm_msix_emul_get_stats(struct kvm_msix_emul *e,
			     struct kvm_msix_emul_stats *stats);

/**
 * DOC: the VMM's access to the table
 *
 * A PAPR guest never writes message address and data into the table: RTAS
 * ibm,change-msi, implemented by the VMM, assigns them (address = the VM's
 * MSI window, data = the guest interrupt source), and the guest reads them
 * back and only toggles mask bits.  So the VMM reads and writes entries,
 * pending bits and Message Control here, and saves and restores the whole
 * state (function reset, migration).
 *
 * Every such call takes the emulator lock, so it is atomic with respect to
 * guest accesses and to kvm_msix_emul_signal().  A VMM write goes through
 * the same rules as a guest write (PCI Local Bus Specification, MSI-X
 * chapter): an entry write is one write of all four fields, followed by
 * the same routing re-evaluation a guest write gets, latching included -
 * a message changed while the vector is active is stored and reads back
 * at once, but routing keeps the latched message until the vector is next
 * masked and unmasked (by the guest or by the VMM).  Setting a pending bit
 * of an active vector delivers it at once (as an unmask would); setting one
 * of a masked vector keeps it for the unmask.
 *
 * Unlike a guest write, a VMM write that sets a read-only or reserved bit
 * (msg_addr_lo bits 1:0, vector_ctl bits 31:1, pending bits at or beyond
 * nvec) is refused with -EINVAL and changes nothing: the VMM is told about
 * its bug instead of having it silently dropped.
 *
 * Saved state: the format of struct kvm_ppc_pt_msix_state (uapi
 * <linux/kvm_ppc_pt_window.h>): a little-endian header, the entries and
 * the PBA.  It holds what the specification makes visible; a restore
 * latches each active vector's message from the restored entry.
 */

/**
 * kvm_msix_emul_get_entry() - read one table entry (VMM)
 * @e: the emulator.
 * @vector: the vector.
 * @entry: filled with the entry as a guest would read it.
 *
 * Return: 0, or -EINVAL if @vector >= nvec.
 */
int kvm_msix_emul_get_entry(struct kvm_msix_emul *e, u16 vector,
			    struct kvm_msix_emul_entry *entry);

/**
 * kvm_msix_emul_set_entry() - write one table entry (VMM)
 * @e: the emulator.
 * @vector: the vector.
 * @entry: the new entry.
 *
 * Stores the four fields at once, then re-evaluates the vector's routing
 * as a guest write would (update(), pending delivery on unmask).
 *
 * Return: 0, or -EINVAL if @vector >= nvec or a read-only or reserved bit
 * is set (nothing changed).
 */
int kvm_msix_emul_set_entry(struct kvm_msix_emul *e, u16 vector,
			    const struct kvm_msix_emul_entry *entry);

/**
 * kvm_msix_emul_get_pba() - read one QWORD of the Pending Bit Array (VMM)
 * @e: the emulator.
 * @word: QWORD index, vectors 64 * @word .. 64 * @word + 63.
 * @bits: filled with the pending bits.
 *
 * Return: 0, or -EINVAL if @word is beyond the PBA.
 */
int kvm_msix_emul_get_pba(struct kvm_msix_emul *e, unsigned int word,
			  u64 *bits);

/**
 * kvm_msix_emul_set_pba() - write one QWORD of the Pending Bit Array (VMM)
 * @e: the emulator.
 * @word: QWORD index.
 * @bits: the new pending bits; a set bit of an active vector is delivered
 *	at once and cleared, one of an inactive vector waits for it to
 *	become active.
 *
 * Return: 0, or -EINVAL if @word is beyond the PBA or a bit at or beyond
 * nvec is set (nothing changed).
 */
int kvm_msix_emul_set_pba(struct kvm_msix_emul *e, unsigned int word,
			  u64 bits);

/**
 * kvm_msix_emul_get_ctrl() - the Message Control state
 * @e: the emulator.
 * @enable: MSI-X Enable.
 * @function_mask: Function Mask.
 */
void kvm_msix_emul_get_ctrl(struct kvm_msix_emul *e, bool *enable,
			    bool *function_mask);

/**
 * kvm_msix_emul_state_size() - bytes of a saved state
 * @nvec: number of vectors.
 *
 * Return: the size of struct kvm_ppc_pt_msix_state, @nvec entries and the
 * PBA.
 */
size_t kvm_msix_emul_state_size(u16 nvec);

/**
 * kvm_msix_emul_check_state_header() - validate a saved state's header
 * @hdr: the header (struct kvm_ppc_pt_msix_state).
 *
 * Checks what the header says on its own: magic, version, flags and
 * reserved fields 0, only Enable and Function Mask in ctrl, nvec in range
 * and size matching nvec.  Lets the caller learn how much to copy before
 * it knows the emulator.
 *
 * Return: the size of the whole state, or -EINVAL.
 */
ssize_t kvm_msix_emul_check_state_header(const void *hdr);

/**
 * kvm_msix_emul_save() - save the whole MSI-X state
 * @e: the emulator.
 * @buf: where the state goes.
 * @size: bytes at @buf.
 *
 * One consistent snapshot, taken under the emulator lock.
 *
 * Return: the bytes written (kvm_msix_emul_state_size()), or -ENOSPC if
 * @size is smaller.
 */
ssize_t kvm_msix_emul_save(struct kvm_msix_emul *e, void *buf, size_t size);

/**
 * kvm_msix_emul_restore() - restore a saved MSI-X state
 * @e: the emulator.
 * @buf: the state, as kvm_msix_emul_save() wrote it.
 * @size: bytes at @buf.
 *
 * Validates everything first (header as kvm_msix_emul_check_state_header(),
 * @size equal to the header's size, nvec equal to the emulator's, entries
 * and PBA free of read-only, reserved and beyond-nvec bits); on error
 * nothing changes.  Then, atomically: every active vector is reported
 * inactive through update(), the table, PBA and Message Control take the
 * saved values, and every vector that is active in the restored state
 * latches its restored message and is routed (update()), its pending bit,
 * if set, delivered and cleared.  Pending bits of masked vectors stay, to
 * be delivered when the guest unmasks them.  The counters are kept.
 *
 * Return: 0; -EINVAL for a malformed state; -E2BIG if its nvec is not the
 * emulator's.
 */
int kvm_msix_emul_restore(struct kvm_msix_emul *e, const void *buf,
			  size_t size);

#endif /* __LINUX_KVM_MSIX_EMUL_H */
