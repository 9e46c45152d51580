// Domain names: presentation and wire forms, case folding, limits, and decompression that
// rejects every hostile pointer (RFC 1035 §3.1, §4.1.4; RFC 9267; ROBUSTNESS E2).
#include <doctest/doctest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "leasedns/dns/name.hpp"

using namespace leasedns;
using namespace leasedns::dns;

namespace {

std::vector<uint8_t> bytes_of(Bytes b) {
    return {b.begin(), b.end()};
}

// A message that starts with a 12-octet header of zeros followed by `body`.
std::vector<uint8_t> after_header(const std::vector<uint8_t>& body) {
    std::vector<uint8_t> m(12 + body.size(), 0);
    for (size_t i = 0; i < body.size(); ++i) m[12 + i] = body[i];
    return m;
}

// Reads a name at `offset` of `message`; nullopt on error (then the reader failed too).
std::optional<Name> read_at(const std::vector<uint8_t>& message, size_t offset,
                            size_t* end = nullptr, Name* as_sent = nullptr) {
    Reader r{Bytes(message)};
    r.skip(offset);
    auto n = Name::read(Bytes(message), r, as_sent);
    CHECK(n.has_value() == r.ok());
    if (end) *end = r.pos();
    return n;
}

}  // namespace

TEST_CASE("a default Name is the root, written as a single zero octet and shown as '.'") {
    Name root;
    CHECK(root.is_root());
    CHECK(root.wire_size() == 1);
    CHECK(bytes_of(root.wire()) == std::vector<uint8_t>{0});
    CHECK(root.text() == ".");
    CHECK(root.label_count() == 0);
    CHECK(root.parent() == root);
}

TEST_CASE("parse accepts names with or without the final dot and lower-cases them") {
    auto a = Name::parse("Host.LAN");
    auto b = Name::parse("host.lan.");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    CHECK(a->text() == "host.lan");
    CHECK(bytes_of(a->wire()) == std::vector<uint8_t>{4, 'h', 'o', 's', 't', 3, 'l', 'a', 'n', 0});
    CHECK(Name::parse("")->is_root());
    CHECK(Name::parse(".")->is_root());
}

TEST_CASE("parse rejects empty labels anywhere in the name") {
    CHECK_FALSE(Name::parse(".lan"));
    CHECK_FALSE(Name::parse("a..lan"));
    CHECK_FALSE(Name::parse("lan.."));
    CHECK_FALSE(Name::parse(".."));
}

TEST_CASE("parse keeps any octet but '.' inside a label, folding only ASCII letters") {
    auto n = Name::parse("_sip._TCP.Ex-ample.lan");
    REQUIRE(n);
    CHECK(n->text() == "_sip._tcp.ex-ample.lan");
    auto utf8 = Name::parse("\xC3\x89t\xC3\xA9.lan");  // "Été": non-ASCII octets untouched
    REQUIRE(utf8);
    CHECK(utf8->label(0) == "\xC3\x89t\xC3\xA9");
}

TEST_CASE("a label of 63 octets is accepted and one of 64 is rejected") {
    std::string l63(63, 'a'), l64(64, 'a');
    CHECK(Name::parse(l63 + ".lan"));
    CHECK_FALSE(Name::parse(l64 + ".lan"));
    CHECK(Name().child(l63));
    CHECK_FALSE(Name().child(l64));
    CHECK_FALSE(Name().child(""));
}

TEST_CASE("a name of 255 wire octets is accepted and one of 256 is rejected") {
    // Four labels of 63 octets take 4 * 64 = 256 octets with the root: too long.
    std::string l63(63, 'x'), l62(62, 'x'), l61(61, 'x');
    auto max = Name::parse(l63 + "." + l63 + "." + l63 + "." + l61);  // 3*64 + 62 + 1 = 255
    REQUIRE(max);
    CHECK(max->wire_size() == 255);
    CHECK_FALSE(Name::parse(l63 + "." + l63 + "." + l63 + "." + l62));  // 256
    CHECK_FALSE(max->child("a"));
    auto shorter = Name::parse(l63 + "." + l63 + "." + l63 + "." + std::string(59, 'x'));
    REQUIRE(shorter);  // 253 octets: room for exactly one more one-octet label
    auto grown = shorter->child("a");
    REQUIRE(grown);
    CHECK(grown->wire_size() == 255);
}

