// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table and Pending Bit Array emulation for passed-through PCI
 * functions.  The rules are described in include/linux/kvm_msix_emul.h and
 * follow the PCI Local Bus Specification, MSI-X chapter.
 */

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/kvm_msix_emul.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
/*
 * The saved-state format (struct kvm_ppc_pt_msix_state) is the uapi of the
 * emulator's only user, the book3s passthrough window device; another
 * architecture adopting the emulator would move it to a shared uapi header.
 */
#include <uapi/linux/kvm_ppc_pt_window.h>
#include <asm/byteorder.h>

#define CREATE_TRACE_POINTS
#include <trace/events/kvm_msix_emul.h>

/*
 * msg_addr_lo bits 1:0 "are permitted to be read-only or read/write" (PCI
 * Local Bus Specification, MSI-X table entry); read-only zero keeps every
 * message address DWORD aligned.
 */
#define MSIX_MSG_ADDR_LO_RW	(~(u32)3)

/* vector_ctl bits 31:1 are reserved: only the mask bit is writable. */
#define MSIX_VECTOR_CTL_RW	PCI_MSIX_ENTRY_CTRL_MASKBIT

/* The Message Control bits a saved state may carry. */
#define MSIX_STATE_CTRL_BITS	(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

enum msix_region {
	MSIX_REGION_TABLE,
	MSIX_REGION_PBA,
	MSIX_REGION_INVALID,	/* touches table or PBA, breaks the rules */
	MSIX_REGION_DEVICE,	/* touches neither: belongs to the device */
	MSIX_REGION_BAD_RANGE,	/* caller bug: len <= 0 or wrap-around */
};

static bool msix_range_overlaps(u64 start, u64 size, u64 off, u64 end)
{
	return off < start + size && end > start;
}

static bool msix_range_contains(u64 start, u64 size, u64 off, u64 end)
{
	return off >= start && end <= start + size;
}

/*
 * Only naturally aligned DWORD or QWORD accesses wholly inside the table or
 * wholly inside the PBA are defined by the PCI Local Bus Specification,
 * MSI-X chapter.  Anything else that touches one of their bytes is invalid;
 * the rest of the page belongs to the device.
 */
static enum msix_region msix_classify(const struct kvm_msix_emul *e,
				      u64 off, int len)
{
	u64 table_size = kvm_msix_table_size(e->nvec);
	u64 pba_size = kvm_msix_pba_size(e->nvec);
	bool sized = (len == 4 || len == 8) && IS_ALIGNED(off, (u64)len);
	u64 end;

	if (len <= 0)
		return MSIX_REGION_BAD_RANGE;
	end = off + (u64)len;
	if (end < off)
		return MSIX_REGION_BAD_RANGE;

	if (msix_range_overlaps(e->table_offset, table_size, off, end)) {
		if (sized &&
		    msix_range_contains(e->table_offset, table_size, off, end))
			return MSIX_REGION_TABLE;
		return MSIX_REGION_INVALID;
	}
	if (msix_range_overlaps(e->pba_offset, pba_size, off, end)) {
		if (sized &&
		    msix_range_contains(e->pba_offset, pba_size, off, end))
			return MSIX_REGION_PBA;
		return MSIX_REGION_INVALID;
	}
	return MSIX_REGION_DEVICE;
}

static bool msix_pending(const struct kvm_msix_emul *e, u16 vector)
{
	return e->pba[vector / 64] & BIT_ULL(vector % 64);
}

static void msix_set_pending(struct kvm_msix_emul *e, u16 vector)
{
	e->pba[vector / 64] |= BIT_ULL(vector % 64);
}

static void msix_clear_pending(struct kvm_msix_emul *e, u16 vector)
{
	e->pba[vector / 64] &= ~BIT_ULL(vector % 64);
}

