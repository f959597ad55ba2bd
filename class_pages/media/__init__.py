"""Private media: storage that no web server publishes, uploads judged by content, the
renditions carers get, face counting, recordings remuxed without metadata, which media a
post may use, cleanup when posts go, and the admin's media forms and listings."""
