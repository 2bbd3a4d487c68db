// SPDX-License-Identifier: GPL-2.0-only
/*
 * Passthrough IO windows for selftests. See ppc_ptw_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "ppc_asm.h"
#include "ppc_ptw_util.h"

static const char * const trace_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static const char *trace_dir;

static int map_dev_bar(u16 vendor, const u16 *devices, int nr, int bar,
		       struct ppc_pci_bar *b, const char *what)
{
	char bdf[PPC_PCI_BDF_LEN];
	int i, r = -ENODEV;

	for (i = 0; i < nr && r; i++)
		r = ppc_pci_find(vendor, devices[i], bdf, sizeof(bdf));
	if (r)
		return ppc_set_err(ENODEV, "%s: no such device", what);
	r = ppc_pci_enable(bdf);
	if (!r)
		r = ppc_pci_map_bar(bdf, bar, b);
	if (r)
		return ppc_set_err(-r, "%s %s BAR%d: %s", what, bdf, bar,
				   ppc_errmsg());
	return 0;
}

int ppc_ptw_bed_open(struct ppc_ptw_bed *bed)
{
	static const u16 testdev[] = { PPC_TESTDEV_DEVICE };
	static const u16 e1000e[] = { PPC_E1000E_DEVICE };
	static const u16 virtio[] = { PPC_VIRTIO_NET_LEGACY,
				      PPC_VIRTIO_NET_MODERN };
	int r;

	memset(bed, 0, sizeof(*bed));
	bed->testdev.fd = -1;
	bed->e1000e_msix.fd = -1;
	bed->virtio_msix.fd = -1;
	bed->flash.fd = -1;
	bed->regs.fd = -1;
	r = map_dev_bar(PPC_TESTDEV_VENDOR, testdev, 1, 0, &bed->testdev,
			"pci-testdev");
	if (!r)
		r = map_dev_bar(PPC_E1000E_VENDOR, e1000e, 1, PPC_E1000E_BAR_MSIX,
				&bed->e1000e_msix, "e1000e");
	if (!r)
		r = map_dev_bar(PPC_E1000E_VENDOR, e1000e, 1,
				PPC_E1000E_BAR_FLASH, &bed->flash, "e1000e");
	if (!r)
		r = map_dev_bar(PPC_E1000E_VENDOR, e1000e, 1,
				PPC_E1000E_BAR_REGS, &bed->regs, "e1000e");
	if (!r)
		r = map_dev_bar(PPC_VIRTIO_VENDOR, virtio, 2, PPC_VIRTIO_BAR_MSIX,
				&bed->virtio_msix, "virtio-net");
	if (r)
		ppc_ptw_bed_close(bed);
	return r;
}

void ppc_ptw_bed_close(struct ppc_ptw_bed *bed)
{
	ppc_pci_unmap_bar(&bed->testdev);
	ppc_pci_unmap_bar(&bed->e1000e_msix);
	ppc_pci_unmap_bar(&bed->virtio_msix);
	ppc_pci_unmap_bar(&bed->flash);
	ppc_pci_unmap_bar(&bed->regs);
}

bool ppc_ptw_bed_shared(const struct ppc_ptw_bed *bed)
{
	u64 page = bed->testdev.start & ~(PPC_SZ_64K - 1);

	return bed->e1000e_msix.start == page &&
	       bed->testdev.start == page + 0x4000 &&
	       bed->virtio_msix.start == page + 0x5000 &&
	       bed->testdev.size == PPC_SZ_4K &&
	       bed->virtio_msix.size == PPC_SZ_4K &&
	       bed->e1000e_msix.size == 4 * PPC_SZ_4K &&
	       !(bed->flash.start & (PPC_SZ_64K - 1)) &&
	       bed->flash.size >= 2 * PPC_SZ_64K &&
	       !(bed->regs.start & (PPC_SZ_64K - 1)) &&
	       bed->regs.size >= 2 * PPC_SZ_64K;
}

static void print_bar(const char *what, const struct ppc_pci_bar *b)
{
	printf("# %-18s %s BAR%d 0x%llx size 0x%llx (host page +0x%zx)\n",
	       what, b->bdf, b->bar, (unsigned long long)b->start,
	       (unsigned long long)b->size, b->offset);
}

void ppc_ptw_bed_print(const struct ppc_ptw_bed *bed)
{
	print_bar("e1000e MSI-X", &bed->e1000e_msix);
	print_bar("pci-testdev", &bed->testdev);
	print_bar("virtio-net MSI-X", &bed->virtio_msix);
	print_bar("e1000e flash", &bed->flash);
	print_bar("e1000e registers", &bed->regs);
}

u64 ppc_bar_rd(struct ppc_pci_bar *b, u64 off, int size)
{
	return ppc_mmio_read(ppc_pci_bar_ptr(b, off), size);
}

void ppc_bar_wr(struct ppc_pci_bar *b, u64 off, int size, u64 val)
{
	ppc_mmio_write(ppc_pci_bar_ptr(b, off), size, val);
}

u64 ppc_bar_uaddr(struct ppc_pci_bar *b, u64 off)
{
	return (unsigned long)ppc_pci_bar_ptr(b, off);
}

void ppc_testdev_select(struct ppc_pci_bar *b, unsigned int test)
{
	ppc_bar_wr(b, PPC_TESTDEV_TEST, 1, test);
}

void ppc_testdev_name(struct ppc_pci_bar *b, char *name, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		name[i] = ppc_bar_rd(b, PPC_TESTDEV_NAME + i, 1);
		if (!name[i])
			break;
	}
	name[i] = '\0';
}

int ppc_ptw_create(struct ppc_vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_PPC_PT_WINDOW };

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return ppc_set_err(errno, "KVM_CREATE_DEVICE(PPC_PT_WINDOW)");
	ppc_ptw_vmm_attach(vm, cd.fd);
	return cd.fd;
}

const char *ppc_ptw_mode_str(void)
{
	return ppc_ptw_maps_4k ? "mapped with 4K leaves" :
				 "exited to the VMM (no 4K leaves here)";
}

int ppc_ptw_set_attr(int dev, u32 group, u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (unsigned long)addr,
	};

	if (ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "KVM_SET_DEVICE_ATTR group %u attr %llu",
				   group, (unsigned long long)attr);
	return 0;
}

int ppc_ptw_get_attr(int dev, u32 group, u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (unsigned long)addr,
	};

	if (ioctl(dev, KVM_GET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "KVM_GET_DEVICE_ATTR group %u attr %llu",
				   group, (unsigned long long)attr);
	return 0;
}

int ppc_ptw_has_attr(int dev, u32 group, u64 attr)
{
	struct kvm_device_attr a = { .group = group, .attr = attr };

	if (ioctl(dev, KVM_HAS_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "KVM_HAS_DEVICE_ATTR group %u attr %llu",
				   group, (unsigned long long)attr);
	return 0;
}

int ppc_ptw_add(int dev, struct kvm_ppc_pt_window *w)
{
	int r = ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				 KVM_DEV_PPC_PTW_ADD, w);

	if (!r)
		ppc_ptw_vmm_add(dev, w);
	return r;
}

int ppc_ptw_move(int dev, u32 id, u64 guest_addr)
{
	struct kvm_ppc_pt_window w = { .id = id, .guest_addr = guest_addr };
	int r = ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				 KVM_DEV_PPC_PTW_MOVE, &w);

	if (!r)
		ppc_ptw_vmm_move(dev, id, guest_addr);
	return r;
}

int ppc_ptw_remove(int dev, u32 id)
{
	int r = ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				 KVM_DEV_PPC_PTW_REMOVE, &id);

	if (!r)
		ppc_ptw_vmm_remove(dev, id);
	return r;
}

int ppc_ptw_stats(int dev, struct kvm_ppc_pt_window_stats *st)
{
	memset(st, 0xff, sizeof(*st));
	return ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_STATS,
				KVM_DEV_PPC_PTW_STATS, st);
}

struct kvm_ppc_pt_window ppc_ptw_window(struct ppc_pci_bar *b, u64 off,
					u64 size, u64 guest_addr)
{
	struct kvm_ppc_pt_window w;

	memset(&w, 0, sizeof(w));
	w.id = ~0U;
	w.guest_addr = guest_addr;
	w.size = size;
	w.host_uaddr = ppc_bar_uaddr(b, off);
	return w;
}

#define STATS_FIELDS(X) X(faults) X(maps_4k) X(maps_direct) X(unmaps) \
	X(vmm_exits) X(msix_traps)

void ppc_ptw_stats_sub(struct kvm_ppc_pt_window_stats *d,
		       const struct kvm_ppc_pt_window_stats *a,
		       const struct kvm_ppc_pt_window_stats *b)
{
#define SUB(f) d->f = a->f - b->f;
	STATS_FIELDS(SUB)
#undef SUB
}

bool ppc_ptw_stats_eq(const struct kvm_ppc_pt_window_stats *a,
		      const struct kvm_ppc_pt_window_stats *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void ppc_ptw_stats_print(const char *what,
			 const struct kvm_ppc_pt_window_stats *st)
{
	printf("# %s: faults %llu maps_4k %llu maps_direct %llu unmaps %llu vmm_exits %llu msix_traps %llu\n",
	       what, (unsigned long long)st->faults,
	       (unsigned long long)st->maps_4k,
	       (unsigned long long)st->maps_direct,
	       (unsigned long long)st->unmaps,
	       (unsigned long long)st->vmm_exits,
	       (unsigned long long)st->msix_traps);
}

int ppc_mmio_log_init(struct ppc_mmio_log *log, unsigned int max_rec,
		      u8 fill)
{
	memset(log, 0, sizeof(*log));
	log->fill = fill;
	log->max_rec = max_rec;
	if (max_rec) {
		log->rec = calloc(max_rec, sizeof(*log->rec));
		if (!log->rec)
			return ppc_set_err(ENOMEM, "MMIO log");
	}
	return 0;
}

void ppc_mmio_log_reset(struct ppc_mmio_log *log)
{
	log->n = 0;
	log->fwd_n = 0;
	if (log->rec)
		memset(log->rec, 0, log->max_rec * sizeof(*log->rec));
}

void ppc_mmio_log_free(struct ppc_mmio_log *log)
{
	free(log->rec);
	log->rec = NULL;
}

u64 ppc_mmio_fill_val(u8 fill, int size)
{
	u64 v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (u64)fill << (8 * i);
	return v;
}

int ppc_mmio_log_run(struct ppc_vcpu *vcpu, struct ppc_access *acc,
		     unsigned int n, struct ppc_mmio_log *log)
{
	u64 served = vcpu->served_mmio;
	int r;

	ppc_mmio_log_reset(log);
	r = ppc_guest_run_accesses(vcpu, acc, n, ppc_mmio_log_fn, log);
	log->served = ppc_vcpu_served_since(vcpu, &served);
	return r ? r : (int)log->n;
}

int ppc_mmio_log_fn(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct ppc_mmio_log *log = opaque;
	u64 addr = run->mmio.phys_addr, data = 0;
	u32 len = run->mmio.len;
	bool fwd = false;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return ppc_set_err(0, "MMIO exit of %u bytes at 0x%llx", len,
				   (unsigned long long)addr);
	if (log->fwd && addr >= log->fwd_gpa &&
	    addr - log->fwd_gpa + len <= log->fwd->size)
		fwd = true;
	if (run->mmio.is_write) {
		/* kvm_run carries the bytes in guest memory order (LE) */
		memcpy(&data, run->mmio.data, len);
		if (fwd && log->forward_stores) {
			ppc_bar_wr(log->fwd, addr - log->fwd_gpa, len, data);
			log->fwd_n++;
		}
	} else {
		if (fwd) {
			data = ppc_bar_rd(log->fwd, addr - log->fwd_gpa, len);
			log->fwd_n++;
		} else {
			data = ppc_mmio_fill_val(log->fill, len);
		}
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &data, len);
	}
	if (log->n < log->max_rec) {
		struct ppc_mmio_rec *r = &log->rec[log->n];

		r->addr = addr;
		r->len = len;
		r->write = run->mmio.is_write;
		r->data = data;
	}
	log->n++;
	return 0;
}

