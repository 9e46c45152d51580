// Sends forwarded queries to upstream servers through c-ares and hands back what comes
// in (ARCHITECTURE.md: io/upstream decides nothing). Each query gets a random ID from the
// kernel's CSPRNG (c-ares 1.18 sends the ID it is given); c-ares accepts only a reply
// from the server's address with that ID and the same question (RFC 5452 §9.1), and the
// forwarder then compares the question again in full (ROBUSTNESS F2).
//
// Source ports (RFC 5452 §9.2, ROBUSTNESS F1): c-ares 1.18 keeps one UDP socket per
// server for the life of a channel, so every group's channel is retired after a few
// queries and a fresh one (whose socket gets a new random port from the kernel) takes the
// next ones; a retired channel lives until its last query has finished.
#pragma once
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dns/forwarder.hpp"

namespace leasedns::io {

struct UpstreamOptions {
    int timeout_ms = 700;  // first try; c-ares doubles it per round (700 + 1400 ≈ 2 s)
    int tries = 2;         // per server
    uint32_t queries_per_channel = 4;  // 10,000 queries leave from ~2,500 ports (F1)
    // Each c-ares channel costs ~80 KB: past this many live channels (a flood of pending
    // queries), the current channel takes more queries instead of opening new ones, so memory
    // stays bounded; ports still rotate as soon as channels finish.
    size_t max_channels = 64;
    size_t max_queries_per_busy_channel = 1024;  // ids stay unique and cheap to pick
};

struct UpstreamCounters {
    uint64_t sent = 0, replies = 0, failures = 0, channels_opened = 0, init_errors = 0;
};

class Upstream {
public:
    // token as given in Forwarder::Send; reply is nullptr on failure (timeout, refused,
    // unreachable, channel destroyed).
    using Done = std::function<void(uint64_t token, const Bytes* reply)>;

    Upstream(uv_loop_t* loop, const Log& log, Done done, UpstreamOptions options = {});
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    // Sends `send.query` to `send.group`'s servers. Failures to start (no servers, c-ares
    // init failing) are reported through `done` before this returns.
    void send(const dns::Forwarder::Send& send);
    // Destroys every channel; pending queries end silently (done is not called).
    void close();

    size_t pending() const { return pending_; }
    size_t channels() const;
    const UpstreamCounters& counters() const { return counters_; }

private:
    struct Channel;
    struct Watch;
    struct Query;

    Channel* open_channel(const dns::UpstreamGroup& group);
    void after_processing(Channel* channel);
    void destroy(Channel* channel);
    void arm_timer(Channel* channel);
    uint16_t random_id();
    static void on_sock_state(void* data, int fd, int readable, int writable);
    static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
    static void on_poll(uv_poll_t* handle, int status, int events);
    static void on_timer(uv_timer_t* handle);

    uv_loop_t* loop_;
    Log log_;
    Done done_;
    UpstreamOptions options_;
    // The channel taking new queries, per group (groups live as long as the forwarder).
    std::unordered_map<const dns::UpstreamGroup*, Channel*> current_;
    std::vector<std::unique_ptr<Channel>> channels_;  // current and retired
    size_t pending_ = 0;
    bool closed_ = false;
    std::vector<uint8_t> query_copy_;  // reused: the query with its ID written in
    std::array<uint8_t, 256> random_pool_{};
    size_t random_used_ = sizeof(random_pool_);  // empty: filled on first use
    UpstreamCounters counters_;
};

}  // namespace leasedns::io
