// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap selftests: interrupt controller, MSI-X capability,
 * windows with a table, guest step programs. See ppc_msix_util.h.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "ppc_asm.h"
#include "ppc_msix_util.h"

int ppc_expect_failures;

static const char * const irqchip_names[] = {
	[PPC_IRQCHIP_XICS] = "XICS",
	[PPC_IRQCHIP_XICS_ON_XIVE] = "XICS-on-XIVE",
	[PPC_IRQCHIP_XIVE] = "XIVE",
};

int ppc_xics_create(struct ppc_vm *vm, struct ppc_irqchip *ic)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_XICS };
	int xive;

	memset(ic, 0, sizeof(*ic));
	ic->vm = vm;
	ic->fd = -1;
	if (ppc_check_cap(vm->kvm_fd, KVM_CAP_IRQ_XICS) <= 0)
		return ppc_set_err(EOPNOTSUPP, "no KVM_CAP_IRQ_XICS");
	xive = ppc_check_cap(vm->fd, KVM_CAP_PPC_IRQ_XIVE);
	ic->kind = xive > 0 ? PPC_IRQCHIP_XICS_ON_XIVE : PPC_IRQCHIP_XICS;
	ic->name = irqchip_names[ic->kind];
	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return ppc_set_err(errno, "KVM_CREATE_DEVICE(XICS)");
	ic->fd = cd.fd;
	return 0;
}

int ppc_xics_connect(struct ppc_irqchip *ic, struct ppc_vcpu *vcpu,
		     u32 server)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_IRQ_XICS };

	cap.args[0] = ic->fd;
	cap.args[1] = server;
	if (ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap) < 0)
		return ppc_set_err(errno, "KVM_ENABLE_CAP(IRQ_XICS) vCPU %d server %u",
				   vcpu->id, server);
	return 0;
}

int ppc_xics_set_source(struct ppc_irqchip *ic, u32 irq, u32 server,
			u8 prio, bool masked)
{
	u64 val = (u64)server << KVM_XICS_DESTINATION_SHIFT |
		  (u64)prio << KVM_XICS_PRIORITY_SHIFT |
		  (masked ? KVM_XICS_MASKED : 0);
	struct kvm_device_attr a = {
		.group = KVM_DEV_XICS_GRP_SOURCES, .attr = irq,
		.addr = (unsigned long)&val,
	};

	if (ioctl(ic->fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "%s source 0x%x", ic->name, irq);
	return 0;
}

int ppc_xics_get_source(struct ppc_irqchip *ic, u32 irq, u64 *val)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_XICS_GRP_SOURCES, .attr = irq,
		.addr = (unsigned long)val,
	};

	if (ioctl(ic->fd, KVM_GET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "%s get source 0x%x", ic->name, irq);
	return 0;
}

int ppc_xics_set_cppr(struct ppc_vcpu *vcpu, u8 cppr)
{
	u64 icp = (u64)cppr << KVM_REG_PPC_ICP_CPPR_SHIFT |
		  0xffULL << KVM_REG_PPC_ICP_MFRR_SHIFT |
		  0xffULL << KVM_REG_PPC_ICP_PPRI_SHIFT;

	return ppc_vcpu_set_one_reg(vcpu, KVM_REG_PPC_ICP_STATE, icp);
}

int ppc_xics_get_icp(struct ppc_vcpu *vcpu, u64 *val)
{
	return ppc_vcpu_get_one_reg(vcpu, KVM_REG_PPC_ICP_STATE, val);
}

int ppc_xics_setup(struct ppc_vm *vm, struct ppc_irqchip *ic, unsigned int nr)
{
	unsigned int i;
	int r;

	r = ppc_xics_create(vm, ic);
	for (i = 0; !r && i < vm->nr_vcpus; i++) {
		r = ppc_xics_connect(ic, vm->vcpus[i], vm->vcpus[i]->id);
		if (!r)
			r = ppc_xics_set_cppr(vm->vcpus[i], 0xff);
	}
	for (i = 0; !r && i < nr; i++)
		r = ppc_xics_set_source(ic, PPC_IRQ_BASE + i, 0, PPC_IRQ_PRIO,
					false);
	return r;
}

