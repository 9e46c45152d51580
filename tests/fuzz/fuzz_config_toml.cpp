// The TOML reader on arbitrary text (ROBUSTNESS K: config_toml). Invariants: it never
// crashes; a refusal says why; an accepted file's --print-config output is accepted
// again and prints identically, so --print-config always produces a runnable file.
#include <cstdint>
#include <string_view>

#include "config_fuzz_support.hpp"

using namespace leasedns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzzing::check_outcome(config::load_toml_text(text, "fuzz.toml", fuzzing::lan_interfaces()));
    return 0;
}
