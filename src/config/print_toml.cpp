// --print-config: the effective configuration as a TOML file that load() reads back to
// the same Config (the fuzz target for the TOML reader checks that round trip). Derived
// values (the default range, netmasks taken from interfaces) are written out, so the
// output documents what the server will actually do.
#include <bit>
#include <sstream>

#include "leasedns/config/load.hpp"
#include "metrics_values.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

// A TOML basic string.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out + "\"";
}

template <typename T, typename Fn>
std::string list(const std::vector<T>& items, Fn to_text) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(to_text(items[i]));
    return out + "]";
}
std::string strings(const std::vector<std::string>& items) {
    return list(items, [](const std::string& s) { return s; });
}
const char* boolean(bool b) {
    return b ? "true" : "false";
}
std::string lease_time(uint32_t t) {
    return quoted(format_lease_time(t));
}

// dnsmasq's spelling of a record, as the flag and the TOML arrays take it.
std::string dnsmasq_quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}
std::string server_text(const UpstreamServer& s) {
    std::string out = s.domain.empty() ? "" : "/" + s.domain + "/";
    if (s.addr) out += s.addr->str() + (s.port != 53 ? "#" + std::to_string(s.port) : "");
    return out;
}
std::string address_text(const AddressRecord& a) {
    return "/" + a.domain + "/" + (a.addr ? (a.addr->is_zero() ? "#" : a.addr->str()) : "");
}
std::string host_record_text(const HostRecord& h) {
    std::string out;
    for (const auto& n : h.names) out += n + ",";
    return out + h.addr.str();
}
std::string cname_text(const CnameRecord& c) {
    std::string out;
    for (const auto& a : c.aliases) out += a + ",";
    return out + c.target;
}
std::string mx_text(const MxRecord& m) {
    return m.name + "," + m.target + "," + std::to_string(m.preference);
}
std::string srv_text(const SrvRecord& s) {
    if (s.target.empty()) return s.name;
    return s.name + "," + s.target + "," + std::to_string(s.port) + "," +
           std::to_string(s.priority) + "," + std::to_string(s.weight);
}
std::string txt_text(const TxtRecord& t) {
    std::string out = t.name;
    // Long texts were split into 255-octet strings; written back joined they split the
    // same way again.
    std::string joined;
    bool pending = false;
    for (const auto& piece : t.texts) {
        joined += piece;
        pending = true;
        if (piece.size() < 255) {
            out += "," + dnsmasq_quoted(joined);
            joined.clear();
            pending = false;
        }
    }
    if (pending) out += "," + dnsmasq_quoted(joined);
    return out;
}
std::string ptr_text(const PtrRecord& p) {
    return p.name + "," + p.target;
}

}  // namespace

