/*
 * socklab-capture: the wire view's packet reader. The runner starts it as
 * the session's user; it joins the user and network namespaces of the
 * session's holder itself (setns, as nsenter would: an exec after nsenter
 * would drop the capabilities the user namespace gives), opens a packet
 * socket on the session's loopback and then gives up every capability.
 * Student code never runs here and never gets any of this.
 * It decodes each IPv4/IPv6 TCP or UDP packet's headers and writes one text
 * line per packet to stdout (format: runner/wire/records.ts). It exits when
 * stdin closes (the runner let go of it) or the runner dies.
 *
 * On lo the kernel shows every packet twice (PACKET_OUTGOING as it leaves,
 * PACKET_HOST as it arrives): a BPF filter keeps only the outgoing copy and
 * cuts it to the headers plus `head` payload bytes, so the kernel copies
 * little.
 *
 * The kernel writes the packets into a ring shared with this reader
 * (TPACKET_V3: blocks of many packets) and wakes it once per block, when
 * the block is full or BLOCK_TIMEOUT_MS after its first packet, not once
 * per packet: a program that floods its loopback woke a reader of single
 * packets (recvmmsg) about 50,000 times a second, and each wake wrote a
 * line the runner had to read (together a whole core; now ~160 wakes).
 *
 * A flood is cut here, before any decoding or writing: at most
 * PACKETS_PER_SECOND records per second of capture (by the packets' own
 * times) are written; every record carries the packet's number among all
 * packets seen, so the runner counts the ones left out from the gaps (and
 * from an "N seen" line, at most one per wake, when the last ones were left
 * out). Packets the kernel dropped because the ring was full (this reader
 * fell behind) are counted as seen and left out: their count is exact,
 * their place among the numbers is where this reader noticed them.
 *
 * Each record's time is the kernel's for the packet, not the moment this
 * reader got to it.
 *
 * Usage: socklab-capture HOLDER_PID HEAD_BYTES PACKETS_PER_SECOND
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * The ring: 256 KiB of kernel memory for as long as the view is on (a
 * receive buffer took memory only while the reader was behind): about
 * 1,700 small datagrams, under 20 ms of a loopback flood. A 1 MiB ring
 * cost the same CPU in a flood (bench wire, within noise).
 */
#define BLOCK_BYTES (1 << 16)
#define BLOCKS 4
/*
 * A block with packets goes to the reader at most about twice this long
 * after its first one (the kernel's retire timer) when it does not fill:
 * the page gets its packets in batches of 50 ms (wireBatchMs) anyway.
 */
#define BLOCK_TIMEOUT_MS 10
/* Largest IPv4 header (60) + largest TCP header (60); IPv6's fixed 40 is less. */
#define HEADERS 120
#define MAX_HEAD 1024

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Writes one record; `cap` is how many bytes of the packet were captured. */
static void decode(const uint8_t *p, size_t cap, unsigned long long n, uint64_t at, size_t head_max) {
  char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
  const uint8_t *l4;
  size_t l4cap, l4len;
  int proto, family;
  if (cap < 1) return;
  if ((p[0] >> 4) == 4) {
    if (cap < 20) return;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t total = be16(p + 2);
    if (ihl < 20 || cap < ihl || total < ihl) return;
    /* A fragment past the first has no transport header. */
    if (be16(p + 6) & 0x1fff) return;
    proto = p[9];
    family = 4;
    inet_ntop(AF_INET, p + 12, src, sizeof src);
    inet_ntop(AF_INET, p + 16, dst, sizeof dst);
    l4 = p + ihl;
    l4cap = cap - ihl;
    l4len = total - ihl;
  } else if ((p[0] >> 4) == 6) {
    if (cap < 40) return;
    proto = p[6];
    family = 6;
    inet_ntop(AF_INET6, p + 8, src, sizeof src);
    inet_ntop(AF_INET6, p + 24, dst, sizeof dst);
    l4 = p + 40;
    l4cap = cap - 40;
    l4len = be16(p + 4);
  } else {
    return;
  }
  const uint8_t *data;
  size_t datacap, len;
  if (proto == IPPROTO_TCP) {
    if (l4cap < 20) return;
    size_t off = (size_t)(l4[12] >> 4) * 4;
    if (off < 20 || l4cap < off || l4len < off) return;
    int wscale = -1;
    /* The window scale option, only meaningful on a SYN. */
    if (l4[13] & 0x02) {
      for (size_t i = 20; i < off;) {
        uint8_t kind = l4[i];
        if (kind == 0) break;
        if (kind == 1) { i++; continue; }
        if (i + 1 >= off) break;
        uint8_t olen = l4[i + 1];
        if (olen < 2 || i + olen > off) break;
        if (kind == 3 && olen == 3) wscale = l4[i + 2];
        i += olen;
      }
    }
    data = l4 + off;
    datacap = l4cap - off;
    len = l4len - off;
    printf("T %llu %d %llu %s %u %s %u %u %u %u %u %d %zu ", n, family, (unsigned long long)at, src, be16(l4), dst, be16(l4 + 2),
           l4[13] & 0x3f, be32(l4 + 4), be32(l4 + 8), be16(l4 + 14), wscale, len);
  } else if (proto == IPPROTO_UDP) {
    if (l4cap < 8) return;
    data = l4 + 8;
    datacap = l4cap - 8;
    len = be16(l4 + 4) >= 8 ? be16(l4 + 4) - 8u : 0;
    printf("U %llu %d %llu %s %u %s %u %zu ", n, family, (unsigned long long)at, src, be16(l4), dst, be16(l4 + 2), len);
  } else {
    return;
  }
  size_t shown = datacap < len ? datacap : len;
  if (shown > head_max) shown = head_max;
  if (shown == 0) putchar('-');
  for (size_t i = 0; i < shown; i++) printf("%02x", data[i]);
  putchar('\n');
}

