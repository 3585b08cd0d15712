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
 * little and wakes the reader only for packets that count.
 *
 * A flood is cut here, before any decoding or writing: at most
 * PACKETS_PER_SECOND records per second of capture are written; every
 * record carries the packet's number among all packets seen, so the runner
 * counts the ones left out from the gaps (and from an "N seen" line when
 * the last ones were left out). Packets the kernel dropped because the
 * reader fell behind are counted as seen and left out.
 *
 * Each record's time is the kernel's for the packet (SO_TIMESTAMPNS), not
 * the moment this reader got to it.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
/* Largest IPv4 header (60) + largest TCP header (60); IPv6's fixed 40 is less. */
#define HEADERS 120
#define MAX_HEAD 1024

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(const struct timespec *ts) {
  return (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000u;
}

/*
 * When the kernel saw the packet (SO_TIMESTAMPNS, wall clock), in
 * microseconds since `start_wall`; `fallback` (when it was read) if the
 * kernel gave none. A reader that waits for a CPU on a busy machine reads
 * late, but its records still say when each packet went.
 */
static uint64_t packet_us(struct msghdr *m, uint64_t start_wall, uint64_t fallback) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    struct timespec ts;
    memcpy(&ts, CMSG_DATA(c), sizeof ts);
    uint64_t t = wall_us(&ts);
    return t > start_wall ? t - start_wall : 0;
  }
  return fallback;
}

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
  int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
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
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex("lo") };
  if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    fprintf(stderr, "socklab-capture: bind lo: %s\n", strerror(errno));
    return 1;
  }
  /* Room for a burst while the runner's machine is busy (the kernel caps it at rmem_max). */
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
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
  static uint8_t bufs[BATCH][HEADERS + MAX_HEAD];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = snap;
  }
  static char controls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  uint64_t start = now_us();
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  uint64_t start_wall = wall_us(&wall);
  unsigned long long seen = 0, second = 0, in_second = 0, accounted = 0;
  printf("S %llu\n", (unsigned long long)start_wall);
  fflush(stdout);
  struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
  for (;;) {
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (pfd[1].revents) {
      char junk[64];
      ssize_t r = read(0, junk, sizeof junk);
      if (r <= 0) return 0;
    }
    if (!(pfd[0].revents & POLLIN)) continue;
    for (;;) {
      memset(msgs, 0, sizeof msgs);
      for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = controls[i];
        msgs[i].msg_hdr.msg_controllen = sizeof controls[i];
      }
      int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      uint64_t at = now_us() - start;
      if (at / 1000000u != second) {
        second = at / 1000000u;
        in_second = 0;
      }
      for (int i = 0; i < got; i++, seen++) {
        if (in_second >= (unsigned long long)per_second) continue;
        in_second++;
        decode(bufs[i], msgs[i].msg_len, seen, packet_us(&msgs[i].msg_hdr, start_wall, at), (size_t)head);
        accounted = seen + 1;
      }
      if (got < BATCH) break;
    }
    /* Packets the kernel dropped because this reader fell behind count as seen and left out too. */
    struct tpacket_stats st;
    socklen_t stlen = sizeof st;
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen) == 0) seen += st.tp_drops;
    /* Packets left out after the last record: say how many were seen in all. */
    if (seen > accounted) {
      printf("N %llu\n", seen);
      accounted = seen;
    }
    if (fflush(stdout) != 0) return 0;
  }
}
