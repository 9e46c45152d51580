// DNS options in dnsmasq's syntax (dnsmasq(8)): upstream servers, local domains and
// the static records. Names are normalised here (lower case, no trailing dot) so that
// the DNS code and --print-config see one spelling.
#include "option_table.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

using Opt = std::optional<std::string>;

bool is_number(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A domain inside /.../ as --server, --local and --address write it.
Result<std::string, std::string> slashed_domain(std::string_view text) {
    if (text.empty()) {
        return Err{
            std::string("'//' (names without a dot) is not supported yet; see --domain-needed")};
    }
    if (text == "#") return Err{std::string("'/#/' (every domain) is not supported yet")};
    if (text.front() == '*') {
        return Err{"wildcard domain '" + std::string(text) + "' is not supported yet"};
    }
    // dnsmasq: "/.example.com/" is the same as "/example.com/".
    if (text.front() == '.') text.remove_prefix(1);
    return normalize_domain(text);
}

Result<std::string, std::string> record_name(std::string_view text) {
    auto name = unquote(text);
    if (!name) return Err{name.error()};
    return normalize_domain(*name);
}

// ADDR[#PORT] of an upstream server.
Opt parse_upstream(std::string_view text, UpstreamServer& out) {
    if (text.find('@') != std::string_view::npos)
        return std::string("a source address or interface (@...) is not supported yet");
    if (text == "#") {
        return std::string("'#' (the usual servers for this domain) is not supported yet");
    }
    std::string_view addr_text = text;
    size_t hash = text.find('#');
    if (hash != std::string_view::npos) {
        addr_text = text.substr(0, hash);
        auto port = parse_uint(text.substr(hash + 1), 65535);
        if (!port || *port == 0)
            return "'" + std::string(text.substr(hash + 1)) + "' is not a port number";
        out.port = static_cast<uint16_t>(*port);
    }
    auto addr = Ipv4::parse(addr_text);
    if (!addr) {
        if (addr_text.find(':') != std::string_view::npos)
            return std::string("IPv6 upstream servers are not supported yet");
        return "'" + std::string(addr_text) +
               "' is not an IPv4 address (host names are not supported)";
    }
    out.addr = *addr;
    return std::nullopt;
}

}  // namespace

// [/DOMAIN/[DOMAIN/]][ADDR[#PORT]]: no domain = default upstream; a domain with no
// address = answered locally only, like --local.
Opt apply_server(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto parsed = parse_slashed_domains(value);
    if (!parsed) return parsed.error();
    UpstreamServer server;
    if (parsed->rest.empty()) {
        if (parsed->domains.empty()) return std::string("needs [/DOMAIN/]ADDR[#PORT]");
    } else if (auto e = parse_upstream(parsed->rest, server)) {
        return e;
    }
    if (parsed->domains.empty()) {
        ctx.draft.servers.add(server, origin);
        return std::nullopt;
    }
    for (const auto& d : parsed->domains) {
        auto domain = slashed_domain(d);
        if (!domain) return domain.error();
        UpstreamServer s = server;
        s.domain = *domain;
        ctx.draft.servers.add(s, origin);
    }
    return std::nullopt;
}

// /DOMAIN/[DOMAIN/...]: never forwarded. dnsmasq treats --local as a synonym of
// --server; with an address it is one.
Opt apply_local(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto parsed = parse_slashed_domains(value);
    if (!parsed) return parsed.error();
    if (parsed->domains.empty()) return std::string("needs /DOMAIN/");
    if (!parsed->rest.empty()) return apply_server(ctx, value, origin);
    for (const auto& d : parsed->domains) {
        auto domain = slashed_domain(d);
        if (!domain) return domain.error();
        ctx.draft.local_domains.add(*domain, origin);
    }
    return std::nullopt;
}

// /DOMAIN/[DOMAIN/...][ADDR]: no address = NXDOMAIN; '#' = 0.0.0.0 (dnsmasq's "null
// address" for blocking).
Opt apply_address(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto parsed = parse_slashed_domains(value);
    if (!parsed) return parsed.error();
    if (parsed->domains.empty()) return std::string("needs /DOMAIN/[ADDR]");
    AddressRecord record;
    if (parsed->rest == "#") {
        record.addr = Ipv4(0);
    } else if (!parsed->rest.empty()) {
        auto addr = Ipv4::parse(parsed->rest);
        if (!addr) {
            if (parsed->rest.find(':') != std::string::npos)
                return std::string("IPv6 addresses are not supported yet");
            return "'" + parsed->rest + "' is not an IPv4 address";
        }
        record.addr = *addr;
    }
    for (const auto& d : parsed->domains) {
        auto domain = slashed_domain(d);
        if (!domain) return domain.error();
        AddressRecord r = record;
        r.domain = *domain;
        ctx.draft.addresses.add(r, origin);
    }
    return std::nullopt;
}

