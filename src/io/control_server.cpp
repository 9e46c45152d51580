#include "leasedns/io/control_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "leasedns/io/dhcp_server.hpp"
#include "leasedns/io/journal_writer.hpp"

namespace leasedns::io {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Room for a burst of clients: those over the connection limit are accepted to be told so.
constexpr int kBacklog = 64;

std::runtime_error failure(const std::string& what, int err) {
    return std::runtime_error(what + ": " + std::strerror(err));
}

// True when a process accepts connections on the socket at `path`; false when the file is
// left over from one that died (ECONNREFUSED). Anything else is reported.
bool someone_listens(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw failure("control socket: socket()", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int err = errno;
    ::close(fd);
    if (rc == 0) return true;
    if (err == ECONNREFUSED) return false;
    throw failure("control socket: cannot check " + path, err);
}

}  // namespace

struct ControlServer::Connection {
    uint64_t id = 0;
    ControlServer* server = nullptr;
    uv_pipe_t* pipe = nullptr;
    uv_timer_t* timer = nullptr;
    std::string in;           // received, not yet answered (at most one line and a chunk)
    bool discarding = false;  // skipping the rest of an over-long line
    bool busy = false;        // an answer is pending (lease release, reload)
    bool processing = false;  // inside process(): answers given synchronously
    bool reading = false;
    size_t output_bytes = 0;  // written to libuv, not yet taken by the peer
};

namespace {

struct WriteRequest {
    uv_write_t req;
    std::string data;
    ControlServer* server;
    uint64_t id;
};

char g_read_buffer[kReadChunk];  // one loop thread: libuv reads into it and we copy out

}  // namespace

ControlServer::ControlServer(uv_loop_t* loop, control::Backend& backend, const Log& log,
                             ControlLimits limits)
    : loop_(loop), backend_(backend), log_(log), limits_(limits) {}

ControlServer::~ControlServer() = default;

void ControlServer::start(const std::string& path, const std::string& owner) {
    namespace fs = std::filesystem;
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error("control socket path must be 1 to " +
                                 std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                 " bytes long: '" + path + "'");
    fs::path dir = fs::path(path).parent_path();
    bool made_dir = false;
    std::error_code ec;
    if (!dir.empty() && !fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
        made_dir = true;
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw std::runtime_error(path + " exists and is not a socket; not replacing it");
        if (someone_listens(path))
            throw std::runtime_error("another process is listening on " + path +
                                     " (is leasedns already running?)");
        ::unlink(path.c_str());  // left by a daemon that died
    }
    listener_ = new uv_pipe_t;
    uv_pipe_init(loop_, listener_, 0);
    listener_->data = this;
    int rc = uv_pipe_bind(listener_, path.c_str());
    if (rc == 0) {
        // 0660: the service user and its group (leasectl users are added to the group).
        if (::chmod(path.c_str(), 0660) != 0) rc = -errno;
    }
    if (rc == 0 && !owner.empty()) {
        // The daemon drops to `owner` after start-up: the file must stay usable to it.
        struct passwd* pw = ::getpwnam(owner.c_str());
        if (!pw) {
            rc = UV_EINVAL;
        } else {
            if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) rc = -errno;
            if (made_dir && rc == 0 && ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
                rc = -errno;
        }
    }
    if (rc == 0)
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), kBacklog,
                       [](uv_stream_t* s, int status) {
                           if (status == 0) static_cast<ControlServer*>(s->data)->on_connection();
                       });
    if (rc != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(listener_),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
        listener_ = nullptr;
        ::unlink(path.c_str());
        if (rc == UV_EINVAL && !owner.empty())
            throw std::runtime_error("control socket: no such user '" + owner + "'");
        throw std::runtime_error("cannot listen on " + path + ": " + uv_strerror(rc));
    }
    if (::lstat(path.c_str(), &st) == 0) inode_ = st.st_ino;
    path_ = path;
    log_.info("CONTROL-LISTENING", "control socket " + path);
}

