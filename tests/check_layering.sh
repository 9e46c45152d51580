#!/bin/sh
# Fails if a pure module includes an I/O library header (ARCHITECTURE.md habit 7).
root="$1"
bad=$(grep -rnE '#include[[:space:]]*<(uv\.h|ares\.h|sys/socket\.h|netinet/|arpa/inet\.h|unistd\.h)' \
    "$root/src/core" "$root/src/config" "$root/src/dhcp" "$root/src/leases" "$root/src/dns" "$root/include/leasedns/dns" "$root/src/control" "$root/include/leasedns/control" \
    "$root/src/http" "$root/include/leasedns/http" \
    "$root/include/leasedns/core" "$root/include/leasedns/config" \
    "$root/include/leasedns/dhcp" "$root/include/leasedns/leases" 2>/dev/null)
if [ -n "$bad" ]; then
    echo "pure module includes an I/O header:"
    echo "$bad"
    exit 1
fi
echo "layering ok"