static bool msix_vector_should_be_active(const struct kvm_msix_emul *e,
					 u16 vector)
{
	const struct kvm_msix_emul_entry *entry = &e->vec[vector].entry;

	return e->enable && !e->function_mask &&
	       !(entry->vector_ctl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void msix_deliver(struct kvm_msix_emul *e, u16 vector)
{
	struct kvm_msix_emul_vector *v = &e->vec[vector];
	bool accepted;

	lockdep_assert_held(&e->lock);
	accepted = e->ops->deliver(e->opaque, vector, v->latched_addr,
				   v->latched_data);
	if (accepted)
		e->stats.delivered++;
	else
		e->stats.deliver_rejected++;
	trace_kvm_msix_deliver(vector, v->latched_addr, v->latched_data,
			       accepted);
}

/*
 * Bring the routing of @vector in line with its current state.  The message
 * is latched only on the inactive -> active transition: a message changed
 * while the vector is active takes effect at the next mask/unmask, as in
 * QEMU and Xen vPCI (the PCI Local Bus Specification leaves it undefined).
 */
static void msix_sync_vector(struct kvm_msix_emul *e, u16 vector)
{
	struct kvm_msix_emul_vector *v = &e->vec[vector];
	bool active = msix_vector_should_be_active(e, vector);

	lockdep_assert_held(&e->lock);
	if (active != v->active) {
		if (active) {
			v->latched_addr = (u64)v->entry.msg_addr_hi << 32 |
					  v->entry.msg_addr_lo;
			v->latched_data = v->entry.msg_data;
		}
		v->active = active;
		e->stats.updates++;
		trace_kvm_msix_update(vector, active, v->latched_addr,
				      v->latched_data);
		e->ops->update(e->opaque, vector, active, v->latched_addr,
			       v->latched_data);
	}

	/* A message held back while masked goes out exactly once. */
	if (active && msix_pending(e, vector)) {
		msix_clear_pending(e, vector);
		msix_deliver(e, vector);
	}
}

static void msix_sync_all(struct kvm_msix_emul *e)
{
	u16 vector;

	for (vector = 0; vector < e->nvec; vector++)
		msix_sync_vector(e, vector);
}

static u32 msix_table_read_dword(const struct kvm_msix_emul *e, u64 rel)
{
	const struct kvm_msix_emul_entry *entry =
		&e->vec[rel / PCI_MSIX_ENTRY_SIZE].entry;

	switch (rel % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		return entry->msg_addr_lo;
	case PCI_MSIX_ENTRY_UPPER_ADDR:
		return entry->msg_addr_hi;
	case PCI_MSIX_ENTRY_DATA:
		return entry->msg_data;
	default:
		return entry->vector_ctl;
	}
}

static void msix_table_write_dword(struct kvm_msix_emul *e, u64 rel, u32 val)
{
	struct kvm_msix_emul_entry *entry =
		&e->vec[rel / PCI_MSIX_ENTRY_SIZE].entry;

	switch (rel % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		entry->msg_addr_lo = val & MSIX_MSG_ADDR_LO_RW;
		break;
	case PCI_MSIX_ENTRY_UPPER_ADDR:
		entry->msg_addr_hi = val;
		break;
	case PCI_MSIX_ENTRY_DATA:
		entry->msg_data = val;
		break;
	default:
		entry->vector_ctl = val & MSIX_VECTOR_CTL_RW;
		break;
	}
}

/* A QWORD is two DWORD fields of one entry, low half at the lower address. */
static u64 msix_table_read(const struct kvm_msix_emul *e, u64 rel, int len)
{
	u64 val = msix_table_read_dword(e, rel);

	if (len == 8)
		val |= (u64)msix_table_read_dword(e, rel + 4) << 32;
	return val;
}

static u64 msix_pba_read(const struct kvm_msix_emul *e, u64 rel, int len)
{
	u64 word = e->pba[rel / 8];

	if (len == 8)
		return word;
	return (u32)(word >> (rel % 8 * 8));
}

static u64 msix_load_le(const void *val, int len)
{
	__le64 le64;
	__le32 le32;

	if (len == 8) {
		memcpy(&le64, val, sizeof(le64));
		return le64_to_cpu(le64);
	}
	memcpy(&le32, val, sizeof(le32));
	return le32_to_cpu(le32);
}

static void msix_store_le(void *val, int len, u64 data)
{
	__le64 le64;
	__le32 le32;

	if (len == 8) {
		le64 = cpu_to_le64(data);
		memcpy(val, &le64, sizeof(le64));
		return;
	}
	le32 = cpu_to_le32((u32)data);
	memcpy(val, &le32, sizeof(le32));
}

static void msix_count_invalid(struct kvm_msix_emul *e, u64 bar_offset,
			       int len, bool write)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->stats.invalid_accesses++;
	spin_unlock_irqrestore(&e->lock, flags);
	trace_kvm_msix_invalid(bar_offset, len, write);
}

static void msix_count_passthrough(struct kvm_msix_emul *e, u64 *counter)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	(*counter)++;
	spin_unlock_irqrestore(&e->lock, flags);
}

