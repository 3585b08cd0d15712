/*
 * socklab-agent: the trusted socket agent. The runner starts it inside a
 * session's network namespace (and nothing else of the sandbox); it opens
 * the sockets the grader asks for and hands them to the runner over the
 * Node IPC channel the runner gave it (fd NODE_CHANNEL_FD), so the runner
 * holds real sockets inside the namespace while the student's code never
 * gets a way out. It exits when the runner lets go of the channel.
 *
 * It is C rather than a Node script because a grade starts one per check:
 * a Node process costs about 100 ms of CPU to start on a machine like the
 * CI's, this one a millisecond.
 *
 * The channel speaks Node's "json" serialization: one JSON text per line.
 * Requests (from runner/sandbox/bwrap.ts):
 *   {"op":"tcp","host":"127.0.0.1","port":12000,"timeoutMs":5000,"id":1}
 *   {"op":"udp","type":"udp4","id":2}      an ephemeral loopback socket
 *   {"op":"udp","port":12000,"id":3}       a dual-stack server socket
 *   {"op":"listen","port":12000,"id":4}    a dual-stack TCP listener
 *   {"op":"bound","type":"tcp","port":12000,"waitMs":50,"id":5}
 *                                          whether something listens on (tcp) or is bound
 *                                          to (udp) the port: {"id":5,"ok":true,"bound":true},
 *                                          asked every BOUND_POLL_MS here until it is or
 *                                          waitMs (default 0, at most 1000) passed; a port
 *                                          127.0.0.1 cannot reach yet (IPv6 alone) is
 *                                          looked at up to V4_GRACE_MS more
 * Answers: {"id":N,"ok":false,"code":"ECONNREFUSED","message":"..."}, or the
 * socket itself as Node sends a handle: the line
 *   {"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"id":N,"ok":true}}
 * in one sendmsg with the descriptor (SCM_RIGHTS), which Node's channel
 * turns into a net.Socket, net.Server or dgram.Socket for the runner.
 * Node acknowledges each handle ({"cmd":"NODE_HANDLE_ACK"}): ignored.
 * Each request runs in a thread of its own (a connect may wait for its
 * timeout); answers are written one at a time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 4096

static int channel = -1;
static pthread_mutex_t writing = PTHREAD_MUTEX_INITIALIZER;

/*
 * How often a "bound" request with waitMs looks again: the runner waits
 * for a starting server this way, one request per waitMs rather than one
 * per look (each a message both ways through the runner's event loop).
 */
#define BOUND_POLL_MS 10

/*
 * How long a port bound only where 127.0.0.1 cannot reach it (an IPv6-only
 * socket) is given to be bound for IPv4 too before "bound" is answered
 * anyway. Python's asyncio.start_server(None, port) makes one socket per
 * family and may listen on the IPv6 one first: the grader, connecting to
 * 127.0.0.1 in between, was refused (1 grade in 8 under load). A server
 * that listens on IPv6 alone is told so by that refusal, this much later.
 */
#define V4_GRACE_MS 500

struct request {
  char op[16];
  char host[64];
  char type[16];
  long port;
  long timeout_ms;
  long wait_ms;
  long id;
};

/* Writes all of `len` bytes, with `fd` attached to the first sendmsg when fd >= 0. Caller holds `writing`. */
static int send_all(const char *buf, size_t len, int fd) {
  while (len > 0) {
    struct iovec iov = {(void *)buf, len};
    struct msghdr msg = {0};
    union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
    } control;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
      memset(&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(channel, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    fd = -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void answer(const char *line, int fd) {
  pthread_mutex_lock(&writing);
  int failed = send_all(line, strlen(line), fd);
  pthread_mutex_unlock(&writing);
  if (failed) _exit(0); /* the runner is gone */
}

static const char *code_of(int err) {
  switch (err) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ECONNRESET: return "ECONNRESET";
    case ENETUNREACH: return "ENETUNREACH";
    case EACCES: return "EACCES";
    case EMFILE: return "EMFILE";
    default: return "EIO";
  }
}

static void fail(long id, int err, const char *what, const struct request *r) {
  char line[512];
  snprintf(line, sizeof line, "{\"id\":%ld,\"ok\":false,\"code\":\"%s\",\"message\":\"%s %s %s:%ld\"}\n", id, code_of(err), what, code_of(err),
           r->host[0] ? r->host : "::", r->port);
  answer(line, -1);
}

static void hand_over(long id, const char *type, const char *extra, int fd) {
  char line[256];
  snprintf(line, sizeof line, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"%s\",\"msg\":{\"id\":%ld,\"ok\":true}%s}\n", type, id, extra);
  answer(line, fd);
  close(fd);
}

/* A socket bound to `port` on every address, IPv6 and IPv4 alike (as Node's "::" with ipv6Only false). */
static int dual_stack(int type, long port) {
  int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int zero = 0, one = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as libuv does for TCP */
  struct sockaddr_in6 a = {0};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  a.sin6_port = htons((unsigned short)port);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void do_tcp(const struct request *r) {
  struct sockaddr_storage ss = {0};
  socklen_t len;
  int family;
  if (inet_pton(AF_INET, r->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
    family = AF_INET;
    ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
    ((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)r->port);
    len = sizeof(struct sockaddr_in);
  } else if (inet_pton(AF_INET6, r->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
    family = AF_INET6;
    ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)r->port);
    len = sizeof(struct sockaddr_in6);
  } else {
    fail(r->id, EADDRNOTAVAIL, "connect", r);
    return;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(r->id, errno, "connect", r);
    return;
  }
  if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    fail(r->id, e, "connect", r);
    return;
  }
  struct pollfd p = {fd, POLLOUT, 0};
  int ready;
  do ready = poll(&p, 1, (int)r->timeout_ms);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    close(fd);
    char line[256];
    snprintf(line, sizeof line, "{\"id\":%ld,\"ok\":false,\"code\":\"ETIMEDOUT\",\"message\":\"no answer from %s:%ld\"}\n", r->id, r->host, r->port);
    answer(line, -1);
    return;
  }
  int err = 0;
  socklen_t el = sizeof err;
  if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
  if (err) {
    close(fd);
    fail(r->id, err, "connect", r);
    return;
  }
  hand_over(r->id, "net.Socket", "", fd);
}

static void do_udp(const struct request *r) {
  int fd;
  const char *type;
  if (r->port > 0) {
    fd = dual_stack(SOCK_DGRAM, r->port);
    type = "udp6";
  } else if (strcmp(r->type, "udp6") == 0) {
    fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) < 0) close(fd), fd = -1;
    type = "udp6";
  } else {
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) < 0) close(fd), fd = -1;
    type = "udp4";
  }
  if (fd < 0) {
    fail(r->id, errno, "bind", r);
    return;
  }
  char extra[64];
  snprintf(extra, sizeof extra, ",\"dgramType\":\"%s\"", type);
  hand_over(r->id, "dgram.Socket", extra, fd);
}

