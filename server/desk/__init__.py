"""The service desk's requester side: keys, tokens and what a requester may do."""
