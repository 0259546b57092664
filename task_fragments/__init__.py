"""Task fragments: the HTML of one task, rendered alike by webapp (its pages and answers)
and by sync_worker (what it pushes to open tabs), so the two can never drift apart."""