int ppc_guest_scan(struct ppc_vcpu *vcpu, u64 gpa, u64 n, u64 stride,
		   int size, ppc_mmio_fn mmio, void *opaque, u64 **out)
{
	u64 *res = ppc_gpa_to_hva(vcpu->vm, PPC_GUEST_DATA_GPA);
	struct ppc_asm *a;
	u64 loop;
	int r;

	if (!n || !res ||
	    PPC_GUEST_DATA_GPA + 8 * n > PPC_GUEST_STACK_TOP - 0x10000)
		return ppc_set_err(E2BIG, "%llu loads do not fit", ULL(n));
	a = malloc(sizeof(*a));
	if (!a)
		return ppc_set_err(ENOMEM, "allocating guest code");
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	ppc_li64(a, 30, gpa);
	ppc_li64(a, 29, PPC_GUEST_DATA_GPA);
	ppc_li64(a, 14, n);
	ppc_mtctr(a, 14);
	loop = ppc_here(a);
	ppc_load(a, size, 15, 0, 30);
	ppc_std(a, 15, 0, 29);
	ppc_addi(a, 30, 30, stride);
	ppc_addi(a, 29, 29, 8);
	ppc_bdnz(a, loop);
	ppc_sync(a);
	ppc_done(a);
	memset(res, 0xee, 8 * n);
	r = ppc_guest_load(vcpu, a);
	free(a);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, mmio,
					opaque);
	if (!r && out)
		*out = res;
	return r;
}

