#include "leasedns/io/upstream.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>

namespace leasedns::io {

struct Upstream::Watch {
    uv_poll_t poll;
    Channel* channel;
    int fd;
};

struct Upstream::Channel {
    Upstream* owner = nullptr;
    const dns::UpstreamGroup* group = nullptr;
    ares_channel ares = nullptr;
    uv_timer_t* timer = nullptr;
    std::vector<Watch*> watches;  // c-ares opens one UDP socket per server (and TCP on TC)
    uint32_t sent = 0;
    uint32_t pending = 0;
    bool retired = false;
    std::vector<uint16_t> ids;  // IDs given out on this channel (unique within it)
};

struct Upstream::Query {
    Channel* channel;
    uint64_t token;
};

Upstream::Upstream(uv_loop_t* loop, const Log& log, Done done, UpstreamOptions options)
    : loop_(loop), log_(log), done_(std::move(done)), options_(options) {
    ares_library_init(ARES_LIB_INIT_ALL);  // reference counted; released in the destructor
}

Upstream::~Upstream() {
    close();
    ares_library_cleanup();
}

size_t Upstream::channels() const {
    return channels_.size();
}

Upstream::Channel* Upstream::open_channel(const dns::UpstreamGroup& group) {
    auto channel = std::make_unique<Channel>();
    channel->owner = this;
    channel->group = &group;

    // Every setting c-ares would otherwise take from /etc/resolv.conf, LOCALDOMAIN or
    // RES_OPTIONS is given here, so that a channel never depends on the host's resolver
    // configuration (c-ares reads those files only for settings still unset).
    ares_options opts{};
    int mask = 0;
    opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;  // never NOCHECKRESP (F2)
    mask |= ARES_OPT_FLAGS;
    opts.timeout = options_.timeout_ms;
    mask |= ARES_OPT_TIMEOUTMS;
    opts.tries = options_.tries;
    mask |= ARES_OPT_TRIES;
    opts.ndots = 1;
    mask |= ARES_OPT_NDOTS;
    opts.domains = nullptr;
    opts.ndomains = 0;
    mask |= ARES_OPT_DOMAINS;
    char lookups[] = "b";
    opts.lookups = lookups;
    mask |= ARES_OPT_LOOKUPS;
    opts.sortlist = nullptr;
    opts.nsort = 0;
    mask |= ARES_OPT_SORTLIST;
    in_addr first{};
    first.s_addr = htonl(group.servers.front().addr.value);
    opts.servers = &first;
    opts.nservers = 1;
    mask |= ARES_OPT_SERVERS;
    mask |= ARES_OPT_NOROTATE;  // servers in the order configured (the first is primary)
    opts.sock_state_cb = &Upstream::on_sock_state;
    opts.sock_state_cb_data = channel.get();
    mask |= ARES_OPT_SOCK_STATE_CB;

    int rc = ares_init_options(&channel->ares, &opts, mask);
    if (rc != ARES_SUCCESS) {
        ++counters_.init_errors;
        log_.error("DNS-UPSTREAM-INIT", std::string("c-ares: ") + ares_strerror(rc));
        return nullptr;
    }
    // The real list, with ports (ARES_OPT_SERVERS has no ports).
    std::vector<ares_addr_port_node> nodes(group.servers.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        nodes[i].next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
        nodes[i].family = AF_INET;
        nodes[i].addr.addr4.s_addr = htonl(group.servers[i].addr.value);
        nodes[i].udp_port = group.servers[i].port;
        nodes[i].tcp_port = group.servers[i].port;
    }
    rc = ares_set_servers_ports(channel->ares, nodes.data());
    if (rc != ARES_SUCCESS) {
        ++counters_.init_errors;
        log_.error("DNS-UPSTREAM-INIT", std::string("c-ares servers: ") + ares_strerror(rc));
        ares_destroy(channel->ares);
        return nullptr;
    }
    channel->timer = new uv_timer_t;
    uv_timer_init(loop_, channel->timer);
    channel->timer->data = channel.get();
    ++counters_.channels_opened;
    channels_.push_back(std::move(channel));
    return channels_.back().get();
}

void Upstream::send(const dns::Forwarder::Send& send) {
    if (closed_ || !send.group || send.group->servers.empty()) {
        ++counters_.failures;
        done_(send.token, nullptr);
        return;
    }
    Channel* channel = nullptr;
    if (auto it = current_.find(send.group); it != current_.end()) channel = it->second;
    if (!channel) {
        channel = open_channel(*send.group);
        if (!channel) {
            ++counters_.failures;
            done_(send.token, nullptr);
            return;
        }
        current_[send.group] = channel;
    }
    ++channel->pending;
    ++pending_;
    ++counters_.sent;
    ++channel->sent;
    bool room_for_another = channels_.size() < options_.max_channels;
    if (channel->sent >= options_.queries_per_channel &&
        (room_for_another || channel->sent >= options_.max_queries_per_busy_channel)) {
        // RFC 5452 §9.2: the next queries leave from a new socket, hence a new port.
        channel->retired = true;
        current_.erase(send.group);
    }
    // c-ares 1.18 sends the ID found in the query (only later versions pick one), so the
    // unpredictable ID of RFC 5452 §9.2 is written here, distinct within the channel.
    query_copy_.assign(send.query.begin(), send.query.end());
    if (query_copy_.size() >= 2) {
        uint16_t id;
        do {
            id = random_id();
        } while (std::find(channel->ids.begin(), channel->ids.end(), id) != channel->ids.end());
        channel->ids.push_back(id);
        query_copy_[0] = static_cast<uint8_t>(id >> 8);
        query_copy_[1] = static_cast<uint8_t>(id);
    }
    // c-ares copies the query; it may call on_answer before returning (bad query, out of
    // memory).
    ares_send(channel->ares, query_copy_.data(), static_cast<int>(query_copy_.size()),
              &Upstream::on_answer, new Query{channel, send.token});
    after_processing(channel);
}

// From the kernel's CSPRNG (getrandom), fetched in blocks so that a query costs no
// system call.
uint16_t Upstream::random_id() {
    if (random_used_ + 2 > random_pool_.size()) {
        size_t got = 0;
        while (got < random_pool_.size()) {
            ssize_t n = ::getrandom(random_pool_.data() + got, random_pool_.size() - got, 0);
            if (n > 0) got += static_cast<size_t>(n);
            // EINTR only: getrandom does not fail otherwise once the pool is initialised.
        }
        random_used_ = 0;
    }
    uint16_t id =
        static_cast<uint16_t>((random_pool_[random_used_] << 8) | random_pool_[random_used_ + 1]);
    random_used_ += 2;
    return id;
}

void Upstream::on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
    Query query = *static_cast<Query*>(arg);
    delete static_cast<Query*>(arg);
    Channel* channel = query.channel;
    Upstream* self = channel->owner;
    --channel->pending;
    --self->pending_;
    if (self->closed_) return;  // ARES_EDESTRUCTION at shutdown: nobody to answer
    if (status == ARES_SUCCESS && abuf && alen > 0) {
        ++self->counters_.replies;
        Bytes reply(abuf, static_cast<size_t>(alen));
        self->done_(query.token, &reply);
    } else {
        ++self->counters_.failures;
        self->done_(query.token, nullptr);
    }
}