TEST_CASE("text, label_count and label walk the labels left to right") {
    auto n = Name::parse("a.bb.ccc");
    REQUIRE(n);
    CHECK(n->label_count() == 3);
    CHECK(n->label(0) == "a");
    CHECK(n->label(1) == "bb");
    CHECK(n->label(2) == "ccc");
    CHECK(n->label(3).empty());
    CHECK(Name::parse(n->text()) == n);
}

TEST_CASE("parent drops the leftmost label and child adds one, lower-cased") {
    auto n = Name::parse("host.lan");
    REQUIRE(n);
    CHECK(n->parent() == *Name::parse("lan"));
    CHECK(n->parent().parent().is_root());
    auto c = n->parent().child("HOST");
    REQUIRE(c);
    CHECK(*c == *n);
}

TEST_CASE("is_subdomain_of follows label boundaries") {
    auto lan = *Name::parse("lan");
    CHECK(Name::parse("host.lan")->is_subdomain_of(lan));
    CHECK(Name::parse("a.b.lan")->is_subdomain_of(lan));
    CHECK(lan.is_subdomain_of(lan));
    CHECK(lan.is_subdomain_of(Name()));
    CHECK_FALSE(Name::parse("xlan")->is_subdomain_of(lan));
    CHECK_FALSE(Name::parse("lan.x")->is_subdomain_of(lan));
    CHECK_FALSE(Name().is_subdomain_of(lan));
    // A label whose octets happen to end in the ancestor's wire form is not a match.
    CHECK_FALSE(Name::parse(std::string("a\x03lan"))->is_subdomain_of(lan));
}

TEST_CASE("equal names hash equally and case never makes two names differ") {
    std::unordered_set<Name> set;
    set.insert(*Name::parse("Host.Lan"));
    CHECK(set.count(*Name::parse("HOST.LAN")) == 1);
    CHECK(set.count(*Name::parse("host.lan.x")) == 0);
    CHECK(Name::parse("a.lan")->hash() != Name::parse("b.lan")->hash());
}

TEST_CASE("from_wire accepts exactly one uncompressed name and lower-cases it") {
    const std::vector<uint8_t> w{3, 'W', 'w', 'W', 3, 'l', 'a', 'n', 0};
    auto n = Name::from_wire(Bytes(w));
    REQUIRE(n);
    CHECK(n->text() == "www.lan");
    CHECK_FALSE(Name::from_wire({}));
    CHECK_FALSE(Name::from_wire(Bytes(std::vector<uint8_t>{3, 'a', 'b'})));   // no terminator
    CHECK_FALSE(Name::from_wire(Bytes(std::vector<uint8_t>{1, 'a', 0, 0})));  // trailing octet
    CHECK_FALSE(Name::from_wire(Bytes(std::vector<uint8_t>{0xC0, 12})));      // a pointer
    CHECK_FALSE(Name::from_wire(Bytes(std::vector<uint8_t>{0x41, 'a', 0})));  // label type 0x40
    CHECK_FALSE(Name::from_wire(Bytes(std::vector<uint8_t>{0x81, 'a', 0})));  // label type 0x80
    CHECK(Name::from_wire(Bytes(std::vector<uint8_t>{0}))->is_root());
}

TEST_CASE("read follows a backward pointer and resumes after the pointer") {
    // "lan" at 12, then "host" + pointer to 12 at 17.
    auto m = after_header({3, 'l', 'a', 'n', 0, 4, 'H', 'o', 'S', 't', 0xC0, 12, 0xAA});
    size_t end = 0;
    Name as_sent;
    auto n = read_at(m, 17, &end, &as_sent);
    REQUIRE(n);
    CHECK(n->text() == "host.lan");
    CHECK(as_sent.text() == "HoSt.lan");
    CHECK(end == 24);
    auto first = read_at(m, 12, &end);
    REQUIRE(first);
    CHECK(first->text() == "lan");
    CHECK(end == 17);
}