int kvm_msix_emul_read(struct kvm_msix_emul *e, u64 bar_offset, int len,
		       void *val)
{
	unsigned long flags;
	u64 data;
	int ret;

	switch (msix_classify(e, bar_offset, len)) {
	case MSIX_REGION_TABLE:
		spin_lock_irqsave(&e->lock, flags);
		data = msix_table_read(e, bar_offset - e->table_offset, len);
		e->stats.table_reads++;
		spin_unlock_irqrestore(&e->lock, flags);
		msix_store_le(val, len, data);
		return 0;
	case MSIX_REGION_PBA:
		spin_lock_irqsave(&e->lock, flags);
		data = msix_pba_read(e, bar_offset - e->pba_offset, len);
		e->stats.pba_reads++;
		spin_unlock_irqrestore(&e->lock, flags);
		msix_store_le(val, len, data);
		return 0;
	case MSIX_REGION_DEVICE:
		/* Counted only once the device has really been read. */
		ret = -EOPNOTSUPP;
		if (e->ops->dev_read)
			ret = e->ops->dev_read(e->opaque, bar_offset, len, val);
		if (!ret)
			msix_count_passthrough(e, &e->stats.passthrough_reads);
		else if (!e->ops->dev_read)
			memset(val, 0xff, len);
		return ret;
	case MSIX_REGION_INVALID:
		msix_count_invalid(e, bar_offset, len, false);
		memset(val, 0xff, len);
		return 0;
	default:
		if (len > 0)
			memset(val, 0xff, len);
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_read);

int kvm_msix_emul_write(struct kvm_msix_emul *e, u64 bar_offset, int len,
			const void *val)
{
	unsigned long flags;
	u64 rel, data;
	u16 vector;
	int ret;

	switch (msix_classify(e, bar_offset, len)) {
	case MSIX_REGION_TABLE:
		rel = bar_offset - e->table_offset;
		vector = rel / PCI_MSIX_ENTRY_SIZE;
		data = msix_load_le(val, len);
		trace_kvm_msix_table_write(bar_offset, vector, len, data);
		spin_lock_irqsave(&e->lock, flags);
		e->stats.table_writes++;
		msix_table_write_dword(e, rel, (u32)data);
		if (len == 8)
			msix_table_write_dword(e, rel + 4, (u32)(data >> 32));
		/* Both halves of a QWORD land before routing is looked at. */
		msix_sync_vector(e, vector);
		spin_unlock_irqrestore(&e->lock, flags);
		return 0;
	case MSIX_REGION_DEVICE:
		ret = -EOPNOTSUPP;
		if (e->ops->dev_write)
			ret = e->ops->dev_write(e->opaque, bar_offset, len,
						val);
		if (!ret)
			msix_count_passthrough(e, &e->stats.passthrough_writes);
		return ret;
	case MSIX_REGION_PBA:
		/* The PBA is read-only; a write is a guest bug, drop it. */
	case MSIX_REGION_INVALID:
		msix_count_invalid(e, bar_offset, len, true);
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_write);

void kvm_msix_emul_set_ctrl(struct kvm_msix_emul *e, bool enable,
			    bool function_mask)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	if (e->enable != enable || e->function_mask != function_mask) {
		e->enable = enable;
		e->function_mask = function_mask;
		msix_sync_all(e);
	}
	spin_unlock_irqrestore(&e->lock, flags);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_set_ctrl);

void kvm_msix_emul_signal(struct kvm_msix_emul *e, u16 vector)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	if (vector >= e->nvec || !e->enable) {
		/* With MSI-X disabled the function sends no MSI-X message. */
		e->stats.signals_dropped++;
	} else if (!e->vec[vector].active) {
		msix_set_pending(e, vector);
		e->stats.pending_set++;
		trace_kvm_msix_pending(vector);
	} else {
		msix_deliver(e, vector);
	}
	spin_unlock_irqrestore(&e->lock, flags);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_signal);

