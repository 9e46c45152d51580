// The Prometheus text exposition (format 0.0.4) of the figures `leasectl stats` shows:
// the same Counter list from the same Backend, so the two cannot drift. Each known
// counter becomes a sample of a named metric family with # HELP and # TYPE; one that this
// file does not know yet (a section added later) is still exported, as
// leasedns_<section>_<name> of type untyped. Pure.
#pragma once
#include <string>
#include <vector>

#include "leasedns/control/service.hpp"

namespace leasedns::control {

// The Content-Type of the page.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string metrics_text(const std::vector<Counter>& counters);

}  // namespace leasedns::control