TEST_CASE("read keeps the original case for the 0x20 echo and folds the canonical name") {
    auto m = after_header({3, 'W', 'w', 'W', 3, 'L', 'a', 'N', 0});
    Name as_sent;
    auto n = read_at(m, 12, nullptr, &as_sent);
    REQUIRE(n);
    CHECK(n->text() == "www.lan");
    CHECK(as_sent.text() == "WwW.LaN");
    CHECK_FALSE(as_sent == *n);
    CHECK(as_sent.wire_size() == n->wire_size());
}

TEST_CASE("read rejects a pointer to itself, forward pointers and pointer loops") {
    CHECK_FALSE(read_at(after_header({0xC0, 12}), 12));            // to itself
    CHECK_FALSE(read_at(after_header({0xC0, 14, 0}), 12));         // forward
    CHECK_FALSE(read_at(after_header({1, 'a', 0xC0, 12}), 12));    // into its own labels
    CHECK_FALSE(read_at(after_header({0xC0, 14, 0xC0, 12}), 14));  // a two-pointer loop
    // A pointer backwards into the middle of a run that again points forward.
    auto m = after_header({1, 'a', 0xC0, 16, 1, 'b', 0xC0, 12});
    CHECK_FALSE(read_at(m, 16));
}

TEST_CASE("read rejects pointers into the header or past the end of the message") {
    CHECK_FALSE(read_at(after_header({0xC0, 0}), 12));
    CHECK_FALSE(read_at(after_header({0xC0, 11}), 12));
    CHECK_FALSE(read_at(after_header({0xC0, 0xFF}), 12));
    CHECK_FALSE(read_at(after_header({0xFF, 0xFF}), 12));
    CHECK_FALSE(read_at(after_header({0xC0}), 12));  // half a pointer
}

TEST_CASE("read rejects the label types 0x40 and 0x80, a missing terminator, long names") {
    CHECK_FALSE(read_at(after_header({0x41, 'a', 0}), 12));
    CHECK_FALSE(read_at(after_header({0x81, 'a', 0}), 12));
    CHECK_FALSE(read_at(after_header({3, 'l', 'a', 'n'}), 12));
    CHECK_FALSE(read_at(after_header({3, 'l', 'a'}), 12));
    CHECK_FALSE(read_at(after_header({}), 12));
    // 64-octet label.
    std::vector<uint8_t> l64{64};
    l64.insert(l64.end(), 64, 'a');
    l64.push_back(0);
    CHECK_FALSE(read_at(after_header(l64), 12));
    // 256 octets built from pointers: 128 one-octet labels, each run pointing back.
    std::vector<uint8_t> body{1, 'a', 0};  // at 12
    size_t prev = 12;
    for (int i = 0; i < 127; ++i) {
        size_t here = 12 + body.size();
        body.insert(body.end(), {1, 'a', uint8_t(0xC0 | (prev >> 8)), uint8_t(prev)});
        prev = here;
    }
    auto m = after_header(body);
    CHECK(read_at(m, prev - 4));    // 127 labels: 255 octets
    CHECK_FALSE(read_at(m, prev));  // 128 labels: 257 octets
}

TEST_CASE("read reports an error without moving past a failed name") {
    auto m = after_header({0xC0, 20});
    Reader r{Bytes(m)};
    r.skip(12);
    CHECK_FALSE(Name::read(Bytes(m), r));
    CHECK_FALSE(r.ok());
    // A reader that already failed reads nothing.
    CHECK_FALSE(Name::read(Bytes(m), r));
}

TEST_CASE("a chain of pointers to pointers is cut short, whatever its length") {
    // Each two-octet name points to the previous one: a legal-looking chain no encoder
    // writes. It must be rejected quickly, not followed 5000 times (RFC 9267 §2).
    std::vector<uint8_t> body{0};  // the root at 12
    for (size_t i = 0; i < 5000; ++i) {
        size_t target = 12 + (i == 0 ? 0 : 1 + 2 * (i - 1));
        body.push_back(uint8_t(0xC0 | (target >> 8)));
        body.push_back(uint8_t(target));
    }
    auto m = after_header(body);
    CHECK(read_at(m, 13 + 2 * 100));         // a hundred hops: fine
    CHECK_FALSE(read_at(m, 13 + 2 * 4999));  // thousands: rejected
}
