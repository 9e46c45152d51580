#include "leasedns/io/dns_tcp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace leasedns::io {

namespace {
constexpr size_t kReadBuffer = 64 * 1024;
constexpr size_t kMaxMessage = 65535;
constexpr size_t kMinMessage = 12;  // a DNS header; anything shorter is garbage

uint16_t frame_length(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
}  // namespace

struct DnsTcp::Listener {
    uv_tcp_t tcp;
    DnsTcp* owner;
};

struct DnsTcp::Connection {
    DnsTcp* owner = nullptr;
    uint64_t id = 0;
    uv_tcp_t tcp;
    uv_timer_t idle;
    uv_shutdown_t shutdown;
    Ipv4 peer;
    uint16_t port = 0;
    std::vector<uint8_t> partial;  // an incomplete frame (length prefix included)
    // Forwarded queries not yet answered. Signed: an upstream that fails at once
    // delivers before the handler has reported the query as pending.
    int64_t outstanding = 0;
    uint64_t last_active_ms = 0;  // accept or last complete query (loop time)
    bool reading = false;
    bool eof = false;
    bool closing = false;          // no more reading or answering
    bool handles_closing = false;  // uv_close called
    int open_handles = 2;
};

namespace {

struct WriteRequest {
    uv_write_t req;
    std::vector<uint8_t> data;
};

}  // namespace

void DnsTcp::release_handle(uv_handle_t* h) {
    // Both the stream and the timer point back at the connection; the last one frees it.
    auto* c = static_cast<Connection*>(h->data);
    if (--c->open_handles > 0) return;
    c->owner->connections_.erase(c->id);
    delete c;
}

void DnsTcp::close_handles(Connection* c) {
    if (c->handles_closing) return;
    c->handles_closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), &release_handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->idle), &release_handle);
}

DnsTcp::DnsTcp(uv_loop_t* loop, const Log& log, DnsTcpLimits limits)
    : loop_(loop),
      log_(log),
      limits_(limits),
      read_buffer_(std::make_unique_for_overwrite<uint8_t[]>(kReadBuffer)),
      reply_buffer_(std::make_unique_for_overwrite<uint8_t[]>(kMaxMessage)) {}

DnsTcp::~DnsTcp() {
    close();
}

void DnsTcp::listen(Ipv4 addr, uint16_t port) {
    auto* l = new Listener{};
    l->owner = this;
    uv_tcp_init(loop_, &l->tcp);
    l->tcp.data = l;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(addr.value);
    // libuv sets SO_REUSEADDR on TCP sockets it binds.
    int rc = uv_tcp_bind(&l->tcp, reinterpret_cast<const sockaddr*>(&sa), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), 128, &on_connection);
    if (rc != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp),
                 [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
        throw std::runtime_error("cannot listen on DNS TCP " + addr.str() + ":" +
                                 std::to_string(port) + ": " + uv_strerror(rc));
    }
    listeners_.push_back(l);
}

void DnsTcp::start(Handler handler) {
    handler_ = std::move(handler);
}

void DnsTcp::on_connection(uv_stream_t* server, int status) {
    if (status < 0) return;
    static_cast<Listener*>(server->data)->owner->accept(server);
}

// RFC 7766 §6.2.3: under pressure, close the connection idle the longest (none waiting for
// an answer) so that a newcomer gets in at once instead of after the idle timeout.
bool DnsTcp::close_longest_idle() {
    Connection* victim = nullptr;
    for (auto& [id, c] : connections_) {
        if (c->closing || c->outstanding > 0) continue;
        if (!victim || c->last_active_ms < victim->last_active_ms) victim = c;
    }
    if (!victim) return false;
    ++counters_.closed_for_room;
    close_connection(victim);
    return true;
}

