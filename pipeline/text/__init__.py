"""Text out of agenda documents: PDF (in a worker process), DOCX, HTML, and splitting an agenda into items."""
