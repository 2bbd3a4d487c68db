// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the end-to-end test (run-qemu.sh powernv9-l0 e2e): runs
 * in a Linux guest of our QEMU inside the emulated host, where QEMU's
 * pci-testdev is passed through with vfio-pci. Reads BAR0 through the
 * guest's sysfs resource0 mmap, the way a guest driver would reach it,
 * and checks the bytes against what pci-testdev holds, so an access that
 * lands on the wrong host byte (the sub-page BAR problem) fails:
 *  - no test selected, every byte reads 0; writing N < 3 to byte 0
 *    selects test N, whose header then reads: test N, width 1, doorbell
 *    offset 0x800 + N (le32), data 0xfa or (wildcard test 1) 0xce,
 *    count, and a NUL-terminated name;
 *  - deselected, the header reads 0 again;
 *  - with test 0 selected, each one-byte write of 0xfa at 0x800 counts
 *    one (le32 count at 12).
 * Then N accesses in a loop (doorbell writes, reads of test 0's data
 * byte) between two console markers, for the host to count the exits to
 * the VMM they cost.
 *
 * Last, the guest re-assigns BAR0 as an OS may: one write of the BAR's
 * low dword (config space through sysfs) moves it +0x3000 with memory
 * decoding on, where no other BAR is, inside the bus window it sits in;
 * the device, reached through /dev/mem (iomem=relaxed) at the new
 * address, must read test 0's header there (nothing at the old one) and
 * count the doorbell writes of a second loop between markers ("e2e:
 * moved loop ..."); memory decoding off must leave nothing there, on
 * again the device. Then BAR0 goes back where it was. The host checks
 * that QEMU moved the window, removed it and added it again.
 *
 * Usage: e2e_testdev FIRST-TAP-NUMBER NR-ACCESSES [MOVE]
 * MOVE: "on" (the default); "skip" or "stay" leave out the BAR write
 * that moves BAR0 or the one that puts it back, to show the tests
 * failing. Prints TAP lines numbered from FIRST-TAP-NUMBER, then
 * "# next N".
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SYSFS_PCI	"/sys/bus/pci/devices"
#define TESTDEV_VENDOR	0x1b36
#define TESTDEV_DEVICE	0x0005
#define TD_TEST		0	/* u8: a write selects, a read shows the test */
#define TD_WIDTH	1	/* u8: doorbell access width */
#define TD_OFFSET	4	/* le32: doorbell offset in the BAR */
#define TD_DATA		8	/* u8: doorbell data that counts */
#define TD_COUNT	12	/* le32: doorbell hits */
#define TD_NAME		16	/* NUL-terminated name */
#define TD_NR_TESTS	3	/* writing this (or more) deselects */
#define TD_MEMSIZE	2048	/* doorbells start here */
#define NR_TESTS	9	/* TAP lines this program prints */
#define MOVE_BY		0x3000	/* BAR0's move, within its 64K page */
#define CFG_COMMAND	0x04	/* le16 */
#define CFG_CMD_MEMORY	0x2
#define CFG_BAR0	0x10	/* le32 (the low half of a 64-bit BAR) */

static int tap_nr;
static int failures;

static void tap(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", tap_nr++, what);
	if (!ok)
		failures++;
}

/* A setup step failed: the tests that cannot run fail, so the count stays. */
static int give_up(const char *why, int left)
{
	while (left--)
		tap(0, why);
	printf("# next %d\n", tap_nr);
	return 1;
}

static int read_hex(const char *dir, const char *file, unsigned long *val)
{
	char path[600];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	r = fscanf(f, "%lx", val) == 1 ? 0 : -1;
	fclose(f);
	return r;
}

/* The sysfs directory of the first pci-testdev, or NULL. */
static char *find_testdev(void)
{
	static char dir[512];
	unsigned long ven, dev;
	struct dirent *e;
	DIR *d;

	d = opendir(SYSFS_PCI);
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), SYSFS_PCI "/%s", e->d_name);
		if (!read_hex(dir, "vendor", &ven) && ven == TESTDEV_VENDOR &&
		    !read_hex(dir, "device", &dev) && dev == TESTDEV_DEVICE) {
			closedir(d);
			return dir;
		}
	}
	closedir(d);
	return NULL;
}

/*
 * One access each, never merged or dropped by the compiler (atomic
 * accesses are not; relaxed ones are a plain lbz/stb on ppc64).
 */
