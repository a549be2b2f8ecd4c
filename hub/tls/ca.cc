#include "hub/tls/ca.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <functional>
#include <cstring>
#include <memory>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/files.h"
#include "base/keys.h"
#include "base/text.h"

namespace silian::hub {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

// kInternal naming `step` and OpenSSL's first queued error (the queue is cleared).
Status OpenSslError(const std::string& step) {
  char text[256] = "unknown error";
  if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return Internal("OpenSSL could not " + step + ": " + text);
}

Result<Key> NewKey() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("make an ECDSA P-256 key");
  return key;
}

Result<std::string> ToPem(const std::function<int(BIO*)>& write, const std::string& what) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return OpenSslError("encode the " + what);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// A host name: labels of letters, digits and hyphens (a leading "*." allowed), at most 253 characters.
bool IsHostName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  const size_t start = host.rfind("*.", 0) == 0 ? 2 : 0;
  for (size_t i = start; i <= host.size(); ++i) {
    const char c = i < host.size() ? host[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

bool IsIpAddress(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

// A CN: printable, no control characters, at most 64 bytes (X.520's upper bound).
Status CheckCommonName(const std::string& name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("CA name " + Quote(name) + " must have 1 to 64 bytes");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return InvalidArgument("CA name " + Quote(name) + " holds a control character");
  return Status::Ok();
}

Status CheckAbsent(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0)
    return InvalidArgument(what + " " + Quote(path) + " exists already; it is never overwritten: choose another path");
  if (errno != ENOENT) return InvalidArgument("cannot check " + what + " " + Quote(path) + ": " + std::strerror(errno));
  return Status::Ok();
}

// Adds the extension `nid` = `value` (OpenSSL's configuration syntax) to `cert`, issued by `issuer`.
Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return OpenSslError("add the extension " + value);
  return Status::Ok();
}

// A certificate for `key` named `cn`, valid from now for `days`, with a random 127-bit serial; unsigned.
Result<Cert> NewCertificate(EVP_PKEY* key, const std::string& cn, int days) {
  Cert cert(X509_new());
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  if (!cert || !serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_set_version(cert.get(), 2) != 1 || X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1)
    return OpenSslError("make a certificate");
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Silian"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1)
    return OpenSslError("name the certificate " + Quote(cn));
  return cert;
}

Status WriteFile(const std::string& path, const std::string& what, const std::string& content) {
  SILIAN_RETURN_IF_ERROR(CheckAbsent(path, what));
  return WriteFileAtomically(path, what, content);
}

Result<std::string> KeyPem(EVP_PKEY* key) {
  return ToPem([key](BIO* b) { return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); },
               "private key");
}
Result<std::string> CertPem(X509* cert) {
  return ToPem([cert](BIO* b) { return PEM_write_bio_X509(b, cert); }, "certificate");
}

Result<std::string> ReadBounded(const std::string& path, const std::string& what) {
  auto text = ReadFileBounded(path, what, 1 << 20);
  if (!text.ok()) return InvalidArgument(text.status().message());
  return text;
}

Result<Cert> ParseCertificate(const std::string& pem, const std::string& path) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!cert) return InvalidArgument("file " + Quote(path) + " holds no PEM certificate");
  return cert;
}

Result<Key> ParseKey(const std::string& pem, const std::string& path) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) return InvalidArgument("file " + Quote(path) + " holds no PEM private key");
  return key;
}