int ppc_xive_create(struct ppc_vm *vm, struct ppc_irqchip *ic)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_XIVE };

	memset(ic, 0, sizeof(*ic));
	ic->vm = vm;
	ic->fd = -1;
	ic->kind = PPC_IRQCHIP_XIVE;
	ic->name = irqchip_names[ic->kind];
	if (ppc_check_cap(vm->fd, KVM_CAP_PPC_IRQ_XIVE) <= 0)
		return ppc_set_err(EOPNOTSUPP, "KVM_CAP_PPC_IRQ_XIVE is 0: the host offers no XIVE native mode");
	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return ppc_set_err(errno, "KVM_CREATE_DEVICE(XIVE)");
	ic->fd = cd.fd;
	return 0;
}

int ppc_xive_connect(struct ppc_irqchip *ic, struct ppc_vcpu *vcpu,
		     u32 server)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PPC_IRQ_XIVE };

	cap.args[0] = ic->fd;
	cap.args[1] = server;
	if (ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap) < 0)
		return ppc_set_err(errno, "KVM_ENABLE_CAP(IRQ_XIVE) vCPU %d server %u",
				   vcpu->id, server);
	return 0;
}

static int ic_attr(struct ppc_irqchip *ic, bool set, u32 group, u64 attr,
		   void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (unsigned long)addr,
	};

	if (ioctl(ic->fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "%s: %s attr group %u attr 0x%llx",
				   ic->name, set ? "set" : "get", group,
				   (unsigned long long)attr);
	return 0;
}

int ppc_xive_set_source(struct ppc_irqchip *ic, u32 irq)
{
	u64 val = 0;	/* MSI */

	return ic_attr(ic, true, KVM_DEV_XIVE_GRP_SOURCE, irq, &val);
}

int ppc_xive_config_source(struct ppc_irqchip *ic, u32 irq, u32 server,
			   u8 prio, u32 eisn)
{
	u64 val = (u64)prio << KVM_XIVE_SOURCE_PRIORITY_SHIFT |
		  (u64)server << KVM_XIVE_SOURCE_SERVER_SHIFT |
		  (u64)eisn << KVM_XIVE_SOURCE_EISN_SHIFT;

	return ic_attr(ic, true, KVM_DEV_XIVE_GRP_SOURCE_CONFIG, irq, &val);
}

int ppc_xive_set_eq(struct ppc_irqchip *ic, u32 server, u8 prio, u64 gpa,
		    u32 qshift)
{
	struct kvm_ppc_xive_eq eq = {
		.flags = KVM_XIVE_EQ_ALWAYS_NOTIFY, .qshift = qshift,
		.qaddr = gpa, .qtoggle = 1, .qindex = 0,
	};

	return ic_attr(ic, true, KVM_DEV_XIVE_GRP_EQ_CONFIG,
		       (u64)server << KVM_XIVE_EQ_SERVER_SHIFT | prio, &eq);
}

int ppc_xive_get_eq(struct ppc_irqchip *ic, u32 server, u8 prio,
		    struct kvm_ppc_xive_eq *eq)
{
	memset(eq, 0, sizeof(*eq));
	return ic_attr(ic, false, KVM_DEV_XIVE_GRP_EQ_CONFIG,
		       (u64)server << KVM_XIVE_EQ_SERVER_SHIFT | prio, eq);
}

int ppc_xive_map_esb(struct ppc_irqchip *ic, u32 first, u32 nr, u64 gpa)
{
	long page = ic->vm->page_size;
	size_t len = 2ULL * (first + nr) * page;
	char *map;
	int r;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ic->fd,
		   KVM_XIVE_ESB_PAGE_OFFSET * page);
	if (map == MAP_FAILED)
		return ppc_set_err(errno, "mmap of the ESB pages");
	r = ppc_vm_add_memslot(ic->vm, gpa, 2ULL * nr * page,
			       map + 2ULL * first * page, 0);
	return r < 0 ? r : 0;
}

/* Config space through sysfs, little endian */
static int cfg_read(int fd, unsigned int off, void *buf, size_t len)
{
	if (pread(fd, buf, len, off) != (ssize_t)len)
		return -1;
	return 0;
}

#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAP_ID_MSIX		0x11

