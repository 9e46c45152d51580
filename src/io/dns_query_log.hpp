// --log-queries (dnsmasq -q): one line per query and per answer, in dnsmasq's words
// ("query[A] host.lan from 198.18.5.10", "forwarded ...", "reply ... is ..."). Only
// called when the option is on: these decode the messages again and allocate.
#pragma once
#include <string_view>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/core/net.hpp"
#include "leasedns/dns/forwarder.hpp"

namespace leasedns::io {

void log_query(const Log& log, Bytes query, Ipv4 from, bool tcp);
void log_forwarded(const Log& log, Bytes query, const dns::UpstreamGroup* group);
// `source`: "config" (our zone), "cached" or "reply" (from upstream).
void log_answer(const Log& log, std::string_view source, Bytes reply);

}  // namespace leasedns::io
