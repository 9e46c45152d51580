#include "leasedns/io/metrics_server.hpp"

#include <stdexcept>

#include "leasedns/control/metrics_text.hpp"
#include "leasedns/http/request.hpp"
#include "leasedns/http/response.hpp"

namespace leasedns::io {

namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kBacklog = 32;
// After a closing response, what the peer still sends is read and thrown away (so that
// the close does not turn into a RST that destroys the response), up to this much.
constexpr size_t kMaxDiscardBytes = 64 * 1024;

char g_read_buffer[kReadChunk];  // one loop thread: libuv reads into it and we copy out

template <typename Handle>
void close_and_delete(Handle* h) {
    uv_close(reinterpret_cast<uv_handle_t*>(h),
             [](uv_handle_t* handle) { delete reinterpret_cast<Handle*>(handle); });
}

struct WriteRequest {
    uv_write_t req;
    std::string data;
    MetricsServer* server;
    uint64_t id;
};

}  // namespace

struct MetricsServer::Connection {
    uint64_t id = 0;
    MetricsServer* server = nullptr;
    uv_tcp_t* tcp = nullptr;
    uv_timer_t* timer = nullptr;
    http::RequestParser parser;
    std::string pending;     // received after a complete request: the next one's bytes
    bool closing = false;    // a closing response was sent: no more requests
    bool lingering = false;  // written and shut down: waiting for the peer's FIN
    bool reading = false;
    size_t output_bytes = 0;  // written to libuv, not yet taken by the peer
    size_t discarded = 0;
};

MetricsServer::MetricsServer(uv_loop_t* loop, control::Backend& backend, const Log& log,
                             MetricsLimits limits)
    : loop_(loop), backend_(backend), log_(log), limited_log_(log), limits_(limits) {}

MetricsServer::~MetricsServer() = default;

void MetricsServer::start(const config::LoopbackEndpoint& endpoint) {
    where_ = endpoint.address + "#" + std::to_string(endpoint.port);
    sockaddr_storage addr{};
    int rc = endpoint.address.find(':') == std::string::npos
                 ? uv_ip4_addr(endpoint.address.c_str(), endpoint.port,
                               reinterpret_cast<sockaddr_in*>(&addr))
                 : uv_ip6_addr(endpoint.address.c_str(), endpoint.port,
                               reinterpret_cast<sockaddr_in6*>(&addr));
    listener_ = new uv_tcp_t;
    uv_tcp_init(loop_, listener_);
    listener_->data = this;
    if (rc == 0) rc = uv_tcp_bind(listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0)
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), kBacklog,
                       [](uv_stream_t* s, int status) {
                           if (status == 0) static_cast<MetricsServer*>(s->data)->on_connection();
                       });
    if (rc != 0) {
        close_and_delete(listener_);
        listener_ = nullptr;
        throw std::runtime_error("cannot listen on " + where_ + " for metrics: " + uv_strerror(rc));
    }
    log_.info("METRICS-LISTENING",
              "Prometheus metrics at http://" +
                  (endpoint.address.find(':') == std::string::npos ? endpoint.address
                                                                   : "[" + endpoint.address + "]") +
                  ":" + std::to_string(endpoint.port) + "/metrics");
}

void MetricsServer::stop() {
    while (!connections_.empty()) close(connections_.begin()->first);
    if (listener_) {
        close_and_delete(listener_);
        listener_ = nullptr;
    }
}

void MetricsServer::on_connection() {
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(loop_, tcp);
    if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_), reinterpret_cast<uv_stream_t*>(tcp)) !=
        0) {
        close_and_delete(tcp);
        return;
    }
    if (connections_.size() >= limits_.max_connections) {
        // Told why, then closed: a short answer fits any socket buffer.
        ++rejected_;
        std::string bytes =
            http::serialize(http::error_response(503, "too many connections; try again"));
        uv_buf_t buf = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
        uv_try_write(reinterpret_cast<uv_stream_t*>(tcp), &buf, 1);
        close_and_delete(tcp);
        return;
    }
    auto conn = std::make_unique<Connection>();
    Connection& c = *conn;
    c.id = next_id_++;
    c.server = this;
    c.tcp = tcp;
    tcp->data = &c;
    c.timer = new uv_timer_t;
    uv_timer_init(loop_, c.timer);
    c.timer->data = &c;
    connections_.emplace(c.id, std::move(conn));
    touch(c, limits_.idle_timeout_ms);
    update_reading(c);
}

void MetricsServer::touch(Connection& c, uint64_t ms) {
    uv_timer_start(
        c.timer,
        [](uv_timer_t* t) {
            auto* conn = static_cast<Connection*>(t->data);
            conn->server->close(conn->id);
        },
        ms, 0);
}

