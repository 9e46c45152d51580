// The DHCP server's intake under overload (ROBUSTNESS J3): every loop turn the socket is
// emptied into a bounded queue (dhcp/intake_queue.hpp) and up to kServeBudget requests are
// handled, newest first; requests older than kMaxAgeMs are dropped as stale, and a full
// queue drops its oldest. The kernel's socket queue alone is FIFO: under a sustained
// overload the server would answer only requests whose clients have given up.
//
// Reading a datagram costs a small fraction of handling it, so the socket is emptied each
// turn (DhcpSocket's drain limit) while requests are handled for a bounded time: what
// waits is in our queue, where the newest can be picked, not in the kernel's. While the
// queue holds requests an idle handle keeps the loop turning, so DNS and timers still get
// a turn between two budgets.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>

#include "leasedns/core/bytes.hpp"
#include "leasedns/dhcp/intake_queue.hpp"
#include "leasedns/io/dhcp_socket.hpp"

namespace leasedns::io {

class DhcpIntake {
public:
    static constexpr size_t kCapacity = 1024;       // requests held (~1.5 MiB at most)
    static constexpr size_t kSlotSize = 1536;       // an Ethernet frame's UDP payload
    static constexpr uint64_t kMaxAgeMs = 1000;     // J1: unanswered within 1 s = lost
    static constexpr size_t kServeBudget = 256;     // requests handled per loop turn, at most
    static constexpr uint64_t kTurnNs = 1'000'000;  // and for at most ~1 ms (DNS waits)
    // Datagrams read per readable event: enough to empty the kernel's queue each turn
    // (what stays there is served in FIFO order, late), bounded all the same.
    static constexpr size_t kReadPerTurn = 4096;

    using Handle = std::function<void(Bytes packet, const PacketInfo& info)>;
    using TurnEnd = std::function<void()>;

    // handle: one request (in the queue's order); turn_end: after each turn's requests.
    DhcpIntake(uv_loop_t* loop, Handle handle, TurnEnd turn_end);
    ~DhcpIntake();
    DhcpIntake(const DhcpIntake&) = delete;
    DhcpIntake& operator=(const DhcpIntake&) = delete;

    // A datagram just read from the socket. One larger than a slot is handled at once,
    // in arrival order (rare: clients keep to one frame), so it is never cut.
    void push(Bytes packet, const PacketInfo& info);
    // After a read: the queue is served from the loop's idle phase, one budget per loop
    // turn, so that a DNS query waits for one budget at most, never for a whole burst.
    void arrived();
    // Handles up to kServeBudget queued requests, newest first, then calls turn_end.
    void turn();
    // Forgets what is queued and stops the idle handle (the server stops).
    void close();

    uint64_t stale_drops() const { return queue_.stale_drops(); }
    uint64_t overflow_drops() const { return queue_.overflow_drops(); }
    // Requests handled from the queue, and the sum of the times they waited in it
    // (DHCP-STATS: the mean wait under load shows the newest are served first).
    uint64_t served() const { return served_; }
    uint64_t waited_ms() const { return waited_ms_; }

private:
    static uint64_t now_ns();
    void keep_turning(bool more);

    uv_loop_t* loop_;
    Handle handle_;
    TurnEnd turn_end_;
    dhcp::IntakeQueue<PacketInfo> queue_;
    uv_idle_t* idle_ = nullptr;
    bool idle_active_ = false;
    uint64_t served_ = 0;
    uint64_t waited_ms_ = 0;
};

}  // namespace leasedns::io
