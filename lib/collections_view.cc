#include "collections_view.h"

namespace site {

Status ListInstalledCollections(Db* db, std::vector<InstalledCollection>* out) {
  out->clear();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT c.name, c.guid, TRIM(CONCAT(COALESCE(p.first_name, ''), ' ', COALESCE(p.last_name, ''))), "
      "DATE_FORMAT(c.installed_at, '%Y-%m-%d %H:%i:%s'), c.version, c.file_count, c.total_bytes, "
      "c.updatable FROM collections c LEFT JOIN people p ON p.id = c.installed_by "
      "ORDER BY c.name, c.guid",
      {}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    out->push_back(InstalledCollection{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4), r.Int(5),
                                       r.Int(6), r.Int(7) != 0});
  }
  return Status::OK();
}

Status ListInstallAttempts(Db* db, const std::string& guid, int limit,
                           std::vector<InstallAttempt>* out) {
  out->clear();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT i.name, i.guid, TRIM(CONCAT(COALESCE(p.first_name, ''), ' ', COALESCE(p.last_name, ''))), "
      "i.client_address, DATE_FORMAT(i.attempted_at, '%Y-%m-%d %H:%i:%s'), i.result, i.reason, "
      "i.archive_sha256, i.http_status, i.file_count, i.total_bytes, i.replaced "
      "FROM collection_installs i LEFT JOIN people p ON p.id = i.person_id "
      "WHERE (? = '' OR i.guid = ?) ORDER BY i.attempted_at DESC, i.id DESC LIMIT ?",
      {guid, guid, static_cast<int64_t>(limit)}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    out->push_back(InstallAttempt{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4), r.Str(5),
                                  r.Str(6), r.Str(7), r.Int(8), r.Int(9), r.Int(10),
                                  r.Int(11) != 0});
  }
  return Status::OK();
}

}  // namespace site