std::string NameText(const X509_NAME* name) {
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

std::string TimeText(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> PublicKeyPin(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  if (len <= 0) return OpenSslError("encode the certificate's public key");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const int ok = EVP_Digest(der, static_cast<size_t>(len), digest, &digest_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return OpenSslError("hash the certificate's public key");
  return "sha256//" + sync::ToBase64(std::string_view(reinterpret_cast<char*>(digest), digest_len));
}

Result<CertificateInfo> Describe(X509* cert) {
  CertificateInfo info;
  info.subject = NameText(X509_get_subject_name(cert));
  info.issuer = NameText(X509_get_issuer_name(cert));
  info.not_after = TimeText(X509_get0_notAfter(cert));
  info.is_ca = X509_check_ca(cert) != 0;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                                  static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
    } else if (n->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = "";
      const int len = ASN1_STRING_length(n->d.iPAddress);
      inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(n->d.iPAddress), text, sizeof text);
      info.ip_addresses.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  SILIAN_ASSIGN_OR_RETURN(info.pin, PublicKeyPin(cert));
  return info;
}

Status CheckNames(const std::vector<std::string>& hosts, const std::vector<std::string>& ips) {
  if (hosts.empty() && ips.empty()) return InvalidArgument("give the hub's names: at least one --host or --ip");
  for (const auto& h : hosts)
    if (!IsHostName(h)) return InvalidArgument("--host " + Quote(h) + " is not a host name (letters, digits, - and .)");
  for (const auto& ip : ips)
    if (!IsIpAddress(ip)) return InvalidArgument("--ip " + Quote(ip) + " is not an IPv4 or IPv6 address");
  return Status::Ok();
}

std::string SubjectAltNames(const std::vector<std::string>& hosts, const std::vector<std::string>& ips) {
  std::string san;
  for (const auto& h : hosts) san += (san.empty() ? "" : ",") + std::string("DNS:") + h;
  for (const auto& ip : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  return san;
}

}  // namespace

Result<CertificateInfo> MakeCertificateAuthority(const std::string& dir, const std::string& name) {
  SILIAN_RETURN_IF_ERROR(CheckCommonName(name));
  if (dir.empty()) return InvalidArgument("--dir must name a folder");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return InvalidArgument("cannot create the folder " + Quote(dir) + ": " + std::strerror(errno));
  const std::string key_path = dir + "/" + kCaKeyFile, cert_path = dir + "/" + kCaCertFile;
  SILIAN_RETURN_IF_ERROR(CheckAbsent(key_path, "CA key"));
  SILIAN_RETURN_IF_ERROR(CheckAbsent(cert_path, "CA certificate"));
  SILIAN_ASSIGN_OR_RETURN(Key key, NewKey());
  SILIAN_ASSIGN_OR_RETURN(Cert cert, NewCertificate(key.get(), name, kCaValidityDays));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1)
    return OpenSslError("name the CA certificate's issuer");
  SILIAN_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  SILIAN_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  SILIAN_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("sign the CA certificate");
  SILIAN_ASSIGN_OR_RETURN(std::string key_pem, KeyPem(key.get()));
  SILIAN_ASSIGN_OR_RETURN(std::string cert_pem, CertPem(cert.get()));
  SILIAN_RETURN_IF_ERROR(WriteFile(key_path, "CA key", key_pem));
  SILIAN_RETURN_IF_ERROR(WriteFile(cert_path, "CA certificate", cert_pem));
  return Describe(cert.get());
}

Result<CertificateInfo> IssueServerCertificate(const std::string& dir, const std::vector<std::string>& hosts,
                                               const std::vector<std::string>& ips, const std::string& prefix) {
  SILIAN_RETURN_IF_ERROR(CheckNames(hosts, ips));
  if (prefix.empty()) return InvalidArgument("--out must name a path prefix (PREFIX.key and PREFIX.crt)");
  const std::string key_path = prefix + ".key", cert_path = prefix + ".crt";
  SILIAN_RETURN_IF_ERROR(CheckAbsent(key_path, "key"));
  SILIAN_RETURN_IF_ERROR(CheckAbsent(cert_path, "certificate"));
  const std::string ca_key_path = dir + "/" + kCaKeyFile, ca_cert_path = dir + "/" + kCaCertFile;
  SILIAN_ASSIGN_OR_RETURN(std::string ca_key_pem, ReadBounded(ca_key_path, "CA key"));
  SILIAN_ASSIGN_OR_RETURN(std::string ca_cert_pem, ReadBounded(ca_cert_path, "CA certificate"));
  SILIAN_ASSIGN_OR_RETURN(Key ca_key, ParseKey(ca_key_pem, ca_key_path));
  SILIAN_ASSIGN_OR_RETURN(Cert ca_cert, ParseCertificate(ca_cert_pem, ca_cert_path));
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("CA key " + Quote(ca_key_path) + " does not match CA certificate " + Quote(ca_cert_path));
  }
  SILIAN_ASSIGN_OR_RETURN(Key key, NewKey());
  SILIAN_ASSIGN_OR_RETURN(Cert cert, NewCertificate(key.get(), hosts.empty() ? ips.front() : hosts.front(),
                                                    kServerValidityDays));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return OpenSslError("name the certificate's issuer");
  X509* c = cert.get();
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_key_usage, "critical,digitalSignature"));
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_subject_key_identifier, "hash"));
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_authority_key_identifier, "keyid:always"));
  SILIAN_RETURN_IF_ERROR(AddExtension(c, ca_cert.get(), NID_subject_alt_name, SubjectAltNames(hosts, ips)));
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0) return OpenSslError("sign the certificate");
  SILIAN_ASSIGN_OR_RETURN(std::string key_pem, KeyPem(key.get()));
  SILIAN_ASSIGN_OR_RETURN(std::string cert_pem, CertPem(c));
  SILIAN_RETURN_IF_ERROR(WriteFile(key_path, "key", key_pem));
  SILIAN_RETURN_IF_ERROR(WriteFile(cert_path, "certificate", cert_pem));
  return Describe(c);
}

Result<CertificateInfo> ReadCertificate(const std::string& path) {
  SILIAN_ASSIGN_OR_RETURN(std::string pem, ReadBounded(path, "certificate"));
  SILIAN_ASSIGN_OR_RETURN(Cert cert, ParseCertificate(pem, path));
  return Describe(cert.get());
}

}  // namespace silian::hub
