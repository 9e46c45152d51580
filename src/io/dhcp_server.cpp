#include "leasedns/io/dhcp_server.hpp"
#include "leasedns/io/system_clock.hpp"

#include <algorithm>

#include "leasedns/dhcp/codec.hpp"

namespace leasedns::io {

namespace {
constexpr size_t kExpirySlice = 5000;  // ROBUSTNESS J4: bounded expiry work per turn
constexpr int kMaxProbeAttempts = 3;
}  // namespace

DhcpServer::DhcpServer(uv_loop_t* loop, const config::Config& config,
                       std::vector<config::InterfaceAddress> interfaces, leases::LeaseTable& table,
                       JournalWriter& journal, leases::JournalRecorder& recorder, const Log& log,
                       const Clock& clock)
    : loop_(loop),
      config_(config),
      interfaces_(std::move(interfaces)),
      table_(table),
      journal_(journal),
      recorder_(recorder),
      log_(log),
      limited_(log),
      clock_(clock),
      engine_(config, own_addresses(), table),
      socket_(loop, log),
      intake_(
          loop, [this](Bytes p, const PacketInfo& i) { on_packet(p, i); },
          [this] { on_batch_end(); }),
      probe_(loop, log, config.ping_timeout_ms) {
    encode_buffer_.resize(dhcp::kMaxPacketSize);
    // Interfaces to serve: the configured ones, else every non-loopback interface.
    for (const auto& i : interfaces_) {
        bool wanted = config_.interfaces.empty()
                          ? !i.loopback
                          : std::find(config_.interfaces.begin(), config_.interfaces.end(),
                                      i.name) != config_.interfaces.end();
        if (std::find(config_.except_interfaces.begin(), config_.except_interfaces.end(), i.name) !=
            config_.except_interfaces.end())
            wanted = false;
        if (wanted) allowed_ifindexes_.push_back(i.index);
    }
}

DhcpServer::~DhcpServer() = default;

std::vector<Ipv4> DhcpServer::own_addresses() const {
    std::vector<Ipv4> own;
    for (const auto& i : interfaces_) own.push_back(i.addr);
    return own;
}

void DhcpServer::reconfigure(const config::Config& next) {
    config_ = next;
    engine_.reconfigure(config_, own_addresses());
    if (config_.ping && !probe_.available() && !stopping_ && expiry_timer_ && !probe_.open())
        log_.warning("DHCP-NO-PING",
                     "cannot open a raw ICMP socket (needs CAP_NET_RAW); addresses are offered "
                     "without a ping check");
    // Lease times may have changed: nothing to reschedule (existing leases keep theirs).
    arm_expiry();
}

void DhcpServer::start() {
    socket_.open(67, dhcp::kMaxPacketSize);
    if (config_.ping && !probe_.open())
        log_.warning("DHCP-NO-PING",
                     "cannot open a raw ICMP socket (needs CAP_NET_RAW); addresses are offered "
                     "without a ping check");
    // Read wider than we handle per turn: the queue picks the newest (io/dhcp_intake).
    socket_.set_drain_limit(DhcpIntake::kReadPerTurn);
    socket_.start([this](Bytes p, const PacketInfo& i) { intake_.push(p, i); },
                  [this] { intake_.arrived(); });
    expiry_timer_ = new uv_timer_t;
    uv_timer_init(loop_, expiry_timer_);
    expiry_timer_->data = this;
    arm_expiry();
}

bool DhcpServer::interface_allowed(int ifindex) const {
    return std::find(allowed_ifindexes_.begin(), allowed_ifindexes_.end(), ifindex) !=
           allowed_ifindexes_.end();
}

// The address of ours on that interface that lies in a served subnet (an interface may
// carry several addresses; the one on the DHCP subnet is the server identifier).
Ipv4 DhcpServer::dhcp_address_of(int ifindex) const {
    Ipv4 first;
    for (const auto& i : interfaces_) {
        if (i.index != ifindex) continue;
        if (first.is_zero()) first = i.addr;
        for (const auto& r : config_.ranges)
            if (i.prefix.contains(r.start)) return i.addr;
    }
    return first;
}

void DhcpServer::on_packet(Bytes packet, const PacketInfo& info) {
    if (stopping_) return;
    auto& counters = engine_.counters();
    if (!interface_allowed(info.ifindex)) return;  // not an interface we serve: not counted
    dhcp::DecodeError err =
        info.truncated ? dhcp::DecodeError::TooLong : dhcp::decode(packet, request_);
    if (err != dhcp::DecodeError::None) {
        ++counters.dropped[static_cast<size_t>(dhcp::DropReason::Malformed)];
        ++counters.decode_errors[static_cast<size_t>(err)];
        limited_.write(clock_.monotonic_ms(), LogLevel::Warning, "DHCP-MALFORMED",
                       "dropped a malformed packet from " + info.source_addr.str() + ": " +
                           dhcp::describe(err));
        return;
    }
    dhcp::Arrival arrival;
    arrival.ifindex = info.ifindex;
    arrival.source_addr = info.source_addr;
    arrival.source_port = info.source_port;
    arrival.to_broadcast = info.dest_addr.value == 0xffffffffu;
    // A relayed or unicast request names the address it was sent to; a broadcast one
    // arrived on an interface whose DHCP address is ours to use.
    bool to_us = std::any_of(interfaces_.begin(), interfaces_.end(),
                             [&](const auto& i) { return i.addr == info.dest_addr; });
    arrival.local_addr = to_us ? info.dest_addr : dhcp_address_of(info.ifindex);
    process(request_, arrival, info.ifindex, 0);
}

void DhcpServer::process(const dhcp::Message& request, const dhcp::Arrival& arrival, int ifindex,
                         int probe_attempt) {
    const dhcp::Decision& d = engine_.handle(request, arrival, clock_.now());
    if (!d.log_line.empty()) log_.info("DHCP", d.log_line);
    if (d.verdict != dhcp::Verdict::Reply) {
        if (d.drop == dhcp::DropReason::PoolExhausted)
            limited_.write(clock_.monotonic_ms(), LogLevel::Warning, "DHCP-POOL-EXHAUSTED",
                           "no address available for " + request.mac().str());
        return;
    }
    Ipv4 source = d.reply.options.get_ipv4(dhcp::opt::kServerId).value_or(arrival.local_addr);
    if (d.probe_first && probe_.available() && probe_attempt < kMaxProbeAttempts) {
        // Keep what we need: the decision is overwritten by the next packet.
        auto out = std::make_shared<OutPacket>(make_packet(d, ifindex, source));
        auto req = std::make_shared<dhcp::Message>(request);
        Ipv4 addr = d.reply.yiaddr;
        probe_.probe(addr, [this, out, req, arrival, ifindex, probe_attempt, addr](bool in_use) {
            if (stopping_) return;
            if (!in_use) {
                send(*out);
                return;
            }
            log_.warning("DHCP-CONFLICT",
                         addr.str() + " answers ping although nobody leases it; quarantined");
            engine_.report_conflict(addr, clock_.now());
            process(*req, arrival, ifindex, probe_attempt + 1);
            maybe_flush();
        });
        return;
    }
    emit(d, ifindex, source);
}

DhcpServer::OutPacket DhcpServer::make_packet(const dhcp::Decision& d, int ifindex, Ipv4 source) {
    OutPacket p;
    size_t n = dhcp::encode(d.reply, encode_buffer_, d.max_reply_size);
    p.bytes.assign(encode_buffer_.begin(), encode_buffer_.begin() + static_cast<long>(n));
    p.target.source = source;
    switch (d.destination) {
        case dhcp::Destination::Relay:
            p.target.addr = d.destination_addr;
            p.target.port = 67;
            break;
        case dhcp::Destination::Client:
            p.target.addr = d.destination_addr;
            p.target.port = 68;
            break;
        case dhcp::Destination::Broadcast:
            p.target.addr = Ipv4(0xffffffffu);
            p.target.port = 68;
            p.target.ifindex = ifindex;
            break;
        case dhcp::Destination::UnicastHardware:
            p.target.addr = d.destination_addr;
            p.target.port = 68;
            p.target.ifindex = ifindex;
            p.target.arp_mac = d.destination_mac;
            break;
    }
    return p;
}

void DhcpServer::emit(const dhcp::Decision& d, int ifindex, Ipv4 source) {
    if (d.needs_durability) {
        // No ACK before its lease is on disk: it waits for the next journal job.
        waiting_.push_back(make_packet(d, ifindex, source));
        return;
    }
    // OFFER, NAK and INFORM replies commit nothing, so they need not wait.
    send(make_packet(d, ifindex, source));
}

void DhcpServer::send(const OutPacket& p) {
    if (p.on_durable) {
        p.on_durable(true);
        return;
    }
    socket_.send(Bytes(p.bytes), p.target);
}

void DhcpServer::on_batch_end() {
    maybe_flush();
    arm_expiry();
}

void DhcpServer::maybe_flush() {
    if (journal_.busy()) return;  // the completion of the current job calls us again
    if (journal_.failed()) {
        // ROBUSTNESS D5/D6: never acknowledge what could not be made durable. The replies
        // wait for the next attempt (one a second: on_expiry_timer) and go out only if
        // it succeeds; the table keeps the changes, so the journal must get them too.
        if (stopping_) {
            finish_stop();
            return;
        }
        if (!journal_.retry_due()) return;
        if (journal_.needs_rewrite()) {
            // After a failed fsync: every lease in memory (all that was ever ACKed among
            // them) into a new file. The pending records are in the snapshot.
            std::vector<uint8_t> covered;
            recorder_.take_pending(covered);
            in_flight_.swap(waiting_);
            journal_.rewrite_async(leases::snapshot_journal(table_, clock_.now()),
                                   [this](bool ok) { on_flushed(ok); });
            return;
        }
        // Degraded (disk full): the append below carries the unwritten backlog first.
    } else if (snapshot_wanted_ && !stopping_ && journal_.may_compact()) {
        // After a clock step the journal's expiry times are in the old time: a snapshot of
        // the table (pending records included) is written aside and renamed over it. If
        // that fails the old journal stays, the replies it would have covered are not
        // sent, and the snapshot is tried again once compaction is allowed again.
        snapshot_wanted_ = false;
        std::vector<uint8_t> covered;
        recorder_.take_pending(covered);
        in_flight_.swap(waiting_);
        journal_.compact_async(leases::snapshot_journal(table_, clock_.now()), [this](bool ok) {
            if (!ok) snapshot_wanted_ = true;
            on_flushed(ok);
        });
        return;
    } else if (!recorder_.has_pending()) {
        // Nothing to sync: replies queued behind an earlier job can go now.
        for (const auto& p : waiting_) send(p);
        waiting_.clear();
        if (stopping_) finish_stop();
        return;
    }
    std::vector<uint8_t> batch;
    recorder_.take_pending(batch);
    in_flight_.swap(waiting_);
    journal_.append_async(std::move(batch), [this](bool ok) { on_flushed(ok); });
}

void DhcpServer::on_flushed(bool ok) {
    if (ok) {
        for (const auto& p : in_flight_) send(p);
    } else {
        drop_unsynced(in_flight_);
    }
    in_flight_.clear();
    if (!ok) arm_expiry();  // its timer also paces the journal's retries
    if (ok && !recorder_.has_pending() && !stopping_ && journal_.may_compact()) {
        // Compact when the journal is mostly history: a fresh snapshot, written aside and
        // renamed over it (never rewritten in place).
        uint64_t live_estimate = 64 + table_.entry_count() * 64;
        if (journal_.file_size() > std::max<uint64_t>(4u << 20, live_estimate * 4)) {
            auto snapshot = leases::snapshot_journal(table_, clock_.now());
            in_flight_.swap(waiting_);
            journal_.compact_async(std::move(snapshot), [this](bool ok2) { on_flushed(ok2); });
            return;
        }
    }
    maybe_flush();
}

void DhcpServer::drop_unsynced(std::vector<OutPacket>& packets) {
    for (const auto& p : packets) {
        if (p.on_durable)
            p.on_durable(false);
        else
            ++dropped_unsynced_;
    }
    packets.clear();
}

void DhcpServer::commit(std::function<void(bool ok)> done) {
    if (stopping_) {
        done(false);
        return;
    }
    OutPacket p;
    p.on_durable = std::move(done);
    waiting_.push_back(std::move(p));  // behind the replies already waiting, like an ACK
    maybe_flush();
}

void DhcpServer::arm_expiry() {
    if (!expiry_timer_ || stopping_) return;
    auto next = table_.next_expiry();
    if (!next && !journal_.failed()) {
        uv_timer_stop(expiry_timer_);
        return;
    }
    WallSeconds now = clock_.now();
    // Leases already due: 1 ms, not 0. libuv < 1.48 runs a 0 ms timer started from its own
    // callback again in the same timer pass (libuv#4245) without polling I/O, so the bounded
    // slices would run back to back and stall DNS and DHCP (ROBUSTNESS J4).
    uint64_t delay_ms = !next          ? 10'000
                        : *next <= now ? 1
                                       : static_cast<uint64_t>(*next - now) * 1000;
    // While there are leases, look at least every 10 s whether the wall clock was stepped
    // (follow_clock_steps: a Pi without RTC when NTP sets its time): two clock reads.
    delay_ms = std::min<uint64_t>(delay_ms, 10'000);
    if (journal_.failed() && !journal_.busy()) {
        // The journal's next attempt (ROBUSTNESS D5/D6), also when no packet comes.
        uint64_t now_ms = uv_now(loop_);
        uint64_t at = journal_.retry_at_ms();
        delay_ms = std::min<uint64_t>(delay_ms, at > now_ms ? at - now_ms : 1);
    }
    uv_timer_start(
        expiry_timer_, [](uv_timer_t* t) { static_cast<DhcpServer*>(t->data)->on_expiry_timer(); },
        delay_ms, 0);
}

void DhcpServer::on_expiry_timer() {
    if (take_step_)
        if (int64_t step = take_step_()) on_clock_step(step);
    table_.expire_due(clock_.now(), kExpirySlice);
    maybe_flush();
    arm_expiry();
}

void DhcpServer::on_clock_step(int64_t seconds) {
    // Lease lifetimes went on while the wall clock was stepped: they are measured on the
    // monotonic clock, so an expiry moves by the step. Without this a Pi whose clock NTP
    // sets a day ahead would expire every lease at once, and one set back an hour would
    // keep every lease an hour too long.
    table_.shift_times(seconds);
    snapshot_wanted_ = true;
    log_.notice("CLOCK-STEP", "the wall clock was stepped by " + std::to_string(seconds) +
                                  " s; lease expiry times moved with it (remaining lifetimes "
                                  "kept), the journal is rewritten");
}

void DhcpServer::correct_clock_behind() {
    WallSeconds now = clock_.now();
    WallSeconds latest = 0;
    table_.for_each([&](const leases::Lease& l) { latest = std::max(latest, l.granted); });
    int64_t behind = latest - now;
    if (behind < SystemClock::kStepSeconds) return;
    table_.shift_times(-behind);
    snapshot_wanted_ = true;
    log_.warning("CLOCK-BEHIND", "the journal's last grant is " + std::to_string(behind) +
                                     " s later than the wall clock (no real-time clock, or "
                                     "the clock was set back): lease expiry times moved back "
                                     "by as much, the journal is rewritten");
}

void DhcpServer::log_statistics() const {
    const auto& c = engine_.counters();
    static const char* kTypes[] = {"",    "discover", "offer",   "request", "decline",
                                   "ack", "nak",      "release", "inform"};
    std::string line = "leases " + std::to_string(table_.bound_count()) + "; received";
    for (size_t t = 1; t < c.received_by_type.size(); ++t)
        if (c.received_by_type[t])
            line += " " + std::string(kTypes[t]) + "=" + std::to_string(c.received_by_type[t]);
    line += "; sent offer=" + std::to_string(c.offers) + " ack=" + std::to_string(c.acks) +
            " nak=" + std::to_string(c.naks) + "; dropped";
    for (size_t r = 1; r < c.dropped.size(); ++r)
        if (c.dropped[r])
            line += " " + std::string(dhcp::name_of(static_cast<dhcp::DropReason>(r))) + "=" +
                    std::to_string(c.dropped[r]);
    line += "; journal syncs=" + std::to_string(journal_.syncs()) +
            " bytes=" + std::to_string(journal_.file_size()) +
            " state=" + name_of(journal_.health()) +
            " faults=" + std::to_string(journal_.faults()) +
            "; unsynced replies dropped=" + std::to_string(dropped_unsynced_) +
            "; overload drops stale=" + std::to_string(intake_.stale_drops()) +
            " overflow=" + std::to_string(intake_.overflow_drops()) +
            " served=" + std::to_string(intake_.served()) +
            " waited_ms=" + std::to_string(intake_.waited_ms()) +
            "; send errors=" + std::to_string(socket_.send_errors()) +
            " broadcast for want of an ARP entry=" + std::to_string(socket_.unicast_fallbacks());
    log_.notice("DHCP-STATS", line);
}

void DhcpServer::stop(std::function<void()> done) {
    stopping_ = true;
    stopped_ = std::move(done);
    socket_.close();
    intake_.close();
    probe_.close();
    if (expiry_timer_) {
        uv_timer_stop(expiry_timer_);
        uv_close(reinterpret_cast<uv_handle_t*>(expiry_timer_),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
        expiry_timer_ = nullptr;
    }
    if (!journal_.busy()) finish_stop();
}

void DhcpServer::finish_stop() {
    if (!stopped_) return;
    bool synced = !journal_.failed();
    if (recorder_.has_pending() && synced) {
        std::vector<uint8_t> batch;
        recorder_.take_pending(batch);
        synced = journal_.append_sync(batch);
    }
    for (const auto& p : waiting_)
        if (p.on_durable) p.on_durable(synced);
    waiting_.clear();
    auto done = std::move(stopped_);
    stopped_ = nullptr;
    done();
}

}  // namespace leasedns::io