static int trace_write(const char *file, const char *val, int flags)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", trace_dir, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return ppc_set_err(errno, "open %s", path);
	if (val && write(fd, val, strlen(val)) < 0)
		r = ppc_set_err(errno, "write %s", path);
	close(fd);
	return r;
}

int ppc_ptw_trace_on(void)
{
	unsigned int i;
	char path[256];
	int r;

	for (i = 0; i < ARRAY_SIZE(trace_dirs) && !trace_dir; i++) {
		snprintf(path, sizeof(path),
			 "%s/events/kvm_ptw/kvm_ptw_fault/enable",
			 trace_dirs[i]);
		if (!access(path, W_OK))
			trace_dir = trace_dirs[i];
	}
	if (!trace_dir)
		return ppc_set_err(ENOENT, "no kvm_ptw trace events in tracefs");
	r = trace_write("trace", NULL, O_TRUNC);
	if (!r)
		r = trace_write("events/kvm_ptw/kvm_ptw_fault/enable", "1", 0);
	if (!r)
		r = trace_write("tracing_on", "1", 0);
	return r;
}

void ppc_ptw_trace_off(void)
{
	if (!trace_dir)
		return;
	trace_write("events/kvm_ptw/kvm_ptw_fault/enable", "0", 0);
	trace_write("trace", NULL, O_TRUNC);
}

