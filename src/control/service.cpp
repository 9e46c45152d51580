#include "leasedns/control/service.hpp"

#include <charconv>

#include "leasedns/control/json.hpp"

namespace leasedns::control {

namespace {

const char* state_name(leases::LeaseState s) {
    switch (s) {
        case leases::LeaseState::Offered:
            return "offered";
        case leases::LeaseState::Bound:
            return "bound";
        case leases::LeaseState::Declined:
            return "declined";
    }
    return "unknown";
}

std::string_view next_word(std::string_view& rest) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    size_t end = rest.find(' ');
    std::string_view word = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return word;
}

}  // namespace

bool parse_record_line(std::string_view line, RecordRow& out) {
    size_t sep = line.rfind(" ; ");
    if (sep == std::string_view::npos) return false;
    out.source = std::string(line.substr(sep + 3));
    std::string_view rest = line.substr(0, sep);
    std::string_view name = next_word(rest), ttl = next_word(rest), cls = next_word(rest),
                     type = next_word(rest);
    if (name.empty() || type.empty() || cls != "IN") return false;
    auto [end, ec] = std::from_chars(ttl.data(), ttl.data() + ttl.size(), out.ttl);
    if (ec != std::errc() || end != ttl.data() + ttl.size()) return false;
    size_t data_start = rest.find_first_not_of(' ');
    out.name = std::string(name);
    out.type = std::string(type);
    out.data = data_start == std::string_view::npos ? "" : std::string(rest.substr(data_start));
    return true;
}

std::string leases_json(const std::vector<leases::Lease>& leases, WallSeconds now) {
    JsonWriter w;
    w.begin_array();
    for (const auto& l : leases) {
        w.begin_object();
        w.key("address").value(l.addr.str());
        w.key("state").value(state_name(l.state));
        w.key("mac").value(l.state == leases::LeaseState::Declined ? "" : l.mac.str());
        w.key("client_id").value(l.client.empty() ? "" : l.client.str());
        w.key("hostname").value(l.hostname);
        w.key("expires").value(static_cast<int64_t>(l.expires));
        if (l.expires == 0)
            w.key("expires_in").null();  // an infinite lease
        else
            w.key("expires_in").value(static_cast<int64_t>(l.expires > now ? l.expires - now : 0));
        w.key("granted").value(static_cast<int64_t>(l.granted));
        w.end_object();
    }
    w.end_array();
    return w.take();
}

std::string records_json(const std::vector<std::string>& lines) {
    JsonWriter w;
    w.begin_array();
    for (const auto& line : lines) {
        RecordRow r;
        if (!parse_record_line(line, r)) continue;
        w.begin_object();
        w.key("name").value(r.name);
        w.key("ttl").value(static_cast<uint64_t>(r.ttl));
        w.key("type").value(r.type);
        w.key("data").value(r.data);
        w.key("source").value(r.source);
        w.end_object();
    }
    w.end_array();
    return w.take();
}

std::string hosts_json(const std::vector<ReservationRow>& reservations,
                       const std::vector<std::string>& record_lines) {
    JsonWriter w;
    w.begin_object();
    w.key("reservations").begin_array();
    for (const auto& r : reservations) {
        w.begin_object();
        w.key("mac").value(r.mac);
        w.key("client_id").value(r.client_id);
        w.key("address").value(r.address);
        w.key("hostname").value(r.hostname);
        if (r.lease_time < 0)
            w.key("lease_time").null();
        else
            w.key("lease_time").value(r.lease_time);
        w.key("ignore").value(r.ignore);
        w.end_object();
    }
    w.end_array();
    // Names from hosts files (/etc/hosts, --addn-hosts): their address records.
    w.key("hosts_files").begin_array();
    for (const auto& line : record_lines) {
        RecordRow r;
        if (!parse_record_line(line, r) || r.source.rfind("hosts:", 0) != 0) continue;
        if (r.type != "A" && r.type != "AAAA") continue;
        w.begin_object();
        w.key("name").value(r.name);
        w.key("address").value(r.data);
        w.key("file").value(std::string_view(r.source).substr(6));
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.take();
}

std::string counters_json(const std::vector<Counter>& counters) {
    // {"section":{"name":value,...},...}, sections in order of first appearance.
    std::vector<std::string> sections;
    for (const auto& c : counters) {
        bool seen = false;
        for (const auto& s : sections) seen = seen || s == c.section;
        if (!seen) sections.push_back(c.section);
    }
    JsonWriter w;
    w.begin_object();
    for (const auto& s : sections) {
        w.key(s).begin_object();
        for (const auto& c : counters)
            if (c.section == s) {
                if (c.text.empty())
                    w.key(c.name).value(c.value);
                else
                    w.key(c.name).value(std::string_view(c.text));
            }
        w.end_object();
    }
    w.end_object();
    return w.take();
}

void answer(std::string_view line, Backend& backend,
            const std::function<void(std::string)>& reply) {
    auto request = parse_request(line);
    if (!request) {
        reply(error_response(request.error()));
        return;
    }
    switch (request->command) {
        case Command::Help: {
            JsonWriter w;
            w.value(command_summary());
            reply(ok_response(w.str()));
            return;
        }
        case Command::Version: {
            JsonWriter w;
            w.begin_object().key("version").value(backend.version()).end_object();
            reply(ok_response(w.str()));
            return;
        }
        case Command::Leases:
            reply(ok_response(leases_json(backend.leases(), backend.now())));
            return;
        case Command::Records: {
            std::vector<std::string> lines;
            if (!backend.records(lines)) {
                reply(error_response("DNS is not running (started with -p 0?)"));
                return;
            }
            reply(ok_response(records_json(lines)));
            return;
        }
        case Command::Hosts: {
            std::vector<std::string> lines;
            backend.records(lines);  // without DNS: reservations only
            reply(ok_response(hosts_json(backend.reservations(), lines)));
            return;
        }
        case Command::Stats:
            reply(ok_response(counters_json(backend.counters())));
            return;
        case Command::LeaseRelease: {
            Ipv4 addr = request->addr;
            backend.release(addr, [reply, addr](const std::string& error) {
                if (!error.empty()) {
                    reply(error_response(error));
                    return;
                }
                JsonWriter w;
                w.begin_object().key("released").value(addr.str()).end_object();
                reply(ok_response(w.str()));
            });
            return;
        }
        case Command::Reload:
            backend.reload([reply](const std::string& error) {
                if (!error.empty()) {
                    reply(error_response(error));
                    return;
                }
                JsonWriter w;
                w.value("reloaded");
                reply(ok_response(w.str()));
            });
            return;
    }
}

}  // namespace leasedns::control
