"""Files for people: the campaign report as Markdown, XLSX, CSV, and its completion chart."""
