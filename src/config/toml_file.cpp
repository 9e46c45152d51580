// The TOML configuration file (leasedns.toml(5)), read with toml++. Every key is known
// here; an unknown key or a value of the wrong type is an error naming the file, line,
// column and key. Values with a dnsmasq spelling (interfaces, servers, records) go
// through the same readers as the flags, so both sources accept the same things.
#include <toml++/toml.h>

#include <functional>
#include <map>

#include "leasedns/dhcp/option_catalogue.hpp"
#include "metrics_values.hpp"
#include "option_table.hpp"
#include "sources.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

struct Failure {
    std::string message;
};

using Handler = std::function<void(const toml::node&, const Origin&)>;

class TomlReader {
public:
    explicit TomlReader(std::string file) : file_(std::move(file)) {}

    Draft read(const toml::table& root) {
        walk(root, "", root_keys());
        return std::move(draft_);
    }

private:
    std::string file_;
    Draft draft_;
    ApplyContext ctx_{draft_, nullptr, {}};

    Origin origin(const toml::source_region& where, const std::string& path) const {
        return Origin::toml(file_, where.begin.line, where.begin.column, path);
    }
    [[noreturn]] static void fail(const Origin& o, std::string_view message,
                                  std::string_view field = {}) {
        throw Failure{o.error(message, field)};
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }

    void walk(const toml::table& table, const std::string& path,
              const std::map<std::string, Handler, std::less<>>& keys) {
        for (const auto& [key, node] : table) {
            std::string key_path = join(path, key.str());
            Origin o = origin(key.source(), key_path);
            auto it = keys.find(key.str());
            if (it == keys.end()) {
                std::string allowed;
                for (const auto& [name, _] : keys) allowed += (allowed.empty() ? "" : ", ") + name;
                fail(o, "unknown key (allowed " +
                            (path.empty() ? std::string("at the top") : "in [" + path + "]") +
                            ": " + allowed + ")");
            }
            it->second(node, o);
        }
    }

