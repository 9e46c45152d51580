// codec (placeholder until written)
#include "leasedns/dns/message.hpp"
