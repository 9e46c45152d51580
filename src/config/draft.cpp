#include "draft.hpp"

#include "draft_fields.hpp"

namespace leasedns::config {

Origin Origin::flag(std::string_view long_name) {
    Origin o;
    o.kind = Kind::Flag;
    o.key = "--" + std::string(long_name);
    return o;
}

Origin Origin::dnsmasq_file(std::string_view file, uint32_t line, std::string_view option) {
    Origin o;
    o.kind = Kind::DnsmasqFile;
    o.file = file;
    o.line = line;
    o.key = option;
    return o;
}

Origin Origin::toml(std::string_view file, uint32_t line, uint32_t column,
                    std::string_view key_path) {
    Origin o;
    o.kind = Kind::TomlFile;
    o.file = file;
    o.line = line;
    o.column = column;
    o.key = key_path;
    return o;
}

Origin Origin::derived(std::string_view what) {
    Origin o;
    o.kind = Kind::Derived;
    o.key = what;
    return o;
}

std::string Origin::error(std::string_view message, std::string_view field) const {
    std::string out;
    switch (kind) {
        case Kind::Default:
            out = "default";
            break;
        case Kind::Flag:
        case Kind::Derived:
            out = key;
            break;
        case Kind::DnsmasqFile:
            out = file + ":" + std::to_string(line) + ": " + key;
            break;
        case Kind::TomlFile: {
            uint32_t l = line, c = column;
            std::string path = key;
            if (!field.empty()) {
                path += "." + std::string(field);
                for (const auto& f : fields) {
                    if (f.name == field) {
                        l = f.line;
                        c = f.column;
                    }
                }
            }
            out = file + ":" + std::to_string(l) + ":" + std::to_string(c) + ": " + path;
            break;
        }
    }
    out += ": ";
    out += message;
    return out;
}

std::string Origin::describe() const {
    switch (kind) {
        case Kind::Default:
            return "the default";
        case Kind::Flag:
        case Kind::Derived:
            return key;
        case Kind::DnsmasqFile:
            return file + ":" + std::to_string(line);
        case Kind::TomlFile:
            return file + ":" + std::to_string(line) + ":" + std::to_string(column) + " (" + key +
                   ")";
    }
    return key;
}

namespace {

template <typename T>
void merge_one(std::optional<Setting<T>>& base, const std::optional<Setting<T>>& over) {
    if (over) base = over;
}

template <typename T>
void merge_one(ListSetting<T>& base, const ListSetting<T>& over) {
    if (over.set) base = over;
}

}  // namespace

void merge(Draft& base, const Draft& over) {
    std::apply([&](auto... field) { (merge_one(base.*(field.first), over.*(field.first)), ...); },
               kDirectFields);
    std::apply([&](auto... field) { (merge_one(base.*field, over.*field), ...); },
               kProcessedFields);
}

}  // namespace leasedns::config