static void do_listen(const struct request *r) {
  int fd = dual_stack(SOCK_STREAM, r->port);
  if (fd < 0 || listen(fd, 511) < 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    fail(r->id, e, "listen", r);
    return;
  }
  hand_over(r->id, "net.Server", "", fd);
}

/*
 * Whether 127.0.0.1 reaches a socket sock_diag described: 2 for an IPv4
 * socket, or an IPv6 one that takes IPv4 too (not IPV6_V6ONLY, on :: or an
 * IPv4-mapped address); 1 for an IPv6 socket it cannot reach.
 */
static int reach_of(const struct nlmsghdr *h, const struct inet_diag_msg *d) {
  if (d->idiag_family != AF_INET6) return 2;
  int v6only = -1;
  int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *d);
  for (const struct rtattr *a = (const struct rtattr *)(d + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == INET_DIAG_SKV6ONLY) v6only = *(const unsigned char *)RTA_DATA(a);
  }
  if (v6only < 0) return 2; /* not said (a kernel without IPv6 attributes): taken as reachable */
  if (v6only) return 1;
  const unsigned int *src = d->id.idiag_src;
  int any = !src[0] && !src[1] && !src[2] && !src[3];
  int mapped = !src[0] && !src[1] && src[2] == htonl(0xffff);
  return any || mapped ? 2 : 1;
}

/*
 * Whether a socket in this network namespace listens on (TCP) or is bound
 * to (UDP) `port`: 2 where 127.0.0.1 reaches it, 1 where only IPv6 does, 0
 * when nothing is, or -1 with errno. `family` is AF_INET or AF_INET6,
 * or 0 for TCP: both families in one dump (the old TCPDIAG_GETSOCK request,
 * one walk of the kernel's listening table instead of one per family). `fd`
 * is a NETLINK_SOCK_DIAG socket, kept for a request's looks. Asked through
 * sock_diag rather than /proc/net/tcp because the kernel makes
 * /proc/net/tcp by walking the machine's whole established-connections
 * table (262,144 buckets here: a millisecond of CPU a read), and a program's
 * start polls it every few ms; a dump of listening sockets alone skips that
 * table.
 */
static int bound_in(int fd, int family, int protocol, long port) {
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req_v2 v2;
      struct inet_diag_req both;
    } req;
  } msg = {0};
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  if (family == 0) {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.both);
    msg.nlh.nlmsg_type = TCPDIAG_GETSOCK;
    msg.req.both.idiag_states = 1u << TCP_LISTEN;
    msg.req.both.id.idiag_sport = htons((unsigned short)port);
  } else {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.v2);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.req.v2.sdiag_family = (unsigned char)family;
    msg.req.v2.sdiag_protocol = (unsigned char)protocol;
    /* UDP: every state (bound alone is 7, CLOSE; connected 1). TCP: LISTEN only. */
    msg.req.v2.idiag_states = protocol == IPPROTO_TCP ? 1u << TCP_LISTEN : ~0u;
    msg.req.v2.id.idiag_sport = htons((unsigned short)port);
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -1;
  static __thread char buf[16384];
  int found = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return -1;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return found;
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *err = NLMSG_DATA(h);
        errno = err->error ? -err->error : EIO;
        return -1;
      }
      struct inet_diag_msg *d = NLMSG_DATA(h);
      /* Older kernels may ignore the port in the request: check it here too. */
      if (ntohs(d->id.idiag_sport) == port) {
        int reach = reach_of(h, d);
        if (reach > found) found = reach;
      }
    }
  }
}

