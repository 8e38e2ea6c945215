"""Small shared pieces with no knowledge of any domain: errors, money, clock, signing, paging, logs."""
