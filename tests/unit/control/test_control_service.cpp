// What the control socket answers, driven through control::answer with a fake daemon:
// each command's JSON, releases answered only once the backend confirms them, errors as
// {"ok":false,"error":...}.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "leasedns/control/json.hpp"
#include "leasedns/control/service.hpp"

using namespace leasedns;
using namespace leasedns::control;

namespace {

constexpr WallSeconds kNow = 1'700'000'000;

leases::Lease lease(const char* addr, const char* mac, const char* name, WallSeconds expires) {
    leases::Lease l;
    l.addr = *Ipv4::parse(addr);
    l.mac = *Mac::parse(mac);
    l.client = leases::ClientId::from_hardware(1, Bytes(l.mac.octets.data(), 6));
    l.hostname = name;
    l.expires = expires;
    l.granted = kNow - 100;
    return l;
}

struct FakeBackend : Backend {
    std::vector<leases::Lease> table;
    std::vector<std::string> zone_lines;
    bool dns = true;
    std::vector<Ipv4> released;
    Completion pending_release;  // answered by the test
    Completion pending_reload;
    bool can_reload = true;

    WallSeconds now() const override { return kNow; }
    std::string version() const override { return "9.9.9"; }
    std::vector<leases::Lease> leases() const override { return table; }
    bool records(std::vector<std::string>& lines) const override {
        if (!dns) return false;
        lines = zone_lines;
        return true;
    }
    std::vector<ReservationRow> reservations() const override {
        ReservationRow r;
        r.mac = "02:00:00:00:00:01";
        r.address = "198.18.0.10";
        r.hostname = "printer";
        return {r};
    }
    std::vector<Counter> counters() const override {
        return {{"dhcp", "received_discover", 3}, {"journal", "syncs", 7}, {"dhcp", "sent_ack", 2}};
    }
    void release(Ipv4 addr, Completion done) override {
        released.push_back(addr);
        pending_release = std::move(done);
    }
    void reload(Completion done) override {
        if (!can_reload) {
            done("reload not available");
            return;
        }
        pending_reload = std::move(done);
    }
};

struct Exchange {
    std::vector<std::string> replies;
    void ask(Backend& b, std::string_view line) {
        answer(line, b, [this](std::string r) { replies.push_back(std::move(r)); });
    }
    JsonValue last() const {
        REQUIRE(!replies.empty());
        const std::string& r = replies.back();
        REQUIRE(r.size() > 1);
        REQUIRE(r.back() == '\n');
        REQUIRE(r.find('\n') == r.size() - 1);  // one line
        std::string error;
        auto v = parse_json(std::string_view(r).substr(0, r.size() - 1), error);
        REQUIRE_MESSAGE(v, error);
        return *v;
    }
};

}  // namespace

TEST_CASE("leases lists address, state, MAC, name and both expiry forms") {
    FakeBackend b;
    b.table = {lease("198.18.0.100", "02:aa:bb:cc:dd:01", "laptop", kNow + 3600),
               lease("198.18.0.101", "02:aa:bb:cc:dd:02", "", 0)};
    Exchange x;
    x.ask(b, "leases");
    JsonValue v = x.last();
    CHECK(v.find("ok")->boolean);
    const JsonValue& rows = *v.find("result");
    REQUIRE(rows.items.size() == 2);
    const JsonValue& first = rows.items[0];
    CHECK(first.find("address")->text == "198.18.0.100");
    CHECK(first.find("state")->text == "bound");
    CHECK(first.find("mac")->text == "02:aa:bb:cc:dd:01");
    CHECK(first.find("client_id")->text == b.table[0].client.str());
    CHECK(first.find("hostname")->text == "laptop");
    CHECK(first.find("expires")->as_int() == kNow + 3600);
    CHECK(first.find("expires_in")->as_int() == 3600);
    CHECK(rows.items[1].find("expires_in")->kind == JsonValue::Kind::Null);  // infinite
}

TEST_CASE("a host name with hostile bytes still gives valid one-line JSON") {
    FakeBackend b;
    b.table = {lease("198.18.0.100", "02:aa:bb:cc:dd:01", "a\"b\n\xff", kNow + 10)};
    Exchange x;
    x.ask(b, "leases");
    CHECK(x.last().find("result")->items[0].find("hostname")->text == "a\"b\n\xef\xbf\xbd");
}

TEST_CASE("lease release is answered only when the backend has made it durable") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "lease release 198.18.0.100");
    CHECK(x.replies.empty());
    REQUIRE(b.released.size() == 1);
    CHECK(b.released[0] == *Ipv4::parse("198.18.0.100"));
    b.pending_release("");
    JsonValue v = x.last();
    CHECK(v.find("ok")->boolean);
    CHECK(v.find("result")->find("released")->text == "198.18.0.100");
}