int ppc_pci_msix_cap(const char *bdf, struct ppc_msix_cap *cap)
{
	unsigned int guard = 0;
	char path[256];
	u8 pos, hdr[2];
	u16 status, ctrl;
	u32 table, pba;
	int fd, r = -ENOENT;

	memset(cap, 0, sizeof(*cap));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ppc_set_err(errno, "open %s", path);
	if (cfg_read(fd, 6, &status, 2) || !(le16toh(status) & PCI_STATUS_CAP_LIST) ||
	    cfg_read(fd, 0x34, &pos, 1))
		goto out;
	while (pos >= 0x40 && guard++ < 48) {
		pos &= ~3;
		if (cfg_read(fd, pos, hdr, 2))
			break;
		if (hdr[0] == PCI_CAP_ID_MSIX) {
			if (cfg_read(fd, pos + 2, &ctrl, 2) ||
			    cfg_read(fd, pos + 4, &table, 4) ||
			    cfg_read(fd, pos + 8, &pba, 4))
				break;
			ctrl = le16toh(ctrl);
			table = le32toh(table);
			pba = le32toh(pba);
			cap->pos = pos;
			cap->ctrl = ctrl;
			cap->nvec = (ctrl & 0x7ff) + 1;
			cap->table_bir = table & 7;
			cap->table_offset = table & ~7U;
			cap->pba_bir = pba & 7;
			cap->pba_offset = pba & ~7U;
			r = 0;
			break;
		}
		pos = hdr[1];
	}
out:
	close(fd);
	if (r)
		return ppc_set_err(ENOENT, "%s: no MSI-X capability in %s", bdf,
				   path);
	return 0;
}

static int msix_open(const char *bdf, struct ppc_pci_bar *bar,
		     struct ppc_msix_cap *cap)
{
	int r;

	r = ppc_pci_msix_cap(bdf, cap);
	if (!r && cap->table_bir != cap->pba_bir)
		r = ppc_set_err(EINVAL, "%s: table in BAR%u, PBA in BAR%u", bdf,
				cap->table_bir, cap->pba_bir);
	if (!r)
		r = ppc_pci_enable(bdf);
	if (!r)
		r = ppc_pci_map_bar(bdf, cap->table_bir, bar);
	return r;
}

int ppc_msix_pci_open(u16 vendor, u16 device, struct ppc_pci_bar *bar,
		      struct ppc_msix_cap *cap)
{
	char bdf[PPC_PCI_BDF_LEN];
	int r;

	memset(bar, 0, sizeof(*bar));
	bar->fd = -1;
	r = ppc_pci_find(vendor, device, bdf, sizeof(bdf));
	return r ? r : msix_open(bdf, bar, cap);
}

int ppc_msix_virtio_open(struct ppc_pci_bar *bar, struct ppc_msix_cap *cap)
{
	static const u16 ids[] = { 0x1000, 0x1041 };
	char bdf[PPC_PCI_BDF_LEN];
	unsigned int i;
	int r = -ENODEV;

	memset(bar, 0, sizeof(*bar));
	bar->fd = -1;
	for (i = 0; i < ARRAY_SIZE(ids) && r; i++)
		r = ppc_pci_find(0x1af4, ids[i], bdf, sizeof(bdf));
	if (r)
		return ppc_set_err(ENODEV, "no virtio-net (1af4:1000/1041)");
	return msix_open(bdf, bar, cap);
}

static int dev_attr(int dev, bool set, u32 group, u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (unsigned long)addr,
	};

	if (ioctl(dev, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "KVM_%s_DEVICE_ATTR group %u attr 0x%llx",
				   set ? "SET" : "GET", group,
				   (unsigned long long)attr);
	return 0;
}

int ppc_msix_win_add(struct ppc_msix_win *mw, struct ppc_vm *vm, int dev,
		     struct ppc_pci_bar *bar, u64 gpa, u64 table, u64 pba,
		     u16 nvec)
{
	struct kvm_ppc_pt_window w;
	unsigned int v;
	int r;

	memset(mw, 0, sizeof(*mw));
	for (v = 0; v < PPC_MSIX_MAX_VEC; v++)
		mw->efd[v] = -1;
	mw->vm = vm;
	mw->dev = dev;
	mw->id = ~0U;
	if (nvec > PPC_MSIX_MAX_VEC)
		return ppc_set_err(E2BIG, "%u vectors", nvec);
	if (dev < 0) {
		struct kvm_create_device cd = {
			.type = KVM_DEV_TYPE_PPC_PT_WINDOW,
		};

		if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
			return ppc_set_err(errno, "KVM_CREATE_DEVICE(PPC_PT_WINDOW)");
		mw->dev = cd.fd;
	}
	memset(&w, 0, sizeof(w));
	w.guest_addr = gpa;
	w.size = bar->size;
	w.host_uaddr = (unsigned long)ppc_pci_bar_ptr(bar, 0);
	w.msix_table_offset = table;
	w.msix_pba_offset = pba;
	w.msix_nvec = nvec;
	r = dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_CTRL,
		     KVM_DEV_PPC_PTW_ADD, &w);
	if (r)
		return r;
	mw->id = w.id;
	mw->gpa = gpa;
	mw->size = bar->size;
	mw->table = table;
	mw->pba = pba;
	mw->nvec = nvec;
	for (v = 0; v < nvec; v++) {
		mw->efd[v] = eventfd(0, EFD_CLOEXEC);
		if (mw->efd[v] < 0)
			return ppc_set_err(errno, "eventfd");
		r = ppc_msix_set_irq(mw, v, mw->efd[v]);
		if (r)
			return r;
	}
	return 0;
}

