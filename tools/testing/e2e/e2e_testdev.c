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
 * Usage: e2e_testdev FIRST-TAP-NUMBER NR-ACCESSES
 * Prints TAP lines numbered from FIRST-TAP-NUMBER, then "# next N".
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
#define NR_TESTS	4	/* TAP lines this program prints */

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

int main(int argc, char **argv)
{
	unsigned long start = 0, end = 0, flags, pgsz, off, len, n, i;
	unsigned long writes = 0, bad_reads = 0;
	uint8_t *bar;
	char path[600];
	uint8_t *map;
	FILE *f;
	char *dir;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FIRST-TAP-NUMBER NR-ACCESSES\n", argv[0]);
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
	printf("e2e: loop begin %lu accesses\n", n);
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
	printf("e2e: loop end %lu accesses\n", n);
	sleep(2);
	printf("# %lu accesses: %lu doorbell writes, count %u; %lu reads, %lu wrong\n",
	       n, writes, rd32le(bar, TD_COUNT), n - writes, bad_reads);
	tap(rd32le(bar, TD_COUNT) == writes && !bad_reads,
	    "pci-testdev counted every doorbell write of the loop, reads right");

	wr8(bar, TD_TEST, TD_NR_TESTS);
	printf("# no test selected: byte 0x%x of the name reads 0x%x\n",
	       TD_NAME, rd8(bar, TD_NAME));
	/* Deselected, the header reads 0 (not the 'm' of the name). */
	tap(rd8(bar, TD_NAME) == 0, "pci-testdev deselected reads 0");

	munmap(map, len);
	close(fd);
	printf("# next %d\n", tap_nr);
	return failures ? 1 : 0;
}