int ppc_ptw_trace_read(struct ppc_ptw_fault_ev *ev, unsigned int max)
{
	char path[256], line[512];
	unsigned int n = 0;
	FILE *f;

	if (!trace_dir)
		return ppc_set_err(ENOENT, "tracing is off");
	snprintf(path, sizeof(path), "%s/trace", trace_dir);
	f = fopen(path, "r");
	if (!f)
		return ppc_set_err(errno, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long gpa, hpa;
		unsigned int lpid, npages;
		int cls, ret;
		char *p = strstr(line, "kvm_ptw_fault: ");

		if (!p || sscanf(p, "kvm_ptw_fault: lpid %u gpa %llx class %d hpa %llx 4k-pages %u ret %d",
				 &lpid, &gpa, &cls, &hpa, &npages, &ret) != 6)
			continue;
		if (n < max) {
			ev[n].gpa = gpa;
			ev[n].cls = cls;
			ev[n].hpa = hpa;
			ev[n].npages = npages;
			ev[n].ret = ret;
		}
		n++;
	}
	fclose(f);
	trace_write("trace", NULL, O_TRUNC);
	return n;
}

const char *ppc_ptw_class_str(int cls)
{
	static const char * const names[] = {
		"exit", "direct", "map4k", "msix",
	};

	return cls >= 0 && cls < (int)ARRAY_SIZE(names) ? names[cls] : "?";
}

int ppc_ptw_run_pass(struct ppc_vcpu *vcpu, int dev, struct ppc_pci_bar *td,
		     const struct kvm_ppc_pt_window_stats *since,
		     struct ppc_ptw_pass *p)
{
	struct kvm_ppc_pt_window_stats a, b;
	struct ppc_mmio_log log;

	memset(p, 0, sizeof(*p));
	p->err = ppc_mmio_log_init(&log, PPC_PTW_PASS_REC, 0);
	if (p->err)
		return p->err;
	ppc_testdev_select(td, 0);
	p->count_before = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	ppc_ptw_stats(dev, &b);
	if (since)
		b = *since;
	ppc_vcpu_clear_stats(vcpu);
	p->err = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &p->uc,
				     ppc_mmio_log_fn, &log);
	ppc_ptw_stats(dev, &a);
	ppc_ptw_stats_sub(&p->d, &a, &b);
	p->count_after = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	p->exits = vcpu->exits[KVM_EXIT_MMIO];
	p->nrec = log.n < PPC_PTW_PASS_REC ? log.n : PPC_PTW_PASS_REC;
	memcpy(p->rec, log.rec, p->nrec * sizeof(p->rec[0]));
	ppc_mmio_log_free(&log);
	return p->err;
}