void DnsTcp::accept(uv_stream_t* server) {
    // Connections being closed still count until libuv releases them: a few more than the
    // cap may exist for a moment, never many.
    bool full = connections_.size() >= limits_.max_connections;
    if (full && connections_.size() < limits_.max_connections + kClosingSlack &&
        close_longest_idle())
        full = false;
    if (closed_ || full || !handler_) {
        // Over the cap: take the connection off the backlog and close it at once.
        auto* t = new uv_tcp_t;
        uv_tcp_init(loop_, t);
        uv_accept(server, reinterpret_cast<uv_stream_t*>(t));
        uv_close(reinterpret_cast<uv_handle_t*>(t),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
        ++counters_.rejected_full;
        return;
    }
    auto* c = new Connection{};
    c->owner = this;
    c->id = next_id_++;
    uv_tcp_init(loop_, &c->tcp);
    uv_timer_init(loop_, &c->idle);
    c->tcp.data = c;
    c->idle.data = c;
    connections_.emplace(c->id, c);
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
        c->closing = true;
        close_handles(c);
        return;
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
        ss.ss_family == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        c->peer = Ipv4(ntohl(sin->sin_addr.s_addr));
        c->port = ntohs(sin->sin_port);
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->last_active_ms = uv_now(loop_);
    ++counters_.accepted;
    uv_timer_start(&c->idle, &on_idle, limits_.idle_timeout_ms, 0);
    update_reading(c);
}

void DnsTcp::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(handle->data);
    *buf = uv_buf_init(reinterpret_cast<char*>(c->owner->read_buffer_.get()), kReadBuffer);
}

void DnsTcp::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(stream->data);
    DnsTcp* self = c->owner;
    if (nread > 0) {
        self->consume(c, reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread));
        return;
    }
    if (nread == 0) return;  // EAGAIN
    if (nread == UV_EOF && !c->closing) {
        // The client has sent everything: answer what is in flight, then close.
        c->eof = true;
        self->update_reading(c);
        if (c->outstanding <= 0) self->finish(c);
        return;
    }
    self->close_connection(c);
}

// Splits the byte stream into messages. Whole frames are handled straight from the read
// buffer; only an incomplete one is copied, and never more than one frame is kept.
void DnsTcp::consume(Connection* c, const uint8_t* data, size_t n) {
    while (n > 0 && !c->closing) {
        if (c->partial.empty()) {
            if (n >= 2) {
                size_t len = frame_length(data);
                if (len < kMinMessage) {
                    ++counters_.closed_garbage;
                    close_connection(c);
                    return;
                }
                if (n >= 2 + len) {
                    on_message(c, Bytes(data + 2, len));
                    data += 2 + len;
                    n -= 2 + len;
                    continue;
                }
            }
            c->partial.assign(data, data + n);
            return;
        }
        size_t need = c->partial.size() < 2
                          ? 2 - c->partial.size()
                          : 2 + frame_length(c->partial.data()) - c->partial.size();
        size_t take = std::min(need, n);
        c->partial.insert(c->partial.end(), data, data + take);
        data += take;
        n -= take;
        if (c->partial.size() < 2) continue;
        size_t len = frame_length(c->partial.data());
        if (len < kMinMessage) {
            ++counters_.closed_garbage;
            close_connection(c);
            return;
        }
        if (c->partial.size() == 2 + len) {
            on_message(c, Bytes(c->partial.data() + 2, len));
            c->partial.clear();
        }
    }
}

void DnsTcp::on_message(Connection* c, Bytes message) {
    ++counters_.queries;
    // Activity: a complete query restarts the idle clock (partial bytes do not).
    c->last_active_ms = uv_now(loop_);
    uv_timer_start(&c->idle, &on_idle, limits_.idle_timeout_ms, 0);
    Bytes reply;
    TcpAnswer a = handler_(c->id, c->peer, c->port, message,
                           std::span<uint8_t>(reply_buffer_.get(), kMaxMessage), reply);
    if (c->closing) return;
    switch (a) {
        case TcpAnswer::Reply:
            write(c, reply);
            break;
        case TcpAnswer::Pending:
            ++c->outstanding;
            update_reading(c);
            break;
        case TcpAnswer::Close:
            ++counters_.closed_garbage;
            close_connection(c);
            break;
    }
}