void MetricsServer::update_reading(Connection& c) {
    // While lingering we read (and drop) until the peer closes; otherwise we stop reading
    // while the peer does not take its responses.
    bool want = c.lingering || (!c.closing && c.output_bytes < limits_.max_output_bytes);
    auto* stream = reinterpret_cast<uv_stream_t*>(c.tcp);
    if (want && !c.reading) {
        uv_read_start(
            stream,
            [](uv_handle_t*, size_t, uv_buf_t* buf) {
                *buf = uv_buf_init(g_read_buffer, sizeof g_read_buffer);
            },
            [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                auto* conn = static_cast<Connection*>(s->data);
                conn->server->on_read(*conn, n, buf);
            });
        c.reading = true;
    } else if (!want && c.reading) {
        uv_read_stop(stream);
        c.reading = false;
    }
}

void MetricsServer::on_read(Connection& c, ssize_t n, const uv_buf_t* buf) {
    if (n == 0) return;
    if (n < 0) {  // EOF or error: whatever is pending is not answered
        close(c.id);
        return;
    }
    if (c.closing) {
        c.discarded += static_cast<size_t>(n);
        if (c.discarded > kMaxDiscardBytes) close(c.id);
        return;
    }
    // The idle timer is not restarted here but once per answered request: a request must
    // arrive whole within the timeout, so a peer trickling bytes cannot hold a slot.
    c.pending.append(buf->base, static_cast<size_t>(n));
    process(c);
}

void MetricsServer::process(Connection& c) {
    uint64_t id = c.id;
    while (!c.closing && c.output_bytes < limits_.max_output_bytes && !c.pending.empty()) {
        size_t used = c.parser.feed(c.pending);
        c.pending.erase(0, used);
        if (c.parser.progress() == http::Progress::NeedMore) break;
        if (c.parser.progress() == http::Progress::Failed) {
            const http::Error& e = c.parser.error();
            ++bad_requests_;
            limited_log_.write(
                static_cast<int64_t>(uv_now(loop_)), LogLevel::Info, "METRICS-BAD-REQUEST",
                "refused an HTTP request with " + std::to_string(e.status) + ": " + e.reason);
            respond(c, http::serialize(http::error_response(e.status, e.reason)), true);
            if (!connections_.count(id)) return;
            break;
        }
        http::Request request = c.parser.take_request();
        c.parser.reset();
        ++requests_;
        http::Response response = http::serve_resource(
            request, "/metrics", control::kMetricsContentType, [this] { return page(); });
        respond(c, http::serialize(response, request.method == "HEAD"), response.close);
        if (!connections_.count(id)) return;
        if (!c.closing) touch(c, limits_.idle_timeout_ms);
    }
    update_reading(c);
}

std::string MetricsServer::page() const {
    auto counters = backend_.counters();
    auto add = [&counters](const char* name, uint64_t value) {
        control::Counter c;
        c.section = "metrics";
        c.name = name;
        c.value = value;
        counters.push_back(std::move(c));
    };
    add("requests", requests_);
    add("bad_requests", bad_requests_);
    add("rejected_connections", rejected_);
    return control::metrics_text(counters);
}

void MetricsServer::respond(Connection& c, const std::string& bytes, bool close_after) {
    auto* w = new WriteRequest;
    w->data = bytes;
    w->server = this;
    w->id = c.id;
    c.output_bytes += w->data.size();
    if (close_after) {
        c.closing = true;
        c.pending.clear();
    }
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(c.tcp), &buf, 1,
                      [](uv_write_t* req, int status) {
                          auto* wr = reinterpret_cast<WriteRequest*>(req);
                          MetricsServer* server = wr->server;
                          uint64_t conn_id = wr->id;
                          size_t size = wr->data.size();
                          delete wr;
                          server->after_write(conn_id, size, status);
                      });
    if (rc != 0) {
        delete w;
        close(c.id);
    }
}

void MetricsServer::after_write(uint64_t id, size_t size, int status) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;  // closed meanwhile (uv_close cancels writes)
    Connection& c = *it->second;
    c.output_bytes -= size;
    if (status < 0) {
        close(id);
        return;
    }
    if (c.closing) {
        if (c.output_bytes == 0 && !c.lingering) begin_linger(c);
        return;
    }
    process(c);  // reading may resume, pipelined requests go on
}

void MetricsServer::begin_linger(Connection& c) {
    // Our FIN goes out after the response; the peer's FIN (or the timer) ends it.
    c.lingering = true;
    touch(c, limits_.linger_ms);
    auto* req = new uv_shutdown_t;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(c.tcp),
                    [](uv_shutdown_t* r, int) { delete r; }) != 0) {
        delete req;
        close(c.id);
        return;
    }
    update_reading(c);
}

void MetricsServer::close(uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    uv_timer_stop(c.timer);
    close_and_delete(c.timer);
    // Pending writes and the shutdown are cancelled by uv_close; their callbacks find no
    // connection.
    close_and_delete(c.tcp);
    connections_.erase(it);
}

}  // namespace leasedns::io