void kvm_msix_emul_get_stats(struct kvm_msix_emul *e,
			     struct kvm_msix_emul_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	*stats = e->stats;
	spin_unlock_irqrestore(&e->lock, flags);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_get_stats);

/* Caller holds the lock, or owns @e exclusively (creation). */
static void msix_reset_state(struct kvm_msix_emul *e)
{
	u16 vector;

	for (vector = 0; vector < e->nvec; vector++) {
		struct kvm_msix_emul_vector *v = &e->vec[vector];

		memset(v, 0, sizeof(*v));
		/* Every vector comes out of reset masked. */
		v->entry.vector_ctl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	memset(e->pba, 0, sizeof(e->pba));
	e->enable = false;
	e->function_mask = false;
}

void kvm_msix_emul_reset(struct kvm_msix_emul *e)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	/* Unroute first, so the arch layer sees every active -> inactive. */
	e->enable = false;
	msix_sync_all(e);
	msix_reset_state(e);
	spin_unlock_irqrestore(&e->lock, flags);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_reset);

/*
 * The Table Offset and PBA Offset registers hold a QWORD aligned offset in
 * bits 31:3; anything else cannot come from a real capability.
 */
static bool msix_offset_valid(u64 offset)
{
	return !(offset & ~(u64)PCI_MSIX_TABLE_OFFSET);
}

struct kvm_msix_emul *kvm_msix_emul_create(u16 nvec, u64 table_offset,
					   u64 pba_offset,
					   const struct kvm_msix_emul_ops *ops,
					   void *opaque)
{
	struct kvm_msix_emul *e;

	if (!nvec || nvec > KVM_MSIX_EMUL_MAX_VECTORS)
		return ERR_PTR(-EINVAL);
	if (!msix_offset_valid(table_offset) || !msix_offset_valid(pba_offset))
		return ERR_PTR(-EINVAL);
	if (msix_range_overlaps(table_offset, kvm_msix_table_size(nvec),
				pba_offset,
				pba_offset + kvm_msix_pba_size(nvec)))
		return ERR_PTR(-EINVAL);
	if (!ops || !ops->update || !ops->deliver)
		return ERR_PTR(-EINVAL);

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->vec = kcalloc(nvec, sizeof(*e->vec), GFP_KERNEL_ACCOUNT);
	if (!e->vec) {
		kfree(e);
		return ERR_PTR(-ENOMEM);
	}

	spin_lock_init(&e->lock);
	e->nvec = nvec;
	e->table_offset = table_offset;
	e->pba_offset = pba_offset;
	e->ops = ops;
	e->opaque = opaque;
	msix_reset_state(e);
	return e;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_create);

void kvm_msix_emul_destroy(struct kvm_msix_emul *e)
{
	if (IS_ERR_OR_NULL(e))
		return;
	kfree(e->vec);
	kfree(e);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_destroy);

/*
 * The VMM's access to the table (see "the VMM's access to the table" in
 * include/linux/kvm_msix_emul.h).  PAPR guests get their messages from
 * RTAS ibm,change-msi, which the VMM implements: it writes them here.
 */

/* The bits of an entry a write may set (PCI Local Bus Spec, MSI-X table). */
static bool msix_entry_valid(const struct kvm_msix_emul_entry *entry)
{
	return !(entry->msg_addr_lo & ~MSIX_MSG_ADDR_LO_RW) &&
	       !(entry->vector_ctl & ~MSIX_VECTOR_CTL_RW);
}

