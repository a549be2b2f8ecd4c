// `case print`: the printable documents of domain/documents.h, for silian-node and silian-hub.
#include <iostream>

#include "base/files.h"
#include "console/cases.h"
#include "domain/documents.h"
#include "domain/store.h"

namespace silian::console {

Status RunCasePrint(const GlobalOptions& g, const PrintOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::DocumentKind kind, sync::ParseDocumentKind(o.doc));
  std::optional<sync::Language> language;
  if (o.lang) {
    SILIAN_ASSIGN_OR_RETURN(language, sync::ParseLanguage(*o.lang));
  }
  if (o.out) SILIAN_RETURN_IF_ERROR(CheckWriteTarget(*o.out, "document"));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::string html, sync::RenderDocument(*store, o.case_ref, kind, language, Today()));
  if (o.out) {
    SILIAN_RETURN_IF_ERROR(WriteFileAtomically(*o.out, "document", html));
    if (!g.json) std::cout << "wrote " << sync::DocumentKindName(kind) << " to " << *o.out << '\n';
  }
  if (g.json) {
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, store->ShowCase(o.case_ref));
    PrintJson({{"case_number", view.value("case_number", "")},
               {"document", sync::DocumentKindName(kind)},
               {"language", language ? sync::LanguageName(*language) : view.value("language", "zh")},
               {"html", o.out ? nlohmann::json(nullptr) : nlohmann::json(html)}});
  } else if (!o.out) {
    std::cout << html;
  }
  return Status::Ok();
}

}  // namespace silian::console