std::string to_toml(const Config& c) {
    std::ostringstream o;
    o << "# leasedns effective configuration (leasedns --print-config)\n";
    o << "interfaces = " << strings(c.interfaces) << "\n";
    o << "except_interfaces = " << strings(c.except_interfaces) << "\n";
    o << "listen_addresses = " << list(c.listen_addresses, [](Ipv4 a) { return a.str(); }) << "\n";
    o << "bind_interfaces = " << boolean(c.bind_interfaces) << "\n";
    o << "state_dir = " << quoted(c.state_dir) << "\n";
    o << "control_socket = " << quoted(c.control_socket) << "\n";
    o << "pid_file = " << quoted(c.pid_file) << "\n";
    if (!c.user.empty()) o << "user = " << quoted(c.user) << "\n";

    o << "\n[log]\n";
    o << "queries = " << boolean(c.log_queries) << "\n";
    o << "dhcp = " << boolean(c.log_dhcp) << "\n";
    o << "quiet_dhcp = " << boolean(c.quiet_dhcp) << "\n";
    if (!c.log_facility.empty()) o << "facility = " << quoted(c.log_facility) << "\n";

    o << "\n[dhcp]\n";
    o << "enabled = " << boolean(c.dhcp_enabled) << "\n";
    o << "domain = " << quoted(c.domain) << "\n";
    o << "authoritative = " << boolean(c.authoritative) << "\n";
    o << "rapid_commit = " << boolean(c.rapid_commit) << "\n";
    o << "ping = " << boolean(c.ping) << "\n";
    o << "ping_timeout_ms = " << c.ping_timeout_ms << "\n";
    o << "lease_max = " << c.lease_max << "\n";
    o << "offer_hold_seconds = " << c.offer_hold_seconds << "\n";
    o << "decline_seconds = " << c.decline_seconds << "\n";
    o << "min_lease_seconds = " << c.min_lease_seconds << "\n";
    if (!c.lease_file.empty()) o << "lease_file = " << quoted(c.lease_file) << "\n";
    if (!c.dhcp_script.empty()) o << "script = " << quoted(c.dhcp_script) << "\n";
    if (!c.import_leases.empty()) o << "import_leases = " << quoted(c.import_leases) << "\n";
    for (const auto& r : c.ranges) {
        o << "\n[[dhcp.ranges]]\n";
        o << "start = " << quoted(r.start.str()) << "\n";
        o << "end = " << quoted(r.end.str()) << "\n";
        o << "netmask = " << quoted(r.subnet.mask().str()) << "\n";
        o << "lease_time = " << lease_time(r.lease_time) << "\n";
    }
    for (size_t i = 0; i < c.reservations.size();) {
        const Reservation& h = c.reservations[i];
        // One dhcp-host naming several MACs became one reservation per MAC; they are
        // written back as one entry, since two entries may not share an address.
        std::vector<std::string> macs;
        size_t next = i;
        for (; next < c.reservations.size(); ++next) {
            const Reservation& x = c.reservations[next];
            if (!x.mac || !h.mac || x.client_id != h.client_id || x.addr != h.addr ||
                x.hostname != h.hostname || x.lease_time != h.lease_time || x.ignore != h.ignore)
                break;
            macs.push_back(x.mac->str());
        }
        if (next == i) ++next;
        i = next;
        o << "\n[[dhcp.hosts]]\n";
        if (macs.size() == 1) o << "mac = " << quoted(macs[0]) << "\n";
        if (macs.size() > 1) o << "mac = " << strings(macs) << "\n";
        if (!h.client_id.empty()) o << "client_id = " << quoted(format_hex(h.client_id)) << "\n";
        if (h.addr) o << "address = " << quoted(h.addr->str()) << "\n";
        if (!h.hostname.empty()) o << "name = " << quoted(h.hostname) << "\n";
        if (h.lease_time) o << "lease_time = " << lease_time(*h.lease_time) << "\n";
        if (h.ignore) o << "ignore = true\n";
    }
    for (const auto& opt : c.options) {
        o << "\n[[dhcp.options]]\n";
        o << "code = " << int(opt.code) << "\n";
        o << "hex = " << quoted(format_hex(opt.value)) << "\n";
        if (opt.subnet) o << "subnet = " << quoted(opt.subnet->str()) << "\n";
        if (opt.force) o << "force = true\n";
    }

    o << "\n[dns]\n";
    o << "port = " << c.dns_port << "\n";
    o << "servers = " << list(c.servers, server_text) << "\n";
    o << "no_resolv = " << boolean(c.no_resolv) << "\n";
    o << "resolv_file = " << quoted(c.resolv_file) << "\n";
    o << "no_hosts = " << boolean(c.no_hosts) << "\n";
    o << "addn_hosts = " << strings(c.addn_hosts) << "\n";
    o << "local = " << strings(c.local_domains) << "\n";
    o << "addresses = " << list(c.addresses, address_text) << "\n";
    o << "host_records = " << list(c.host_records, host_record_text) << "\n";
    o << "cnames = " << list(c.cnames, cname_text) << "\n";
    o << "mx_records = " << list(c.mx_records, mx_text) << "\n";
    o << "srv_records = " << list(c.srv_records, srv_text) << "\n";
    o << "txt_records = " << list(c.txt_records, txt_text) << "\n";
    o << "ptr_records = " << list(c.ptr_records, ptr_text) << "\n";
    o << "cache_size = " << c.cache_size << "\n";
    o << "local_ttl = " << c.local_ttl << "\n";
    if (c.dhcp_ttl) o << "dhcp_ttl = " << *c.dhcp_ttl << "\n";
    o << "no_negcache = " << boolean(c.no_negcache) << "\n";
    o << "domain_needed = " << boolean(c.domain_needed) << "\n";
    o << "bogus_priv = " << boolean(c.bogus_priv) << "\n";
    o << "stop_dns_rebind = " << boolean(c.stop_dns_rebind) << "\n";
    o << "rebind_domain_ok = " << strings(c.rebind_domain_ok) << "\n";
    for (const auto& d : c.subnet_domains) {
        o << "\n[[dns.domains]]\n";
        o << "domain = " << quoted(d.domain) << "\n";
        // A range that is exactly a prefix prints as one; either form reads back alike.
        uint32_t count_minus_one = d.last.value - d.first.value;
        bool is_prefix = (count_minus_one & (count_minus_one + 1)) == 0 &&
                         (d.first.value & count_minus_one) == 0;
        if (is_prefix) {
            auto length = static_cast<uint8_t>(32 - std::popcount(count_minus_one));
            o << "subnet = " << quoted(Prefix{d.first, length}.str()) << "\n";
        } else {
            o << "start = " << quoted(d.first.str()) << "\n";
            o << "end = " << quoted(d.last.str()) << "\n";
        }
    }
    if (c.metrics_listen) {
        o << "\n[metrics]\n";
        o << "listen = " << quoted(format_metrics_listen_toml(*c.metrics_listen)) << "\n";
    }
    return o.str();
}

}  // namespace leasedns::config
