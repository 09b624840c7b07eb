"""The Illinois General Assembly: bill XML and web pages, the bill ledger and notices, its pipeline stages."""
