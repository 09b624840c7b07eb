"""Getting meetings in: the Scrapy item pipeline stages, running crawls, recognising a town's platform."""
