/* lib_netlink.c: a pod sandbox's veth pair over rtnetlink, in one call and no child process
 * (what `ip link add ... netns`, `ip addr add`, `ip link set up` and `ip route add` do). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flotilla.h"

#define NL_BUF 1024

/* nl_req is one rtnetlink request being built: a header, its family message, then attributes. */
struct nl_req {
  struct nlmsghdr *h;
  char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static void *nl_tail(struct nl_req *r) { return (char *)r->h + NLMSG_ALIGN(r->h->nlmsg_len); }

static void nl_init(struct nl_req *r, int type, int flags, const void *msg, size_t len) {
  memset(r->buf, 0, sizeof r->buf);
  r->h = (struct nlmsghdr *)r->buf;
  r->h->nlmsg_len = NLMSG_LENGTH(len);
  r->h->nlmsg_type = (unsigned short)type;
  r->h->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
  memcpy(NLMSG_DATA(r->h), msg, len);
}

/* nl_put appends raw bytes (aligned); returns where they went, or NULL when the buffer is full. */
static void *nl_put_raw(struct nl_req *r, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->h->nlmsg_len);
  if (at + NLMSG_ALIGN(len) > sizeof r->buf) return NULL;
  void *p = r->buf + at;
  if (data) memcpy(p, data, len);
  r->h->nlmsg_len = (unsigned)(at + NLMSG_ALIGN(len));
  return p;
}

static struct rtattr *nl_attr(struct nl_req *r, int type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->h->nlmsg_len);
  if (at + RTA_SPACE(len) > sizeof r->buf) return NULL;
  struct rtattr *a = (struct rtattr *)(r->buf + at);
  a->rta_type = (unsigned short)type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  r->h->nlmsg_len = (unsigned)(at + RTA_SPACE(len));
  return a;
}

static void nl_nest_end(struct nl_req *r, struct rtattr *nest) {
  nest->rta_len = (unsigned short)((char *)nl_tail(r) - (char *)nest);
}

/* nl_talk sends the request and reads its acknowledgement; what names the step for the message. */
static int nl_talk(int fd, struct nl_req *r, const char *what, struct flt_error *err) {
  static _Thread_local unsigned seq; /* callers may run on several threads */
  r->h->nlmsg_seq = ++seq;
  if (send(fd, r->h, r->h->nlmsg_len, 0) < 0) return flt_error_sys(err, "netlink %s: send", what);
  char reply[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return flt_error_sys(err, "netlink %s: recv", what);
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != r->h->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error == 0) return 0;
      errno = -e->error;
      return flt_error_sys(err, "netlink %s", what);
    }
  }
}

static int nl_open(struct flt_error *err) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return flt_error_sys(err, "netlink socket");
  return fd;
}

/* link_up sets IFF_UP on an interface, and its master when master > 0. */
static int link_up(int fd, const char *name, int index, int master, struct flt_error *err) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct nl_req r;
  nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  if (master > 0) nl_attr(&r, IFLA_MASTER, &master, sizeof master);
  char what[96];
  snprintf(what, sizeof what, "set `%s` up%s", name, master > 0 ? " on its bridge" : "");
  return nl_talk(fd, &r, what, err);
}

/* create_veth adds host_if with its peer peer_if made directly in the namespace nsfd. */
static int create_veth(int fd, const char *host_if, const char *peer_if, int nsfd, struct flt_error *err) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct nl_req r;
  nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  nl_attr(&r, IFLA_IFNAME, host_if, strlen(host_if) + 1);
  struct rtattr *info = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
  nl_attr(&r, IFLA_INFO_KIND, "veth", 5);
  struct rtattr *data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
  struct rtattr *peer = nl_attr(&r, VETH_INFO_PEER, NULL, 0);
  struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
  nl_put_raw(&r, &peer_ifi, sizeof peer_ifi);
  nl_attr(&r, IFLA_IFNAME, peer_if, strlen(peer_if) + 1);
  uint32_t ns = (uint32_t)nsfd;
  if (nl_attr(&r, IFLA_NET_NS_FD, &ns, sizeof ns) == NULL || info == NULL || data == NULL || peer == NULL)
    return flt_error_set(err, EOVERFLOW, "netlink add veth `%s`: request too long", host_if);
  nl_nest_end(&r, peer);
  nl_nest_end(&r, data);
  nl_nest_end(&r, info);
  char what[96];
  snprintf(what, sizeof what, "add veth `%s` (peer `%s`)", host_if, peer_if);
  return nl_talk(fd, &r, what, err);
}

