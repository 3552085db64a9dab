#!/bin/sh
# Create throwaway TLS certificates for the mock SSO portal in DIR.
#
# Usage: make_certs.sh DIR
#
# Output files (EC P-256 keys, SHA-256 signatures, valid for 10 years):
#   ca.pem, ca.key                  test CA that clients trust
#   server.pem, server.key          signed by ca.pem for DNS:localhost,
#                                   IP:127.0.0.1 and IP:::1
#   wrong-host.pem, wrong-host.key  signed by ca.pem for DNS:wrong.example only
#   other-ca.pem, other-ca.key      a second, unrelated CA
#   other-server.pem, other-server.key
#                                   signed by other-ca.pem for the same names
#                                   as server.pem
#
# When every file already exists and server.pem still verifies against
# ca.pem, the script changes nothing. Otherwise it creates the whole set in
# a temporary folder and moves it into DIR. It prints nothing on success and
# shows the openssl output on failure.

set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi

dir=$1
files="ca.pem ca.key server.pem server.key wrong-host.pem wrong-host.key
other-ca.pem other-ca.key other-server.pem other-server.key"

mkdir -p "$dir"

complete=yes
for f in $files; do
    [ -s "$dir/$f" ] || complete=no
done
if [ "$complete" = yes ] &&
   openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1; then
    exit 0
fi

work=$(mktemp -d "$dir/.make_certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/openssl.log

# Run openssl with its output going to the log, and print the log if it fails.
run_openssl() {
    if ! openssl "$@" >>"$log" 2>&1; then
        echo "make_certs.sh: openssl $1 failed:" >&2
        cat "$log" >&2
        exit 1
    fi
}

# Write an openssl config for a certificate request. Its extension section
# "ext" is also used when the CA signs the request, because "openssl x509
# -req" does not copy extensions from the request.
# Arguments: file, common name, extension lines...
write_config() {
    conf=$1
    cn=$2
    shift 2
    {
        printf '[req]\nprompt = no\ndistinguished_name = dn\n'
        printf '[dn]\nCN = %s\n' "$cn"
        printf '[ext]\n'
        for line in "$@"; do
            printf '%s\n' "$line"
        done
    } >"$conf"
}

# Create a self-signed CA certificate. Arguments: base name, common name.
make_ca() {
    write_config "$work/$1.cnf" "$2" \
        "basicConstraints = critical, CA:TRUE" \
        "keyUsage = critical, keyCertSign, cRLSign" \
        "subjectKeyIdentifier = hash"
    run_openssl req -x509 -new -config "$work/$1.cnf" -extensions ext \
        -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -sha256 -days 3650 -keyout "$work/$1.key" -out "$work/$1.pem"
}

# Create a server certificate signed by a CA.
# Arguments: base name, CA base name, common name, subjectAltName value.
make_server() {
    write_config "$work/$1.cnf" "$3" \
        "basicConstraints = critical, CA:FALSE" \
        "keyUsage = critical, digitalSignature" \
        "extendedKeyUsage = serverAuth" \
        "subjectKeyIdentifier = hash" \
        "authorityKeyIdentifier = keyid" \
        "subjectAltName = $4"
    run_openssl req -new -config "$work/$1.cnf" \
        -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$work/$1.key" -out "$work/$1.csr"
    # A random serial number keeps certificates from different runs distinct.
    serial=0x$(openssl rand -hex 16)
    run_openssl x509 -req -in "$work/$1.csr" \
        -CA "$work/$2.pem" -CAkey "$work/$2.key" -set_serial "$serial" \
        -sha256 -days 3650 -extfile "$work/$1.cnf" -extensions ext \
        -out "$work/$1.pem"
}

local_names="DNS:localhost, IP:127.0.0.1, IP:::1"

make_ca ca "pam_sso mock portal test CA"
make_server server ca localhost "$local_names"
make_server wrong-host ca wrong.example "DNS:wrong.example"
make_ca other-ca "pam_sso unrelated test CA"
make_server other-server other-ca localhost "$local_names"

for f in $files; do
    case $f in
        *.key) chmod 600 "$work/$f" ;;
        *) chmod 644 "$work/$f" ;;
    esac
    mv -f "$work/$f" "$dir/$f"
done
