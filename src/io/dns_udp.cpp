#include "leasedns/io/dns_udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "polled_fd.hpp"
#include "sockaddr.hpp"

namespace leasedns::io {

namespace {

constexpr size_t kReceiveSlot = DnsUdpSocket::kMaxQuery + 1;  // +1 to notice oversize
constexpr int kRoundsPerWakeup = 8;  // then yield to timers and other sockets

}  // namespace

DnsUdpSocket::DnsUdpSocket(uv_loop_t* loop, Ipv4 addr, uint16_t port,
                           std::span<uint8_t> reply_arena)
    : loop_(loop), addr_(addr), port_(port), reply_arena_(reply_arena) {}

DnsUdpSocket::~DnsUdpSocket() {
    close();
}

void DnsUdpSocket::open() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("DNS UDP socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rcvbuf = 4 << 20;  // absorb bursts while the loop is busy elsewhere
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in sa = to_sockaddr(addr_, port_);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("cannot bind DNS UDP " + addr_.str() + ":" +
                                 std::to_string(port_) + ": " + std::strerror(e) +
                                 (e == EACCES       ? " (run as root or with CAP_NET_BIND_SERVICE)"
                                  : e == EADDRINUSE ? " (is another DNS server running?)"
                                                    : ""));
    }
    receive_buffers_ = std::make_unique_for_overwrite<uint8_t[]>(kBatch * kReceiveSlot);
}

void DnsUdpSocket::start(Handler handler) {
    handler_ = std::move(handler);
    poll_ = new uv_poll_t;
    uv_poll_init(loop_, poll_, fd_);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &DnsUdpSocket::on_readable);
}

void DnsUdpSocket::on_readable(uv_poll_t* handle, int status, int) {
    if (status < 0) return;
    static_cast<DnsUdpSocket*>(handle->data)->drain();
}

void DnsUdpSocket::drain() {
    const size_t reply_slot = reply_arena_.size() / kBatch;
    std::array<mmsghdr, kBatch> in{};
    std::array<iovec, kBatch> in_iov{};
    std::array<sockaddr_in, kBatch> from{};
    std::array<mmsghdr, kBatch> out{};
    std::array<iovec, kBatch> out_iov{};
    for (int round = 0; round < kRoundsPerWakeup && fd_ >= 0; ++round) {
        for (size_t i = 0; i < kBatch; ++i) {
            in_iov[i] = {receive_buffers_.get() + i * kReceiveSlot, kReceiveSlot};
            in[i].msg_hdr = {};
            in[i].msg_hdr.msg_name = &from[i];
            in[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            in[i].msg_hdr.msg_iov = &in_iov[i];
            in[i].msg_hdr.msg_iovlen = 1;
        }
        int n = ::recvmmsg(fd_, in.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        counters_.received += static_cast<uint64_t>(n);
        size_t replies = 0;
        for (int i = 0; i < n; ++i) {
            if ((in[i].msg_hdr.msg_flags & MSG_TRUNC) || in[i].msg_len > kMaxQuery) {
                ++counters_.oversized;
                continue;
            }
            Ipv4 client(ntohl(from[i].sin_addr.s_addr));
            uint16_t client_port = ntohs(from[i].sin_port);
            std::span<uint8_t> slot = reply_arena_.subspan(replies * reply_slot, reply_slot);
            Bytes reply = handler_(Bytes(receive_buffers_.get() + i * kReceiveSlot, in[i].msg_len),
                                   client, client_port, slot);
            if (reply.empty() || fd_ < 0) continue;
            out_iov[replies] = {const_cast<uint8_t*>(reply.data()), reply.size()};
            out[replies].msg_hdr = {};
            out[replies].msg_hdr.msg_name = &from[i];
            out[replies].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            out[replies].msg_hdr.msg_iov = &out_iov[replies];
            out[replies].msg_hdr.msg_iovlen = 1;
            ++replies;
        }
        // One sendmmsg for the batch; a datagram the kernel refuses (full buffer, no
        // route) is counted and skipped, never retried (the client will retry).
        size_t done = 0;
        while (done < replies && fd_ >= 0) {
            int sent = ::sendmmsg(fd_, out.data() + done, static_cast<unsigned>(replies - done),
                                  MSG_DONTWAIT);
            if (sent < 0) {
                if (errno == EINTR) continue;
                ++counters_.send_errors;
                ++done;
                continue;
            }
            counters_.sent += static_cast<uint64_t>(sent);
            done += static_cast<size_t>(sent);
        }
        if (static_cast<size_t>(n) < kBatch) return;
    }
}

bool DnsUdpSocket::send_to(Bytes data, Ipv4 to, uint16_t port) {
    if (fd_ < 0) return false;
    sockaddr_in sa = to_sockaddr(to, port);
    for (;;) {
        ssize_t n = ::sendto(fd_, data.data(), data.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (n >= 0) {
            ++counters_.sent;
            return true;
        }
        if (errno == EINTR) continue;
        ++counters_.send_errors;
        return false;
    }
}

void DnsUdpSocket::close() {
    close_polled_fd(poll_, fd_);
}

}  // namespace leasedns::io
