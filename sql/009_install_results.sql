-- Two more results in the install history: "unchanged" (the archive is the
-- one installed: nothing was built) and "validated" (a dry run: every check
-- ran, nothing was installed).
ALTER TABLE collection_installs
  MODIFY result ENUM('installed', 'refused', 'failed', 'unchanged', 'validated') NOT NULL;
