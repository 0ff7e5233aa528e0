-- Installed collections. Their files live in a "generation" directory of
-- the site's files area; site_state names the generation that is published
-- (the target of files_dir/current), and the database is the truth that the
-- disk is brought back to after a crash.
CREATE TABLE collections (
  id             INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  guid           VARCHAR(64) NOT NULL,
  name           VARCHAR(200) NOT NULL,
  is_system      TINYINT(1) NOT NULL DEFAULT 0,
  updatable      TINYINT(1) NOT NULL DEFAULT 1,
  version        INT UNSIGNED NOT NULL DEFAULT 1,
  installed_by   INT UNSIGNED NULL,
  installed_at   DATETIME NOT NULL,
  file_count     INT UNSIGNED NOT NULL,
  total_bytes    BIGINT UNSIGNED NOT NULL,
  archive_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  help_link      VARCHAR(1000) NOT NULL DEFAULT '',
  help           TEXT NOT NULL,
  UNIQUE KEY uq_collections_guid (guid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every installed file, with its owner: a path belongs to one collection.
CREATE TABLE collection_files (
  area          ENUM('www', 'private', 'cdn') NOT NULL,
  path          VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  collection_id INT UNSIGNED NOT NULL,
  bytes         BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (area, path(700)),
  KEY ix_collection_files_collection (collection_id),
  CONSTRAINT fk_collection_files_collection FOREIGN KEY (collection_id) REFERENCES collections (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- (With its primary key since 007 was written: a Galera cluster with
-- wsrep_mode=REQUIRED_PRIMARY_KEY refuses a table without one. Sites that
-- applied this file before get the key from 007.)
CREATE TABLE collection_addons (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  collection_id INT UNSIGNED NOT NULL,
  name          VARCHAR(200) NOT NULL,
  guid          VARCHAR(64) NOT NULL DEFAULT '',
  KEY ix_collection_addons_collection (collection_id),
  CONSTRAINT fk_collection_addons_collection FOREIGN KEY (collection_id) REFERENCES collections (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every install attempt, successful or not: who, when, what, the result.
CREATE TABLE collection_installs (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  guid           VARCHAR(64) NOT NULL DEFAULT '',
  name           VARCHAR(200) NOT NULL DEFAULT '',
  person_id      INT UNSIGNED NULL,
  client_address VARCHAR(45) NOT NULL,
  attempted_at   DATETIME(6) NOT NULL,
  archive_sha256 CHAR(64) CHARACTER SET ascii NOT NULL DEFAULT '',
  archive_bytes  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  result         ENUM('installed', 'refused', 'failed') NOT NULL,
  http_status    SMALLINT UNSIGNED NOT NULL,
  reason         VARCHAR(2000) NOT NULL DEFAULT '',
  file_count     INT UNSIGNED NOT NULL DEFAULT 0,
  total_bytes    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  replaced       TINYINT(1) NOT NULL DEFAULT 0,
  KEY ix_collection_installs_guid (guid, attempted_at),
  KEY ix_collection_installs_time (attempted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: the published generation of the files area.
CREATE TABLE site_state (
  id         TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  generation VARCHAR(64) CHARACTER SET ascii NULL
) ENGINE=InnoDB;
INSERT INTO site_state (id, generation) VALUES (1, NULL);