/* The reader's place in the ring and its counts. */
struct reader {
  uint8_t *ring;
  /* The oldest block not yet handed back to the kernel, and how many from it on were read and are still held. */
  unsigned next, held;
  unsigned long long seen, second, in_second, accounted, per_second;
  uint64_t start_wall;
  size_t head;
};

static struct tpacket_hdr_v1 *block(const struct reader *r, unsigned i) {
  return &((struct tpacket_block_desc *)(r->ring + (size_t)(i % BLOCKS) * BLOCK_BYTES))->hdr.bh1;
}

static int ready(const struct tpacket_hdr_v1 *b) { return __atomic_load_n(&b->block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER; }

/* Reads, in order, every block the kernel has handed over, and holds them. */
static void read_blocks(struct reader *r) {
  for (; r->held < BLOCKS && ready(block(r, r->next + r->held)); r->held++) {
    const struct tpacket_hdr_v1 *b = block(r, r->next + r->held);
    const uint8_t *p = (const uint8_t *)b - offsetof(struct tpacket_block_desc, hdr) + b->offset_to_first_pkt;
    for (uint32_t i = 0; i < b->num_pkts; i++, r->seen++) {
      const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
      uint64_t t = (uint64_t)h->tp_sec * 1000000u + h->tp_nsec / 1000u;
      uint64_t at = t > r->start_wall ? t - r->start_wall : 0;
      if (at / 1000000u != r->second) {
        r->second = at / 1000000u;
        r->in_second = 0;
      }
      if (r->in_second < r->per_second) {
        r->in_second++;
        decode(p + h->tp_net, h->tp_snaplen, r->seen, at, r->head);
        r->accounted = r->seen + 1;
      }
      p += h->tp_next_offset;
    }
  }
}

/*
 * Reads what the kernel handed over, counts what it dropped, gives the
 * blocks back and says how many were seen if the last were left out.
 * The kernel drops only while every block is the reader's: the drops come
 * after every packet the ring holds, so those are read first (drops while
 * the blocks go back are counted at the next wake, a few blocks late).
 */
static int drain(struct reader *r, int fd) {
  read_blocks(r);
  struct tpacket_stats_v3 st;
  socklen_t stlen = sizeof st;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen) == 0 && st.tp_drops) {
    read_blocks(r);
    r->seen += st.tp_drops;
  }
  for (; r->held; r->held--, r->next = (r->next + 1) % BLOCKS) {
    struct tpacket_hdr_v1 *b = block(r, r->next);
    /* The kernel zeroes it when it begins the block again; until then a look at the block the kernel holds (finish) must read none. */
    b->num_pkts = 0;
    __atomic_store_n(&b->block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  }
  if (r->seen > r->accounted) {
    printf("N %llu\n", r->seen);
    r->accounted = r->seen;
  }
  return fflush(stdout);
}

