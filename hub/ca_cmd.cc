// `ca init | issue | pin`: the private CA of a city's hubs (hub/tls/ca.h), for the TLS front (front-config
// --tls-cert/--tls-key) and the clients that verify it (setting hub_ca, or hub_pin).
#include <iostream>

#include <nlohmann/json.hpp>

#include "console/support.h"
#include "hub/tls/ca.h"

namespace silian::hub {
namespace {

nlohmann::json InfoJson(const CertificateInfo& info) {
  return {{"subject", info.subject}, {"issuer", info.issuer},     {"not_after", info.not_after},
          {"dns_names", info.dns_names}, {"ip_addresses", info.ip_addresses}, {"is_ca", info.is_ca},
          {"pin", info.pin}};
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

Status RunCaInit(bool json, const CaOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(CertificateInfo info, MakeCertificateAuthority(o.dir, o.name));
  const std::string key = o.dir + "/" + kCaKeyFile, cert = o.dir + "/" + kCaCertFile;
  if (json) {
    nlohmann::json out = InfoJson(info);
    out["key"] = key;
    out["certificate"] = cert;
    console::PrintJson(out);
  } else {
    std::cout << "made the CA " << info.subject << " in " << o.dir << ", valid until " << info.not_after << "\n"
              << "its key " << key << " signs hub certificates: keep it offline; give " << cert
              << " to every node and child hub (hub_ca)\n";
  }
  return Status::Ok();
}

Status RunCaIssue(bool json, const CaOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(CertificateInfo info, IssueServerCertificate(o.dir, o.hosts, o.ips, o.out));
  if (json) {
    nlohmann::json out = InfoJson(info);
    out["key"] = o.out + ".key";
    out["certificate"] = o.out + ".crt";
    console::PrintJson(out);
  } else {
    std::vector<std::string> names = info.dns_names;
    names.insert(names.end(), info.ip_addresses.begin(), info.ip_addresses.end());
    std::cout << "issued " << o.out << ".crt and " << o.out << ".key for " << Join(names) << ", valid until "
              << info.not_after << "\npin " << info.pin << "\n";
  }
  return Status::Ok();
}

Status RunCaPin(bool json, const CaOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(CertificateInfo info, ReadCertificate(o.cert));
  if (json) {
    console::PrintJson(InfoJson(info));
  } else {
    std::cout << info.pin << "\n";
  }
  return Status::Ok();
}

}  // namespace silian::hub
