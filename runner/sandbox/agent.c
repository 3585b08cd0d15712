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
#include <unistd.h>

#define MAX_LINE 4096

static int channel = -1;
static pthread_mutex_t writing = PTHREAD_MUTEX_INITIALIZER;

struct request {
  char op[16];
  char host[64];
  char type[16];
  long port;
  long timeout_ms;
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

static void *serve(void *arg) {
  struct request *r = arg;
  if (strcmp(r->op, "tcp") == 0) do_tcp(r);
  else if (strcmp(r->op, "udp") == 0) do_udp(r);
  else if (strcmp(r->op, "listen") == 0) do_listen(r);
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
  r->id = number_field(line, "id", -1);
  if (r->id < 0 || r->port < 0 || r->port > 65535 || r->timeout_ms < 0 || r->timeout_ms > 600000) {
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
