// The dnsmasq conf-file reader on arbitrary text (ROBUSTNESS K: config_dnsmasq).
// Invariants: it never crashes; a refusal says why and where; an accepted file's
// --print-config output is a TOML file that is accepted and prints identically.
#include <cstdint>
#include <string_view>

#include "config_fuzz_support.hpp"

using namespace leasedns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzzing::check_outcome(config::load_dnsmasq_text(text, "fuzz.conf", fuzzing::lan_interfaces()));
    return 0;
}