static uint8_t rd8(uint8_t *bar, unsigned int off)
{
	return __atomic_load_n(bar + off, __ATOMIC_RELAXED);
}

static void wr8(uint8_t *bar, unsigned int off, uint8_t val)
{
	__atomic_store_n(bar + off, val, __ATOMIC_RELAXED);
}

static uint32_t rd32le(uint8_t *bar, unsigned int off)
{
	/* pci-testdev answers byte accesses only (its impl size is 1). */
	return rd8(bar, off) | rd8(bar, off + 1) << 8 |
	       rd8(bar, off + 2) << 16 | (uint32_t)rd8(bar, off + 3) << 24;
}

/* Does the header read back as test @t's? Prints what differs. */
static int header_is(uint8_t *bar, unsigned int t)
{
	static const char * const names[TD_NR_TESTS] = {
		"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd"
	};
	unsigned int want_data = t == 1 ? 0xce : 0xfa;
	char name[40];
	unsigned int i;
	int ok;

	for (i = 0; i < sizeof(name) - 1; i++) {
		name[i] = rd8(bar, TD_NAME + i);
		if (!name[i])
			break;
	}
	name[i] = '\0';
	ok = rd8(bar, TD_TEST) == t && rd8(bar, TD_WIDTH) == 1 &&
	     rd32le(bar, TD_OFFSET) == TD_MEMSIZE + t &&
	     rd8(bar, TD_DATA) == want_data && !strcmp(name, names[t]);
	printf("# test %u header: test %u width %u offset 0x%x data 0x%x count %u name '%s'%s\n",
	       t, rd8(bar, TD_TEST), rd8(bar, TD_WIDTH), rd32le(bar, TD_OFFSET),
	       rd8(bar, TD_DATA), rd32le(bar, TD_COUNT), name,
	       ok ? "" : " (unexpected)");
	return ok;
}

/* N accesses between two console markers "e2e: <what> begin/end". */
static int access_loop(uint8_t *bar, unsigned long n, const char *what)
{
	unsigned long writes = 0, bad_reads = 0, i;
	uint32_t count0 = rd32le(bar, TD_COUNT), count;

	printf("e2e: %s begin %lu accesses\n", what, n);
	/* Time for the host to read the exit counters before the loop. */
	sleep(2);
	for (i = 0; i < n; i++) {
		if (i & 1) {
			bad_reads += rd8(bar, TD_DATA) != 0xfa;
		} else {
			wr8(bar, TD_MEMSIZE, 0xfa);
			writes++;
		}
	}
	printf("e2e: %s end %lu accesses\n", what, n);
	sleep(2);
	count = rd32le(bar, TD_COUNT) - count0;
	printf("# %lu accesses: %lu doorbell writes, count %u; %lu reads, %lu wrong\n",
	       n, writes, count, n - writes, bad_reads);
	return count == writes && !bad_reads;
}

/* Config space through sysfs: little-endian, @len 2 or 4 bytes. */
static uint32_t cfg_read(int cfg, unsigned int off, int len)
{
	uint8_t b[4] = { 0 };

	if (pread(cfg, b, len, off) != len)
		printf("# config read of %d bytes at 0x%x failed\n", len, off);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void cfg_write(int cfg, unsigned int off, int len, uint32_t val)
{
	uint8_t b[4] = { val, val >> 8, val >> 16, val >> 24 };

	if (pwrite(cfg, b, len, off) != len)
		printf("# config write of %d bytes at 0x%x failed\n", len, off);
}

/*
 * Is [@start, @end] free for BAR0 of @dir to move to? No other resource
 * of any PCI device (the guest's sysfs) overlaps it, and it lies in the
 * smallest /proc/iomem range that holds the BAR now (its bus window).
 */
static int bar0_may_move(const char *dir, unsigned long old_start,
			 unsigned long old_end, unsigned long start,
			 unsigned long end)
{
	unsigned long s, e, f, win_s = 0, win_e = ~0UL;
	char path[600], line[200];
	struct dirent *de;
	int ok = 1, i;
	FILE *fp;
	DIR *d;

	d = opendir(SYSFS_PCI);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource", de->d_name);
		fp = fopen(path, "r");
		for (i = 0; fp && fscanf(fp, "%lx %lx %lx", &s, &e, &f) == 3; i++) {
			if (!s || (i == 0 &&
				   !strcmp(de->d_name, strrchr(dir, '/') + 1)))
				continue;
			if (s <= end && e >= start) {
				printf("# 0x%lx-0x%lx taken by %s resource %d\n",
				       s, e, de->d_name, i);
				ok = 0;
			}
		}
		if (fp)
			fclose(fp);
	}
	if (d)
		closedir(d);
	fp = fopen("/proc/iomem", "r");
	while (fp && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%lx-%lx", &s, &e) != 2 ||
		    (s == old_start && e == old_end))
			continue;
		if (s <= old_start && e >= old_end && e - s < win_e - win_s) {
			win_s = s;
			win_e = e;
		}
	}
	if (fp)
		fclose(fp);
	printf("# BAR0's window in /proc/iomem: 0x%lx-0x%lx\n", win_s, win_e);
	return ok && win_s <= start && end <= win_e;
}

