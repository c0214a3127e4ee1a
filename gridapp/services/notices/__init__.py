"""Targeted notices (精准推送): tags on household members (tags), who a notice reaches (audience), sending it
and fanning it out (publishing), and read receipts with the sender's reach figures (receipts)."""