void ppc_msix_win_free(struct ppc_msix_win *mw)
{
	unsigned int v;

	if (mw->id != ~0U)
		dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_CTRL,
			 KVM_DEV_PPC_PTW_REMOVE, &mw->id);
	mw->id = ~0U;
	for (v = 0; v < PPC_MSIX_MAX_VEC; v++) {
		if (mw->efd[v] >= 0)
			close(mw->efd[v]);
		mw->efd[v] = -1;
	}
}

int ppc_msix_set_ctrl(struct ppc_msix_win *mw, u16 ctrl)
{
	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, mw->id,
			&ctrl);
}

int ppc_msix_set_irq(struct ppc_msix_win *mw, u16 vector, int fd)
{
	s32 v = fd;

	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_IRQ,
			(u64)mw->id << 16 | vector, &v);
}

int ppc_msix_set_msi_window(int dev, u64 addr)
{
	return dev_attr(dev, true, KVM_DEV_PPC_PTW_GRP_MSI_WINDOW, 0, &addr);
}

int ppc_ptw_attr(int dev, bool set, u32 group, u64 attr, void *addr)
{
	return dev_attr(dev, set, group, attr, addr);
}

int ppc_msix_get_entry(struct ppc_msix_win *mw, u16 vector,
		       struct kvm_ppc_pt_msix_entry *e)
{
	return dev_attr(mw->dev, false, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			(u64)mw->id << 16 | vector, e);
}

int ppc_msix_set_entry(struct ppc_msix_win *mw, u16 vector,
		       const struct kvm_ppc_pt_msix_entry *e)
{
	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_ENTRY,
			(u64)mw->id << 16 | vector, (void *)e);
}

int ppc_msix_get_pba(struct ppc_msix_win *mw, u16 word, u64 *bits)
{
	return dev_attr(mw->dev, false, KVM_DEV_PPC_PTW_GRP_MSIX_PBA,
			(u64)mw->id << 16 | word, bits);
}

int ppc_msix_set_pba(struct ppc_msix_win *mw, u16 word, u64 bits)
{
	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_PBA,
			(u64)mw->id << 16 | word, &bits);
}

int ppc_msix_get_ctrl(struct ppc_msix_win *mw, u16 *ctrl)
{
	return dev_attr(mw->dev, false, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, mw->id,
			ctrl);
}

int ppc_msix_reset(struct ppc_msix_win *mw)
{
	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_RESET, mw->id,
			NULL);
}

int ppc_msix_save(struct ppc_msix_win *mw, void *buf, u32 size)
{
	struct kvm_ppc_pt_msix_state *h = buf;

	memset(buf, 0, size < sizeof(*h) ? size : sizeof(*h));
	h->size = htole32(size);
	return dev_attr(mw->dev, false, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, mw->id,
			buf);
}

int ppc_msix_restore(struct ppc_msix_win *mw, const void *buf)
{
	return dev_attr(mw->dev, true, KVM_DEV_PPC_PTW_GRP_MSIX_STATE, mw->id,
			(void *)buf);
}

int ppc_msix_signal(struct ppc_msix_win *mw, u16 vector)
{
	if (vector >= PPC_MSIX_MAX_VEC || mw->efd[vector] < 0)
		return ppc_set_err(EINVAL, "no eventfd for vector %u", vector);
	if (eventfd_write(mw->efd[vector], 1))
		return ppc_set_err(errno, "eventfd_write vector %u", vector);
	return 0;
}

int ppc_msix_stats(int dev, struct kvm_ppc_pt_window_stats *st)
{
	memset(st, 0xff, sizeof(*st));
	return dev_attr(dev, false, KVM_DEV_PPC_PTW_GRP_STATS,
			KVM_DEV_PPC_PTW_STATS, st);
}

