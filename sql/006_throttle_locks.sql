-- One row per throttle and client address, written by every attempt the
-- throttle counts (lib/signin_throttle.cc, lib/bearer_auth.cc): concurrent
-- attempts from one address then queue on the row's lock, and on a Galera
-- cluster two nodes' attempts conflict on it (certification) instead of
-- passing together, so the count they check is exact. Rows of addresses
-- not seen for a day are removed as new failures are recorded.
CREATE TABLE throttle_locks (
  throttle       VARCHAR(16) NOT NULL,
  client_address VARCHAR(45) NOT NULL,
  touched_at     DATETIME(6) NOT NULL,
  PRIMARY KEY (throttle, client_address),
  KEY ix_throttle_locks_time (touched_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
