// A private certificate authority for a city's hubs, made and used without the internet (docs/architecture.md,
// "TLS"): `silian-hub ca init` makes the CA's key and self-signed certificate, `ca issue` a hub's key and
// certificate signed by it, `ca pin` the public-key pin of a certificate (libcurl's "sha256//BASE64").
// Keys are ECDSA P-256 (nginx, libcurl and OpenSSL 1.1+ all take them; signatures are small and fast);
// every key file is written 0600 through base/files.h and no file is ever overwritten. OpenSSL's libcrypto
// API, never the `openssl` command. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace silian::hub {

inline constexpr int kCaValidityDays = 3650;      // 10 years
inline constexpr int kServerValidityDays = 730;   // 2 years
inline constexpr const char* kCaKeyFile = "ca.key";
inline constexpr const char* kCaCertFile = "ca.crt";

// What a certificate says, for output and tests.
struct CertificateInfo {
  std::string subject;      // "CN=..."
  std::string issuer;       // "CN=..."
  std::string not_after;    // "YYYY-MM-DDTHH:MM:SSZ"
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool is_ca = false;
  std::string pin;          // "sha256//BASE64" of its public key
};

// Makes `dir` (0700 when new) with ca.key (0600) and ca.crt: a new ECDSA P-256 key and a self-signed CA
// certificate for `name` (CN), valid kCaValidityDays, usable only to sign hub certificates (pathlen 0).
// kInvalidArgument naming the value for an empty or unprintable name, or when ca.key or ca.crt exists
// already (never overwritten); kInternal naming the step when OpenSSL fails.
Result<CertificateInfo> MakeCertificateAuthority(const std::string& dir, const std::string& name);

// Writes PREFIX.key (0600) and PREFIX.crt: a new ECDSA P-256 key and a server certificate signed by the
// CA in `dir`, for TLS server use only, with the subjectAltNames `hosts` (DNS) and `ips` (IPv4 or IPv6),
// valid kServerValidityDays; CN is the first host (else the first address). kInvalidArgument naming the
// value for a bad host name or address, none of either, a missing or unreadable CA, or an output file that
// exists already; kInternal naming the step when OpenSSL fails.
Result<CertificateInfo> IssueServerCertificate(const std::string& dir, const std::vector<std::string>& hosts,
                                               const std::vector<std::string>& ips, const std::string& prefix);

// The certificate in the PEM file `path` described. kInvalidArgument naming the path when it holds none.
Result<CertificateInfo> ReadCertificate(const std::string& path);

// The `ca` commands (hub/ca_cmd.cc): text, or one JSON document with `json`.
struct CaOptions {
  std::string dir, name, out, cert;
  std::vector<std::string> hosts, ips;
};
Status RunCaInit(bool json, const CaOptions& o);
Status RunCaIssue(bool json, const CaOptions& o);
Status RunCaPin(bool json, const CaOptions& o);

}  // namespace silian::hub
