// The TOML reader on arbitrary text (ROBUSTNESS K: config_toml). Invariants: it never
// crashes; an accepted file prints (--print-config) to TOML that is accepted again and
// prints identically, so --print-config always produces a file leasedns can run from.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "leasedns/config/load.hpp"

using namespace leasedns;

namespace {

std::vector<config::InterfaceAddress> interfaces() {
    config::InterfaceAddress lan;
    lan.name = "lan0";
    lan.index = 2;
    lan.addr = Ipv4::from_octets(198, 18, 0, 1);
    lan.prefix = Prefix::of(lan.addr, 24);
    return {lan};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    static const auto ifs = interfaces();
    auto cfg = config::load_toml_text(text, "fuzz.toml", ifs);
    if (!cfg) {
        if (cfg.error().message.empty()) std::abort();  // every refusal says why
        return 0;
    }
    std::string printed = config::to_toml(*cfg);
    auto again = config::load_toml_text(printed, "printed.toml", ifs);
    if (!again) std::abort();
    if (config::to_toml(*again) != printed) std::abort();
    return 0;
}