void ControlServer::stop() {
    while (!connections_.empty()) close(connections_.begin()->first);
    if (listener_) {
        uv_close(reinterpret_cast<uv_handle_t*>(listener_),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
        listener_ = nullptr;
        struct stat st {};
        // Only the file we made: a newer daemon may have replaced it already.
        if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_)
            ::unlink(path_.c_str());
    }
}

void ControlServer::on_connection() {
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop_, pipe, 0);
    if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_),
                  reinterpret_cast<uv_stream_t*>(pipe)) != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(pipe),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
        return;
    }
    if (connections_.size() >= limits_.max_connections) {
        // Told why, then closed: the line fits any socket buffer, so try_write suffices.
        ++rejected_;
        std::string line = control::error_response("too many connections");
        uv_buf_t buf = uv_buf_init(line.data(), static_cast<unsigned>(line.size()));
        uv_try_write(reinterpret_cast<uv_stream_t*>(pipe), &buf, 1);
        uv_close(reinterpret_cast<uv_handle_t*>(pipe),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
        return;
    }
    auto conn = std::make_unique<Connection>();
    Connection& c = *conn;
    c.id = next_id_++;
    c.server = this;
    c.pipe = pipe;
    pipe->data = &c;
    c.timer = new uv_timer_t;
    uv_timer_init(loop_, c.timer);
    c.timer->data = &c;
    connections_.emplace(c.id, std::move(conn));
    touch(c);
    update_reading(c);
}

void ControlServer::touch(Connection& c) {
    uv_timer_start(
        c.timer,
        [](uv_timer_t* t) {
            auto* conn = static_cast<Connection*>(t->data);
            conn->server->close(conn->id);
        },
        limits_.idle_timeout_ms, 0);
}

void ControlServer::update_reading(Connection& c) {
    bool want = !c.busy && c.output_bytes < limits_.max_output_bytes;
    auto* stream = reinterpret_cast<uv_stream_t*>(c.pipe);
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

void ControlServer::on_read(Connection& c, ssize_t n, const uv_buf_t* buf) {
    if (n == 0) return;
    if (n < 0) {  // EOF or error: whatever is pending is not answered
        close(c.id);
        return;
    }
    touch(c);
    std::string_view data(buf->base, static_cast<size_t>(n));
    if (c.discarding) {
        size_t nl = data.find('\n');
        if (nl == std::string_view::npos) return;
        data.remove_prefix(nl + 1);
        c.discarding = false;
    }
    c.in.append(data);
    process(c);
}

void ControlServer::process(Connection& c) {
    uint64_t id = c.id;
    c.processing = true;
    while (!c.busy && c.output_bytes < limits_.max_output_bytes) {
        size_t nl = c.in.find('\n');
        if (nl == std::string::npos) {
            if (c.in.size() > control::kMaxRequestBytes) {
                // ROBUSTNESS K: an endless line costs us at most one line's worth of memory.
                c.in.clear();
                c.discarding = true;
                write(c, control::error_response("request too long"));
                if (!connections_.count(id)) return;
            }
            break;
        }
        std::string line = c.in.substr(0, nl);
        c.in.erase(0, nl + 1);
        c.busy = true;
        control::answer(line, backend_, [this, id](std::string response) {
            auto it = connections_.find(id);
            if (it == connections_.end()) return;  // gone while the answer was pending
            Connection& conn = *it->second;
            conn.busy = false;
            write(conn, std::move(response));
            if (!connections_.count(id)) return;
            if (!conn.processing) process(conn);  // an asynchronous answer: go on
        });
        if (!connections_.count(id)) return;
    }
    c.processing = false;
    update_reading(c);
}

void ControlServer::write(Connection& c, std::string line) {
    auto* w = new WriteRequest;
    w->data = std::move(line);
    w->server = this;
    w->id = c.id;
    c.output_bytes += w->data.size();
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(c.pipe), &buf, 1,
                      [](uv_write_t* req, int status) {
                          auto* wr = reinterpret_cast<WriteRequest*>(req);
                          ControlServer* server = wr->server;
                          uint64_t conn_id = wr->id;
                          size_t size = wr->data.size();
                          delete wr;
                          auto it = server->connections_.find(conn_id);
                          if (it == server->connections_.end()) return;
                          Connection& conn = *it->second;
                          conn.output_bytes -= size;
                          if (status < 0) {
                              server->close(conn_id);
                              return;
                          }
                          if (!conn.processing) server->process(conn);
                      });
    if (rc != 0) {
        c.output_bytes -= w->data.size();
        delete w;
        close(c.id);
    }
}