TEST_CASE("a release the backend refuses is an error with its reason") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "lease release 198.18.0.200");
    b.pending_release("no lease for 198.18.0.200");
    JsonValue v = x.last();
    CHECK_FALSE(v.find("ok")->boolean);
    CHECK(v.find("error")->text == "no lease for 198.18.0.200");
}

TEST_CASE("a malformed request never reaches the backend") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "lease release 198.18.0.300");
    CHECK(b.released.empty());
    JsonValue v = x.last();
    CHECK_FALSE(v.find("ok")->boolean);
    CHECK(v.find("error")->text.find("not an IPv4 address") == 0);
}

TEST_CASE("records are taken apart into name, TTL, type, data and source") {
    FakeBackend b;
    b.zone_lines = {"laptop.lan 3600 IN A 198.18.0.100 ; lease",
                    "100.0.18.198.in-addr.arpa 3600 IN PTR laptop.lan ; lease",
                    "lan 0 IN SOA ns.lan hostmaster.lan 5 1200 180 1209600 0 ; zone",
                    "garbage without a source"};
    Exchange x;
    x.ask(b, "records");
    JsonValue v = x.last();
    const JsonValue& rows = *v.find("result");
    REQUIRE(rows.items.size() == 3);
    CHECK(rows.items[0].find("name")->text == "laptop.lan");
    CHECK(rows.items[0].find("ttl")->as_int() == 3600);
    CHECK(rows.items[0].find("type")->text == "A");
    CHECK(rows.items[0].find("data")->text == "198.18.0.100");
    CHECK(rows.items[0].find("source")->text == "lease");
    CHECK(rows.items[1].find("type")->text == "PTR");
    CHECK(rows.items[2].find("data")->text == "ns.lan hostmaster.lan 5 1200 180 1209600 0");
}

TEST_CASE("records without DNS says so") {
    FakeBackend b;
    b.dns = false;
    Exchange x;
    x.ask(b, "records");
    CHECK_FALSE(x.last().find("ok")->boolean);
}

TEST_CASE("hosts lists reservations and the hosts files' address records") {
    FakeBackend b;
    b.zone_lines = {"nas.lan 0 IN A 198.18.0.20 ; hosts:/etc/hosts",
                    "20.0.18.198.in-addr.arpa 0 IN PTR nas.lan ; hosts:/etc/hosts",
                    "laptop.lan 3600 IN A 198.18.0.100 ; lease"};
    Exchange x;
    x.ask(b, "hosts");
    JsonValue v = x.last();
    const JsonValue& r = *v.find("result");
    REQUIRE(r.find("reservations")->items.size() == 1);
    CHECK(r.find("reservations")->items[0].find("hostname")->text == "printer");
    CHECK(r.find("reservations")->items[0].find("lease_time")->kind == JsonValue::Kind::Null);
    REQUIRE(r.find("hosts_files")->items.size() == 1);
    CHECK(r.find("hosts_files")->items[0].find("name")->text == "nas.lan");
    CHECK(r.find("hosts_files")->items[0].find("file")->text == "/etc/hosts");
}

TEST_CASE("stats groups the counters by section") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "stats");
    JsonValue v = x.last();
    const JsonValue& r = *v.find("result");
    REQUIRE(r.members.size() == 2);
    CHECK(r.members[0].name == "dhcp");
    CHECK(r.find("dhcp")->find("received_discover")->as_uint() == 3);
    CHECK(r.find("dhcp")->find("sent_ack")->as_uint() == 2);
    CHECK(r.find("journal")->find("syncs")->as_uint() == 7);
}

TEST_CASE("reload reports the backend's outcome, or that it is not available") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "reload");
    CHECK(x.replies.empty());
    b.pending_reload("");
    CHECK(x.last().find("result")->text == "reloaded");
    x.ask(b, "reload");
    b.pending_reload("leasedns.toml:3:1: bad key");
    CHECK(x.last().find("error")->text == "leasedns.toml:3:1: bad key");
    b.can_reload = false;
    x.ask(b, "reload");
    CHECK(x.last().find("error")->text == "reload not available");
}

TEST_CASE("version and help answer without touching the daemon's state") {
    FakeBackend b;
    Exchange x;
    x.ask(b, "version");
    CHECK(x.last().find("result")->find("version")->text == "9.9.9");
    x.ask(b, "help");
    CHECK(x.last().find("result")->text.find("lease release ADDR") != std::string::npos);
}