    // --- typed values -------------------------------------------------------------
    static bool as_bool(const toml::node& n, const Origin& o) {
        if (auto v = n.value_exact<bool>()) return *v;
        fail(o, "expected true or false");
    }
    static uint64_t as_uint(const toml::node& n, const Origin& o, uint64_t min, uint64_t max) {
        auto v = n.value_exact<int64_t>();
        if (!v || *v < 0 || static_cast<uint64_t>(*v) < min || static_cast<uint64_t>(*v) > max)
            fail(o,
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
        return static_cast<uint64_t>(*v);
    }
    static std::string as_string(const toml::node& n, const Origin& o) {
        auto v = n.value_exact<std::string>();
        if (!v) fail(o, "expected a string");
        if (auto why = check_text(*v)) fail(o, "value " + *why);
        return *v;
    }
    static uint32_t as_lease_time(const toml::node& n, const Origin& o) {
        if (n.is_integer()) return static_cast<uint32_t>(as_uint(n, o, 0, 0xfffffffeu));
        auto t = parse_lease_time(as_string(n, o));
        if (!t) fail(o, t.error());
        return *t;
    }
    static Ipv4 as_ipv4(const toml::node& n, const Origin& o) {
        auto text = as_string(n, o);
        auto a = Ipv4::parse(text);
        if (!a) fail(o, "'" + text + "' is not an IPv4 address");
        return *a;
    }
    // Each element of an array of strings, with its own position.
    std::vector<std::pair<std::string, Origin>> as_string_list(const toml::node& n,
                                                               const Origin& o) const {
        const auto* array = n.as_array();
        if (!array) fail(o, "expected an array of strings");
        std::vector<std::pair<std::string, Origin>> out;
        for (size_t i = 0; i < array->size(); ++i) {
            const auto& item = (*array)[i];
            Origin io = origin(item.source(), o.key + "[" + std::to_string(i) + "]");
            out.emplace_back(as_string(item, io), io);
        }
        return out;
    }

    // --- handlers ------------------------------------------------------------------
    Handler flag(std::optional<Setting<bool>> Draft::*field) {
        return [this, field](const toml::node& n, const Origin& o) {
            draft_.*field = Setting<bool>{as_bool(n, o), o};
        };
    }
    template <typename T>
    Handler number(std::optional<Setting<T>> Draft::*field, uint64_t min, uint64_t max) {
        return [this, field, min, max](const toml::node& n, const Origin& o) {
            draft_.*field = Setting<T>{static_cast<T>(as_uint(n, o, min, max)), o};
        };
    }
    Handler text(std::optional<Setting<std::string>> Draft::*field, bool may_be_empty = false) {
        return [this, field, may_be_empty](const toml::node& n, const Origin& o) {
            auto v = as_string(n, o);
            if (v.empty() && !may_be_empty) fail(o, "must not be empty");
            draft_.*field = Setting<std::string>{v, o};
        };
    }
    // A string read by the flag of that name (dnsmasq syntax).
    void apply_flag(std::string_view option, const std::string& value, const Origin& o) {
        const OptionSpec* spec = find_long_option(option);
        if (auto e = apply_option(*spec, std::string_view(value), o, ctx_)) fail(o, *e);
    }
    Handler via_flag(std::string_view option) {
        return [this, option](const toml::node& n, const Origin& o) {
            apply_flag(option, as_string(n, o), o);
        };
    }
    // An array of strings, each read by the flag; an empty array still counts as given.
    template <typename T>
    Handler list_via_flag(ListSetting<T> Draft::*field, std::string_view option,
                          std::string_view wrap = {}) {
        return [this, field, option, wrap](const toml::node& n, const Origin& o) {
            (draft_.*field).set = true;
            (draft_.*field).items.clear();
            for (const auto& [value, io] : as_string_list(n, o))
                apply_flag(option, wrap.empty() ? value : "/" + value + "/", io);
        };
    }

    // Array-of-tables entries: each table's keys are checked, positions remembered.
    template <typename Fn>
    Handler table_array(Fn per_entry) {
        return [this, per_entry](const toml::node& n, const Origin& o) {
            const auto* array = n.as_array();
            if (!array || !array->is_array_of_tables())
                fail(o, "expected an array of tables ([[" + o.key + "]])");
            for (size_t i = 0; i < array->size(); ++i) {
                const auto& table = *(*array)[i].as_table();
                Origin eo = origin(table.source(), o.key + "[" + std::to_string(i) + "]");
                for (const auto& [key, _] : table)
                    eo.fields.push_back({std::string(key.str()), key.source().begin.line,
                                         key.source().begin.column});
                per_entry(table, eo);
            }
        };
    }
    static void check_keys(const toml::table& t, const Origin& o,
                           std::initializer_list<std::string_view> allowed) {
        for (const auto& [key, _] : t) {
            bool known = false;
            for (auto a : allowed) known = known || a == key.str();
            if (!known) {
                std::string list;
                for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                fail(o, "unknown key (allowed: " + list + ")", key.str());
            }
        }
    }
    static Origin field(const Origin& o, std::string_view name) {
        Origin f = o;
        f.key = o.key + "." + std::string(name);
        for (const auto& pos : o.fields) {
            if (pos.name == name) {
                f.line = pos.line;
                f.column = pos.column;
            }
        }
        f.fields.clear();
        return f;
    }

    void range(const toml::table& t, const Origin& o) {
        check_keys(t, o, {"start", "end", "netmask", "lease_time", "domain"});
        RangeDraft r;
        if (!t.contains("start") || !t.contains("end")) fail(o, "needs start and end");
        r.start = as_ipv4(*t.get("start"), field(o, "start"));
        r.end = as_ipv4(*t.get("end"), field(o, "end"));
        if (const auto* m = t.get("netmask")) {
            Origin fo = field(o, "netmask");
            r.netmask = as_ipv4(*m, fo);
            if (!Prefix::length_of_mask(*r.netmask)) fail(fo, "not a netmask");
        }
        if (const auto* lt = t.get("lease_time"))
            r.lease_time = as_lease_time(*lt, field(o, "lease_time"));
        if (const auto* d = t.get("domain")) r.domain = as_domain(*d, field(o, "domain"));
        draft_.ranges.add(r, o);
    }

    static std::string as_domain(const toml::node& n, const Origin& o) {
        auto text = as_string(n, o);
        auto d = normalize_domain(text);
        if (!d) fail(o, d.error());
        return *d;
    }

    // [dhcp] domain: the default domain only; per-range domains have their own keys.
    void default_domain(const toml::node& n, const Origin& o) {
        auto text = as_string(n, o);
        if (text.find(',') != std::string::npos)
            fail(o,
                 "one domain; give a subnet's own domain in [[dns.domains]] or in its "
                 "[[dhcp.ranges]] entry");
        apply_flag("domain", text, o);
    }

    // [[dns.domains]]: domain and either subnet = "ADDR/LEN" or start and end.
    void subnet_domain(const toml::table& t, const Origin& o) {
        check_keys(t, o, {"domain", "subnet", "start", "end"});
        if (!t.contains("domain")) fail(o, "needs domain");
        bool by_subnet = t.contains("subnet");
        if (by_subnet == (t.contains("start") || t.contains("end")))
            fail(o, "needs either subnet or start and end");
        std::vector<std::string> fields;
        Origin where = o;
        if (by_subnet) {
            where = field(o, "subnet");
            fields.push_back(as_string(*t.get("subnet"), where));
            if (fields[0].find('/') == std::string::npos)
                fail(where, "'" + fields[0] + "' is not a subnet like 198.18.1.0/24");
        } else {
            if (!t.contains("start") || !t.contains("end")) fail(o, "needs start and end");
            fields.push_back(as_ipv4(*t.get("start"), field(o, "start")).str());
            fields.push_back(as_ipv4(*t.get("end"), field(o, "end")).str());
        }
        auto range = parse_domain_range(fields);
        if (!range) fail(where, range.error());
        range->domain = as_domain(*t.get("domain"), field(o, "domain"));
        draft_.subnet_domains.add(*range, o);
    }

    void host(const toml::table& t, const Origin& o) {
        check_keys(t, o, {"mac", "client_id", "address", "name", "lease_time", "ignore"});
        Reservation r;
        std::vector<Mac> macs;
        if (const auto* m = t.get("mac")) {
            Origin fo = field(o, "mac");
            std::vector<std::pair<std::string, Origin>> texts;
            if (m->is_array()) {
                texts = as_string_list(*m, fo);
            } else {
                texts.emplace_back(as_string(*m, fo), fo);
            }
            for (const auto& [text, io] : texts) {
                auto mac = Mac::parse(text);
                if (!mac) fail(io, "'" + text + "' is not a MAC address aa:bb:cc:dd:ee:ff");
                macs.push_back(*mac);
            }
        }
        if (const auto* id = t.get("client_id")) {
            Origin fo = field(o, "client_id");
            auto bytes = parse_client_id(as_string(*id, fo));
            if (!bytes) fail(fo, bytes.error());
            r.client_id = *bytes;
        }
        if (const auto* a = t.get("address")) r.addr = as_ipv4(*a, field(o, "address"));
        if (const auto* n = t.get("name")) r.hostname = as_string(*n, field(o, "name"));
        if (const auto* lt = t.get("lease_time"))
            r.lease_time = as_lease_time(*lt, field(o, "lease_time"));
        if (const auto* ig = t.get("ignore")) r.ignore = as_bool(*ig, field(o, "ignore"));
        if (macs.empty() && r.client_id.empty() && r.hostname.empty())
            fail(o, "needs mac, client_id or name to know the client by");
        if (macs.empty()) draft_.reservations.add(r, o);
        for (const auto& mac : macs) {
            Reservation copy = r;
            copy.mac = mac;
            draft_.reservations.add(copy, o);
        }
    }

    void option(const toml::table& t, const Origin& o) {
        check_keys(t, o, {"code", "name", "value", "hex", "subnet", "force"});
        OptionDraft d;
        if (t.contains("code") == t.contains("name")) fail(o, "needs either code or name");
        if (const auto* c = t.get("code")) {
            d.code = static_cast<uint8_t>(as_uint(*c, field(o, "code"), 1, 254));
        } else {
            Origin fo = field(o, "name");
            auto name = as_string(*t.get("name"), fo);
            const auto* info = dhcp::find_option(std::string_view(name));
            if (!info) fail(fo, "unknown option name '" + name + "'");
            d.code = info->code;
        }
        if (t.contains("value") && t.contains("hex")) fail(o, "give value or hex, not both");
        if (const auto* v = t.get("value")) {
            Origin fo = field(o, "value");
            auto one = [&](const toml::node& n, const Origin& io) {
                if (n.is_string()) return as_string(n, io);
                if (n.is_integer()) return std::to_string(as_uint(n, io, 0, 0xffffffffu));
                if (n.is_boolean()) return std::string(as_bool(n, io) ? "1" : "0");
                fail(io, "expected a string, an integer or a boolean");
            };
            if (const auto* array = v->as_array()) {
                for (size_t i = 0; i < array->size(); ++i) d.values.push_back(one((*array)[i], fo));
            } else {
                d.values.push_back(one(*v, fo));
            }
        }
        if (const auto* h = t.get("hex")) {
            Origin fo = field(o, "hex");
            auto text = as_string(*h, fo);
            auto bytes = text.empty() ? std::optional<std::vector<uint8_t>>(std::vector<uint8_t>{})
                                      : parse_hex_bytes(text);
            if (!bytes) fail(fo, "'" + text + "' is not hex bytes like 01:02:ab");
            d.raw = *bytes;
        }
        if (const auto* s = t.get("subnet")) {
            Origin fo = field(o, "subnet");
            auto text = as_string(*s, fo);
            auto p = Prefix::parse(text);
            if (!p) fail(fo, "'" + text + "' is not a subnet like 198.18.0.0/24");
            d.subnet = *p;
        }
        if (const auto* f = t.get("force")) d.force = as_bool(*f, field(o, "force"));
        draft_.options.add(d, o);
    }

    Handler table(std::map<std::string, Handler, std::less<>> keys) {
        return [this, keys = std::move(keys)](const toml::node& n, const Origin& o) {
            const auto* t = n.as_table();
            if (!t) fail(o, "expected a table [" + o.key + "]");
            walk(*t, o.key, keys);
        };
    }

    std::map<std::string, Handler, std::less<>> root_keys() {
        constexpr uint64_t kMaxTtl = 2147483647;
        return {
            {"interfaces", list_via_flag(&Draft::interfaces, "interface")},
            {"except_interfaces", list_via_flag(&Draft::except_interfaces, "except-interface")},
            {"listen_addresses", list_via_flag(&Draft::listen_addresses, "listen-address")},
            {"bind_interfaces", flag(&Draft::bind_interfaces)},
            {"state_dir", text(&Draft::state_dir)},
            {"control_socket", text(&Draft::control_socket)},
            {"pid_file", text(&Draft::pid_file, true)},
            {"user", text(&Draft::user)},
            {"log", table({{"queries", flag(&Draft::log_queries)},
                           {"dhcp", flag(&Draft::log_dhcp)},
                           {"quiet_dhcp", flag(&Draft::quiet_dhcp)},
                           {"facility", via_flag("log-facility")}})},
            {"dhcp", table({{"enabled", flag(&Draft::dhcp_enabled)},
                            {"domain", [this](const toml::node& n,
                                              const Origin& o) { default_domain(n, o); }},
                            {"authoritative", flag(&Draft::authoritative)},
                            {"rapid_commit", flag(&Draft::rapid_commit)},
                            {"ping", flag(&Draft::ping)},
                            {"ping_timeout_ms", number(&Draft::ping_timeout_ms, 1, 60000)},
                            {"lease_max", number(&Draft::lease_max, 1, 16777216)},
                            {"offer_hold_seconds", number(&Draft::offer_hold_seconds, 1, 3600)},
                            {"decline_seconds", number(&Draft::decline_seconds, 0, 604800)},
                            {"min_lease_seconds", number(&Draft::min_lease_seconds, 0, 86400)},
                            {"lease_file", text(&Draft::lease_file)},
                            {"script", text(&Draft::dhcp_script)},
                            {"import_leases", text(&Draft::import_leases)},
                            {"ranges", table_array([this](const toml::table& t, const Origin& o) {
                                 draft_.ranges.set = true;
                                 range(t, o);
                             })},
                            {"hosts", table_array([this](const toml::table& t, const Origin& o) {
                                 draft_.reservations.set = true;
                                 host(t, o);
                             })},
                            {"options", table_array([this](const toml::table& t, const Origin& o) {
                                 draft_.options.set = true;
                                 option(t, o);
                             })}})},
            {"dns", table({{"port", number(&Draft::dns_port, 0, 65535)},
                           {"servers", list_via_flag(&Draft::servers, "server")},
                           {"no_resolv", flag(&Draft::no_resolv)},
                           {"resolv_file", text(&Draft::resolv_file)},
                           {"no_hosts", flag(&Draft::no_hosts)},
                           {"addn_hosts", list_via_flag(&Draft::addn_hosts, "addn-hosts")},
                           {"local", list_via_flag(&Draft::local_domains, "local", "/")},
                           {"addresses", list_via_flag(&Draft::addresses, "address")},
                           {"host_records", list_via_flag(&Draft::host_records, "host-record")},
                           {"cnames", list_via_flag(&Draft::cnames, "cname")},
                           {"mx_records", list_via_flag(&Draft::mx_records, "mx-host")},
                           {"srv_records", list_via_flag(&Draft::srv_records, "srv-host")},
                           {"txt_records", list_via_flag(&Draft::txt_records, "txt-record")},
                           {"ptr_records", list_via_flag(&Draft::ptr_records, "ptr-record")},
                           {"cache_size", number(&Draft::cache_size, 0, 10000000)},
                           {"local_ttl", number(&Draft::local_ttl, 0, kMaxTtl)},
                           {"dhcp_ttl", number(&Draft::dhcp_ttl, 0, kMaxTtl)},
                           {"no_negcache", flag(&Draft::no_negcache)},
                           {"domain_needed", flag(&Draft::domain_needed)},
                           {"bogus_priv", flag(&Draft::bogus_priv)},
                           {"stop_dns_rebind", flag(&Draft::stop_dns_rebind)},
                           {"rebind_domain_ok",
                            list_via_flag(&Draft::rebind_domain_ok, "rebind-domain-ok")},
                           {"domains", table_array([this](const toml::table& t, const Origin& o) {
                                draft_.subnet_domains.set = true;
                                subnet_domain(t, o);
                            })}})},
            {"metrics", table({{"listen",
                                [this](const toml::node& n, const Origin& o) {
                                    auto endpoint = parse_metrics_listen_toml(as_string(n, o));
                                    if (!endpoint) fail(o, endpoint.error());
                                    draft_.metrics_listen = Setting<LoopbackEndpoint>{*endpoint, o};
                                }}})},
        };
    }
};

}  // namespace

Result<Draft, ConfigError> read_toml_text(std::string_view text, const std::string& file_name) {
    toml::table root;
    try {
        root = toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        return Err{ConfigError{file_name + ":" + std::to_string(where.line) + ":" +
                               std::to_string(where.column) + ": " + std::string(e.description())}};
    }
    try {
        return TomlReader(file_name).read(root);
    } catch (const Failure& f) {
        return Err{ConfigError{f.message}};
    }
}

}  // namespace leasedns::config