void ppc_msix_stats_sub(struct kvm_ppc_pt_window_stats *d,
			const struct kvm_ppc_pt_window_stats *a,
			const struct kvm_ppc_pt_window_stats *b)
{
	const __u64 *pa = (const __u64 *)a, *pb = (const __u64 *)b;
	__u64 *pd = (__u64 *)d;
	size_t i;

	for (i = 0; i < sizeof(*d) / sizeof(__u64); i++)
		pd[i] = pa[i] - pb[i];
}

void ppc_msix_stats_print(const char *what,
			  const struct kvm_ppc_pt_window_stats *st)
{
	printf("# %s: traps %llu table %llu invalid %llu passthrough %llu routed %llu invalid_msgs %llu unrouted %llu delivered %llu pending %llu vmm_exits %llu\n",
	       what, (unsigned long long)st->msix_traps,
	       (unsigned long long)st->msix_table_accesses,
	       (unsigned long long)st->msix_invalid_accesses,
	       (unsigned long long)st->msix_passthrough,
	       (unsigned long long)st->msix_routed,
	       (unsigned long long)st->msix_invalid_msgs,
	       (unsigned long long)st->msix_unrouted,
	       (unsigned long long)st->msix_delivered,
	       (unsigned long long)st->msix_pending,
	       (unsigned long long)st->vmm_exits);
}

void ppc_emit_xirr_poll(struct ppc_asm *a, int rx, int rn, u64 tries)
{
	unsigned int found;
	u64 loop;

	ppc_li64(a, rn, tries);
	loop = ppc_here(a);
	ppc_li(a, 3, PPC_H_XIRR);
	ppc_sc1(a);
	ppc_mr(a, rx, 4);
	/* a source is there when XIRR bits 23:0 are not all 0 */
	ppc_sldi(a, 0, 4, 40);
	ppc_cmpdi(a, 0, 0);
	found = ppc_bc_fwd(a, PPC_BO_FALSE, PPC_CR0_EQ);
	ppc_addi(a, rn, rn, -1);
	ppc_cmpdi(a, rn, 0);
	ppc_bne(a, loop);
	ppc_patch_here(a, found);
}

void ppc_emit_eoi(struct ppc_asm *a, int rx, int rret)
{
	ppc_mr(a, 4, rx);
	ppc_li(a, 3, PPC_H_EOI);
	ppc_sc1(a);
	ppc_mr(a, rret, 3);
}

/* Registers of step programs */
#define R_ADDR	31
#define R_VAL	14
#define R_RES	29
#define R_XIRR	28
#define R_LEFT	27
#define R_RET	26
#define R_ID	25

static void store_result(struct ppc_asm *a, unsigned int i, int rv, int raux)
{
	ppc_li64(a, R_RES, PPC_GUEST_DATA_GPA + 16ULL * i);
	if (rv >= 0)
		ppc_std(a, rv, 0, R_RES);
	if (raux >= 0)
		ppc_std(a, raux, 8, R_RES);
}

static int stop_error(struct ppc_ucall *uc, int code)
{
	switch (code) {
	case PPC_UCALL_ASSERT_FAIL:
		return ppc_set_err(0, "guest assert %llu failed: 0x%llx != 0x%llx",
				   (unsigned long long)uc->args[0],
				   (unsigned long long)uc->args[1],
				   (unsigned long long)uc->args[2]);
	case PPC_UCALL_EXCEPTION:
		return ppc_set_err(0, "guest exception 0x%llx at 0x%llx (srr1 0x%llx)",
				   (unsigned long long)uc->args[0],
				   (unsigned long long)uc->args[1],
				   (unsigned long long)uc->args[2]);
	default:
		return ppc_set_err(0, "unexpected guest ucall %s",
				   ppc_ucall_str(code));
	}
}

