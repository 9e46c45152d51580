// The control socket (leasectl(1)): a Unix stream socket, one request per line, one JSON
// response per request (control/protocol.hpp). This file only moves bytes and enforces the
// limits that keep an abusive peer cheap (ROBUSTNESS K): lines of at most 4096 bytes,
// 16 connections, 10 s idle, a bounded output queue. What is answered is decided by
// control::answer from a control::Backend; DaemonBackend is the daemon's.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/control/service.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dhcp/counters.hpp"
#include "leasedns/dns/cache.hpp"
#include "leasedns/dns/forwarder.hpp"
#include "leasedns/dns/query_path.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

class DhcpServer;
class JournalWriter;

struct ControlLimits {
    size_t max_connections = 16;
    uint64_t idle_timeout_ms = 10'000;
    size_t max_output_bytes = 4u << 20;  // unread responses before we stop reading
};

class ControlServer {
public:
    ControlServer(uv_loop_t* loop, control::Backend& backend, const Log& log,
                  ControlLimits limits = {});
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates the parent directory if missing, removes a stale socket file (refuses when
    // another process answers on it, or when the path is not a socket), binds, sets mode
    // 0660 and, when `owner` names a user, gives the file (and a directory we created) to
    // that user and its group. Throws std::runtime_error.
    void start(const std::string& path, const std::string& owner = "");
    // Closes the listener and every connection; removes the socket file if it is ours.
    void stop();

    size_t connections() const { return connections_.size(); }

private:
    struct Connection;
    void on_connection();
    void on_read(Connection& c, ssize_t n, const uv_buf_t* buf);
    void process(Connection& c);
    void write(Connection& c, std::string line);
    void close(uint64_t id);
    void touch(Connection& c);
    void update_reading(Connection& c);

    uv_loop_t* loop_;
    control::Backend& backend_;
    Log log_;
    ControlLimits limits_;
    uv_pipe_t* listener_ = nullptr;
    std::string path_;
    uint64_t inode_ = 0;  // of the socket file we made: never remove someone else's
    uint64_t next_id_ = 1;
    std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
    uint64_t rejected_ = 0;
};

// The daemon's answers. What lives behind another object's interface comes in through
// hooks, set by the wiring; a hook left empty makes that part answer "not available".
class DaemonBackend final : public control::Backend {
public:
    struct Hooks {
        // Makes the lease changes made so far durable; calls back with false when the
        // journal failed (DhcpServer::commit).
        std::function<void(std::function<void(bool ok)>)> commit;
        // dns::Zone::describe_records through io::DnsService; false when DNS is off.
        std::function<bool(std::vector<std::string>&)> records;
        // DNS counters (DnsService): appended to `stats`.
        std::function<void(std::vector<control::Counter>&)> dns_counters;
        // Configuration reload (SIGHUP's twin).
        std::function<void(control::Completion)> reload;
    };

    DaemonBackend(const config::Config& config, leases::LeaseTable& table, const Clock& clock);

    void set_config(const config::Config& config) { config_ = &config; }
    void set_dhcp(const DhcpServer* dhcp, const JournalWriter* journal) {
        dhcp_ = dhcp;
        journal_ = journal;
    }
    Hooks& hooks() { return hooks_; }

    WallSeconds now() const override { return clock_.now(); }
    std::string version() const override;
    std::vector<leases::Lease> leases() const override;
    bool records(std::vector<std::string>& lines) const override;
    std::vector<control::ReservationRow> reservations() const override;
    std::vector<control::Counter> counters() const override;
    void release(Ipv4 addr, control::Completion done) override;
    void reload(control::Completion done) override;

private:
    const config::Config* config_;
    leases::LeaseTable& table_;
    const Clock& clock_;
    const DhcpServer* dhcp_ = nullptr;
    const JournalWriter* journal_ = nullptr;
    Hooks hooks_;
};

// Counters for `stats`, one section each ("dhcp", "dns", "cache", "forwarder").
void append_dhcp_counters(std::vector<control::Counter>& out, const dhcp::Counters& c);
void append_dns_counters(std::vector<control::Counter>& out, const dns::QueryCounters& q,
                         const dns::CacheCounters& cache, const dns::ForwarderCounters& f);

}  // namespace leasedns::io
