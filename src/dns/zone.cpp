// zone (placeholder until written)
#include "leasedns/dns/zone.hpp"