int ppc_guest_run_steps(struct ppc_vcpu *vcpu, struct ppc_step *s,
			unsigned int n, ppc_mmio_fn mmio, ppc_sync_fn sync,
			void *opaque)
{
	u64 *res = ppc_gpa_to_hva(vcpu->vm, PPC_GUEST_DATA_GPA);
	struct ppc_ucall uc;
	struct ppc_asm *a;
	unsigned int i;
	int r;

	if (!res || PPC_GUEST_DATA_GPA + 16ULL * n > PPC_GUEST_STACK_TOP - 0x10000)
		return ppc_set_err(E2BIG, "%u steps do not fit", n);
	a = malloc(sizeof(*a));
	if (!a)
		return ppc_set_err(ENOMEM, "allocating guest code");
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	ppc_li(a, R_XIRR, 0);
	for (i = 0; i < n; i++) {
		switch (s[i].kind) {
		case PPC_STEP_LOAD:
			ppc_li64(a, R_ADDR, s[i].gpa);
			ppc_load(a, s[i].size, R_VAL, 0, R_ADDR);
			store_result(a, i, R_VAL, -1);
			break;
		case PPC_STEP_STORE:
			ppc_li64(a, R_ADDR, s[i].gpa);
			ppc_li64(a, R_VAL, s[i].val);
			ppc_store(a, s[i].size, R_VAL, 0, R_ADDR);
			break;
		case PPC_STEP_XIRR:
			if (!s[i].n)
				s[i].n = 1;
			ppc_emit_xirr_poll(a, R_XIRR, R_LEFT, s[i].n);
			store_result(a, i, R_XIRR, R_LEFT);
			break;
		case PPC_STEP_EOI:
			if (s[i].val != PPC_EOI_LAST) {
				ppc_li64(a, R_VAL, s[i].val);
				ppc_emit_eoi(a, R_VAL, R_RET);
			} else {
				ppc_emit_eoi(a, R_XIRR, R_RET);
			}
			store_result(a, i, -1, R_RET);
			break;
		case PPC_STEP_CPPR:
			ppc_li64(a, 4, s[i].val);
			ppc_li(a, 3, PPC_H_CPPR);
			ppc_sc1(a);
			ppc_mr(a, R_RET, 3);
			store_result(a, i, -1, R_RET);
			break;
		case PPC_STEP_SYNC:
			ppc_li64(a, R_ID, s[i].val);
			ppc_ucall1(a, PPC_UCALL_SYNC, R_ID);
			break;
		case PPC_STEP_POLL: {
			unsigned int found;
			u64 loop;

			if (!s[i].n)
				s[i].n = 1;
			ppc_li64(a, R_ADDR, s[i].gpa);
			ppc_li64(a, R_LEFT, s[i].n);
			loop = ppc_here(a);
			ppc_load(a, s[i].size, R_VAL, 0, R_ADDR);
			ppc_cmpdi(a, R_VAL, 0);
			found = ppc_bc_fwd(a, PPC_BO_FALSE, PPC_CR0_EQ);
			ppc_addi(a, R_LEFT, R_LEFT, -1);
			ppc_cmpdi(a, R_LEFT, 0);
			ppc_bne(a, loop);
			ppc_patch_here(a, found);
			store_result(a, i, R_VAL, R_LEFT);
			break;
		}
		}
	}
	ppc_sync(a);
	ppc_done(a);
	memset(res, 0xee, 16ULL * n);
	r = ppc_guest_load(vcpu, a);
	free(a);
	while (!r) {
		r = ppc_vcpu_run_to_ucall(vcpu, &uc, mmio, opaque);
		if (r == PPC_UCALL_DONE) {
			r = 0;
			break;
		}
		if (r == PPC_UCALL_SYNC && sync) {
			r = sync(vcpu, uc.args[0], opaque);
			continue;
		}
		if (r >= 0)
			r = stop_error(&uc, r);
	}
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		switch (s[i].kind) {
		case PPC_STEP_LOAD:
			s[i].val = res[2 * i];
			break;
		case PPC_STEP_XIRR:
			s[i].val = res[2 * i];
			/* tries left counts down from n; a hit stops it */
			s[i].aux = PPC_XIRR_SRC(s[i].val) ?
				   s[i].n - res[2 * i + 1] + 1 : s[i].n;
			break;
		case PPC_STEP_POLL:
			s[i].val = res[2 * i];
			s[i].aux = s[i].val ? s[i].n - res[2 * i + 1] + 1 :
				   s[i].n;
			break;
		case PPC_STEP_EOI:
		case PPC_STEP_CPPR:
			s[i].aux = res[2 * i + 1];
			break;
		default:
			break;
		}
	}
	return 0;
}

void ppc_prog_init(struct ppc_prog *p)
{
	p->n = 0;
	p->overflow = false;
}