// NAME[,NAME...],IPV4 (dnsmasq's optional IPv6 address and TTL are not supported).
Opt apply_host_record(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    HostRecord record;
    bool have_addr = false;
    for (size_t i = 0; i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (auto addr = Ipv4::parse(f)) {
            if (have_addr) return std::string("more than one IPv4 address");
            record.addr = *addr;
            have_addr = true;
        } else if (f.find(':') != std::string::npos) {
            return std::string("IPv6 addresses are not supported yet");
        } else if (have_addr && is_number(f) && i + 1 == fields.size()) {
            return std::string("a TTL per record is not supported yet; use --local-ttl");
        } else if (have_addr) {
            return "unexpected '" + f + "' after the address";
        } else {
            auto name = record_name(f);
            if (!name) return name.error();
            record.names.push_back(*name);
        }
    }
    if (record.names.empty() || !have_addr) return std::string("needs NAME[,NAME...],ADDR");
    ctx.draft.host_records.add(record, origin);
    return std::nullopt;
}

// ALIAS[,ALIAS...],TARGET
Opt apply_cname(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.size() >= 3 && is_number(fields.back()))
        return std::string("a TTL per record is not supported yet; use --local-ttl");
    if (fields.size() < 2) return std::string("needs ALIAS[,ALIAS...],TARGET");
    CnameRecord record;
    auto target = record_name(fields.back());
    if (!target) return target.error();
    record.target = *target;
    for (size_t i = 0; i + 1 < fields.size(); ++i) {
        auto alias = record_name(fields[i]);
        if (!alias) return alias.error();
        if (*alias == record.target) return "'" + *alias + "' would point to itself";
        record.aliases.push_back(*alias);
    }
    ctx.draft.cnames.add(record, origin);
    return std::nullopt;
}

// NAME,TARGET[,PREFERENCE]
Opt apply_mx_host(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.size() > 3) return "unexpected '" + fields[3] + "'";
    if (fields.size() < 2 || is_number(fields[1]))
        return std::string("needs NAME,TARGET[,PREFERENCE] (--mx-target is not supported)");
    MxRecord record;
    auto name = record_name(fields[0]);
    if (!name) return name.error();
    auto target = record_name(fields[1]);
    if (!target) return target.error();
    record.name = *name;
    record.target = *target;
    if (fields.size() == 3) {
        auto pref = parse_uint(fields[2], 65535);
        if (!pref) return "'" + fields[2] + "' is not a preference (0 to 65535)";
        record.preference = static_cast<uint16_t>(*pref);
    }
    ctx.draft.mx_records.add(record, origin);
    return std::nullopt;
}

// _SERVICE._PROTO[.DOMAIN][,TARGET[,PORT[,PRIORITY[,WEIGHT]]]]; no target = "service
// not available here" (RFC 2782 target "."). dnsmasq's defaults: port 1, priority and
// weight 0.
Opt apply_srv_host(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs _SERVICE._PROTO[.DOMAIN][,TARGET...]");
    if (fields.size() > 5) return "unexpected '" + fields[5] + "'";
    SrvRecord record;
    auto name = record_name(fields[0]);
    if (!name) return name.error();
    record.name = *name;
    if (fields.size() >= 2) {
        auto target = record_name(fields[1]);
        if (!target) return target.error();
        record.target = *target;
        record.port = 1;
    }
    uint16_t* numbers[] = {&record.port, &record.priority, &record.weight};
    const char* what[] = {"port", "priority", "weight"};
    for (size_t i = 2; i < fields.size(); ++i) {
        auto n = parse_uint(fields[i], 65535);
        if (!n) return "'" + fields[i] + "' is not a " + what[i - 2] + " (0 to 65535)";
        *numbers[i - 2] = static_cast<uint16_t>(*n);
    }
    ctx.draft.srv_records.add(record, origin);
    return std::nullopt;
}

// NAME[,TEXT...]; a text longer than 255 octets becomes several character-strings
// (RFC 1035 §3.3.14), as dnsmasq does.
Opt apply_txt_record(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs NAME[,TEXT...]");
    TxtRecord record;
    auto name = record_name(fields[0]);
    if (!name) return name.error();
    record.name = *name;
    for (size_t i = 1; i < fields.size(); ++i) {
        auto text = unquote(fields[i]);
        if (!text) return text.error();
        if (auto why = check_text(*text)) return "text " + *why;
        if (text->empty()) record.texts.emplace_back();
        for (size_t at = 0; at < text->size(); at += 255)
            record.texts.push_back(text->substr(at, 255));
    }
    ctx.draft.txt_records.add(record, origin);
    return std::nullopt;
}

// NAME,TARGET
Opt apply_ptr_record(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.size() != 2) return std::string("needs NAME,TARGET");
    PtrRecord record;
    auto name = record_name(fields[0]);
    if (!name) return name.error();
    auto target = record_name(fields[1]);
    if (!target) return target.error();
    record.name = *name;
    record.target = *target;
    ctx.draft.ptr_records.add(record, origin);
    return std::nullopt;
}

// DOMAIN or /DOMAIN/[DOMAIN/...]
Opt apply_rebind_domain_ok(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto parsed = parse_slashed_domains(value);
    if (!parsed) return parsed.error();
    std::vector<std::string> domains = parsed->domains;
    if (domains.empty()) {
        domains.push_back(parsed->rest);
    } else if (!parsed->rest.empty()) {
        return "unexpected '" + parsed->rest + "' after the last '/'";
    }
    for (const auto& d : domains) {
        auto domain = slashed_domain(d);
        if (!domain) return domain.error();
        ctx.draft.rebind_domain_ok.add(*domain, origin);
    }
    return std::nullopt;
}

}  // namespace leasedns::config