/* Pending bits a PBA QWORD may hold: none at or beyond nvec. */
static u64 msix_pba_word_mask(u16 nvec, unsigned int word)
{
	unsigned int first = word * 64;

	if (first >= nvec)
		return 0;
	if (nvec - first >= 64)
		return ~0ULL;
	return BIT_ULL(nvec - first) - 1;
}

int kvm_msix_emul_get_entry(struct kvm_msix_emul *e, u16 vector,
			    struct kvm_msix_emul_entry *entry)
{
	unsigned long flags;

	if (vector >= e->nvec)
		return -EINVAL;
	spin_lock_irqsave(&e->lock, flags);
	*entry = e->vec[vector].entry;
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_get_entry);

int kvm_msix_emul_set_entry(struct kvm_msix_emul *e, u16 vector,
			    const struct kvm_msix_emul_entry *entry)
{
	unsigned long flags;

	if (vector >= e->nvec || !msix_entry_valid(entry))
		return -EINVAL;
	trace_kvm_msix_vmm_write(vector, entry->msg_addr_lo,
				 entry->msg_addr_hi, entry->msg_data,
				 entry->vector_ctl);
	spin_lock_irqsave(&e->lock, flags);
	/* All four fields land before routing is looked at, as for a QWORD. */
	e->vec[vector].entry = *entry;
	msix_sync_vector(e, vector);
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_set_entry);

int kvm_msix_emul_get_pba(struct kvm_msix_emul *e, unsigned int word,
			  u64 *bits)
{
	unsigned long flags;

	if (word >= kvm_msix_pba_size(e->nvec) / 8)
		return -EINVAL;
	spin_lock_irqsave(&e->lock, flags);
	*bits = e->pba[word];
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_get_pba);

int kvm_msix_emul_set_pba(struct kvm_msix_emul *e, unsigned int word,
			  u64 bits)
{
	unsigned long flags;
	unsigned int i;

	if (word >= kvm_msix_pba_size(e->nvec) / 8 ||
	    (bits & ~msix_pba_word_mask(e->nvec, word)))
		return -EINVAL;
	spin_lock_irqsave(&e->lock, flags);
	e->pba[word] = bits;
	/* A bit of an active vector goes out now, as at its unmask. */
	for (i = 0; i < 64 && word * 64 + i < e->nvec; i++)
		if (bits & BIT_ULL(i))
			msix_sync_vector(e, word * 64 + i);
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_set_pba);

void kvm_msix_emul_get_ctrl(struct kvm_msix_emul *e, bool *enable,
			    bool *function_mask)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	*enable = e->enable;
	*function_mask = e->function_mask;
	spin_unlock_irqrestore(&e->lock, flags);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_get_ctrl);

size_t kvm_msix_emul_state_size(u16 nvec)
{
	return KVM_PPC_PTW_MSIX_STATE_SIZE(nvec);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_state_size);

ssize_t kvm_msix_emul_check_state_header(const void *hdr)
{
	const struct kvm_ppc_pt_msix_state *h = hdr;
	u16 nvec = le16_to_cpu(h->nvec);

	if (le32_to_cpu(h->magic) != KVM_PPC_PTW_MSIX_STATE_MAGIC ||
	    le32_to_cpu(h->version) != KVM_PPC_PTW_MSIX_STATE_VERSION)
		return -EINVAL;
	if (h->flags || h->reserved[0] || h->reserved[1] || h->reserved[2])
		return -EINVAL;
	if (le16_to_cpu(h->ctrl) & ~MSIX_STATE_CTRL_BITS)
		return -EINVAL;
	if (!nvec || nvec > KVM_MSIX_EMUL_MAX_VECTORS ||
	    le32_to_cpu(h->size) != kvm_msix_emul_state_size(nvec))
		return -EINVAL;
	return kvm_msix_emul_state_size(nvec);
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_check_state_header);

