// "Is anybody using this address?" — one ICMP echo before an address is offered for the
// first time (as dnsmasq does), answered asynchronously so the loop never blocks.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "leasedns/core/log.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::io {

class IcmpProbe {
public:
    // in_use: true if an echo reply came back from addr before the timeout.
    using Done = std::function<void(bool in_use)>;

    IcmpProbe(uv_loop_t* loop, const Log& log, uint32_t timeout_ms);
    ~IcmpProbe();
    IcmpProbe(const IcmpProbe&) = delete;
    IcmpProbe& operator=(const IcmpProbe&) = delete;

    // False when no raw socket is available (no CAP_NET_RAW): probing is then disabled.
    bool open();
    bool available() const { return fd_ >= 0; }
    // Probes addr; if a probe for addr is already pending, `done` joins it.
    void probe(Ipv4 addr, Done done);
    void close();

private:
    struct Pending;
    static void on_readable(uv_poll_t* h, int status, int events);
    void finish(Ipv4 addr, bool in_use);

    uv_loop_t* loop_;
    Log log_;
    uint32_t timeout_ms_;
    int fd_ = -1;
    uv_poll_t* poll_ = nullptr;
    uint16_t ident_;
    uint16_t sequence_ = 0;
    std::unordered_map<Ipv4, Pending*> pending_;
};

}  // namespace leasedns::io
