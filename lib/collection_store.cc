#include "collection_store.h"

#include "people.h"
#include "text.h"

namespace site {

Status ReadSiteGeneration(Db* db, std::string* generation) {
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT generation FROM site_state WHERE id = 1", {}, &rows);
  if (!s.ok()) return s;
  *generation = rows.empty() ? "" : rows[0].Str("generation");
  return Status::OK();
}

Status WriteSiteGeneration(Db* db, const std::string& generation) {
  return db->Exec("UPDATE site_state SET generation = ? WHERE id = 1", {generation});
}

Status SwapSiteGeneration(Db* db, const std::string& expected, const std::string& generation,
                          bool* swapped) {
  ExecResult r;
  Status s = db->Exec("UPDATE site_state SET generation = ? WHERE id = 1 AND generation = ?",
                      {generation, expected}, &r);
  *swapped = s.ok() && r.affected_rows == 1;
  return s;
}

Status CountCollections(Db* db, int64_t* count) {
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT COUNT(*) AS collections FROM collections", {}, &rows);
  if (!s.ok()) return s;
  *count = rows.empty() ? 0 : rows[0].Int("collections");
  return Status::OK();
}

Status FindCollection(Db* db, const std::string& guid, bool* found, CollectionVersion* out) {
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT id, updatable, version, archive_sha256, "
      "DATE_FORMAT(installed_at, '%Y-%m-%d %H:%i:%s') AS installed_at "
      "FROM collections WHERE guid = ?",
      {guid}, &rows);
  if (!s.ok()) return s;
  *found = !rows.empty();
  if (*found) {
    out->id = rows[0].Int("id");
    out->updatable = rows[0].Int("updatable") != 0;
    out->version = rows[0].Int("version");
    out->installed_at = rows[0].Str("installed_at");
    out->archive_sha256 = rows[0].Str("archive_sha256");
  }
  return Status::OK();
}

Status CheckImportsInstalled(Db* db, const std::vector<std::string>& imports,
                             const std::string& self) {
  for (const std::string& guid : imports) {
    if (guid == self) continue;
    std::vector<DbRow> rows;
    Status s = db->Query("SELECT 1 FROM collections WHERE guid = ?", {guid}, &rows);
    if (!s.ok()) return s;
    if (rows.empty()) {
      return Status::Invalid("<ImportCollection> " + guid + " is not installed; install it first");
    }
  }
  return Status::OK();
}

Status CheckPathFree(Db* db, const std::string& area, const std::string& path,
                     int64_t collection_id) {
  // The path itself, or a file where one of its directories would go; then
  // files below it, where it would be a file. In any case (path_folded).
  std::vector<std::string> candidates = {path};
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    candidates.push_back(path.substr(0, slash));
  }
  std::vector<DbRow> rows;
  for (const std::string& c : candidates) {
    Status s = db->Query(
        "SELECT c.name, c.guid, f.path FROM collection_files f "
        "JOIN collections c ON c.id = f.collection_id "
        "WHERE f.area = ? AND f.path_folded = LOWER(?) AND f.collection_id <> ?",
        {area, c, collection_id}, &rows);
    if (!s.ok()) return s;
    if (!rows.empty()) break;
  }
  if (rows.empty()) {
    Status s = db->Query(
        "SELECT c.name, c.guid, f.path FROM collection_files f "
        "JOIN collections c ON c.id = f.collection_id "
        "WHERE f.area = ? AND f.path_folded LIKE LOWER(?) AND f.collection_id <> ? LIMIT 1",
        {area, EscapeLike(path + "/") + "%", collection_id}, &rows);
    if (!s.ok()) return s;
  }
  if (rows.empty()) return Status::OK();
  std::string owner =
      "collection \"" + rows[0].Str("name") + "\" (" + rows[0].Str("guid") + ")";
  const std::string theirs = rows[0].Str("path");
  if (theirs == path) return Status::Conflict(area + "/" + path + " belongs to " + owner);
  bool same_case = StartsWith(path, theirs + "/") || StartsWith(theirs, path + "/");
  std::string why =
      same_case ? "" : " (paths that differ only in case are one file on a case-insensitive file system)";
  return Status::Conflict(area + "/" + path + " collides with " + area + "/" + theirs + " of " +
                          owner + why);
}

Status CollectionFiles(Db* db, int64_t collection_id, std::set<std::string>* files) {
  files->clear();
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT area, path FROM collection_files WHERE collection_id = ?",
                       {collection_id}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) files->insert(r.Str("area") + "/" + r.Str("path"));
  return Status::OK();
}

