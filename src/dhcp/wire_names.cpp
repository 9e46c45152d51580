#include "wire_names.hpp"

namespace leasedns::dhcp::wire {

std::optional<std::vector<std::string_view>> split_name(std::string_view dotted, std::string* why) {
    auto fail = [&](const char* reason) -> std::optional<std::vector<std::string_view>> {
        if (why) *why = reason;
        return std::nullopt;
    };
    if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
    if (dotted.empty()) return fail("empty name");
    std::vector<std::string_view> labels;
    size_t wire = 1;  // the root label
    while (true) {
        size_t dot = dotted.find('.');
        std::string_view label = dotted.substr(0, dot);
        if (label.empty()) return fail("empty label");
        if (label.size() > kMaxLabel) return fail("label longer than 63 octets");
        wire += 1 + label.size();
        if (wire > kMaxName) return fail("name longer than 255 octets");
        labels.push_back(label);
        if (dot == std::string_view::npos) break;
        dotted.remove_prefix(dot + 1);
    }
    return labels;
}

void NameWriter::write(const std::vector<std::string_view>& labels, bool root) {
    for (size_t i = 0; i < labels.size(); ++i) {
        if (compress_ && root) {
            // The suffix made of labels[i..] (RFC 1035 §4.1.4 compresses whole suffixes).
            std::string suffix;
            for (size_t j = i; j < labels.size(); ++j) {
                if (j > i) suffix += '.';
                suffix += labels[j];
            }
            bool found = false;
            for (const auto& s : written_) {
                if (s.text == suffix) {
                    out_.push_back(static_cast<uint8_t>(0xC0 | (s.offset >> 8)));
                    out_.push_back(static_cast<uint8_t>(s.offset & 0xff));
                    found = true;
                    break;
                }
            }
            if (found) return;
            // Pointers carry 14 bits; later suffixes are simply not compression targets.
            if (out_.size() < 0x4000)
                written_.push_back(Suffix{std::move(suffix), static_cast<uint16_t>(out_.size())});
        }
        out_.push_back(static_cast<uint8_t>(labels[i].size()));
        out_.insert(out_.end(), labels[i].begin(), labels[i].end());
    }
    if (root) out_.push_back(0);
}

std::optional<ReadName> read_name(Bytes data, size_t& pos, bool allow_pointers,
                                  bool allow_unterminated) {
    ReadName out;
    size_t at = pos;
    size_t floor = pos;  // every pointer must land strictly below this (no loops)
    bool jumped = false;
    size_t wire = 1;  // octets of the name in uncompressed form, root included
    while (true) {
        if (at >= data.size()) {
            if (!allow_unterminated || jumped) return std::nullopt;
            out.rooted = false;
            break;
        }
        uint8_t len = data[at];
        if (len == 0) {
            ++at;
            out.rooted = true;
            break;
        }
        if ((len & 0xC0) == 0xC0) {
            if (!allow_pointers || at + 1 >= data.size()) return std::nullopt;
            size_t target = (size_t{len & 0x3Fu} << 8) | data[at + 1];
            if (target >= floor) return std::nullopt;
            if (!jumped) pos = at + 2;
            jumped = true;
            floor = target;
            at = target;
            continue;
        }
        if (len & 0xC0) return std::nullopt;  // 0x40/0x80: extended or reserved label types
        if (data.size() - at - 1 < len) return std::nullopt;
        wire += 1 + len;
        if (wire > kMaxName) return std::nullopt;
        Bytes label = data.subspan(at + 1, len);
        for (uint8_t c : label)
            if (c == '.') return std::nullopt;  // would be ambiguous once dotted
        if (!out.dotted.empty()) out.dotted += '.';
        out.dotted.append(label.begin(), label.end());
        at += 1 + len;
    }
    if (!jumped) pos = at;
    return out;
}

}  // namespace leasedns::dhcp::wire