unsigned int ppc_prog_add(struct ppc_prog *p, struct ppc_step step)
{
	if (p->n >= PPC_PROG_MAX_STEPS) {
		p->overflow = true;
		return PPC_PROG_MAX_STEPS - 1;
	}
	p->s[p->n] = step;
	return p->n++;
}

unsigned int ppc_prog_ld(struct ppc_prog *p, int size, u64 gpa)
{
	return ppc_prog_add(p, (struct ppc_step)STEP_LD(size, gpa));
}

unsigned int ppc_prog_st(struct ppc_prog *p, int size, u64 gpa, u64 val)
{
	return ppc_prog_add(p, (struct ppc_step)STEP_ST(size, gpa, val));
}

unsigned int ppc_prog_xirr(struct ppc_prog *p, u64 tries)
{
	return ppc_prog_add(p, (struct ppc_step)STEP_XIRR(tries));
}

unsigned int ppc_prog_eoi(struct ppc_prog *p)
{
	return ppc_prog_add(p, (struct ppc_step)STEP_EOI());
}

unsigned int ppc_prog_sync(struct ppc_prog *p, u64 id)
{
	return ppc_prog_add(p, (struct ppc_step)STEP_SYNC(id));
}

unsigned int ppc_prog_poll(struct ppc_prog *p, int size, u64 gpa, u64 tries)
{
	struct ppc_step s = {
		.kind = PPC_STEP_POLL, .size = size, .gpa = gpa, .n = tries,
	};

	return ppc_prog_add(p, s);
}

void ppc_prog_entry(struct ppc_prog *p, const struct ppc_msix_win *mw,
		    u16 v, u64 addr, u32 data, u32 ctl)
{
	ppc_prog_st(p, 4, ppc_msix_entry_gpa(mw, v, PPC_MSIX_ADDR_LO),
		    (u32)addr);
	ppc_prog_st(p, 4, ppc_msix_entry_gpa(mw, v, PPC_MSIX_ADDR_HI),
		    addr >> 32);
	ppc_prog_st(p, 4, ppc_msix_entry_gpa(mw, v, PPC_MSIX_DATA), data);
	ppc_prog_st(p, 4, ppc_msix_entry_gpa(mw, v, PPC_MSIX_CTL), ctl);
}

unsigned int ppc_prog_take(struct ppc_prog *p, u64 tries)
{
	unsigned int i = ppc_prog_xirr(p, tries);

	ppc_prog_eoi(p);
	return i;
}

int ppc_prog_run(struct ppc_vcpu *vcpu, struct ppc_prog *p, ppc_mmio_fn mmio,
		 ppc_sync_fn sync, void *opaque)
{
	if (p->overflow)
		return ppc_set_err(E2BIG, "more than %d steps",
				   PPC_PROG_MAX_STEPS);
	return ppc_guest_run_steps(vcpu, p->s, p->n, mmio, sync, opaque);
}

int ppc_msix_sync(struct ppc_vcpu *vcpu, u64 id, void *opaque)
{
	struct ppc_msix_win *mw = opaque;
	unsigned int i;
	int r = 0;

	switch (PPC_SYNC_KIND(id)) {
	case 1:
		for (i = 0; !r && i < ((id >> 16) & 0xffff); i++)
			r = ppc_msix_signal(mw, id & 0xffff);
		break;
	case 2:
		r = ppc_msix_set_ctrl(mw, id & 0xffff);
		break;
	case 3:
		r = ppc_msix_set_msi_window(mw->dev,
					    (id & ((1ULL << 40) - 1)) << 12);
		break;
	}
	return r;
}

u64 ppc_ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

static void kick_handler(int sig)
{
}

