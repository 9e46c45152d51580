// The one list of Draft fields, so that merging and assembling cannot forget one.
// Direct fields map one to one onto a Config member; the others need resolving
// (ranges), sanitising (reservation names) or encoding (options) first; subnet domains
// are joined by the ranges' own `domain` keys.
#pragma once
#include <tuple>
#include <utility>

#include "draft.hpp"

namespace leasedns::config {

inline constexpr auto kDirectFields = std::make_tuple(
    std::pair{&Draft::interfaces, &Config::interfaces},
    std::pair{&Draft::except_interfaces, &Config::except_interfaces},
    std::pair{&Draft::listen_addresses, &Config::listen_addresses},
    std::pair{&Draft::bind_interfaces, &Config::bind_interfaces},
    std::pair{&Draft::domain, &Config::domain},
    std::pair{&Draft::authoritative, &Config::authoritative},
    std::pair{&Draft::rapid_commit, &Config::rapid_commit}, std::pair{&Draft::ping, &Config::ping},
    std::pair{&Draft::ping_timeout_ms, &Config::ping_timeout_ms},
    std::pair{&Draft::lease_max, &Config::lease_max},
    std::pair{&Draft::offer_hold_seconds, &Config::offer_hold_seconds},
    std::pair{&Draft::decline_seconds, &Config::decline_seconds},
    std::pair{&Draft::min_lease_seconds, &Config::min_lease_seconds},
    std::pair{&Draft::state_dir, &Config::state_dir},
    std::pair{&Draft::lease_file, &Config::lease_file},
    std::pair{&Draft::control_socket, &Config::control_socket},
    std::pair{&Draft::pid_file, &Config::pid_file}, std::pair{&Draft::user, &Config::user},
    std::pair{&Draft::dhcp_script, &Config::dhcp_script},
    std::pair{&Draft::import_leases, &Config::import_leases},
    std::pair{&Draft::log_queries, &Config::log_queries},
    std::pair{&Draft::log_dhcp, &Config::log_dhcp},
    std::pair{&Draft::quiet_dhcp, &Config::quiet_dhcp},
    std::pair{&Draft::log_facility, &Config::log_facility},
    std::pair{&Draft::dns_port, &Config::dns_port}, std::pair{&Draft::servers, &Config::servers},
    std::pair{&Draft::no_resolv, &Config::no_resolv},
    std::pair{&Draft::resolv_file, &Config::resolv_file},
    std::pair{&Draft::no_hosts, &Config::no_hosts},
    std::pair{&Draft::addn_hosts, &Config::addn_hosts},
    std::pair{&Draft::local_domains, &Config::local_domains},
    std::pair{&Draft::addresses, &Config::addresses},
    std::pair{&Draft::host_records, &Config::host_records},
    std::pair{&Draft::cnames, &Config::cnames}, std::pair{&Draft::mx_records, &Config::mx_records},
    std::pair{&Draft::srv_records, &Config::srv_records},
    std::pair{&Draft::txt_records, &Config::txt_records},
    std::pair{&Draft::ptr_records, &Config::ptr_records},
    std::pair{&Draft::cache_size, &Config::cache_size},
    std::pair{&Draft::local_ttl, &Config::local_ttl},
    std::pair{&Draft::dhcp_ttl, &Config::dhcp_ttl},
    std::pair{&Draft::no_negcache, &Config::no_negcache},
    std::pair{&Draft::domain_needed, &Config::domain_needed},
    std::pair{&Draft::bogus_priv, &Config::bogus_priv},
    std::pair{&Draft::stop_dns_rebind, &Config::stop_dns_rebind},
    std::pair{&Draft::rebind_domain_ok, &Config::rebind_domain_ok},
    std::pair{&Draft::metrics_listen, &Config::metrics_listen});

inline constexpr auto kProcessedFields =
    std::make_tuple(&Draft::dhcp_enabled, &Draft::ranges, &Draft::reservations, &Draft::options,
                    &Draft::subnet_domains);

}  // namespace leasedns::config
