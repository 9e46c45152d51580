#include "leasedns/io/icmp_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "polled_fd.hpp"

namespace leasedns::io {

struct IcmpProbe::Pending {
    IcmpProbe* owner;
    Ipv4 addr;
    uv_timer_t timer;
    std::vector<Done> waiters;
};

namespace {

uint16_t checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
    if (n & 1) sum += uint32_t{p[n - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace

IcmpProbe::IcmpProbe(uv_loop_t* loop, const Log& log, uint32_t timeout_ms)
    : loop_(loop),
      log_(log),
      timeout_ms_(timeout_ms),
      ident_(static_cast<uint16_t>(::getpid() & 0xffff)) {}

IcmpProbe::~IcmpProbe() {
    close();
}

bool IcmpProbe::open() {
    fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd_ < 0) return false;
    poll_ = new uv_poll_t;
    uv_poll_init(loop_, poll_, fd_);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &IcmpProbe::on_readable);
    return true;
}

void IcmpProbe::probe(Ipv4 addr, Done done) {
    if (auto it = pending_.find(addr); it != pending_.end()) {
        it->second->waiters.push_back(std::move(done));
        return;
    }
    uint8_t packet[16] = {};
    packet[0] = ICMP_ECHO;
    uint16_t seq = ++sequence_;
    packet[4] = static_cast<uint8_t>(ident_ >> 8);
    packet[5] = static_cast<uint8_t>(ident_);
    packet[6] = static_cast<uint8_t>(seq >> 8);
    packet[7] = static_cast<uint8_t>(seq);
    std::memcpy(packet + 8, "leasedns", 8);
    uint16_t sum = checksum(packet, sizeof packet);
    packet[2] = static_cast<uint8_t>(sum >> 8);
    packet[3] = static_cast<uint8_t>(sum);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(addr.value);
    if (::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
        done(false);  // cannot probe (no route...): do not hold the client up
        return;
    }
    auto* p = new Pending{this, addr, {}, {}};
    p->waiters.push_back(std::move(done));
    uv_timer_init(loop_, &p->timer);
    p->timer.data = p;
    uv_timer_start(
        &p->timer,
        [](uv_timer_t* t) {
            auto* pending = static_cast<Pending*>(t->data);
            pending->owner->finish(pending->addr, false);
        },
        timeout_ms_, 0);
    pending_.emplace(addr, p);
}

void IcmpProbe::on_readable(uv_poll_t* h, int status, int) {
    auto* self = static_cast<IcmpProbe*>(h->data);
    if (status < 0) return;
    for (int i = 0; i < 64; ++i) {
        uint8_t buf[1500];
        sockaddr_in from{};
        socklen_t flen = sizeof from;
        ssize_t n = ::recvfrom(self->fd_, buf, sizeof buf, MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &flen);
        if (n <= 0) return;
        // Raw ICMP sockets deliver the IP header first.
        size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
        if (static_cast<size_t>(n) < ihl + 8) continue;
        const uint8_t* icmp = buf + ihl;
        if (icmp[0] != ICMP_ECHOREPLY) continue;
        uint16_t ident = static_cast<uint16_t>((icmp[4] << 8) | icmp[5]);
        if (ident != self->ident_) continue;
        self->finish(Ipv4(ntohl(from.sin_addr.s_addr)), true);
    }
}

void IcmpProbe::finish(Ipv4 addr, bool in_use) {
    auto it = pending_.find(addr);
    if (it == pending_.end()) return;
    Pending* p = it->second;
    pending_.erase(it);
    uv_timer_stop(&p->timer);
    auto waiters = std::move(p->waiters);
    uv_close(reinterpret_cast<uv_handle_t*>(&p->timer),
             [](uv_handle_t* h) { delete static_cast<Pending*>(h->data); });
    for (auto& w : waiters) w(in_use);
}

void IcmpProbe::close() {
    while (!pending_.empty()) finish(pending_.begin()->first, false);
    close_polled_fd(poll_, fd_);
}

}  // namespace leasedns::io