/* Does the device answer at @bar? Its name's first byte is 'm'. */
static int answers(uint8_t *bar)
{
	return rd8(bar, TD_NAME) == 'm';
}

/*
 * Move BAR0 by MOVE_BY, use it there through /dev/mem, turn memory
 * decoding off and on, put it back; NR_MOVE_TESTS TAP lines. @start and
 * @end are BAR0's CPU addresses, @old its mapping through resource0.
 */
#define NR_MOVE_TESTS	5
static void move_bar0(const char *dir, unsigned long start, unsigned long end,
		      uint8_t *old, unsigned long n, const char *how)
{
	unsigned long pgsz = sysconf(_SC_PAGESIZE), nstart = start + MOVE_BY;
	unsigned long page = start & ~(pgsz - 1), len;
	uint32_t bar0, cmd, got;
	char path[600], what[200];
	uint8_t *map, *bar;
	int cfg, mem, ok;

	snprintf(path, sizeof(path), "%s/config", dir);
	cfg = open(path, O_RDWR);
	mem = open("/dev/mem", O_RDWR | O_SYNC);
	/* Both addresses in one mapping: from the old one's page on. */
	len = (nstart + end - start + pgsz - page) & ~(pgsz - 1);
	map = mem < 0 ? MAP_FAILED :
	      mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mem, page);
	bar0 = cfg < 0 ? 0 : cfg_read(cfg, CFG_BAR0, 4);
	cmd = cfg < 0 ? 0 : cfg_read(cfg, CFG_COMMAND, 2);
	printf("# BAR0 register 0x%08x (%s), command 0x%04x\n", bar0,
	       bar0 & 1 ? "I/O" : (bar0 & 6) == 4 ? "64-bit memory" :
	       "32-bit memory", cmd);
	if (cfg < 0 || map == MAP_FAILED || (bar0 & 1) ||
	    (bar0 & ~0xfU) + MOVE_BY < MOVE_BY || !(cmd & CFG_CMD_MEMORY) ||
	    !bar0_may_move(dir, start, end, nstart, nstart + end - start)) {
		printf("# cannot move BAR0 (config %d, /dev/mem %d)\n", cfg, mem);
		for (ok = 0; ok < NR_MOVE_TESTS; ok++)
			tap(0, "pci-testdev BAR0 moved and used at its new address");
		goto out;
	}
	bar = map + (nstart - page);

	/* One config write, memory decoding on: the BAR moves at once. */
	printf("e2e: testdev move 0x%lx 0x%lx (+0x%04lx in its 64K page)\n",
	       start, nstart, nstart & 0xffff);
	if (strcmp(how, "skip"))
		cfg_write(cfg, CFG_BAR0, 4, bar0 + MOVE_BY);
	got = cfg_read(cfg, CFG_BAR0, 4);
	snprintf(what, sizeof(what),
		 "pci-testdev BAR0 moved 0x%lx -> 0x%lx by one config write (reads back 0x%08x)",
		 start, nstart, got);
	tap(got == bar0 + MOVE_BY, what);

	wr8(bar, TD_TEST, 0);
	ok = header_is(bar, 0);
	printf("# at the old address 0x%lx: byte 0x%x reads 0x%x\n", start,
	       TD_NAME, rd8(old, TD_NAME));
	ok = ok && !answers(old);
	snprintf(what, sizeof(what),
		 "pci-testdev at 0x%lx (/dev/mem) reads test 0's header, nothing at 0x%lx",
		 nstart, start);
	tap(ok, what);

	tap(access_loop(bar, n, "moved loop"),
	    "pci-testdev at its new address counted every doorbell write of the loop, reads right");

	/* Memory decoding off: the BAR leaves; on: back at its new place. */
	cfg_write(cfg, CFG_COMMAND, 2, cmd & ~CFG_CMD_MEMORY);
	printf("e2e: testdev decode off\n");
	ok = !answers(bar);
	printf("# decoding off: byte 0x%x at 0x%lx reads 0x%x\n", TD_NAME,
	       nstart, rd8(bar, TD_NAME));
	cfg_write(cfg, CFG_COMMAND, 2, cmd);
	printf("e2e: testdev decode on\n");
	got = rd32le(bar, TD_COUNT);
	wr8(bar, TD_MEMSIZE, 0xfa);
	ok = header_is(bar, 0) && ok && rd32le(bar, TD_COUNT) == got + 1;
	tap(ok,
	    "pci-testdev memory decoding off: nothing at the new address; on: test 0's header, a doorbell write counts");

	if (strcmp(how, "stay"))
		cfg_write(cfg, CFG_BAR0, 4, bar0);
	got = cfg_read(cfg, CFG_BAR0, 4);
	printf("e2e: testdev moved back 0x%lx (BAR0 0x%08x)\n", start, got);
	wr8(old, TD_TEST, 0);
	ok = got == bar0 && header_is(old, 0);
	tap(ok, "pci-testdev BAR0 back where it was, its header reads through resource0");
