// filter_reply: what an upstream reply may carry to our clients and our cache
// (ROBUSTNESS F5 out-of-bailiwick records, F8 DNS rebinding).
#include <doctest/doctest.h>

#include "forward_test_support.hpp"
#include "leasedns/dns/forwarder.hpp"

using namespace leasedns;
using namespace leasedns::dns;
using namespace leasedns::dns::test;

namespace {

const Question kWww{name("www.example.com"), rrtype::A, kClassIn};

std::vector<std::string> owners(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.name.text());
    return out;
}

std::array<uint8_t, 16> v6(std::initializer_list<uint8_t> head,
                           std::initializer_list<uint8_t> tail = {}) {
    std::array<uint8_t, 16> a{};
    std::copy(head.begin(), head.end(), a.begin());
    std::copy(tail.begin(), tail.end(), a.end() - tail.size());
    return a;
}

}  // namespace

TEST_CASE("filter_reply keeps answers for the question name and drops answers for other names") {
    Message m = reply_message(kWww, Rcode::NoError,
                              {a_record("www.example.com", "93.184.216.34"),
                               a_record("bank.example.net", "203.0.113.66")});
    FilterResult r = filter_reply(kWww, m, false, {});
    CHECK(r.out_of_bailiwick == 1);
    CHECK(owners(m.answers) == std::vector<std::string>{"www.example.com"});
}

TEST_CASE("filter_reply follows a CNAME chain whatever the record order") {
    Message m = reply_message(
        kWww, Rcode::NoError,
        {a_record("edge.cdn.example.net", "203.0.113.10"),
         name_record(rrtype::CNAME, "www.example.com", "www.example.com.cdn.example.net"),
         name_record(rrtype::CNAME, "www.example.com.cdn.example.net", "edge.cdn.example.net"),
         a_record("unrelated.example.org", "203.0.113.11")});
    FilterResult r = filter_reply(kWww, m, false, {});
    CHECK(r.out_of_bailiwick == 1);
    CHECK(owners(m.answers) == std::vector<std::string>{"edge.cdn.example.net", "www.example.com",
                                                        "www.example.com.cdn.example.net"});
}

TEST_CASE("filter_reply stops following a CNAME loop") {
    Question q{name("a.example.com"), rrtype::A, kClassIn};
    Message m = reply_message(q, Rcode::NoError,
                              {name_record(rrtype::CNAME, "a.example.com", "b.example.com"),
                               name_record(rrtype::CNAME, "b.example.com", "a.example.com")});
    FilterResult r = filter_reply(q, m, false, {});
    CHECK(r.out_of_bailiwick == 0);
    CHECK(m.answers.size() == 2);
}

TEST_CASE("filter_reply keeps authority records at or above the question name only") {
    Message m = reply_message(kWww, Rcode::NoError, {a_record("www.example.com", "93.184.216.34")},
                              {name_record(rrtype::NS, "example.com", "ns1.example.com"),
                               name_record(rrtype::NS, "victim.org", "ns.attacker.net"),
                               name_record(rrtype::NS, "sub.www.example.com", "ns.example.com")});
    FilterResult r = filter_reply(kWww, m, false, {});
    CHECK(r.out_of_bailiwick == 2);
    CHECK(owners(m.authority) == std::vector<std::string>{"example.com"});
}

TEST_CASE("filter_reply keeps the SOA of the zone a CNAME chain ends in (RFC 2308 §2.1)") {
    Message m = reply_message(kWww, Rcode::NxDomain,
                              {name_record(rrtype::CNAME, "www.example.com", "gone.example.net")},
                              {soa_record("example.net", 3600, 300)});
    FilterResult r = filter_reply(kWww, m, false, {});
    CHECK(r.out_of_bailiwick == 0);
    CHECK(m.authority.size() == 1);
}

TEST_CASE("filter_reply keeps additional records only for names the kept records point at") {
    Question mx{name("example.com"), rrtype::MX, kClassIn};
    Message m = reply_message(
        mx, Rcode::NoError, {mx_record("example.com", "mail.example.com")},
        {name_record(rrtype::NS, "example.com", "ns1.example.com")},
        {a_record("mail.example.com", "203.0.113.25"), a_record("ns1.example.com", "203.0.113.53"),
         a_record("www.bank.example", "203.0.113.66")});
    FilterResult r = filter_reply(mx, m, false, {});
    CHECK(r.out_of_bailiwick == 1);
    CHECK(owners(m.additional) == std::vector<std::string>{"mail.example.com", "ns1.example.com"});
}