void DnsTcp::write(Connection* c, Bytes message) {
    if (c->closing || message.size() > kMaxMessage) return;
    uint8_t prefix[2] = {static_cast<uint8_t>(message.size() >> 8),
                         static_cast<uint8_t>(message.size())};
    uv_buf_t bufs[2] = {uv_buf_init(reinterpret_cast<char*>(prefix), 2),
                        uv_buf_init(reinterpret_cast<char*>(const_cast<uint8_t*>(message.data())),
                                    static_cast<unsigned>(message.size()))};
    auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
    size_t total = 2 + message.size();
    size_t written = 0;
    // Most answers go out at once; only what the kernel does not take is copied and queued
    // (uv_try_write refuses while earlier writes are queued, which keeps the order).
    int rc = uv_try_write(stream, bufs, 2);
    if (rc > 0) {
        written = static_cast<size_t>(rc);
    } else if (rc != UV_EAGAIN) {
        close_connection(c);
        return;
    }
    if (written == total) return;
    auto* w = new WriteRequest;
    w->data.reserve(total - written);
    for (size_t i = written; i < total; ++i) w->data.push_back(i < 2 ? prefix[i] : message[i - 2]);
    uv_buf_t rest =
        uv_buf_init(reinterpret_cast<char*>(w->data.data()), static_cast<unsigned>(w->data.size()));
    w->req.data = w;
    if (uv_write(&w->req, stream, &rest, 1,
                 [](uv_write_t* req, int) { delete static_cast<WriteRequest*>(req->data); }) != 0) {
        delete w;
        close_connection(c);
        return;
    }
    if (uv_stream_get_write_queue_size(stream) > limits_.max_write_queue) {
        ++counters_.closed_slow_reader;
        close_connection(c);
    }
}

bool DnsTcp::deliver(uint64_t conn, Bytes reply) {
    auto it = connections_.find(conn);
    if (it == connections_.end() || it->second->closing) return false;
    Connection* c = it->second;
    --c->outstanding;
    write(c, reply);
    if (c->closing) return true;
    if (c->eof && c->outstanding <= 0) {
        finish(c);
        return true;
    }
    update_reading(c);
    return true;
}

void DnsTcp::update_reading(Connection* c) {
    bool want =
        !c->closing && !c->eof && c->outstanding < static_cast<int64_t>(limits_.max_outstanding);
    if (want == c->reading) return;
    auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
    if (want)
        uv_read_start(stream, &on_alloc, &on_read);
    else
        uv_read_stop(stream);
    c->reading = want;
}

void DnsTcp::on_idle(uv_timer_t* timer) {
    auto* c = static_cast<Connection*>(timer->data);
    DnsTcp* self = c->owner;
    if (c->outstanding > 0) {
        // Waiting for upstream is not idleness; the upstream timeout bounds the wait.
        uv_timer_start(&c->idle, &on_idle, self->limits_.idle_timeout_ms, 0);
        return;
    }
    ++self->counters_.closed_idle;
    self->close_connection(c);
}

// The client has half-closed and has every answer: close once the queued answers are
// written (uv_close alone would cancel them).
void DnsTcp::finish(Connection* c) {
    if (c->closing) return;
    c->closing = true;
    uv_timer_stop(&c->idle);
    c->shutdown.data = c;
    int rc = uv_shutdown(&c->shutdown, reinterpret_cast<uv_stream_t*>(&c->tcp),
                         [](uv_shutdown_t* req, int) {
                             auto* conn = static_cast<Connection*>(req->data);
                             conn->owner->close_handles(conn);
                         });
    if (rc != 0) close_handles(c);
}

void DnsTcp::close_connection(Connection* c) {
    if (c->closing) return;
    c->closing = true;
    uv_timer_stop(&c->idle);
    if (c->reading) uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    c->reading = false;
    close_handles(c);
}

void DnsTcp::close() {
    if (closed_) return;
    closed_ = true;
    for (Listener* l : listeners_)
        uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp),
                 [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
    listeners_.clear();
    // Entries leave the map in their close callbacks, after this loop.
    for (auto& [id, c] : connections_) {
        c->closing = true;
        close_handles(c);
    }
}

}  // namespace leasedns::io
