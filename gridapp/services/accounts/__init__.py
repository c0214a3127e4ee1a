"""Accounts: users and their grants, sign-in by password, SMS code and WeChat, revoked sessions, cities."""