static void *vcpu_thread_fn(void *arg)
{
	struct ppc_vcpu_thread *t = arg;
	struct ppc_vcpu *vcpu = t->vcpu;
	struct kvm_run *run = vcpu->run;
	u64 code;

	clock_gettime(CLOCK_MONOTONIC, &t->start);
	t->result = -EINPROGRESS;
	for (;;) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			int err = errno;

			if (err == EINTR && !t->stop)
				continue;
			snprintf(t->err, sizeof(t->err), "KVM_RUN: %s%s",
				 strerror(err), t->stop ? " (timed out)" : "");
			t->result = -err;
			break;
		}
		t->runs++;
		if (ppc_vcpu_serve_mmio(vcpu))
			continue;
		if (run->exit_reason == KVM_EXIT_MMIO && t->mmio) {
			t->mmio_exits++;
			if (t->mmio(vcpu, run, t->opaque)) {
				snprintf(t->err, sizeof(t->err),
					 "MMIO handler failed at 0x%llx",
					 (unsigned long long)run->mmio.phys_addr);
				t->result = -EPROTO;
				break;
			}
			continue;
		}
		code = ppc_vcpu_get_ucall(vcpu, &t->uc);
		if (code == PPC_UCALL_DONE) {
			t->result = 0;
			break;
		}
		if (code == PPC_UCALL_PRINT || code == PPC_UCALL_SYNC)
			continue;
		if (code == PPC_UCALL_NONE)
			snprintf(t->err, sizeof(t->err),
				 "vCPU %d: unexpected exit %s (MMIO at 0x%llx)",
				 vcpu->id,
				 ppc_exit_reason_str(run->exit_reason),
				 (unsigned long long)run->mmio.phys_addr);
		else
			snprintf(t->err, sizeof(t->err),
				 "vCPU %d: guest ucall %s (0x%llx, 0x%llx, 0x%llx)",
				 vcpu->id, ppc_ucall_str(code),
				 (unsigned long long)t->uc.args[0],
				 (unsigned long long)t->uc.args[1],
				 (unsigned long long)t->uc.args[2]);
		t->result = -EPROTO;
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t->end);
	return NULL;
}

int ppc_vcpu_thread_start(struct ppc_vcpu_thread *t, struct ppc_vcpu *vcpu,
			  ppc_mmio_fn mmio, void *opaque)
{
	static bool installed;
	int r;

	if (!installed) {
		struct sigaction sa = { 0 };

		/* No SA_RESTART: KVM_RUN returns -EINTR on a kick */
		sa.sa_handler = kick_handler;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		installed = true;
	}
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->mmio = mmio;
	t->opaque = opaque;
	t->result = -EINPROGRESS;
	r = pthread_create(&t->tid, NULL, vcpu_thread_fn, t);
	if (r)
		return ppc_set_err(r, "pthread_create");
	return 0;
}

int ppc_vcpu_thread_join(struct ppc_vcpu_thread *t, unsigned int timeout_s)
{
	struct timespec deadline;
	int r;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_s;
	r = pthread_timedjoin_np(t->tid, NULL, &deadline);
	if (r == ETIMEDOUT) {
		t->stop = 1;
		while (pthread_tryjoin_np(t->tid, NULL) == EBUSY) {
			pthread_kill(t->tid, SIGUSR1);
			usleep(10000);
		}
	}
	if (t->result)
		return ppc_set_err(0, "vCPU %d thread: %s", t->vcpu->id,
				   t->err[0] ? t->err : "did not finish");
	return 0;
}

struct ppc_vcpu *ppc_guest_add_vcpu(struct ppc_vm *vm, int id)
{
	struct ppc_vcpu *vcpu = ppc_vcpu_add(vm, id);
	u64 lpcr;

	if (!vcpu)
		return NULL;
	if (ppc_vcpu_get_one_reg(vcpu, KVM_REG_PPC_LPCR_64, &lpcr) ||
	    ppc_vcpu_set_one_reg(vcpu, KVM_REG_PPC_LPCR_64,
				 lpcr | PPC_LPCR_ILE) ||
	    ppc_vcpu_reset(vcpu, PPC_GUEST_CODE_GPA))
		return NULL;
	return vcpu;
}

int ppc_msix_run_counted(struct ppc_vcpu *vcpu, struct ppc_prog *p,
			 struct ppc_msix_win *mw, const char *what,
			 struct kvm_ppc_pt_window_stats *d)
{
	return ppc_msix_run_counted_sync(vcpu, p, mw, ppc_msix_sync, mw, what, d);
}

int ppc_msix_run_counted_sync(struct ppc_vcpu *vcpu, struct ppc_prog *p,
			      const struct ppc_msix_win *mw, ppc_sync_fn sync,
			      void *opaque, const char *what,
			      struct kvm_ppc_pt_window_stats *d)
{
	struct kvm_ppc_pt_window_stats a, b;
	int r;

	r = ppc_msix_stats(mw->dev, &b);
	if (!r)
		r = ppc_prog_run(vcpu, p, NULL, sync, opaque);
	if (!r)
		r = ppc_msix_stats(mw->dev, &a);
	if (r)
		return r;
	ppc_msix_stats_sub(d, &a, &b);
	ppc_msix_stats_print(what, d);
	return 0;
}
