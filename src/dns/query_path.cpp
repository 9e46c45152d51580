// query path (placeholder until written)
#include "leasedns/dns/query_path.hpp"
