-- Paths that differ only in case are one file on a case-insensitive file
-- system (a files directory shared from such a host, or a copy unpacked on
-- Windows or macOS): a path belongs to one collection whatever its case. The
-- installer looks its paths up through this lower-cased copy (LOWER(), as
-- the query applies it to the new path), indexed like the path itself.
ALTER TABLE collection_files
  ADD COLUMN path_folded VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
    AS (LOWER(path)) STORED,
  ADD KEY ix_collection_files_folded (area, path_folded(700));
