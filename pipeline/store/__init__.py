"""What is kept: meeting JSON documents, the SQLite ledger (the only module that speaks SQL), source health."""
