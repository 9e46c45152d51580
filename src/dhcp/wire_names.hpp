// RFC 1035 §3.1 domain names inside DHCP options (119, 81, 120): a checked splitter,
// an encoder with optional RFC 1035 §4.1.4 compression and a bounded decoder.
// Private to src/dhcp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/bytes.hpp"

namespace leasedns::dhcp::wire {

constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxName = 255;  // wire octets, root label included

// Splits "a.b.c" or "a.b.c." into labels, each 1..63 octets, at most 255 octets in wire
// form. Returns nullopt (with `why` set) for an empty name or label, or one too long.
std::optional<std::vector<std::string_view>> split_name(std::string_view dotted,
                                                        std::string* why = nullptr);

// Appends names to `out` in wire form. With compression (RFC 3397 §2: option 119),
// suffixes already written are replaced by pointers, whose offsets count from the start
// of `out`.
class NameWriter {
public:
    explicit NameWriter(std::vector<uint8_t>& out, bool compress)
        : out_(out), compress_(compress) {}
    // `root` false writes a partial name without the terminating zero (RFC 4702 §2.3.1).
    void write(const std::vector<std::string_view>& labels, bool root = true);

private:
    struct Suffix {
        std::string text;  // labels joined with '.'
        uint16_t offset;
    };
    std::vector<uint8_t>& out_;
    bool compress_;
    std::vector<Suffix> written_;
};

struct ReadName {
    std::string dotted;   // labels joined with '.', no trailing dot; empty for the root
    bool rooted = false;  // ended with the root label (false: ran to the end of data)
};

// Reads one name at `pos` and advances `pos` past it. Rejects labels with the 0x40/0x80
// type bits, labels containing '.', and names over 255 octets. Pointers (0xC0) are
// followed only when `allow_pointers`, and only strictly backwards, so a loop is
// impossible and the work is bounded by the data size. When `allow_unterminated`, the
// end of data ends the name (rooted = false).
std::optional<ReadName> read_name(Bytes data, size_t& pos, bool allow_pointers,
                                  bool allow_unterminated);

}  // namespace leasedns::dhcp::wire
