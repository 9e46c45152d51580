#include "leasedns/control/present.hpp"

#include <algorithm>
#include <vector>

namespace leasedns::control {

namespace {

std::string text_of(const JsonValue* v) {
    if (!v) return "";
    switch (v->kind) {
        case JsonValue::Kind::String:
        case JsonValue::Kind::Number:
            return v->text;
        case JsonValue::Kind::Bool:
            return v->boolean ? "yes" : "no";
        default:
            return "";
    }
}

// Columns padded to their widest cell; the last column is not padded.
std::string table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& r : rows) {
        if (width.size() < r.size()) width.resize(r.size(), 0);
        for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string or_dash(std::string s) {
    return s.empty() ? "-" : s;
}

}  // namespace

Response parse_response(std::string_view line) {
    Response r;
    std::string error;
    auto v = parse_json(line, error);
    const JsonValue* ok = v ? v->find("ok") : nullptr;
    if (!v || !v->is_object() || !ok || ok->kind != JsonValue::Kind::Bool) {
        r.error = "the daemon's response is not a control-socket response" +
                  (error.empty() ? std::string() : " (" + error + ")");
        return r;
    }
    r.ok = ok->boolean;
    if (r.ok) {
        if (const auto* result = v->find("result")) r.result = *result;
    } else {
        const auto* e = v->find("error");
        r.error = e && e->is_string() ? e->text : "unspecified error";
    }
    return r;
}

std::string format_duration(const JsonValue& seconds) {
    if (seconds.kind == JsonValue::Kind::Null) return "never";
    auto s = seconds.as_int();
    if (!s) return "?";
    if (*s <= 0) return "expired";
    int64_t d = *s / 86400, h = (*s % 86400) / 3600, m = (*s % 3600) / 60, sec = *s % 60;
    auto two = [](int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
    if (d > 0) return std::to_string(d) + "d" + two(h) + "h";
    if (h > 0) return std::to_string(h) + "h" + two(m) + "m";
    if (m > 0) return std::to_string(m) + "m" + two(sec) + "s";
    return std::to_string(sec) + "s";
}

std::string format_leases(const JsonValue& result) {
    std::vector<std::vector<std::string>> rows = {{"ADDRESS", "MAC", "HOSTNAME", "EXPIRES IN"}};
    for (const auto& l : result.items) {
        std::string state = text_of(l.find("state"));
        const JsonValue* in = l.find("expires_in");
        std::string expires = in ? format_duration(*in) : "?";
        if (state == "declined") expires += " (declined)";
        if (state == "offered") expires += " (offered)";
        rows.push_back({text_of(l.find("address")), or_dash(text_of(l.find("mac"))),
                        or_dash(text_of(l.find("hostname"))), expires});
    }
    if (rows.size() == 1) return "no leases\n";
    return table(rows);
}

std::string format_records(const JsonValue& result) {
    std::vector<std::vector<std::string>> rows = {{"NAME", "TTL", "TYPE", "DATA", "SOURCE"}};
    for (const auto& r : result.items)
        rows.push_back({text_of(r.find("name")), text_of(r.find("ttl")), text_of(r.find("type")),
                        text_of(r.find("data")), text_of(r.find("source"))});
    if (rows.size() == 1) return "no records\n";
    return table(rows);
}

std::string format_hosts(const JsonValue& result) {
    std::string out;
    std::vector<std::vector<std::string>> rows = {{"CLIENT", "ADDRESS", "HOSTNAME", "LEASE"}};
    if (const auto* res = result.find("reservations")) {
        for (const auto& r : res->items) {
            std::string client = text_of(r.find("mac"));
            if (client.empty()) client = "id:" + text_of(r.find("client_id"));
            std::string lease = text_of(r.find("lease_time"));
            const auto* ignore = r.find("ignore");
            if (ignore && ignore->boolean) lease = "ignored";
            rows.push_back({client, or_dash(text_of(r.find("address"))),
                            or_dash(text_of(r.find("hostname"))),
                            lease.empty()        ? "-"
                            : lease == "ignored" ? lease
                                                 : lease + "s"});
        }
    }
    out += "reservations:\n";
    out += rows.size() == 1 ? "  none\n" : table(rows);
    rows = {{"NAME", "ADDRESS", "FILE"}};
    if (const auto* hf = result.find("hosts_files"))
        for (const auto& h : hf->items)
            rows.push_back(
                {text_of(h.find("name")), text_of(h.find("address")), text_of(h.find("file"))});
    out += "hosts files:\n";
    out += rows.size() == 1 ? "  none\n" : table(rows);
    return out;
}

std::string format_stats(const JsonValue& result) {
    std::string out;
    for (const auto& [section, values] : result.members) {
        if (values.is_object()) {
            for (const auto& [name, v] : values.members)
                out += section + "." + name + " " + text_of(&v) + "\n";
        } else {
            out += section + " " + text_of(&values) + "\n";
        }
    }
    return out;
}

bool lease_from_json(const JsonValue& row, leases::Lease& out) {
    const JsonValue* addr = row.find("address");
    const JsonValue* state = row.find("state");
    const JsonValue* mac = row.find("mac");
    const JsonValue* client = row.find("client_id");
    const JsonValue* name = row.find("hostname");
    const JsonValue* expires = row.find("expires");
    if (!addr || !state || !mac || !client || !name || !expires) return false;
    auto a = Ipv4::parse(addr->text);
    auto e = expires->as_int();
    if (!a || !e) return false;
    out = leases::Lease{};
    out.addr = *a;
    if (state->text == "bound")
        out.state = leases::LeaseState::Bound;
    else if (state->text == "declined")
        out.state = leases::LeaseState::Declined;
    else if (state->text == "offered")
        out.state = leases::LeaseState::Offered;
    else
        return false;
    if (!mac->text.empty()) {
        auto m = Mac::parse(mac->text);
        if (!m) return false;
        out.mac = *m;
    }
    if (!client->text.empty() && !leases::ClientId::parse(client->text, out.client)) return false;
    out.hostname = name->text;
    out.expires = *e;
    if (const JsonValue* g = row.find("granted"))
        if (auto gi = g->as_int()) out.granted = *gi;
    return true;
}

}  // namespace leasedns::control
