#include "dns_query_log.hpp"

#include <string>

#include "leasedns/dns/message.hpp"

namespace leasedns::io {

namespace {

constexpr std::string_view kId = "DNS-QUERY";

std::string rcode_text(uint8_t rcode) {
    switch (static_cast<dns::Rcode>(rcode)) {
        case dns::Rcode::NoError:
            return "NODATA";
        case dns::Rcode::FormErr:
            return "FORMERR";
        case dns::Rcode::ServFail:
            return "SERVFAIL";
        case dns::Rcode::NxDomain:
            return "NXDOMAIN";
        case dns::Rcode::NotImp:
            return "NOTIMP";
        case dns::Rcode::Refused:
            return "REFUSED";
        default:
            return "RCODE" + std::to_string(rcode);
    }
}

std::string rdata_text(const dns::Record& r) {
    Reader rd{Bytes(r.rdata)};
    if (r.type == dns::rrtype::A && r.rdata.size() == 4) return Ipv4(rd.u32()).str();
    if (r.type == dns::rrtype::CNAME || r.type == dns::rrtype::PTR) {
        if (auto n = dns::Name::from_wire(Bytes(r.rdata)))
            return "<" + dns::type_name(r.type) + "> " + n->text();
    }
    return "<" + dns::type_name(r.type) + ">";
}

}  // namespace

void log_query(const Log& log, Bytes query, Ipv4 from, bool tcp) {
    if (!log.enabled(LogLevel::Info)) return;
    auto q = dns::decode_query(query);
    std::string from_text = from.str() + (tcp ? " (tcp)" : "");
    if (!q) {
        log.info(kId, "malformed query from " + from_text);
        return;
    }
    log.info(kId, "query[" + dns::type_name(q->question.qtype) + "] " + q->question_case.text() +
                      " from " + from_text);
}

void log_forwarded(const Log& log, Bytes query, const dns::UpstreamGroup* group) {
    if (!log.enabled(LogLevel::Info)) return;
    auto q = dns::decode_query(query);
    std::string name = q ? q->question_case.text() : "?";
    std::string to = group && !group->servers.empty() ? group->servers.front().addr.str() : "?";
    log.info(kId, "forwarded " + name + " to " + to);
}

void log_answer(const Log& log, std::string_view source, Bytes reply) {
    if (!log.enabled(LogLevel::Info)) return;
    auto m = dns::decode_message(reply);
    if (!m || m->questions.empty()) return;
    std::string head = std::string(source) + " " + m->questions.front().name.text() + " is ";
    bool any = false;
    for (const auto& r : m->answers) {
        log.info(kId, head + rdata_text(r));
        any = true;
    }
    if (!any) log.info(kId, head + rcode_text(m->header.rcode()));
}

}  // namespace leasedns::io
