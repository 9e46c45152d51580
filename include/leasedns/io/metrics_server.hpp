// The Prometheus endpoint (--metrics-listen): a TCP listener on a loopback address that
// answers GET and HEAD /metrics with control::metrics_text of the figures `leasectl
// stats` shows (the same control::Backend), 404/405 for anything else, and 400 (then
// close) for a request the HTTP parser refuses. Moves bytes only; never blocks the loop.
// An abusive or stuck peer stays cheap (ROBUSTNESS K): 16 connections, 10 s idle, a head
// of at most 8 KiB, a bounded output queue.
#pragma once
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "leasedns/config/config.hpp"
#include "leasedns/control/service.hpp"
#include "leasedns/core/log.hpp"

namespace leasedns::io {

struct MetricsLimits {
    size_t max_connections = 16;
    uint64_t idle_timeout_ms = 10'000;
    size_t max_output_bytes = 1u << 20;  // unread responses before we stop reading
    uint64_t linger_ms = 2'000;          // after a closing response: wait for the peer's FIN
};

class MetricsServer {
public:
    MetricsServer(uv_loop_t* loop, control::Backend& backend, const Log& log,
                  MetricsLimits limits = {});
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds and listens; throws std::runtime_error naming the address.
    void start(const config::LoopbackEndpoint& endpoint);
    // Closes the listener and every connection.
    void stop();

    size_t connections() const { return connections_.size(); }

private:
    struct Connection;
    void on_connection();
    void on_read(Connection& c, ssize_t n, const uv_buf_t* buf);
    void process(Connection& c);
    void respond(Connection& c, const std::string& bytes, bool close_after);
    void after_write(uint64_t id, size_t size, int status);
    void begin_linger(Connection& c);
    void close(uint64_t id);
    void touch(Connection& c, uint64_t ms);
    void update_reading(Connection& c);
    std::string page() const;

    uv_loop_t* loop_;
    control::Backend& backend_;
    Log log_;
    RateLimitedLog limited_log_;
    MetricsLimits limits_;
    uv_tcp_t* listener_ = nullptr;
    std::string where_;  // "127.0.0.1#9153", for log lines
    uint64_t next_id_ = 1;
    std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
    // The endpoint's own figures, appended to the page.
    uint64_t requests_ = 0, bad_requests_ = 0, rejected_ = 0;
};

}  // namespace leasedns::io