ssize_t kvm_msix_emul_save(struct kvm_msix_emul *e, void *buf, size_t size)
{
	size_t need = kvm_msix_emul_state_size(e->nvec);
	struct kvm_ppc_pt_msix_state *h = buf;
	struct kvm_ppc_pt_msix_state_entry *ent = buf + sizeof(*h);
	__le64 *pba = buf + KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(e->nvec);
	unsigned int words = kvm_msix_pba_size(e->nvec) / 8, i;
	unsigned long flags;
	u16 ctrl = 0;

	if (size < need)
		return -ENOSPC;
	memset(buf, 0, need);
	spin_lock_irqsave(&e->lock, flags);
	for (i = 0; i < e->nvec; i++) {
		const struct kvm_msix_emul_entry *src = &e->vec[i].entry;

		ent[i].msg_addr_lo = cpu_to_le32(src->msg_addr_lo);
		ent[i].msg_addr_hi = cpu_to_le32(src->msg_addr_hi);
		ent[i].msg_data = cpu_to_le32(src->msg_data);
		ent[i].vector_ctl = cpu_to_le32(src->vector_ctl);
	}
	for (i = 0; i < words; i++)
		pba[i] = cpu_to_le64(e->pba[i]);
	if (e->enable)
		ctrl |= PCI_MSIX_FLAGS_ENABLE;
	if (e->function_mask)
		ctrl |= PCI_MSIX_FLAGS_MASKALL;
	spin_unlock_irqrestore(&e->lock, flags);

	h->magic = cpu_to_le32(KVM_PPC_PTW_MSIX_STATE_MAGIC);
	h->version = cpu_to_le32(KVM_PPC_PTW_MSIX_STATE_VERSION);
	h->size = cpu_to_le32(need);
	h->nvec = cpu_to_le16(e->nvec);
	h->ctrl = cpu_to_le16(ctrl);
	return need;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_save);

int kvm_msix_emul_restore(struct kvm_msix_emul *e, const void *buf,
			  size_t size)
{
	const struct kvm_ppc_pt_msix_state *h = buf;
	const struct kvm_ppc_pt_msix_state_entry *ent = buf + sizeof(*h);
	const __le64 *pba = buf + KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(e->nvec);
	unsigned int words = kvm_msix_pba_size(e->nvec) / 8, i;
	struct kvm_msix_emul_entry entry;
	unsigned long flags;
	ssize_t need;
	u16 ctrl;

	if (size < sizeof(*h))
		return -EINVAL;
	need = kvm_msix_emul_check_state_header(h);
	if (need < 0)
		return need;
	if (le16_to_cpu(h->nvec) != e->nvec)
		return -E2BIG;
	if (size != need)
		return -EINVAL;
	for (i = 0; i < e->nvec; i++) {
		entry.msg_addr_lo = le32_to_cpu(ent[i].msg_addr_lo);
		entry.vector_ctl = le32_to_cpu(ent[i].vector_ctl);
		if (!msix_entry_valid(&entry))
			return -EINVAL;
	}
	for (i = 0; i < words; i++)
		if (le64_to_cpu(pba[i]) & ~msix_pba_word_mask(e->nvec, i))
			return -EINVAL;
	ctrl = le16_to_cpu(h->ctrl);
	trace_kvm_msix_restore(e->nvec, ctrl);

	spin_lock_irqsave(&e->lock, flags);
	/* Unroute first, so the arch layer sees every active -> inactive. */
	e->enable = false;
	msix_sync_all(e);
	for (i = 0; i < e->nvec; i++) {
		struct kvm_msix_emul_entry *dst = &e->vec[i].entry;

		dst->msg_addr_lo = le32_to_cpu(ent[i].msg_addr_lo);
		dst->msg_addr_hi = le32_to_cpu(ent[i].msg_addr_hi);
		dst->msg_data = le32_to_cpu(ent[i].msg_data);
		dst->vector_ctl = le32_to_cpu(ent[i].vector_ctl);
	}
	for (i = 0; i < words; i++)
		e->pba[i] = le64_to_cpu(pba[i]);
	e->enable = ctrl & PCI_MSIX_FLAGS_ENABLE;
	e->function_mask = ctrl & PCI_MSIX_FLAGS_MASKALL;
	/* Active vectors latch the restored message, route, deliver pending. */
	msix_sync_all(e);
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kvm_msix_emul_restore);
