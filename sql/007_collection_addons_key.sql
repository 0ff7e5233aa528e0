-- Every table has a primary key: a Galera cluster replicates rows by their
-- key (a table without one is replicated slowly, and refused outright under
-- wsrep_mode=REQUIRED_PRIMARY_KEY), and collection_addons had none (004
-- has it now, for new sites: then this changes nothing).
ALTER TABLE collection_addons
  ADD COLUMN IF NOT EXISTS id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;
