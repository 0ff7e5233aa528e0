-- Install paths are keyed whole, not on a 700-character prefix: two paths
-- that share their first 700 characters were one key, and Galera certifies
-- rows by their key. The installer has always refused paths over 700 bytes
-- (lib/install_plan.h), so no row is shortened; 700 utf8mb4 characters fit
-- InnoDB's 3072-byte key.
ALTER TABLE collection_files
  DROP KEY ix_collection_files_folded,
  DROP PRIMARY KEY,
  MODIFY path VARCHAR(700) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  MODIFY path_folded VARCHAR(700) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
    AS (LOWER(path)) STORED,
  ADD PRIMARY KEY (area, path),
  ADD KEY ix_collection_files_folded (area, path_folded);