void Upstream::after_processing(Channel* channel) {
    if (closed_) return;
    if (channel->retired && channel->pending == 0) {
        destroy(channel);
        return;
    }
    arm_timer(channel);
}

void Upstream::arm_timer(Channel* channel) {
    timeval tv{};
    timeval* next = ares_timeout(channel->ares, nullptr, &tv);
    if (!next) {
        uv_timer_stop(channel->timer);
        return;
    }
    uint64_t ms = static_cast<uint64_t>(next->tv_sec) * 1000 +
                  static_cast<uint64_t>(next->tv_usec + 999) / 1000;
    uv_timer_start(channel->timer, &Upstream::on_timer, ms, 0);
}

void Upstream::on_timer(uv_timer_t* handle) {
    auto* channel = static_cast<Channel*>(handle->data);
    // No descriptor: c-ares only checks for queries whose time is up.
    ares_process_fd(channel->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    channel->owner->after_processing(channel);
}

void Upstream::on_poll(uv_poll_t* handle, int status, int events) {
    auto* watch = static_cast<Watch*>(handle->data);
    Channel* channel = watch->channel;
    int fd = watch->fd;
    // An error on the socket (status < 0) is reported to c-ares as readable: its read
    // fails and it moves the queries on to the next server or try.
    bool readable = status < 0 || (events & UV_READABLE);
    bool writable = status >= 0 && (events & UV_WRITABLE);
    ares_process_fd(channel->ares, readable ? fd : ARES_SOCKET_BAD,
                    writable ? fd : ARES_SOCKET_BAD);
    channel->owner->after_processing(channel);
}

void Upstream::on_sock_state(void* data, int fd, int readable, int writable) {
    auto* channel = static_cast<Channel*>(data);
    auto it = std::find_if(channel->watches.begin(), channel->watches.end(),
                           [fd](const Watch* w) { return w->fd == fd; });
    if (!readable && !writable) {
        // c-ares closes the socket right after this call: stop watching it first.
        if (it == channel->watches.end()) return;
        Watch* w = *it;
        channel->watches.erase(it);
        uv_poll_stop(&w->poll);
        uv_close(reinterpret_cast<uv_handle_t*>(&w->poll),
                 [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
        return;
    }
    Watch* w = nullptr;
    if (it != channel->watches.end()) {
        w = *it;
    } else {
        w = new Watch{};
        w->channel = channel;
        w->fd = fd;
        if (uv_poll_init_socket(channel->owner->loop_, &w->poll, fd) != 0) {
            delete w;
            return;
        }
        w->poll.data = w;
        channel->watches.push_back(w);
    }
    int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
    uv_poll_start(&w->poll, events, &Upstream::on_poll);
}

void Upstream::destroy(Channel* channel) {
    // ares_destroy closes the sockets (on_sock_state stops their polls) and ends the
    // queries still pending with ARES_EDESTRUCTION.
    ares_destroy(channel->ares);
    channel->ares = nullptr;
    for (Watch* w : channel->watches) {  // none normally; defensive
        uv_poll_stop(&w->poll);
        uv_close(reinterpret_cast<uv_handle_t*>(&w->poll),
                 [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
    }
    channel->watches.clear();
    uv_timer_stop(channel->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(channel->timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    channel->timer = nullptr;
    for (auto it = current_.begin(); it != current_.end();) {
        if (it->second == channel)
            it = current_.erase(it);
        else
            ++it;
    }
    auto it = std::find_if(channels_.begin(), channels_.end(),
                           [channel](const auto& c) { return c.get() == channel; });
    if (it != channels_.end()) channels_.erase(it);
}

void Upstream::close() {
    if (closed_) return;
    closed_ = true;
    while (!channels_.empty()) destroy(channels_.back().get());
    current_.clear();
}

}  // namespace leasedns::io