void ControlServer::close(uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    uv_timer_stop(c.timer);
    uv_close(reinterpret_cast<uv_handle_t*>(c.timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    // Pending writes are cancelled by uv_close; their callbacks find no connection.
    uv_close(reinterpret_cast<uv_handle_t*>(c.pipe),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
    connections_.erase(it);
}

// ---------------------------------------------------------------------------------------
// The daemon's backend

DaemonBackend::DaemonBackend(const config::Config& config, leases::LeaseTable& table,
                             const Clock& clock)
    : config_(&config), table_(table), clock_(clock) {}

std::string DaemonBackend::version() const {
    return "0.1.0";
}

std::vector<leases::Lease> DaemonBackend::leases() const {
    std::vector<leases::Lease> out;
    out.reserve(table_.entry_count());
    table_.for_each([&](const leases::Lease& l) {
        if (l.state != leases::LeaseState::Offered) out.push_back(l);
    });
    std::sort(out.begin(), out.end(),
              [](const leases::Lease& a, const leases::Lease& b) { return a.addr < b.addr; });
    return out;
}

bool DaemonBackend::records(std::vector<std::string>& lines) const {
    return hooks_.records && hooks_.records(lines);
}

std::vector<control::ReservationRow> DaemonBackend::reservations() const {
    std::vector<control::ReservationRow> out;
    for (const auto& r : config_->reservations) {
        control::ReservationRow row;
        if (r.mac) row.mac = r.mac->str();
        static const char kHex[] = "0123456789abcdef";
        for (size_t i = 0; i < r.client_id.size(); ++i) {
            if (i) row.client_id += ':';
            row.client_id += kHex[r.client_id[i] >> 4];
            row.client_id += kHex[r.client_id[i] & 0xF];
        }
        if (r.addr) row.address = r.addr->str();
        row.hostname = r.hostname;
        if (r.lease_time) row.lease_time = *r.lease_time;
        row.ignore = r.ignore;
        out.push_back(std::move(row));
    }
    return out;
}

void append_dhcp_counters(std::vector<control::Counter>& out, const dhcp::Counters& c) {
    static const char* kTypes[] = {"",    "discover", "offer",   "request", "decline",
                                   "ack", "nak",      "release", "inform"};
    for (size_t t = 1; t < c.received_by_type.size(); ++t)
        out.push_back({"dhcp", std::string("received_") + kTypes[t], c.received_by_type[t]});
    out.push_back({"dhcp", "sent_offer", c.offers});
    out.push_back({"dhcp", "sent_ack", c.acks});
    out.push_back({"dhcp", "sent_nak", c.naks});
    out.push_back({"dhcp", "informs", c.informs});
    out.push_back({"dhcp", "releases", c.releases});
    out.push_back({"dhcp", "declines", c.declines});
    out.push_back({"dhcp", "conflicts", c.conflicts});
    for (size_t r = 1; r < c.dropped.size(); ++r) {
        std::string name = dhcp::name_of(static_cast<dhcp::DropReason>(r));
        for (auto& ch : name)
            if (ch == '-') ch = '_';
        out.push_back({"dhcp", "dropped_" + name, c.dropped[r]});
    }
}

void append_dns_counters(std::vector<control::Counter>& out, const dns::QueryCounters& q,
                         const dns::CacheCounters& cache, const dns::ForwarderCounters& f) {
    const std::pair<const char*, uint64_t> query[] = {
        {"queries", q.queries},
        {"udp", q.udp},
        {"tcp", q.tcp},
        {"answered_local", q.answered_local},
        {"answered_cache", q.answered_cache},
        {"forwarded", q.forwarded},
        {"merged", q.merged},
        {"relayed", q.relayed},
        {"servfail", q.servfail},
        {"refused", q.refused},
        {"refused_acl", q.refused_acl},
        {"local_only", q.local_only},
        {"blocked_private_reverse", q.blocked_private},
        {"blocked_bare_name", q.blocked_bare},
        {"formerr", q.formerr},
        {"notimp", q.notimp},
        {"badvers", q.badvers},
        {"dropped_short", q.dropped_short},
        {"dropped_response", q.dropped_response},
    };
    for (const auto& [name, value] : query) out.push_back({"dns", name, value});
    out.push_back({"cache", "hits", cache.hits});
    out.push_back({"cache", "misses", cache.misses});
    out.push_back({"cache", "inserted", cache.inserted});
    out.push_back({"cache", "evicted", cache.evicted});
    out.push_back({"cache", "expired", cache.expired});
    const std::pair<const char*, uint64_t> fwd[] = {
        {"forwarded", f.forwarded},
        {"merged", f.merged},
        {"replies", f.replies},
        {"servfail", f.servfail},
        {"dropped_full", f.dropped_full},
        {"rejected_question", f.rejected_question},
        {"rebind_filtered", f.rebind_filtered},
        {"out_of_bailiwick", f.out_of_bailiwick},
    };
    for (const auto& [name, value] : fwd) out.push_back({"forwarder", name, value});
}

std::vector<control::Counter> DaemonBackend::counters() const {
    std::vector<control::Counter> out;
    out.push_back({"leases", "bound", table_.bound_count()});
    out.push_back({"leases", "entries", table_.entry_count()});
    if (dhcp_) append_dhcp_counters(out, dhcp_->counters());
    if (journal_) {
        out.push_back({"journal", "syncs", journal_->syncs()});
        out.push_back({"journal", "bytes", journal_->file_size()});
        // ROBUSTNESS D5/D6: ok, degraded (disk full) or failed (an fsync failed).
        out.push_back({"journal", "state", 0, name_of(journal_->health())});
        out.push_back(
            {"journal", "degraded", journal_->health() == JournalHealth::Degraded ? 1u : 0u});
        out.push_back({"journal", "failed", journal_->health() == JournalHealth::Failed ? 1u : 0u});
        out.push_back({"journal", "faults", journal_->faults()});
    }
    if (hooks_.dns_counters) hooks_.dns_counters(out);
    return out;
}

void DaemonBackend::release(Ipv4 addr, control::Completion done) {
    // Checked before the change: an operator's release is only made when it can be
    // made durable and confirmed.
    if (!hooks_.commit) {
        done("lease release is not available (DHCP is not running)");
        return;
    }
    const leases::Lease* lease = table_.find_by_addr(addr);
    if (!lease || lease->state == leases::LeaseState::Offered) {
        done("no lease for " + addr.str());
        return;
    }
    if (journal_ && journal_->failed()) {
        done(std::string("the lease journal is ") + name_of(journal_->health()) +
             "; not changing leases");
        return;
    }
    table_.remove(addr);  // Released: the zone drops the names, the journal records it
    hooks_.commit([done = std::move(done), addr](bool ok) {
        done(ok ? "" : "the release of " + addr.str() + " could not be written to the journal");
    });
}

void DaemonBackend::reload(control::Completion done) {
    if (!hooks_.reload) {
        done("reload not available");
        return;
    }
    hooks_.reload(std::move(done));
}

}  // namespace leasedns::io
