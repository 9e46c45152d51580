// Wires the DHCP socket, the engine, the lease table and the journal together. The data
// path (ARCHITECTURE.md): bytes -> decode -> Engine::handle -> table events -> journal
// buffer; replies that announce a lease change wait until the journal job holding that
// change has been fdatasync'd; one job per loop iteration batch (group commit).
#pragma once
#include <uv.h>

#include <memory>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dhcp/engine.hpp"
#include "leasedns/io/dhcp_intake.hpp"
#include "leasedns/io/dhcp_socket.hpp"
#include "leasedns/io/icmp_probe.hpp"
#include "leasedns/io/journal_writer.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

class DhcpServer {
public:
    DhcpServer(uv_loop_t* loop, const config::Config& config,
               std::vector<config::InterfaceAddress> interfaces, leases::LeaseTable& table,
               JournalWriter& journal, leases::JournalRecorder& recorder, const Log& log,
               const Clock& clock);
    ~DhcpServer();

    // Opens the socket (throws on failure) and starts serving.
    void start();
    // Stops reading; once the journal is idle, writes what is pending synchronously,
    // sends the replies it covered and calls `done`.
    void stop(std::function<void()> done);
    // Makes the lease changes made so far durable: done(true) once the journal job holding
    // them is synced, done(false) if the journal failed (leasectl lease release).
    void commit(std::function<void(bool ok)> done);

    // Reload (io/reloader): serves `next` from now on: ranges, reservations, options,
    // lease times, authoritative, ping... (Engine::reconfigure). Leases are kept. The
    // interfaces and the socket stay as they are: the Reloader has already put the running
    // values of the settings that need a restart into `next`.
    void reconfigure(const config::Config& next);

    const dhcp::Counters& counters() const { return engine_.counters(); }
    // ROBUSTNESS C6: names the DNS zone answers statically are never given to clients.
    void set_name_guard(dhcp::Engine::NameGuard guard) { engine_.set_name_guard(std::move(guard)); }
    // ROBUSTNESS D8: `take_step` (SystemClock::follow_wall_clock) is asked at every expiry
    // check, at least every 10 s while there are leases; when the wall clock was stepped, every
    // lease's expiry moves with it (each keeps its remaining lifetime) and the journal is
    // rewritten.
    // ROBUSTNESS D8, at start after the journal is loaded: a lease granted later than "now"
    // means the wall clock is behind (a Pi without RTC before NTP has set it, or set
    // back). Each lease then keeps the lifetime it had at the last grant, counted from now
    // (as dnsmasq built for a broken RTC keeps lease lengths), so a later step forward
    // cannot make it outlive its grant by more than the time the server was down.
    void correct_clock_behind();
    void follow_clock_steps(std::function<int64_t()> take_step) {
        take_step_ = std::move(take_step);
    }
    // One log line with the packet, drop and journal counters (SIGUSR1, as dnsmasq).
    void log_statistics() const;

private:
    struct OutPacket {
        std::vector<uint8_t> bytes;
        SendTarget target;
        std::function<void(bool ok)> on_durable;  // commit(): a callback, not a packet
    };

    void on_packet(Bytes packet, const PacketInfo& info);
    void process(const dhcp::Message& request, const dhcp::Arrival& arrival, int ifindex,
                 int probe_attempt);
    void emit(const dhcp::Decision& d, int ifindex, Ipv4 source);
    void on_batch_end();
    void maybe_flush();
    void on_flushed(bool ok);
    void arm_expiry();
    void on_expiry_timer();
    void on_clock_step(int64_t seconds);
    bool interface_allowed(int ifindex) const;
    Ipv4 dhcp_address_of(int ifindex) const;
    OutPacket make_packet(const dhcp::Decision& d, int ifindex, Ipv4 source);
    void send(const OutPacket& p);
    void finish_stop();
    void drop_unsynced(std::vector<OutPacket>& packets);
    std::vector<Ipv4> own_addresses() const;

    uv_loop_t* loop_;
    config::Config config_;
    std::vector<config::InterfaceAddress> interfaces_;
    leases::LeaseTable& table_;
    JournalWriter& journal_;
    leases::JournalRecorder& recorder_;
    Log log_;
    RateLimitedLog limited_;
    const Clock& clock_;
    dhcp::Engine engine_;
    DhcpSocket socket_;
    DhcpIntake intake_;  // ROBUSTNESS J3: newest requests first under overload
    IcmpProbe probe_;
    uv_timer_t* expiry_timer_ = nullptr;
    dhcp::Message request_;  // reused for every packet
    std::vector<uint8_t> encode_buffer_;
    std::vector<OutPacket> waiting_;    // need the next journal job
    std::vector<OutPacket> in_flight_;  // covered by the job in progress
    std::vector<int> allowed_ifindexes_;
    bool stopping_ = false;
    std::function<int64_t()> take_step_;
    bool snapshot_wanted_ = false;  // after a clock step: the journal's times are old
    std::function<void()> stopped_;
    uint64_t dropped_unsynced_ = 0;
};

}  // namespace leasedns::io