Status SaveCollection(Db* db, const SavedCollection& c) {
  const CollectionManifest& m = *c.manifest;
  int64_t id = c.existing_id;
  std::vector<DbValue> fields = {m.name,
                                 static_cast<int64_t>(m.system),
                                 static_cast<int64_t>(m.updatable),
                                 c.version,
                                 c.person_id > 0 ? DbValue(c.person_id) : DbValue(nullptr),
                                 static_cast<int64_t>(c.files.size()),
                                 static_cast<int64_t>(c.bytes),
                                 c.archive_sha256,
                                 m.help_link,
                                 m.help};
  Status s;
  if (id == 0) {
    fields.push_back(m.guid);
    ExecResult r;
    s = db->Exec(
        "INSERT INTO collections (name, is_system, updatable, version, installed_by, installed_at, "
        "file_count, total_bytes, archive_sha256, help_link, help, guid) "
        "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(), ?, ?, ?, ?, ?, ?)",
        fields, &r);
    id = static_cast<int64_t>(r.last_insert_id);
  } else {
    fields.push_back(id);
    s = db->Exec(
        "UPDATE collections SET name = ?, is_system = ?, updatable = ?, version = ?, "
        "installed_by = ?, installed_at = UTC_TIMESTAMP(), file_count = ?, total_bytes = ?, "
        "archive_sha256 = ?, help_link = ?, help = ? WHERE id = ?",
        fields);
    if (s.ok()) s = db->Exec("DELETE FROM collection_files WHERE collection_id = ?", {id});
    if (s.ok()) s = db->Exec("DELETE FROM collection_addons WHERE collection_id = ?", {id});
  }
  if (!s.ok()) return s;
  for (const SavedFile& f : c.files) {
    s = db->Exec("INSERT INTO collection_files (area, path, collection_id, bytes) VALUES (?, ?, ?, ?)",
                 {f.area, f.path, id, static_cast<int64_t>(f.bytes)});
    if (s.code() == Status::Code::kConflict) {
      return Status::Conflict(f.area + "/" + f.path + " belongs to another collection");
    }
    if (!s.ok()) return s;
  }
  for (const ManifestAddon& a : m.addons) {
    s = db->Exec("INSERT INTO collection_addons (collection_id, name, guid) VALUES (?, ?, ?)",
                 {id, a.name.substr(0, 200), a.guid.substr(0, 64)});
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status RecordInstallAttempt(Db* db, const AttemptRecord& a) {
  const std::string kind = !a.result.empty()    ? a.result
                           : a.http_status < 300 ? "installed"
                           : a.http_status >= 500 ? "failed"
                                                  : "refused";
  return db->Exec(
      "INSERT INTO collection_installs (guid, name, person_id, client_address, attempted_at, "
      "archive_sha256, archive_bytes, result, http_status, reason, file_count, total_bytes, "
      "replaced) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.guid, a.name, a.person_id > 0 ? DbValue(a.person_id) : DbValue(nullptr),
       a.client_address, a.archive_sha256, static_cast<int64_t>(a.archive_bytes),
       kind, static_cast<int64_t>(a.http_status), a.reason.substr(0, 2000),
       static_cast<int64_t>(a.files), static_cast<int64_t>(a.bytes),
       static_cast<int64_t>(a.replaced ? 1 : 0)});
}

Status ListInstalledCollections(Db* db, std::vector<InstalledCollection>* out) {
  out->clear();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT c.name, c.guid, p.first_name, p.last_name, "
      "DATE_FORMAT(c.installed_at, '%Y-%m-%d %H:%i:%s') AS installed_at, c.version, "
      "c.file_count, c.total_bytes, "
      "c.updatable FROM collections c LEFT JOIN people p ON p.id = c.installed_by "
      "ORDER BY c.name, c.guid",
      {}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    InstalledCollection c;
    c.name = r.Str("name");
    c.guid = r.Str("guid");
    c.installed_by = DisplayName(r.Str("first_name"), r.Str("last_name"));
    c.installed_at = r.Str("installed_at");
    c.version = r.Int("version");
    c.files = r.Int("file_count");
    c.bytes = r.Int("total_bytes");
    c.updatable = r.Int("updatable") != 0;
    out->push_back(std::move(c));
  }
  return Status::OK();
}

Status ListInstallAttempts(Db* db, const std::string& guid, int limit,
                           std::vector<InstallAttempt>* out) {
  out->clear();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT i.name, i.guid, p.first_name, p.last_name, "
      "i.client_address, DATE_FORMAT(i.attempted_at, '%Y-%m-%d %H:%i:%s') AS attempted_at, "
      "i.result, i.reason, "
      "i.archive_sha256, i.http_status, i.file_count, i.total_bytes, i.replaced "
      "FROM collection_installs i LEFT JOIN people p ON p.id = i.person_id "
      "WHERE (? = '' OR i.guid = ?) ORDER BY i.attempted_at DESC, i.id DESC LIMIT ?",
      {guid, guid, static_cast<int64_t>(limit)}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    InstallAttempt a;
    a.name = r.Str("name");
    a.guid = r.Str("guid");
    a.person = DisplayName(r.Str("first_name"), r.Str("last_name"));
    a.client_address = r.Str("client_address");
    a.attempted_at = r.Str("attempted_at");
    a.result = r.Str("result");
    a.reason = r.Str("reason");
    a.sha256 = r.Str("archive_sha256");
    a.http_status = r.Int("http_status");
    a.files = r.Int("file_count");
    a.bytes = r.Int("total_bytes");
    a.replaced = r.Int("replaced") != 0;
    out->push_back(std::move(a));
  }
  return Status::OK();
}

}  // namespace site
