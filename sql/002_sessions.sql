-- Admin-site sessions. The cookie holds a 256-bit random id; only its
-- SHA-256 digest is stored, so a copy of this table signs nobody in.
CREATE TABLE sessions (
  id_digest      CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  person_id      INT UNSIGNED NOT NULL,
  client_address VARCHAR(45) NOT NULL,
  created_at     DATETIME NOT NULL,
  last_seen_at   DATETIME NOT NULL,
  KEY ix_sessions_person (person_id),
  KEY ix_sessions_last_seen (last_seen_at),
  CONSTRAINT fk_sessions_person FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed sign-ins, counted per client address within a sliding window.
CREATE TABLE signin_failures (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  client_address VARCHAR(45) NOT NULL,
  failed_at      DATETIME(6) NOT NULL,
  KEY ix_signin_failures_address (client_address, failed_at),
  KEY ix_signin_failures_time (failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
