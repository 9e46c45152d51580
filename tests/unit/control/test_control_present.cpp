// leasectl's output: responses taken apart, tables for people, and leases turned back into
// Lease values for the dnsmasq lease-file format.
#include <doctest/doctest.h>

#include <string>

#include "leasedns/control/present.hpp"
#include "leasedns/control/service.hpp"

using namespace leasedns;
using namespace leasedns::control;

namespace {
JsonValue json(std::string_view text) {
    std::string error;
    auto v = parse_json(text, error);
    REQUIRE_MESSAGE(v, error);
    return *v;
}
}  // namespace

TEST_CASE("a response line is ok with its result, or an error with its message") {
    auto ok = parse_response(R"({"ok":true,"result":[1]})");
    CHECK(ok.ok);
    CHECK(ok.result.items.size() == 1);
    auto bad = parse_response(R"({"ok":false,"error":"no lease for 1.2.3.4"})");
    CHECK_FALSE(bad.ok);
    CHECK(bad.error == "no lease for 1.2.3.4");
}

TEST_CASE("a line that is not a response of ours is reported as such") {
    for (const char* line : {"", "hello", "[]", R"({"ok":"yes"})", R"({"result":1})"}) {
        CAPTURE(line);
        auto r = parse_response(line);
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("not a control-socket response") != std::string::npos);
    }
}

TEST_CASE("durations read as people say them") {
    CHECK(format_duration(json("null")) == "never");
    CHECK(format_duration(json("0")) == "expired");
    CHECK(format_duration(json("45")) == "45s");
    CHECK(format_duration(json("125")) == "2m05s");
    CHECK(format_duration(json("7380")) == "2h03m");
    CHECK(format_duration(json("90000")) == "1d01h");
    CHECK(format_duration(json("\"x\"")) == "?");
}

TEST_CASE("the lease table has aligned columns and marks declined addresses") {
    auto rows = json(R"([
      {"address":"198.18.0.100","state":"bound","mac":"02:aa:bb:cc:dd:01","client_id":"",
       "hostname":"laptop","expires":1700003600,"expires_in":3600,"granted":1},
      {"address":"198.18.0.101","state":"declined","mac":"","client_id":"",
       "hostname":"","expires":1700000060,"expires_in":60,"granted":0}])");
    std::string t = format_leases(rows);
    CHECK(t ==
          "ADDRESS       MAC                HOSTNAME  EXPIRES IN\n"
          "198.18.0.100  02:aa:bb:cc:dd:01  laptop    1h00m\n"
          "198.18.0.101  -                  -         1m00s (declined)\n");
    CHECK(format_leases(json("[]")) == "no leases\n");
}

TEST_CASE("records print one per line with their source") {
    auto t = format_records(json(
        R"([{"name":"laptop.lan","ttl":3600,"type":"A","data":"198.18.0.100","source":"lease"}])"));
    CHECK(t ==
          "NAME        TTL   TYPE  DATA          SOURCE\n"
          "laptop.lan  3600  A     198.18.0.100  lease\n");
}

TEST_CASE("stats print as section.name value") {
    CHECK(format_stats(json(R"({"dhcp":{"sent_ack":2},"journal":{"syncs":7}})")) ==
          "dhcp.sent_ack 2\njournal.syncs 7\n");
}

TEST_CASE("hosts prints reservations and hosts-file names, or none") {
    auto t = format_hosts(json(
        R"({"reservations":[{"mac":"02:00:00:00:00:01","client_id":"","address":"198.18.0.10",
            "hostname":"printer","lease_time":null,"ignore":false}],"hosts_files":[]})"));
    CHECK(t.find("02:00:00:00:00:01  198.18.0.10  printer   -") != std::string::npos);
    CHECK(t.find("hosts files:\n  none\n") != std::string::npos);
}

TEST_CASE("a leases row turns back into the Lease it came from") {
    leases::Lease l;
    l.addr = *Ipv4::parse("198.18.0.100");
    l.mac = *Mac::parse("02:aa:bb:cc:dd:01");
    l.client = leases::ClientId::from_option61(Bytes(l.mac.octets.data(), 6));
    l.hostname = "laptop";
    l.expires = 1'700'003'600;
    l.granted = 1'700'000'000;
    auto rows = json(leases_json({l}, 1'700'000'000));
    REQUIRE(rows.items.size() == 1);
    leases::Lease back;
    REQUIRE(lease_from_json(rows.items[0], back));
    CHECK(back.addr == l.addr);
    CHECK(back.mac == l.mac);
    CHECK(back.client == l.client);
    CHECK(back.hostname == l.hostname);
    CHECK(back.expires == l.expires);
    CHECK(back.granted == l.granted);
    CHECK(back.state == leases::LeaseState::Bound);
}

TEST_CASE("a leases row with a missing or malformed field is skipped") {
    leases::Lease out;
    CHECK_FALSE(lease_from_json(json(R"({"address":"198.18.0.1"})"), out));
    CHECK_FALSE(lease_from_json(
        json(
            R"({"address":"x","state":"bound","mac":"","client_id":"","hostname":"","expires":0})"),
        out));
    CHECK_FALSE(lease_from_json(
        json(
            R"({"address":"1.2.3.4","state":"gone","mac":"","client_id":"","hostname":"","expires":0})"),
        out));
}
