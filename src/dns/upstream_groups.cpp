// forwarding (placeholder until written)
#include "leasedns/dns/forwarder.hpp"