/* One look: whether `port` is bound in either family (2, 1 or 0 as bound_in, or -1 with errno). */
static int bound_now(int fd, int protocol, long port) {
  if (protocol == IPPROTO_TCP) return bound_in(fd, 0, protocol, port);
  int v4 = bound_in(fd, AF_INET, protocol, port);
  if (v4 != 0) return v4;
  int v6 = bound_in(fd, AF_INET6, protocol, port);
  /* No IPv6 in the kernel: only IPv4 can be bound. */
  return v6 < 0 && errno == EAFNOSUPPORT ? 0 : v6;
}

static void do_bound(const struct request *r) {
  int protocol = strcmp(r->type, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    fail(r->id, errno, "sock_diag", r);
    return;
  }
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int bound;
  long ipv6_alone_since = -1;
  for (;;) {
    bound = bound_now(fd, protocol, r->port);
    if (bound < 0) {
      int e = errno;
      close(fd);
      fail(r->id, e, "sock_diag", r);
      return;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (bound == 2) break;
    /* Bound for IPv6 alone: its IPv4 socket may be a moment behind (V4_GRACE_MS), even past waitMs. */
    if (bound == 1 && ipv6_alone_since < 0) ipv6_alone_since = waited;
    if (bound == 1 ? waited - ipv6_alone_since >= V4_GRACE_MS : waited >= r->wait_ms) break;
    struct timespec pause = {0, BOUND_POLL_MS * 1000000L};
    while (nanosleep(&pause, &pause) < 0 && errno == EINTR) {
    }
  }
  close(fd);
  char line[128];
  snprintf(line, sizeof line, "{\"id\":%ld,\"ok\":true,\"bound\":%s}\n", r->id, bound ? "true" : "false");
  answer(line, -1);
}

static void *serve(void *arg) {
  struct request *r = arg;
  if (strcmp(r->op, "tcp") == 0) do_tcp(r);
  else if (strcmp(r->op, "udp") == 0) do_udp(r);
  else if (strcmp(r->op, "listen") == 0) do_listen(r);
  else if (strcmp(r->op, "bound") == 0) do_bound(r);
  free(r);
  return NULL;
}

/* The string value of "key" in a flat JSON object the runner wrote (no escapes in our values), or "" . */
static void string_field(const char *json, const char *key, char *out, size_t size) {
  char pattern[40];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  out[0] = 0;
  const char *at = strstr(json, pattern);
  if (!at) return;
  at += strlen(pattern);
  size_t i = 0;
  while (at[i] && at[i] != '"' && at[i] != '\\' && i + 1 < size) out[i] = at[i], i++;
  out[i] = 0;
}

/* The number value of "key", or `otherwise`. */
static long number_field(const char *json, const char *key, long otherwise) {
  char pattern[40];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  if (!at) return otherwise;
  char *end;
  long v = strtol(at + strlen(pattern), &end, 10);
  return end == at + strlen(pattern) ? otherwise : v;
}

static void handle(const char *line) {
  if (strstr(line, "\"cmd\":\"NODE_")) return; /* Node's own (acknowledgements) */
  struct request *r = calloc(1, sizeof *r);
  if (!r) return;
  string_field(line, "op", r->op, sizeof r->op);
  string_field(line, "host", r->host, sizeof r->host);
  string_field(line, "type", r->type, sizeof r->type);
  r->port = number_field(line, "port", 0);
  r->timeout_ms = number_field(line, "timeoutMs", 5000);
  r->wait_ms = number_field(line, "waitMs", 0);
  r->id = number_field(line, "id", -1);
  if (r->id < 0 || r->port < 0 || r->port > 65535 || r->timeout_ms < 0 || r->timeout_ms > 600000 || r->wait_ms < 0 || r->wait_ms > 1000) {
    free(r);
    return;
  }
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  if (pthread_create(&t, &attr, serve, r) != 0) {
    fail(r->id, EMFILE, "agent", r);
    free(r);
  }
  pthread_attr_destroy(&attr);
}

int main(void) {
  const char *fd = getenv("NODE_CHANNEL_FD");
  if (!fd) {
    fprintf(stderr, "socklab-agent: no NODE_CHANNEL_FD: the runner starts this\n");
    return 2;
  }
  channel = atoi(fd);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  answer("{\"ready\":true}\n", -1);
  static char buf[MAX_LINE * 2];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(channel, buf + have, sizeof buf - 1 - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0); /* the runner let go of the channel */
    have += (size_t)n;
    buf[have] = 0;
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
      *nl = 0;
      handle(start);
      start = nl + 1;
    }
    have -= (size_t)(start - buf);
    memmove(buf, start, have);
    if (have >= sizeof buf - 1) have = 0; /* a line longer than any request: dropped */
  }
}
