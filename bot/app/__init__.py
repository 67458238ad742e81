"""Assembling and running the Telegram application: the bot's process."""
