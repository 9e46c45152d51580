// DNS over TCP (RFC 7766, RFC 1035 §4.2.2): a 2-byte length before each message,
// several queries per connection, answers possibly out of order (a forwarded query does
// not hold up a local answer behind it). Abuse limits (ROBUSTNESS E7): at most
// `max_connections` (further ones are closed at once and counted), an idle timeout
// (RFC 7766 §6.2.3; partial frames do not count as activity, so a slowloris client is
// closed too), at most one frame buffered per connection, a length of 0 or a message
// the query path refuses to answer closes the connection, and a client that stops
// reading its answers is disconnected once its write queue passes a bound.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::io {

struct DnsTcpLimits {
    size_t max_connections = 256;
    uint64_t idle_timeout_ms = 10'000;
    size_t max_write_queue = 1 << 20;  // bytes of unsent answers per connection
    size_t max_outstanding = 128;      // forwarded queries per connection before pausing reads
};

struct DnsTcpCounters {
    uint64_t accepted = 0, rejected_full = 0, closed_for_room = 0, closed_idle = 0,
             closed_garbage = 0, closed_slow_reader = 0, queries = 0;
};

enum class TcpAnswer : uint8_t {
    Reply,    // write `reply` now
    Pending,  // the answer comes later through DnsTcp::deliver
    Close,    // garbage: close the connection
};

class DnsTcp {
public:
    // One complete message from connection `conn`; the reply is a view into `out`.
    using Handler = std::function<TcpAnswer(uint64_t conn, Ipv4 peer, uint16_t port, Bytes message,
                                            std::span<uint8_t> out, Bytes& reply)>;

    DnsTcp(uv_loop_t* loop, const Log& log, DnsTcpLimits limits = {});
    ~DnsTcp();
    DnsTcp(const DnsTcp&) = delete;
    DnsTcp& operator=(const DnsTcp&) = delete;

    // Listens on addr:port. Throws std::runtime_error with the reason.
    void listen(Ipv4 addr, uint16_t port);
    void start(Handler handler);
    // The answer to a query that was Pending; false when the connection has gone.
    bool deliver(uint64_t conn, Bytes reply);
    void close();

    size_t connections() const { return connections_.size(); }  // closing ones included
    const DnsTcpCounters& counters() const { return counters_; }

private:
    struct Connection;
    struct Listener;
    static void on_connection(uv_stream_t* server, int status);
    static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void on_idle(uv_timer_t* timer);
    void accept(uv_stream_t* server);
    bool close_longest_idle();
    static constexpr size_t kClosingSlack = 64;
    void consume(Connection* c, const uint8_t* data, size_t n);
    void on_message(Connection* c, Bytes message);
    void write(Connection* c, Bytes message);
    void close_connection(Connection* c);
    void finish(Connection* c);
    void close_handles(Connection* c);
    static void release_handle(uv_handle_t* h);
    void update_reading(Connection* c);

    uv_loop_t* loop_;
    Log log_;
    DnsTcpLimits limits_;
    Handler handler_;
    std::vector<Listener*> listeners_;
    // Every connection until its handles are closed (so close() reaches them all).
    std::unordered_map<uint64_t, Connection*> connections_;
    uint64_t next_id_ = 1;
    std::unique_ptr<uint8_t[]> read_buffer_;   // shared: libuv reads one stream at a time
    std::unique_ptr<uint8_t[]> reply_buffer_;  // 2 + 65535: length prefix + message
    bool closed_ = false;
    DnsTcpCounters counters_;
};

}  // namespace leasedns::io