out:
	if (map != MAP_FAILED)
		munmap(map, len);
	if (mem >= 0)
		close(mem);
	if (cfg >= 0)
		close(cfg);
}

int main(int argc, char **argv)
{
	unsigned long start = 0, end = 0, flags, pgsz, off, len, n;
	uint8_t *bar;
	char path[600];
	uint8_t *map;
	FILE *f;
	char *dir;
	int fd;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s FIRST-TAP-NUMBER NR-ACCESSES [on|skip|stay]\n",
			argv[0]);
		return 2;
	}
	tap_nr = atoi(argv[1]);
	n = strtoul(argv[2], NULL, 0) & ~1UL;
	/* The host waits for the loop markers on the console: no buffering. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	dir = find_testdev();
	if (!dir)
		return give_up("pci-testdev present in the guest", NR_TESTS);
	snprintf(path, sizeof(path), "%s/resource", dir);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lx %lx %lx", &start, &end, &flags) != 3)
		start = 0;
	if (f)
		fclose(f);
	pgsz = sysconf(_SC_PAGESIZE);
	off = start & (pgsz - 1);
	len = (off + end - start + pgsz) & ~(pgsz - 1);
	printf("# pci-testdev %s BAR0 0x%lx size 0x%lx: +0x%lx in its %luK page\n",
	       strrchr(dir, '/') + 1, start, end - start + 1, off, pgsz >> 10);

	/* sysfs maps a BAR only while its memory decoding is on. */
	snprintf(path, sizeof(path), "%s/enable", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR | O_SYNC);
	map = fd < 0 ? MAP_FAILED :
	      mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!start || map == MAP_FAILED)
		return give_up("mmap of pci-testdev's resource0", NR_TESTS);
	/* sysfs maps from the page holding the BAR's first byte. */
	bar = map + off;

	wr8(bar, TD_TEST, 0);
	tap(header_is(bar, 0), "pci-testdev BAR0 reads test 0's header");

	/* A write the device must see: another test's header reads back. */
	wr8(bar, TD_TEST, 1);
	tap(header_is(bar, 1),
	    "pci-testdev BAR0 write selects test 1, its header reads back");

	wr8(bar, TD_TEST, 0);
	tap(access_loop(bar, n, "loop"),
	    "pci-testdev counted every doorbell write of the loop, reads right");

	wr8(bar, TD_TEST, TD_NR_TESTS);
	printf("# no test selected: byte 0x%x of the name reads 0x%x\n",
	       TD_NAME, rd8(bar, TD_NAME));
	/* Deselected, the header reads 0 (not the 'm' of the name). */
	tap(rd8(bar, TD_NAME) == 0, "pci-testdev deselected reads 0");

	move_bar0(dir, start, end, bar, n, argc == 4 ? argv[3] : "on");
	wr8(bar, TD_TEST, TD_NR_TESTS);

	munmap(map, len);
	close(fd);
	printf("# next %d\n", tap_nr);
	return failures ? 1 : 0;
}
