//! The embedded GPTBots-compatible server.
