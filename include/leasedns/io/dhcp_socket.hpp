// The DHCP server socket: UDP port 67 on all addresses with IP_PKTINFO, so we learn the
// interface and our address for each request and can send replies out of the right
// interface; replies to clients that have no address yet go through an ARP entry we
// write ourselves (as dnsmasq does), so clients that never set the broadcast bit work.
#pragma once
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::io {

struct PacketInfo {
    int ifindex = 0;
    Ipv4 local_addr;  // ipi_spec_dst: the address a reply would come from
    Ipv4 dest_addr;   // ipi_addr: where the datagram was sent
    Ipv4 source_addr;
    uint16_t source_port = 0;
    bool truncated = false;  // larger than the receive buffer (dropped as too long)
};

struct SendTarget {
    Ipv4 addr;
    uint16_t port = 68;
    int ifindex = 0;             // send out of this interface (0 = routing decides)
    Ipv4 source;                 // our address to send from (server identifier)
    std::optional<Mac> arp_mac;  // write addr -> mac into the ARP table first
};

class DhcpSocket {
public:
    using OnPacket = std::function<void(Bytes packet, const PacketInfo& info)>;
    using OnBatchEnd = std::function<void()>;

    DhcpSocket(uv_loop_t* loop, const Log& log);
    ~DhcpSocket();
    DhcpSocket(const DhcpSocket&) = delete;
    DhcpSocket& operator=(const DhcpSocket&) = delete;

    // Binds 0.0.0.0:port. Throws std::runtime_error with the reason on failure.
    void open(uint16_t port, size_t max_packet);
    // Calls on_packet for each datagram, then on_batch_end once per readable event.
    void start(OnPacket on_packet, OnBatchEnd on_batch_end);
    // At most this many datagrams are read per readable event (default 256).
    void set_drain_limit(size_t datagrams) { drain_rounds_ = (datagrams + kBatch - 1) / kBatch; }
    bool send(Bytes data, const SendTarget& target);
    void close();

    uint64_t send_errors() const { return send_errors_; }
    // Replies to address-less clients broadcast because the ARP entry could not be written.
    uint64_t unicast_fallbacks() const { return unicast_fallbacks_; }

private:
    static void on_readable(uv_poll_t* handle, int status, int events);
    void drain();
    bool set_arp(Ipv4 addr, const Mac& mac, int ifindex);

    uv_loop_t* loop_;
    Log log_;
    int fd_ = -1;
    uv_poll_t* poll_ = nullptr;
    size_t max_packet_ = 4096;
    OnPacket on_packet_;
    OnBatchEnd on_batch_end_;
    static constexpr size_t kBatch = 32;
    size_t drain_rounds_ = 8;
    // kBatch slots of max_packet + 1 bytes, not zero-filled: the pages become resident
    // only when a burst of requests reaches them.
    std::unique_ptr<uint8_t[]> buffers_;
    uint64_t send_errors_ = 0;
    uint64_t unicast_fallbacks_ = 0;
};

}  // namespace leasedns::io
