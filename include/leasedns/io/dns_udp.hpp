// One DNS UDP socket bound to one of our addresses (dnsmasq's --bind-interfaces style):
// a reply always leaves from the address the query was sent to, without IP_PKTINFO.
// Datagrams are read in batches with recvmmsg and the replies of a batch are sent with
// one sendmmsg; buffers are allocated once, so the hot path allocates nothing.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::io {

struct DnsUdpCounters {
    uint64_t received = 0, sent = 0, send_errors = 0, oversized = 0;
};

class DnsUdpSocket {
public:
    static constexpr size_t kBatch = 32;
    static constexpr size_t kMaxQuery = 4096;  // larger UDP queries are not DNS we answer

    // Returns the reply to send to (from, port) — a view into `out` — or an empty span.
    using Handler =
        std::function<Bytes(Bytes packet, Ipv4 from, uint16_t port, std::span<uint8_t> out)>;

    // `reply_arena` holds kBatch reply slots of `slot_size` bytes each; it may be shared by
    // every socket of the loop (one socket is drained at a time).
    DnsUdpSocket(uv_loop_t* loop, Ipv4 addr, uint16_t port, std::span<uint8_t> reply_arena);
    ~DnsUdpSocket();
    DnsUdpSocket(const DnsUdpSocket&) = delete;
    DnsUdpSocket& operator=(const DnsUdpSocket&) = delete;

    // Binds addr:port with SO_REUSEADDR. Throws std::runtime_error with the reason.
    void open();
    void start(Handler handler);
    // A single reply outside a batch (answers from upstream).
    bool send_to(Bytes data, Ipv4 to, uint16_t port);
    void close();

    Ipv4 address() const { return addr_; }
    const DnsUdpCounters& counters() const { return counters_; }

private:
    static void on_readable(uv_poll_t* handle, int status, int events);
    void drain();

    uv_loop_t* loop_;
    Ipv4 addr_;
    uint16_t port_;
    std::span<uint8_t> reply_arena_;
    int fd_ = -1;
    uv_poll_t* poll_ = nullptr;
    Handler handler_;
    std::unique_ptr<uint8_t[]> receive_buffers_;
    DnsUdpCounters counters_;
};

}  // namespace leasedns::io
