#include "leasedns/io/dhcp_socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "polled_fd.hpp"
#include "sockaddr.hpp"

namespace leasedns::io {

DhcpSocket::DhcpSocket(uv_loop_t* loop, const Log& log) : loop_(loop), log_(log) {}

DhcpSocket::~DhcpSocket() {
    close();
}

void DhcpSocket::open(uint16_t port, size_t max_packet) {
    max_packet_ = max_packet;
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("DHCP socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    ::setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    int rcvbuf = 4 << 20;  // absorb bursts (J2 avalanche) while a sync is in flight
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr = to_sockaddr(Ipv4(), port);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("cannot bind DHCP port " + std::to_string(port) + ": " +
                                 std::strerror(e) +
                                 (e == EACCES       ? " (run as root or with CAP_NET_BIND_SERVICE)"
                                  : e == EADDRINUSE ? " (is another DHCP server running?)"
                                                    : ""));
    }
    buffers_ = std::make_unique_for_overwrite<uint8_t[]>(kBatch * (max_packet_ + 1));
}

void DhcpSocket::start(OnPacket on_packet, OnBatchEnd on_batch_end) {
    on_packet_ = std::move(on_packet);
    on_batch_end_ = std::move(on_batch_end);
    poll_ = new uv_poll_t;
    uv_poll_init(loop_, poll_, fd_);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &DhcpSocket::on_readable);
}

void DhcpSocket::on_readable(uv_poll_t* handle, int status, int) {
    auto* self = static_cast<DhcpSocket*>(handle->data);
    if (status < 0) return;
    self->drain();
    if (self->on_batch_end_) self->on_batch_end_();
}

void DhcpSocket::drain() {
    // recvmmsg: up to kBatch datagrams per system call; at most a few calls per wake-up
    // so that timers and the journal's completions are not starved under a flood.
    const size_t slot = max_packet_ + 1;
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iovs{};
    std::array<sockaddr_in, kBatch> from{};
    alignas(cmsghdr) static thread_local std::array<std::array<uint8_t, 64>, kBatch> controls;
    for (size_t round = 0; round < drain_rounds_; ++round) {
        for (size_t i = 0; i < kBatch; ++i) {
            iovs[i] = {buffers_.get() + i * slot, slot};
            msgs[i].msg_hdr = {};
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = controls[i].data();
            msgs[i].msg_hdr.msg_controllen = controls[i].size();
        }
        int n = ::recvmmsg(fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        for (int i = 0; i < n; ++i) {
            PacketInfo info;
            info.source_addr = Ipv4(ntohl(from[i].sin_addr.s_addr));
            info.source_port = ntohs(from[i].sin_port);
            info.truncated =
                (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) || msgs[i].msg_len > max_packet_;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
                 c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                    in_pktinfo pi;
                    std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                    info.ifindex = pi.ipi_ifindex;
                    info.local_addr = Ipv4(ntohl(pi.ipi_spec_dst.s_addr));
                    info.dest_addr = Ipv4(ntohl(pi.ipi_addr.s_addr));
                }
            }
            size_t len = std::min<size_t>(msgs[i].msg_len, max_packet_);
            on_packet_(Bytes(buffers_.get() + i * slot, len), info);
        }
        if (static_cast<size_t>(n) < kBatch) return;
    }
}

bool DhcpSocket::set_arp(Ipv4 addr, const Mac& mac, int ifindex) {
    arpreq req{};
    sockaddr_in pa = to_sockaddr(addr, 0);
    std::memcpy(&req.arp_pa, &pa, sizeof pa);
    req.arp_ha.sa_family = ARPHRD_ETHER;
    std::memcpy(req.arp_ha.sa_data, mac.octets.data(), 6);
    req.arp_flags = ATF_COM;
    char name[IF_NAMESIZE] = {};
    if (!if_indextoname(static_cast<unsigned>(ifindex), name)) return false;
    std::memcpy(req.arp_dev, name, sizeof req.arp_dev - 1);
    return ::ioctl(fd_, SIOCSARP, &req) == 0;
}

bool DhcpSocket::send(Bytes data, const SendTarget& target) {
    if (fd_ < 0) return false;
    Ipv4 dest = target.addr;
    if (target.arp_mac && !set_arp(target.addr, *target.arp_mac, target.ifindex)) {
        // The kernel's neighbour table is full (gc_thresh3 counts the entries of every
        // network namespace on the machine) or refused the entry: RFC 2131 §4.1 lets a
        // server that cannot unicast to a client without an address broadcast instead.
        // Sending to yiaddr anyway would ARP for an address nobody holds yet, and the
        // reply would be lost.
        int err = errno;
        if (unicast_fallbacks_++ == 0)
            log_.warning("DHCP-ARP-FAILED",
                         std::string("cannot write the ARP entry for ") + target.addr.str() + " (" +
                             std::strerror(err) +
                             "); replies to clients without an address are broadcast while "
                             "this lasts (net.ipv4.neigh.default.gc_thresh3?)");
        dest = Ipv4(0xffffffffu);
    }
    sockaddr_in to = to_sockaddr(dest, target.port);
    iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    if (target.ifindex > 0 || !target.source.is_zero()) {
        // Choose the outgoing interface and source address (essential for broadcasts on
        // a machine with several interfaces).
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo pi{};
        pi.ipi_ifindex = target.ifindex;
        pi.ipi_spec_dst.s_addr = htonl(target.source.value);
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
    for (;;) {
        ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT);
        if (n >= 0) return true;
        if (errno == EINTR) continue;
        ++send_errors_;
        return false;
    }
}

void DhcpSocket::close() {
    close_polled_fd(poll_, fd_);
}

}  // namespace leasedns::io