/* configure_peer gives the pod's interface its address, brings it (and lo) up and routes via gateway. */
static int configure_peer(int fd, const char *peer_if, struct in_addr addr, int prefix, struct in_addr gw,
                          struct flt_error *err) {
  int index = (int)if_nametoindex(peer_if);
  if (index == 0) return flt_error_sys(err, "find `%s` in the pod's network namespace", peer_if);
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_scope = RT_SCOPE_UNIVERSE,
                          .ifa_index = (unsigned)index};
  struct nl_req r;
  nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  nl_attr(&r, IFA_LOCAL, &addr, sizeof addr);
  nl_attr(&r, IFA_ADDRESS, &addr, sizeof addr);
  char what[96];
  snprintf(what, sizeof what, "add address to `%s`", peer_if);
  if (nl_talk(fd, &r, what, err) < 0) return -1;
  if (link_up(fd, peer_if, index, 0, err) < 0) return -1;
  int lo = (int)if_nametoindex("lo");
  if (lo > 0 && link_up(fd, "lo", lo, 0, err) < 0) return -1;
  struct rtmsg rt = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                     .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
  nl_attr(&r, RTA_GATEWAY, &gw, sizeof gw);
  nl_attr(&r, RTA_OIF, &index, sizeof index);
  snprintf(what, sizeof what, "add default route via `%s` on `%s`", inet_ntoa(gw), peer_if);
  return nl_talk(fd, &r, what, err);
}

int flt_veth_attach(const char *host_if, const char *bridge, const char *netns_path, const char *peer_if,
                    const char *address, int prefix, const char *gateway, struct flt_error *err) {
  struct in_addr addr, gw;
  if (!host_if || !bridge || !netns_path || !peer_if || !address || !gateway || strlen(host_if) >= IFNAMSIZ ||
      strlen(peer_if) >= IFNAMSIZ || prefix < 0 || prefix > 32)
    return flt_error_set(err, EINVAL, "veth attach: bad arguments");
  if (inet_pton(AF_INET, address, &addr) != 1) return flt_error_set(err, EINVAL, "veth attach: bad address `%s`", address);
  if (inet_pton(AF_INET, gateway, &gw) != 1) return flt_error_set(err, EINVAL, "veth attach: bad gateway `%s`", gateway);
  int master = (int)if_nametoindex(bridge);
  if (master == 0) return flt_error_sys(err, "find bridge `%s`", bridge);
  cleanup_fd int nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return flt_error_sys(err, "open network namespace `%s`", netns_path);
  cleanup_fd int fd = nl_open(err);
  if (fd < 0) return -1;
  if (create_veth(fd, host_if, peer_if, nsfd, err) < 0) return -1;
  int index = (int)if_nametoindex(host_if);
  if (index == 0) return flt_error_sys(err, "find `%s` after adding it", host_if);
  if (link_up(fd, host_if, index, master, err) < 0) return -1;
  /* The thread enters the pod's namespace for the rest (a netlink socket and if_nametoindex answer
   * for the namespace they are made in), then returns to its own. */
  cleanup_fd int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return flt_error_sys(err, "open this thread's network namespace");
  if (setns(nsfd, CLONE_NEWNET) < 0) return flt_error_sys(err, "enter network namespace `%s`", netns_path);
  int rc;
  int pod = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (pod < 0) {
    rc = flt_error_sys(err, "netlink socket in `%s`", netns_path);
  } else {
    rc = configure_peer(pod, peer_if, addr, prefix, gw, err);
    close(pod);
  }
  /* Going on in the pod's namespace would misplace all this thread does next: no way to carry on. */
  if (setns(self, CLONE_NEWNET) < 0) abort();
  return rc;
}

int flt_link_delete(const char *name, struct flt_error *err) {
  if (!name || strlen(name) >= IFNAMSIZ) return flt_error_set(err, EINVAL, "delete link: bad name");
  cleanup_fd int fd = nl_open(err);
  if (fd < 0) return -1;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct nl_req r;
  nl_init(&r, RTM_DELLINK, 0, &ifi, sizeof ifi);
  nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  char what[64];
  snprintf(what, sizeof what, "delete `%s`", name);
  if (nl_talk(fd, &r, what, err) < 0) {
    if (err && err->errno_value == ENODEV) {
      flt_error_clear(err);
      return 1;
    }
    return -1;
  }
  return 0;
}

int flt_link_index(const char *name, struct flt_error *err) {
  if (!name || strlen(name) >= IFNAMSIZ) return flt_error_set(err, EINVAL, "link index: bad name");
  unsigned idx = if_nametoindex(name);
  if (idx > 0) return (int)idx;
  if (errno == ENODEV) return 0;
  return flt_error_sys(err, "link index of `%s`", name);
}