TEST_CASE("filter_reply drops glue whose NS record was itself out of bailiwick") {
    Message m = reply_message(kWww, Rcode::NoError, {a_record("www.example.com", "93.184.216.34")},
                              {name_record(rrtype::NS, "bank.example", "ns.bank.example")},
                              {a_record("ns.bank.example", "203.0.113.66")});
    FilterResult r = filter_reply(kWww, m, false, {});
    CHECK(r.out_of_bailiwick == 2);
    CHECK(m.authority.empty());
    CHECK(m.additional.empty());
}

TEST_CASE("is_private_ipv4 covers RFC 1918, loopback, link-local, CGNAT and 0/8 exactly") {
    for (const char* a : {"0.0.0.0", "0.255.255.255", "10.0.0.1", "10.255.255.255", "127.0.0.1",
                          "127.255.0.1", "169.254.1.1", "172.16.0.0", "172.31.255.255",
                          "192.168.0.1", "192.168.255.255", "100.64.0.0", "100.127.255.255"}) {
        CAPTURE(a);
        CHECK(is_private_ipv4(*Ipv4::parse(a)));
    }
    for (const char* a :
         {"1.0.0.1", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255",
          "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
          "100.63.255.255", "100.128.0.0", "8.8.8.8", "198.18.0.1"}) {
        CAPTURE(a);
        CHECK_FALSE(is_private_ipv4(*Ipv4::parse(a)));
    }
}

TEST_CASE("with stop-dns-rebind a public name's private IPv4 answers are removed") {
    Message m = reply_message(
        kWww, Rcode::NoError,
        {a_record("www.example.com", "192.168.1.1"), a_record("www.example.com", "10.1.2.3"),
         a_record("www.example.com", "127.0.0.1"), a_record("www.example.com", "93.184.216.34")});
    Message without = m;
    FilterResult r = filter_reply(kWww, m, true, {});
    CHECK(r.rebind == 3);
    CHECK(m.answers.size() == 1);
    CHECK(m.answers[0].rdata == std::vector<uint8_t>{93, 184, 216, 34});

    SUBCASE("and kept when stop-dns-rebind is off") {
        CHECK(filter_reply(kWww, without, false, {}).rebind == 0);
        CHECK(without.answers.size() == 4);
    }
}

TEST_CASE("with stop-dns-rebind a name under a rebind-domain-ok domain keeps private answers") {
    Question q{name("nas.home.example"), rrtype::A, kClassIn};
    Message m = reply_message(q, Rcode::NoError, {a_record("nas.home.example", "192.168.1.10")});
    std::vector<Name> ok{name("home.example")};
    CHECK(filter_reply(q, m, true, ok).rebind == 0);
    CHECK(m.answers.size() == 1);

    std::vector<Name> other{name("example.org")};
    CHECK(filter_reply(q, m, true, other).rebind == 1);
    CHECK(m.answers.empty());
}

TEST_CASE(
    "with stop-dns-rebind private IPv6 answers are removed: ::1, fc00::/7, fe80::/10, "
    "mapped private IPv4") {
    Question q{name("www.example.com"), rrtype::AAAA, kClassIn};
    Message m = reply_message(
        q, Rcode::NoError,
        {aaaa_record("www.example.com", v6({}, {1})),                        // ::1
         aaaa_record("www.example.com", v6({0xfd, 0x12}, {1})),              // fd12::1
         aaaa_record("www.example.com", v6({0xfc}, {1})),                    // fc00::1
         aaaa_record("www.example.com", v6({0xfe, 0x80}, {1})),              // fe80::1
         aaaa_record("www.example.com", v6({0xfe, 0xbf}, {1})),              // febf::1
         aaaa_record("www.example.com", v6({}, {0xff, 0xff, 10, 0, 0, 1})),  // ::ffff:10.0.0.1
         aaaa_record("www.example.com", v6({}, {0xff, 0xff, 8, 8, 8, 8})),   // ::ffff:8.8.8.8
         aaaa_record("www.example.com", v6({0x20, 0x01, 0x0d, 0xb8}, {1})),  // 2001:db8::1
         aaaa_record("www.example.com", v6({0xfe, 0xc0}, {1}))});            // fec0::1
    FilterResult r = filter_reply(q, m, true, {});
    CHECK(r.rebind == 6);
    REQUIRE(m.answers.size() == 3);
    CHECK(m.answers[0].rdata[15] == 8);
    CHECK(m.answers[1].rdata[0] == 0x20);
    CHECK(m.answers[2].rdata[1] == 0xc0);
}

TEST_CASE("when every answer is filtered the reply stays NOERROR with no answers") {
    Message m = reply_message(kWww, Rcode::NoError, {a_record("www.example.com", "10.0.0.1")});
    filter_reply(kWww, m, true, {});
    CHECK(m.answers.empty());
    CHECK(m.header.rcode() == 0);
}