/*
 * The last read once stdin has closed: the block the kernel is filling
 * goes over only on its timeout, so when it holds packets (sent before the
 * runner let go: a check's last reset) wait for it, a few timeouts at most
 * (a flood never stops).
 */
static void finish(struct reader *r, int fd) {
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  for (int i = 0; i < 5; i++) {
    if (drain(r, fd) != 0) return;
    const struct tpacket_hdr_v1 *b = block(r, r->next);
    if (!ready(b) && __atomic_load_n(&b->num_pkts, __ATOMIC_RELAXED) == 0) return;
    if (!ready(b)) poll(&pfd, 1, BLOCK_TIMEOUT_MS);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: socklab-capture HOLDER_PID HEAD_BYTES PACKETS_PER_SECOND\n");
    return 2;
  }
  long holder = strtol(argv[1], NULL, 10);
  long head = strtol(argv[2], NULL, 10);
  long per_second = strtol(argv[3], NULL, 10);
  if (holder < 2) {
    fprintf(stderr, "socklab-capture: HOLDER_PID must be a process id\n");
    return 2;
  }
  if (head < 0 || head > MAX_HEAD || per_second < 1) {
    fprintf(stderr, "socklab-capture: HEAD_BYTES must be 0..%d and PACKETS_PER_SECOND at least 1\n", MAX_HEAD);
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 0;
  /* User namespace first: it gives the capabilities that joining its network namespace needs. */
  const char *kinds[] = { "user", "net" };
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/ns/%s", holder, kinds[i]);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, 0) < 0) {
      fprintf(stderr, "socklab-capture: join %s: %s\n", path, strerror(errno));
      return 1;
    }
    close(ns);
  }
  /* Protocol 0: no packet reaches it before the filter and the ring are in place and it is bound to lo. */
  int fd = socket(AF_PACKET, SOCK_DGRAM, 0);
  if (fd < 0) {
    fprintf(stderr, "socklab-capture: packet socket: %s\n", strerror(errno));
    return 1;
  }
  unsigned snap = HEADERS + (unsigned)head;
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, snap),
    BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
    fprintf(stderr, "socklab-capture: filter: %s\n", strerror(errno));
    return 1;
  }
  int version = TPACKET_V3;
  /* The frame size only bounds one packet (a snap is far less); a V3 block packs packets tightly. */
  struct tpacket_req3 req = {
    .tp_block_size = BLOCK_BYTES, .tp_block_nr = BLOCKS, .tp_frame_size = 2048,
    .tp_frame_nr = BLOCK_BYTES / 2048 * BLOCKS, .tp_retire_blk_tov = BLOCK_TIMEOUT_MS,
  };
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0 || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    fprintf(stderr, "socklab-capture: packet ring: %s\n", strerror(errno));
    return 1;
  }
  uint8_t *ring = mmap(NULL, (size_t)BLOCK_BYTES * BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == MAP_FAILED) {
    fprintf(stderr, "socklab-capture: packet ring: %s\n", strerror(errno));
    return 1;
  }
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex("lo") };
  if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    fprintf(stderr, "socklab-capture: bind lo: %s\n", strerror(errno));
    return 1;
  }
  /* Nothing more needs a capability: give them all up. */
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct none[2];
  memset(none, 0, sizeof none);
  if (syscall(SYS_capset, &hdr, none) < 0) {
    fprintf(stderr, "socklab-capture: dropping capabilities: %s\n", strerror(errno));
    return 1;
  }
  static char out[1 << 16];
  setvbuf(stdout, out, _IOFBF, sizeof out);
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  struct reader r = {
    .ring = ring, .per_second = (unsigned long long)per_second, .head = (size_t)head,
    .start_wall = (uint64_t)wall.tv_sec * 1000000u + (uint64_t)wall.tv_nsec / 1000u,
  };
  printf("S %llu\n", (unsigned long long)r.start_wall);
  fflush(stdout);
  struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
  for (;;) {
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (pfd[1].revents) {
      char junk[64];
      ssize_t got = read(0, junk, sizeof junk);
      if (got <= 0) {
        finish(&r, fd);
        return 0;
      }
    }
    if (pfd[0].revents & POLLERR) {
      /* lo went down (ENETDOWN): take the error, or poll reports it for ever; packets come again once it is up. */
      int err;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (drain(&r, fd) != 0) return 0;
  }
}
